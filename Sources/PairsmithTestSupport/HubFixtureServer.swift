import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A local stand-in for the Hugging Face hub: the same URL layout (`/api/models/{repo}/revision/{rev}`,
/// `/{repo}/resolve/{commit}/{path}` with a redirect to a CDN path for LFS files, `Range` requests),
/// serving fixture files, with faults to inject (a dropped connection, corrupt bytes, a required token).
public final class HubFixtureServer: Sendable {
    /// A repository the server holds.
    public struct Repository: Sendable {
        /// `owner/name`.
        public var id: String
        /// The commit every revision resolves to.
        public var commit: String
        /// Path → content.
        public var files: [String: Data]
        /// Paths stored "in LFS": listed with a sha256 and served through a redirect.
        public var lfs: Set<String>

        /// Creates a repository.
        public init(id: String, commit: String, files: [String: Data], lfs: Set<String>) {
            self.id = id
            self.commit = commit
            self.files = files
            self.lfs = lfs
        }
    }

    /// Faults the server injects.
    public struct Faults: Sendable {
        /// For these paths, the first response body is cut after this many bytes (the connection drops).
        public var dropAfterBytes: [String: Int] = [:]
        /// These paths are served with one byte flipped, while the listing keeps the true hash.
        public var corrupt: Set<String> = []
        /// When set, every request to the hub host (not the CDN) needs `Authorization: Bearer <token>`.
        public var requiredToken: String?
        /// The first this-many listing requests are answered 429 with `Retry-After: listingRetryAfter`.
        public var rateLimitedListings = 0
        /// The `Retry-After` value of those 429 answers (delta-seconds).
        public var listingRetryAfter = "3600"

        /// No faults.
        public init() {}
    }

    /// What the server saw, for assertions.
    public struct Log: Sendable {
        /// `Range` headers received per file path.
        public var ranges: [String: [String]] = [:]
        /// Requests to the CDN path that carried an `Authorization` header (must stay empty).
        public var authorizationSentToCDN = 0
        /// Number of file downloads started (resolve requests) per path.
        public var fileRequests: [String: Int] = [:]
    }

    private let repositories: [String: Repository]
    private let state: Mutex<(faults: Faults, log: Log, cdnPort: Int)>

    /// Creates a server over `repositories` with `faults`.
    public init(repositories: [Repository], faults: Faults = Faults()) {
        self.repositories = Dictionary(uniqueKeysWithValues: repositories.map { ($0.id, $0) })
        self.state = Mutex((faults, Log(), 0))
    }

    /// What the server has seen so far.
    public var log: Log { state.withLock { $0.log } }

    /// Runs the server on 127.0.0.1 while `body` runs with its base URL. LFS files redirect to a second
    /// port (the "CDN"), a different origin, as the real hub's CDN is.
    public func run<T: Sendable>(_ body: @Sendable (URL) async throws -> T) async throws -> T {
        let router = Router()
        router.get("**") { request, _ in self.respond(to: request) }
        var logger = Logger(label: "hub-fixture")
        logger.logLevel = .critical
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let apps = (0..<2).map { _ in
            Application(
                router: router,
                configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
                logger: logger
            )
        }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            for app in apps {
                group.addTask {
                    try await app.run()
                    return nil
                }
            }
            var bound: [Int] = []
            for await port in ports {
                bound.append(port)
                if bound.count == 2 { break }
            }
            guard bound.count == 2, bound.allSatisfy({ $0 > 0 }) else {
                group.cancelAll()
                throw TestSupportError.missingPrerequisite("the hub fixture server did not start")
            }
            // Whichever port came up first is the hub; the other is the CDN.
            state.withLock { $0.cdnPort = bound[1] }
            let url = URL(string: "http://127.0.0.1:\(bound[0])")!
            do {
                let result = try await body(url)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    // MARK: - Routing

    private func respond(to request: Request) -> Response {
        let path = request.uri.path
        let authorized = state.withLock { state -> Bool in
            guard let token = state.faults.requiredToken else { return true }
            return request.headers[.authorization] == "Bearer \(token)"
        }
        if path.hasPrefix("/cdn/") { return serveCDN(request, path: path) }
        guard authorized else { return Self.json(.unauthorized, ["error": "Invalid credentials in Authorization header"]) }
        if path.hasPrefix("/api/models/") {
            let retryAfter = state.withLock { state -> String? in
                guard state.faults.rateLimitedListings > 0 else { return nil }
                state.faults.rateLimitedListings -= 1
                return state.faults.listingRetryAfter
            }
            if let retryAfter {
                var response = Self.json(.tooManyRequests, ["error": "rate limited"])
                response.headers[.retryAfter] = retryAfter
                return response
            }
            return serveListing(path)
        }
        return serveResolve(request, path: path)
    }

    /// `/api/models/{owner}/{name}/revision/{rev}`
    private func serveListing(_ path: String) -> Response {
        let parts = path.dropFirst("/api/models/".count).split(separator: "/", maxSplits: 3).map(String.init)
        guard parts.count == 4, parts[2] == "revision", let repo = repositories["\(parts[0])/\(parts[1])"] else {
            return Self.json(.notFound, ["error": "Repository not found"])
        }
        let siblings: [[String: Any]] = repo.files.keys.sorted().map { name in
            let content = repo.files[name]!
            if repo.lfs.contains(name) {
                return [
                    "rfilename": name, "size": content.count, "blobId": Self.gitBlobID(Data("pointer".utf8)),
                    "lfs": ["sha256": Self.hex(SHA256.hash(data: content)), "size": content.count, "pointerSize": 134],
                ]
            }
            return ["rfilename": name, "size": content.count, "blobId": Self.gitBlobID(content)]
        }
        return Self.json(.ok, ["id": repo.id, "sha": repo.commit, "siblings": siblings])
    }

    /// `/{owner}/{name}/resolve/{commit}/{path...}`
    private func serveResolve(_ request: Request, path: String) -> Response {
        let parts = path.dropFirst().split(separator: "/", maxSplits: 4).map(String.init)
        guard parts.count == 5, parts[2] == "resolve", let repo = repositories["\(parts[0])/\(parts[1])"],
            parts[3] == repo.commit || parts[3] == "main",
            let name = parts[4].removingPercentEncoding, let content = repo.files[name]
        else { return Self.json(.notFound, ["error": "Entry not found"]) }
        state.withLock { $0.log.fileRequests[name, default: 0] += 1 }
        if repo.lfs.contains(name) {
            let sha = Self.hex(SHA256.hash(data: content))
            var headers = HTTPFields()
            let cdnPort = state.withLock { $0.cdnPort }
            headers[.location] = "http://127.0.0.1:\(cdnPort)/cdn/\(repo.id)/\(sha)?file=\(parts[4])"
            return Response(status: .found, headers: headers)
        }
        return serveBytes(request, name: name, content: content)
    }

    /// `/cdn/{owner}/{name}/{sha256}?file=…`: LFS content, no authentication expected.
    private func serveCDN(_ request: Request, path: String) -> Response {
        if request.headers[.authorization] != nil { state.withLock { $0.log.authorizationSentToCDN += 1 } }
        let parts = path.dropFirst("/cdn/".count).split(separator: "/").map(String.init)
        guard parts.count == 3, let repo = repositories["\(parts[0])/\(parts[1])"],
            let name = repo.lfs.first(where: { Self.hex(SHA256.hash(data: repo.files[$0]!)) == parts[2] }),
            let content = repo.files[name]
        else { return Self.json(.notFound, ["error": "Not found"]) }
        return serveBytes(request, name: name, content: content)
    }

    private func serveBytes(_ request: Request, name: String, content: Data) -> Response {
        let range = request.headers[.range]
        let (drop, corrupt) = state.withLock { state -> (Int?, Bool) in
            if let range { state.log.ranges[name, default: []].append(range) }
            let drop = state.faults.dropAfterBytes.removeValue(forKey: name)
            return (drop, state.faults.corrupt.contains(name))
        }
        var bytes = content
        if corrupt, !bytes.isEmpty { bytes[bytes.startIndex] ^= 0xFF }
        var start = 0
        var status = HTTPResponse.Status.ok
        var headers = HTTPFields()
        if let range, range.hasPrefix("bytes="), let from = Int(range.dropFirst(6).split(separator: "-").first ?? "") {
            guard from < bytes.count else { return Response(status: .rangeNotSatisfiable) }
            start = from
            status = .partialContent
            headers[.contentRange] = "bytes \(from)-\(bytes.count - 1)/\(bytes.count)"
        }
        let slice = bytes[(bytes.startIndex + start)...]
        headers[.contentLength] = String(slice.count)
        headers[.acceptRanges] = "bytes"
        let body: ResponseBody
        if let drop {
            let cut = ByteBuffer(bytes: slice.prefix(drop))
            body = ResponseBody(contentLength: slice.count) { writer in
                try await writer.write(cut)
                throw HubFixtureError.droppedConnection
            }
        } else {
            body = ResponseBody(byteBuffer: ByteBuffer(bytes: slice))
        }
        return Response(status: status, headers: headers, body: body)
    }

    // MARK: - Helpers

    private static func json(_ status: HTTPResponse.Status, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    private static func gitBlobID(_ content: Data) -> String {
        var hasher = Insecure.SHA1()
        hasher.update(data: Data("blob \(content.count)\0".utf8))
        hasher.update(data: content)
        return hex(hasher.finalize())
    }

    private static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}

/// The fault the hub fixture raises to cut a response short.
enum HubFixtureError: Error {
    case droppedConnection
}

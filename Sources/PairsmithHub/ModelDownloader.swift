import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1

/// Progress of a pull, reported file by file and chunk by chunk.
public enum HubProgress: Sendable {
    /// The revision resolved to a commit and these files will be fetched.
    case resolved(commit: String, files: [HubFile])
    /// A file is already present and verified; nothing to do.
    case skipped(HubFile)
    /// Bytes of a file arrived (`done` of `file.size`).
    case downloading(HubFile, done: Int64)
    /// A transient fault; the download resumes after `delay` seconds.
    case retrying(HubFile, attempt: Int, delay: Double, reason: String)
    /// A file was written and verified.
    case finished(HubFile)
}

/// What a pull did.
public struct PullReport: Sendable, Equatable {
    /// The commit the files come from.
    public var commit: String
    /// The files now present in the folder.
    public var files: [HubFile]
    /// How many of them were fetched now (the others were already there).
    public var downloaded: Int
}

/// Downloads a model repository from the Hugging Face hub (or any server with its URL layout) into a folder:
/// pinned to one commit, resumable after an interruption, every file checked against the size and hash the hub reports.
public struct ModelDownloader: Sendable {
    /// Where the hub is and the token to send.
    public var configuration: HubConfiguration
    /// Attempts per file for transient faults (connection errors, 429, 5xx).
    public var maxAttempts = 6
    /// The first back-off delay in seconds; it doubles per attempt (with jitter).
    public var initialBackoff = 0.5
    /// Files never fetched unless an include pattern names them: weights in formats pairsmith does not read.
    public var excludedByDefault = [
        "*.bin", "*.pt", "*.pth", "*.onnx", "*.onnx_data", "*.gguf", "*.h5",
        "*.msgpack", "*.ot", "*.tflite", "onnx/*", "openvino/*",
    ]

    /// The folder (inside the target) that holds partial downloads and verification stamps.
    public static let stagingFolder = ".pairsmith-download"

    /// The longest one `Retry-After` may make a retry wait: a server asking for more is retried after this (60 s).
    public var maxRetryAfter: Duration = .seconds(60)
    /// Sleeps between attempts (`Task.sleep` outside tests; tests record the waits instead of sleeping them).
    public var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

    /// Creates a downloader.
    public init(configuration: HubConfiguration) {
        self.configuration = configuration
    }

    /// Fetches the file list of `repository` at `revision`.
    public func listing(repository: String, revision: String = "main") async throws -> HubListing {
        try Self.checkRepository(repository)
        let client = Self.makeClient()
        do {
            let listing = try await fetchListing(client, repository: repository, revision: revision)
            try await client.shutdown()
            return listing
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Downloads the files of `repository` at `revision` into `directory`, skipping files already verified there.
    ///
    /// `include` patterns, when given, select the files; otherwise everything but ``excludedByDefault``.
    public func pull(
        repository: String, revision: String = "main", to directory: URL, include: [String] = [],
        progress: @escaping @Sendable (HubProgress) -> Void = { _ in }
    ) async throws -> PullReport {
        try Self.checkRepository(repository)
        let client = Self.makeClient()
        do {
            let report = try await pull(client, repository, revision, directory, include, progress)
            try await client.shutdown()
            return report
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func pull(
        _ client: HTTPClient, _ repository: String, _ revision: String, _ directory: URL, _ include: [String],
        _ progress: @escaping @Sendable (HubProgress) -> Void
    ) async throws -> PullReport {
        let listing = try await fetchListing(client, repository: repository, revision: revision)
        let wanted = listing.files.filter { file in
            include.isEmpty
                ? !excludedByDefault.contains { GlobPattern.matches(file.path, $0) }
                : include.contains { GlobPattern.matches(file.path, $0) }
        }
        guard !wanted.isEmpty else { throw HubError.nothingToDownload(repository: repository) }
        progress(.resolved(commit: listing.commit, files: wanted))
        var downloaded = 0
        for file in wanted {
            let target = directory.appendingPathComponent(file.path)
            let stamp = directory.appendingPathComponent(Self.stagingFolder).appendingPathComponent(file.path + ".verified")
            if Self.isVerified(file, at: target, stamp: stamp) {
                progress(.skipped(file))
                continue
            }
            try await download(
                client, file, repository: repository, commit: listing.commit,
                into: directory, progress: progress)
            downloaded += 1
            progress(.finished(file))
        }
        return PullReport(commit: listing.commit, files: wanted, downloaded: downloaded)
    }

    // MARK: - Listing

    private func fetchListing(_ client: HTTPClient, repository: String, revision: String) async throws -> HubListing {
        let url = "\(endpoint)/api/models/\(repository)/revision/\(Self.escape(revision))?blobs=true"
        var attempt = 0
        while true {
            attempt += 1
            do {
                let response = try await send(client, url: url, headers: [:])
                let body = try await response.body.collect(upTo: 64 << 20)
                switch response.status.code {
                case 200: return try HubListing(apiResponse: Data(body.readableBytesView))
                case 401, 403: throw HubError.unauthorized(repository: repository, hasToken: configuration.token != nil)
                case 404: throw HubError.notFound(repository: repository, revision: revision)
                case 429 where attempt < maxAttempts, 500...599 where attempt < maxAttempts:
                    try await sleep(.seconds(backoff(attempt, retryAfter: response.headers.first(name: "retry-after"))))
                default:
                    throw HubError.http(status: Int(response.status.code), url: url, message: Self.message(body))
                }
            } catch let error as HubError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                guard attempt < maxAttempts else { throw HubError.transport(url: url, message: "\(error)") }
                try await sleep(.seconds(backoff(attempt, retryAfter: nil)))
            }
        }
    }

    // MARK: - One file

    private func download(
        _ client: HTTPClient, _ file: HubFile, repository: String, commit: String, into directory: URL,
        progress: @escaping @Sendable (HubProgress) -> Void
    ) async throws {
        let staging = directory.appendingPathComponent(Self.stagingFolder)
        let partial = staging.appendingPathComponent(file.path + ".partial")
        let stamp = staging.appendingPathComponent(file.path + ".verified")
        let target = directory.appendingPathComponent(file.path)
        try Self.makeParent(of: partial)
        try Self.makeParent(of: target)
        let url =
            "\(endpoint)/\(repository)/resolve/\(commit)/\(file.path.split(separator: "/").map { Self.escape(String($0)) }.joined(separator: "/"))"

        var attempt = 0
        while true {
            attempt += 1
            var offset = Self.size(of: partial) ?? 0
            if offset > file.size {
                try? FileManager.default.removeItem(at: partial)
                offset = 0
            }
            if offset == file.size { break }
            do {
                try await fetch(client, url: url, file: file, partial: partial, offset: offset, progress: progress)
                if Self.size(of: partial) == file.size { break }
                throw HubError.transport(url: url, message: "the body ended early")
            } catch let error as HubError {
                switch error {
                case .transport, .http(status: 429, _, _), .http(status: 500...599, _, _):
                    guard attempt < maxAttempts else { throw error }
                    let delay = backoff(attempt, retryAfter: nil)
                    progress(.retrying(file, attempt: attempt, delay: delay, reason: error.description))
                    try await sleep(.seconds(delay))
                default:
                    throw error
                }
            }
        }
        try verify(file, at: partial)
        do {
            if FileManager.default.fileExists(atPath: target.path) { try FileManager.default.removeItem(at: target) }
            try FileManager.default.moveItem(at: partial, to: target)
            try Data((file.sha256 ?? file.gitBlobID ?? "").utf8).write(to: stamp, options: .atomic)
        } catch {
            throw HubError.fileSystem(path: target.path, message: "\(error)")
        }
    }

    /// One GET of the rest of a file (from `offset`), appended to `partial`; follows redirects itself.
    private func fetch(
        _ client: HTTPClient, url: String, file: HubFile, partial: URL, offset: Int64,
        progress: @escaping @Sendable (HubProgress) -> Void
    ) async throws {
        var headers: HTTPHeaders = [:]
        if offset > 0 { headers.add(name: "Range", value: "bytes=\(offset)-") }
        let response: HTTPClientResponse
        do {
            response = try await send(client, url: url, headers: headers)
        } catch let error as HubError {
            throw error
        } catch {
            throw HubError.transport(url: url, message: "\(error)")
        }
        var written = offset
        let handle: FileHandle
        switch response.status.code {
        case 206:
            handle = try Self.openForAppend(partial)
        case 200:
            written = 0
            handle = try Self.openTruncated(partial)
        case 416:
            try? FileManager.default.removeItem(at: partial)
            throw HubError.transport(url: url, message: "the server refused to resume; starting the file again")
        case 401, 403:
            throw HubError.unauthorized(repository: url, hasToken: configuration.token != nil)
        default:
            let body = try? await response.body.collect(upTo: 1 << 20)
            throw HubError.http(status: Int(response.status.code), url: url, message: body.map(Self.message) ?? "")
        }
        defer { try? handle.close() }
        do {
            var lastReport = written
            for try await chunk in response.body {
                try chunk.withUnsafeReadableBytes { try handle.write(contentsOf: $0) }
                written += Int64(chunk.readableBytes)
                if written > file.size { break }
                if written - lastReport >= 8 << 20 {
                    progress(.downloading(file, done: written))
                    lastReport = written
                }
            }
            try handle.synchronize()
        } catch {
            throw HubError.transport(url: url, message: "\(error)")
        }
        progress(.downloading(file, done: written))
    }

    private func verify(_ file: HubFile, at url: URL) throws {
        let size = Self.size(of: url) ?? -1
        guard size == file.size else {
            try? FileManager.default.removeItem(at: url)
            throw HubError.integrity(file: file.path, expected: "\(file.size) bytes", actual: "\(size) bytes")
        }
        if let expected = file.sha256?.lowercased() {
            let actual = try Self.digest(of: url, hasher: SHA256(), prefix: nil)
            guard actual == expected else {
                try? FileManager.default.removeItem(at: url)
                throw HubError.integrity(file: file.path, expected: "sha256 \(expected)", actual: "sha256 \(actual)")
            }
        } else if let expected = file.gitBlobID?.lowercased() {
            let actual = try Self.digest(of: url, hasher: Insecure.SHA1(), prefix: Data("blob \(file.size)\0".utf8))
            guard actual == expected else {
                try? FileManager.default.removeItem(at: url)
                throw HubError.integrity(file: file.path, expected: "git blob \(expected)", actual: "git blob \(actual)")
            }
        }
    }

    // MARK: - HTTP

    private var endpoint: String { configuration.endpoint.absoluteString }

    /// Sends a GET, following up to 5 redirects; the token goes only to the hub's own host.
    private func send(_ client: HTTPClient, url: String, headers: HTTPHeaders) async throws -> HTTPClientResponse {
        var current = url
        for _ in 0...5 {
            var request = HTTPClientRequest(url: current)
            request.headers = headers
            request.headers.add(name: "User-Agent", value: "pairsmith")
            if let token = configuration.token, Self.sameOrigin(current, configuration.endpoint) {
                request.headers.add(name: "Authorization", value: "Bearer \(token)")
            }
            let response = try await client.execute(request, timeout: .seconds(3600))
            guard (300...399).contains(response.status.code), let location = response.headers.first(name: "location")
            else { return response }
            _ = try? await response.body.collect(upTo: 1 << 20)
            guard let next = URL(string: location, relativeTo: URL(string: current)) else {
                throw HubError.http(status: Int(response.status.code), url: current, message: "bad redirect to \(location)")
            }
            current = next.absoluteString
        }
        throw HubError.http(status: 310, url: url, message: "too many redirects")
    }

    /// Whether `url` has the endpoint's scheme, host and port (the only origin that gets the token).
    private static func sameOrigin(_ url: String, _ endpoint: URL) -> Bool {
        guard let url = URL(string: url) else { return false }
        func port(_ url: URL) -> Int? { url.port ?? (url.scheme == "https" ? 443 : url.scheme == "http" ? 80 : nil) }
        return url.scheme == endpoint.scheme && url.host == endpoint.host && port(url) == port(endpoint)
    }

    private static func makeClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(15), read: .seconds(60))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Exponential back-off with full jitter; a Retry-After in seconds wins when larger.
    private func backoff(_ attempt: Int, retryAfter: String?) -> Double {
        let exponential = initialBackoff * pow(2, Double(attempt - 1))
        let jittered = Double.random(in: exponential / 2...exponential)
        let cap = Double(maxRetryAfter.components.seconds) + Double(maxRetryAfter.components.attoseconds) / 1e18
        return max(jittered, min(retryAfter.flatMap(Double.init) ?? 0, cap))
    }

    // MARK: - Helpers

    private static func checkRepository(_ repository: String) throws {
        let parts = repository.split(separator: "/", omittingEmptySubsequences: false)
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }),
            parts.allSatisfy({ $0.unicodeScalars.allSatisfy(allowed.contains) })
        else { throw HubError.invalidRepository(repository) }
    }

    private static func escape(_ component: String) -> String {
        component.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#")))
            ?? component
    }

    private static func message(_ body: ByteBuffer) -> String {
        let text = String(buffer: body)
        if let data = text.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let error = object["error"] as? String
        {
            return error
        }
        return String(text.prefix(300))
    }

    private static func isVerified(_ file: HubFile, at target: URL, stamp: URL) -> Bool {
        guard size(of: target) == file.size, let recorded = try? String(contentsOf: stamp, encoding: .utf8) else { return false }
        return recorded == (file.sha256 ?? file.gitBlobID ?? "")
    }

    private static func size(of url: URL) -> Int64? {
        (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value
    }

    private static func makeParent(of url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw HubError.fileSystem(path: url.deletingLastPathComponent().path, message: "\(error)")
        }
    }

    private static func openForAppend(_ url: URL) throws -> FileHandle {
        do {
            let handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
            return handle
        } catch {
            throw HubError.fileSystem(path: url.path, message: "\(error)")
        }
    }

    private static func openTruncated(_ url: URL) throws -> FileHandle {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw HubError.fileSystem(path: url.path, message: "cannot create the file")
        }
        do { return try FileHandle(forWritingTo: url) } catch {
            throw HubError.fileSystem(path: url.path, message: "\(error)")
        }
    }

    private static func digest<H: HashFunction>(of url: URL, hasher: H, prefix: Data?) throws -> String {
        var hasher = hasher
        if let prefix { hasher.update(data: prefix) }
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            while let chunk = try handle.read(upToCount: 4 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        } catch {
            throw HubError.fileSystem(path: url.path, message: "\(error)")
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

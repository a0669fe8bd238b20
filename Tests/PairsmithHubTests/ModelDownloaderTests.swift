import Crypto
import Foundation
import PairsmithHub
import PairsmithTestSupport
import Synchronization
import Testing

/// A repository in the hub's layout: small git files, one nested file, and a "large" LFS weight file.
private func fixtureRepository() -> HubFixtureServer.Repository {
    var weights = Data(count: 3_000_017)
    for index in weights.indices { weights[index] = UInt8(truncatingIfNeeded: index &* 2_654_435_761 >> 7) }
    return HubFixtureServer.Repository(
        id: "Qwen/Qwen3-Embedding-0.6B",
        commit: "c54f2e6e80b2d7b7de06f51cec4959f7b3e03418",
        files: [
            "config.json": Data(#"{"model_type": "qwen3", "hidden_size": 1024}"#.utf8),
            "tokenizer.json": Data(#"{"model": {"type": "BPE"}}"#.utf8),
            "1_Pooling/config.json": Data(#"{"pooling_mode_lasttoken": true}"#.utf8),
            "model.safetensors": weights,
            "onnx/model.onnx": Data("not wanted".utf8),
        ],
        lfs: ["model.safetensors", "onnx/model.onnx"]
    )
}

private func downloader(_ url: URL, token: String? = nil) -> ModelDownloader {
    var downloader = ModelDownloader(configuration: HubConfiguration(endpoint: url, token: token))
    downloader.initialBackoff = 0.01
    return downloader
}

@Suite("models pull against a local hub")
struct ModelDownloaderTests {
    @Test("downloads every wanted file, pinned to the commit, byte for byte")
    func downloadsEverything() async throws {
        let repo = fixtureRepository()
        let server = HubFixtureServer(repositories: [repo])
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let report = try await server.run { url in
            try await downloader(url).pull(repository: repo.id, to: folder.url)
        }
        #expect(report.commit == repo.commit)
        #expect(Set(report.files.map(\.path)) == ["config.json", "tokenizer.json", "1_Pooling/config.json", "model.safetensors"])
        for file in report.files {
            #expect(try Data(contentsOf: folder.file(file.path)) == repo.files[file.path], "\(file.path) differs")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("onnx/model.onnx").path))
        #expect(server.log.authorizationSentToCDN == 0)
    }

    @Test("a dropped connection resumes with a Range request and the result verifies")
    func resumesAfterDrop() async throws {
        let repo = fixtureRepository()
        var faults = HubFixtureServer.Faults()
        faults.dropAfterBytes = ["model.safetensors": 1_000_000]
        let server = HubFixtureServer(repositories: [repo], faults: faults)
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let events = EventLog()
        _ = try await server.run { url in
            try await downloader(url).pull(repository: repo.id, to: folder.url, progress: events.record)
        }
        #expect(try Data(contentsOf: folder.file("model.safetensors")) == repo.files["model.safetensors"])
        let ranges = server.log.ranges["model.safetensors"] ?? []
        #expect(ranges.count == 1)
        #expect(ranges.first.map { $0.hasPrefix("bytes=") && $0 != "bytes=0-" } == true, "ranges: \(ranges)")
        #expect(events.retries == 1)
    }

    @Test("a second pull skips verified files and fetches nothing")
    func secondPullSkips() async throws {
        let repo = fixtureRepository()
        let server = HubFixtureServer(repositories: [repo])
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let second = try await server.run { url in
            _ = try await downloader(url).pull(repository: repo.id, to: folder.url)
            return try await downloader(url).pull(repository: repo.id, to: folder.url)
        }
        #expect(second.downloaded == 0)
        #expect(server.log.fileRequests["model.safetensors"] == 1)
    }

    @Test("corrupt bytes fail verification, name the file, and leave nothing behind")
    func corruptFails() async throws {
        let repo = fixtureRepository()
        var faults = HubFixtureServer.Faults()
        faults.corrupt = ["model.safetensors"]
        let server = HubFixtureServer(repositories: [repo], faults: faults)
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        await #expect {
            try await server.run { url in try await downloader(url).pull(repository: repo.id, to: folder.url) }
        } throws: { error in
            guard case HubError.integrity(let file, let expected, _) = error else { return false }
            return file == "model.safetensors" && expected.hasPrefix("sha256 ")
        }
        #expect(!FileManager.default.fileExists(atPath: folder.file("model.safetensors").path))
    }

    @Test("a gated model needs HF_TOKEN; with it the pull works and the token never reaches the CDN")
    func tokenIsHonoured() async throws {
        let repo = fixtureRepository()
        var faults = HubFixtureServer.Faults()
        faults.requiredToken = "hf_test_secret"
        let server = HubFixtureServer(repositories: [repo], faults: faults)
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try await server.run { url in
            await #expect(throws: HubError.unauthorized(repository: repo.id, hasToken: false)) {
                try await downloader(url).pull(repository: repo.id, to: folder.url)
            }
            let config = try HubConfiguration.fromEnvironment(["HF_ENDPOINT": url.absoluteString, "HF_TOKEN": "hf_test_secret"])
            #expect(!config.description.contains("hf_test_secret"))
            var authorized = ModelDownloader(configuration: config)
            authorized.initialBackoff = 0.01
            _ = try await authorized.pull(repository: repo.id, to: folder.url, include: ["*.safetensors"])
        }
        #expect(try Data(contentsOf: folder.file("model.safetensors")) == repo.files["model.safetensors"])
        #expect(server.log.authorizationSentToCDN == 0)
    }

    @Test("include patterns select files, and an unknown repository is a clear error")
    func includeAndNotFound() async throws {
        let repo = fixtureRepository()
        let server = HubFixtureServer(repositories: [repo])
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try await server.run { url in
            let report = try await downloader(url).pull(repository: repo.id, to: folder.url, include: ["*.json"])
            #expect(Set(report.files.map(\.path)) == ["config.json", "tokenizer.json", "1_Pooling/config.json"])
            await #expect(throws: HubError.notFound(repository: "Qwen/Nope", revision: "main")) {
                try await downloader(url).pull(repository: "Qwen/Nope", to: folder.url)
            }
            await #expect(throws: HubError.invalidRepository("../etc")) {
                try await downloader(url).pull(repository: "../etc", to: folder.url)
            }
        }
    }

    @Test("a Retry-After beyond the cap waits the cap (60 s), through the injected sleeper")
    func retryAfterIsCapped() async throws {
        let repo = fixtureRepository()
        var faults = HubFixtureServer.Faults()
        faults.rateLimitedListings = 2
        faults.listingRetryAfter = "86400"
        let server = HubFixtureServer(repositories: [repo], faults: faults)
        let waits = Mutex<[Duration]>([])
        let listing = try await server.run { url in
            var pull = downloader(url)
            pull.sleep = { duration in waits.withLock { $0.append(duration) } }
            return try await pull.listing(repository: repo.id)
        }
        #expect(listing.commit == repo.commit)
        #expect(waits.withLock { $0 } == [.seconds(60), .seconds(60)])
    }

    @Test("a short Retry-After is honoured as sent")
    func retryAfterBelowTheCap() async throws {
        let repo = fixtureRepository()
        var faults = HubFixtureServer.Faults()
        faults.rateLimitedListings = 1
        faults.listingRetryAfter = "7"
        let server = HubFixtureServer(repositories: [repo], faults: faults)
        let waits = Mutex<[Duration]>([])
        _ = try await server.run { url in
            var pull = downloader(url)
            pull.maxRetryAfter = .seconds(30)
            pull.sleep = { duration in waits.withLock { $0.append(duration) } }
            return try await pull.listing(repository: repo.id)
        }
        #expect(waits.withLock { $0 } == [.seconds(7)])
    }

    @Test("a listing with an unsafe file name is refused")
    func unsafeListing() throws {
        let json = #"{"sha": "abcdef1234567", "siblings": [{"rfilename": "../../.bashrc", "size": 3}]}"#
        #expect(throws: HubError.self) { try HubListing(apiResponse: Data(json.utf8)) }
    }

    @Test("HF_ENDPOINT must be an http(s) URL")
    func badEndpoint() {
        #expect(throws: HubError.self) { try HubConfiguration.fromEnvironment(["HF_ENDPOINT": "ftp://mirror"]) }
    }
}

/// Collects progress events from the downloader (called from its task).
private final class EventLog: Sendable {
    private let count = Mutex(0)
    var retries: Int { count.withLock { $0 } }
    @Sendable func record(_ event: HubProgress) {
        if case .retrying = event { count.withLock { $0 += 1 } }
    }
}

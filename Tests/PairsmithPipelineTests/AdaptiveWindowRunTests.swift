import Foundation
import PairsmithConfiguration
import PairsmithEndpoints
import PairsmithPipeline
import PairsmithReport
import PairsmithStore
import PairsmithTestSupport
import Testing

@Suite("Adaptive endpoint windows in a run and in the pipeline file", .serialized)
struct AdaptiveWindowRunTests {
    static let legacy = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/legacy-pipelines/retrieval-v3.yaml")

    @Test("a run against a server that takes 3 at once: every unit done, the window cut below the limit, status shows it")
    func runAgainstCappedServer() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-window-run")
        defer { directory.remove() }
        let workspace = try RunFixtures.workspace(directory)
        let database = directory.file("run.sqlite")
        var behaviour = TestEndpointBehaviour(latency: .milliseconds(30), recordRequests: false)
        behaviour.maxInFlight = 3
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            let summary = try await RunPipelineTests.run(workspace: workspace, database: database, endpoint: endpoint, concurrency: 12)
            #expect(summary.isComplete)
            #expect(summary.progress["configure"].total == 24 && summary.progress["configure"].isSettled)
            #expect(summary.progress["generate"].isSettled && summary.pairs > 0)
            // No request lost to the 429s: no unit failed for want of an answer (the rules may reject some answers).
            let store = try PairsmithStore(url: database)
            for id in 1...Int64(200) {
                guard let unit = try await store.unit(id: id) else { continue }
                #expect(unit.lastError?.contains("chat request failed") != true, "\(unit.lastError ?? "")")
            }
            let served = endpoint.inFlightCounts()
            #expect(served.peak <= 3 && served.turnedAway > 0)
            // The summary's progress carries the windows, and so does the store.
            let window = try #require(summary.progress.endpoints.first)
            #expect(window.maxConcurrentRequests == 12 && window.adaptive)
            #expect(window.windowCuts >= 1 && window.window <= 12)
            #expect(summary.progress.description.contains("windows "))
            let status = try await PairsmithStore(url: database).status()
            let stored = try #require(status.endpointWindows.first)
            #expect(status.endpointWindows.count == 1)
            #expect(stored.run == "retrieval" && stored.maxRequests == 12 && stored.adaptive)
            #expect(stored.cuts == window.windowCuts && stored.window == window.window)
            #expect(stored.rateLimited == served.turnedAway && stored.inFlight == 0)
            let text = StatusText.render(status)
            #expect(text.contains("chat endpoints (window"), "\(text)")
            #expect(text.contains("\(stored.window)/12 (adaptive, \(stored.cuts) cuts), \(served.turnedAway) × 429"), "\(text)")
        }
    }

    @Test("endpoint keys: defaults, every key read, carried through --chat-url and --concurrency into the client")
    func keys() throws {
        let original = try String(contentsOf: Self.legacy, encoding: .utf8)
        let file = Self.legacy.deletingLastPathComponent().appendingPathComponent("windows.yaml")
        let plain = try PipelineConfiguration.parse(yaml: original, file: file)
        let endpoint = try #require(plain.endpoints.first)
        #expect(endpoint.adaptive && endpoint.minimumConcurrency == 1 && endpoint.initialConcurrency == nil)
        #expect(endpoint.latencyTolerance == 3)
        let anchor = "    concurrency: 16\n"
        #expect(original.contains(anchor))
        let yaml = original.replacingOccurrences(
            of: anchor, with: anchor + "    min_concurrency: 2\n    initial_concurrency: 8\n    latency_tolerance: 0\n    adaptive: false\n")
        let set = try #require(try PipelineConfiguration.parse(yaml: yaml, file: file).endpoints.first)
        #expect(!set.adaptive && set.minimumConcurrency == 2 && set.initialConcurrency == 8 && set.latencyTolerance == 0)

        let adaptive = original.replacingOccurrences(of: anchor, with: anchor + "    min_concurrency: 2\n    initial_concurrency: 8\n")
        let configuration = try PipelineConfiguration.parse(yaml: adaptive, file: file)
        let chat = GenerationRun.chatConfiguration(for: configuration)
        #expect(chat.endpoints.first?.adaptive == AdaptiveConcurrency(initialWindow: 8, minimumWindow: 2, latencyTolerance: 3))
        let overridden = configuration.overriding(chatURL: "http://127.0.0.1:9/v1", chatModel: "m", concurrency: 4)
        let carried = try #require(overridden.endpoints.first)
        #expect(carried.concurrency == 4 && carried.minimumConcurrency == 2 && carried.initialConcurrency == 4)
        #expect(GenerationRun.chatConfiguration(for: overridden).endpoints.first?.adaptive.initialWindow == 4)
    }

    /// A bad adaptive key, the field the error must name and a fragment of its message.
    struct Breakage: Sendable, CustomTestStringConvertible {
        var add: String
        var field: String
        var message: String
        var testDescription: String { "\(field): \(message)" }
    }

    static let breakages: [Breakage] = [
        Breakage(add: "    adaptive: sometimes\n", field: "endpoints[0].adaptive", message: "true"),
        Breakage(add: "    min_concurrency: 17\n", field: "endpoints[0].min_concurrency", message: "must be from 1 to 16, found 17"),
        Breakage(add: "    initial_concurrency: 0\n", field: "endpoints[0].initial_concurrency", message: "must be from 1 to 16, found 0"),
        Breakage(
            add: "    min_concurrency: 6\n    initial_concurrency: 4\n", field: "endpoints[0].initial_concurrency",
            message: "must be at least min_concurrency (6), found 4"),
        Breakage(add: "    latency_tolerance: 0.5\n", field: "endpoints[0].latency_tolerance", message: "must be 0 (off) or more than 1"),
        Breakage(add: "    latency_tolerence: 2\n", field: "endpoints[0].latency_tolerence", message: "unknown field"),
    ]

    @Test("bad adaptive keys are refused with the file, field and what is allowed", arguments: breakages)
    func brokenKeys(breakage: Breakage) throws {
        let original = try String(contentsOf: Self.legacy, encoding: .utf8)
        let file = Self.legacy.deletingLastPathComponent().appendingPathComponent("broken.yaml")
        let yaml = original.replacingOccurrences(of: "    concurrency: 16\n", with: "    concurrency: 16\n" + breakage.add)
        let error = try #require(throws: ConfigurationError.self) { try PipelineConfiguration.parse(yaml: yaml, file: file) }
        #expect(error.field == breakage.field)
        #expect(error.message.contains(breakage.message), "message was: \(error.message)")
        #expect(error.description.hasPrefix(file.path))
        #expect(error.line != nil)
    }
}

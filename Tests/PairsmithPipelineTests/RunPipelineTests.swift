import Foundation
import PairsmithConfiguration
import PairsmithEndpoints
import PairsmithPipeline
import PairsmithStages
import PairsmithStore
import PairsmithTestSupport
import Testing

@Suite("Retrieval run against the test endpoint", .serialized)
struct RunPipelineTests {
    /// Faults of every kind at a few percent each: transport faults retried by the client, content faults rejected.
    static let faults: [TestFault: Double] = [
        .serverError: 0.08, .dropConnection: 0.04, .notJSON: 0.05, .wrongSchema: 0.05, .thinkPrefix: 0.05,
        .codeFences: 0.05, .lengthCut: 0.03,
    ]

    /// Runs the pipeline of `workspace` into `database` against `endpoint`.
    static func run(
        workspace: URL, database: URL, endpoint: TestEndpoint, concurrency: Int? = nil
    ) async throws -> RunSummary {
        let configuration = try PipelineConfiguration.load(from: workspace.appendingPathComponent("pipeline.yaml"))
            .overriding(chatURL: endpoint.url, chatModel: "test-model", concurrency: concurrency)
        let store = try PairsmithStore(url: database)
        let options = RetrievalRunOptions(
            corpus: workspace.appendingPathComponent("corpus.jsonl"), embeddingModel: "emb-f32-gqa",
            progressInterval: .seconds(1))
        return try await ChatClient.withClient(Self.chat(configuration)) { client in
            try await RetrievalRun(
                configuration: configuration, store: store, client: client, embed: try RunFixtures.embedder(),
                options: options
            ).execute()
        }
    }

    /// The pipeline's chat configuration with a short rest for a failing endpoint, so fault tests stay quick.
    static func chat(_ configuration: PipelineConfiguration) -> ChatClientConfiguration {
        var chat = RetrievalRun.chatConfiguration(for: configuration)
        chat.health = HealthPolicy(failureThreshold: 3, coolingPeriod: .milliseconds(50))
        return chat
    }

    @Test("with faults, every unit ends done or failed, pairs are valid, and a rerun adds nothing and asks nothing")
    func wholePipelineWithFaults() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-run")
        defer { directory.remove() }
        let workspace = try RunFixtures.workspace(directory)
        let database = directory.file("run.sqlite")
        try await TestEndpoint.withRunning(TestEndpointBehaviour(faultRates: Self.faults)) { endpoint in
            let first = try await Self.run(workspace: workspace, database: database, endpoint: endpoint)
            #expect(first.isComplete)
            #expect(first.progress.configure.total == 24)
            #expect(first.progress.configure.isSettled && first.progress.generate.isSettled)
            #expect(first.progress.generate.total == first.progress.configure.done)
            #expect(first.pairs == first.progress.generate.done)
            #expect(first.pairs > 0)
            let store = try PairsmithStore(url: database)
            let pairs = try await store.examples(run: "retrieval")
            let rules = AnswerRules(
                settings: try PipelineConfiguration.load(
                    from: workspace.appendingPathComponent("pipeline.yaml")
                ).validation)
            for pair in pairs {
                #expect(!pair.anchor.isEmpty)
                #expect(rules.lengthBounds(requested: pair.lengthWords).contains(pair.anchor.split(separator: " ").count))
                #expect(pair.anchorLanguage == "en" && pair.positiveLanguage == "en")
                #expect(pair.task == "retrieval" && pair.positive == nil && pair.positiveInstruction == nil)
                let outputs = try await store.stageOutputs(run: "retrieval", documentID: pair.documentID, sample: pair.sample)
                #expect(outputs.map(\.stage) == ["configure", "generate"])
                let config = try #require(outputs.first)
                let fields = try JSONSerialization.jsonObject(with: Data(config.fields.utf8)) as? [String: String] ?? [:]
                #expect(QuestionType(rawValue: fields["question_type"] ?? "") != nil && Difficulty(rawValue: fields["difficulty"] ?? "") != nil)
                #expect(pair.metadata == config.fields)
                #expect(outputs.last?.fields.contains(#""query":"#) == true)
                let candidates = try await store.candidates(run: "retrieval", documentID: pair.documentID)
                #expect(candidates.contains { $0.personaID == config.personaID })
            }
            #expect(Set(pairs.map { "\($0.documentID)/\($0.sample)" }).count == pairs.count)
            let rejects = try await store.rejects(limit: 10_000).filter { $0.source == "configure" || $0.source == "generate" }
            #expect(!rejects.isEmpty, "content faults and short/long queries should have been rejected and retried")
            let before = try await store.status()
            let requests = endpoint.counts().requests
            let queries = try await RunFixtures.queries(store)

            let second = try await Self.run(workspace: workspace, database: database, endpoint: endpoint)
            #expect(second.isComplete)
            #expect(second.progress.requestsSent == 0)
            #expect(endpoint.counts().requests == requests)
            let after = try await store.status()
            #expect(after.units == before.units)
            #expect(after.examples == before.examples && after.stageOutputs == before.stageOutputs && after.llmCalls == before.llmCalls)
            #expect(try await RunFixtures.queries(store) == queries)
        }
    }

    @Test("two fresh databases give the same pairs")
    func determinism() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-run-det")
        defer { directory.remove() }
        let workspace = try RunFixtures.workspace(directory, passages: 8)
        var results: [[String: String]] = []
        for (index, concurrency) in [1, 6].enumerated() {
            let database = directory.file("run-\(index).sqlite")
            try await TestEndpoint.withRunning(TestEndpointBehaviour(faultRates: Self.faults)) { endpoint in
                let summary = try await Self.run(
                    workspace: workspace, database: database, endpoint: endpoint, concurrency: concurrency)
                #expect(summary.isComplete)
            }
            results.append(try await RunFixtures.queries(try PairsmithStore(url: database)))
        }
        #expect(!results[0].isEmpty)
        #expect(results[0] == results[1])
    }

    @Test("an answer that keeps failing the rules ends as a recorded failure, not a crash")
    func rejectedUntilFailure() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-run-rej")
        defer { directory.remove() }
        let workspace = try RunFixtures.workspace(directory, passages: 3, answerAttempts: 2)
        let database = directory.file("run.sqlite")
        try await TestEndpoint.withRunning(TestEndpointBehaviour(faultRates: [.notJSON: 1.0])) { endpoint in
            let summary = try await Self.run(workspace: workspace, database: database, endpoint: endpoint)
            #expect(summary.isComplete)
            #expect(summary.progress.configure.failed == 6)
            #expect(summary.pairs == 0)
        }
        let store = try PairsmithStore(url: database)
        let rejects = try await store.rejects(source: "configure")
        #expect(rejects.count == 12)
        #expect(rejects.allSatisfy { $0.reason == "not_json" })
        let unit = try #require(try await store.unit(id: 1))
        #expect(unit.state == .failed && unit.attempts == 2 && unit.lastError?.contains("not_json") == true)
    }

    @Test("a dead endpoint fails units with the transport error recorded")
    func deadEndpoint() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-run-dead")
        defer { directory.remove() }
        let workspace = try RunFixtures.workspace(directory, passages: 2)
        let yaml = try String(contentsOf: workspace.appendingPathComponent("pipeline.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "transport_attempts: 8", with: "transport_attempts: 2")
        try yaml.write(to: workspace.appendingPathComponent("pipeline.yaml"), atomically: true, encoding: .utf8)
        let url = try await TestEndpoint.deadURL()
        let configuration = try PipelineConfiguration.load(from: workspace.appendingPathComponent("pipeline.yaml"))
            .overriding(chatURL: url, chatModel: "test-model", concurrency: 2)
        let store = try PairsmithStore(url: directory.file("run.sqlite"))
        var chat = Self.chat(configuration)
        chat.health = HealthPolicy(failureThreshold: 1_000, coolingPeriod: .milliseconds(10))  // fail fast, no resting
        chat.timeouts = EndpointTimeouts(connect: .milliseconds(200))  // the HTTP pool retries refused connects until then
        let summary = try await ChatClient.withClient(chat) { client in
            try await RetrievalRun(
                configuration: configuration, store: store, client: client, embed: try RunFixtures.embedder(),
                options: RetrievalRunOptions(corpus: workspace.appendingPathComponent("corpus.jsonl"), embeddingModel: "m")
            ).execute()
        }
        #expect(summary.isComplete)
        #expect(summary.progress.configure.failed == 4)
        let unit = try #require(try await store.unit(id: 1))
        #expect(unit.lastError?.contains("chat request failed") == true)
    }

    @Test("cancelling a run commits what is done and a new run finishes with the same pairs as an uninterrupted one")
    func cancelAndResume() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-run-cancel")
        defer { directory.remove() }
        let workspace = try RunFixtures.workspace(directory, passages: 8)
        let reference = directory.file("reference.sqlite"), resumed = directory.file("resumed.sqlite")
        let behaviour = TestEndpointBehaviour(latency: .milliseconds(40), faultRates: [.serverError: 0.1])
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            _ = try await Self.run(workspace: workspace, database: reference, endpoint: endpoint, concurrency: 2)
        }
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            let interrupted = try await withThrowingTaskGroup(of: RunSummary?.self) { group in
                group.addTask { try? await Self.run(workspace: workspace, database: resumed, endpoint: endpoint, concurrency: 2) }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(700))
                    return nil
                }
                _ = try await group.next()
                group.cancelAll()
                var summary: RunSummary?
                while let next = try await group.next() { summary = next ?? summary }
                return summary
            }
            if let interrupted { #expect(interrupted.interrupted || interrupted.isComplete) }
            let final = try await Self.run(workspace: workspace, database: resumed, endpoint: endpoint, concurrency: 2)
            #expect(final.isComplete)
        }
        let expected = try await RunFixtures.queries(try PairsmithStore(url: reference))
        #expect(!expected.isEmpty)
        #expect(try await RunFixtures.queries(try PairsmithStore(url: resumed)) == expected)
    }
}

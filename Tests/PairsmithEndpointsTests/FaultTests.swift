import Foundation
import PairsmithJSON
import PairsmithTestSupport
import Testing

@testable import PairsmithEndpoints

/// Each fault class of the test endpoint, forced by script, and what the client makes of it.
@Suite("Client against injected faults")
struct FaultTests {
    /// Runs `body` with a client on one test endpoint whose next replies follow `script`.
    @discardableResult
    func withEndpoint<R: Sendable>(
        _ script: [TestFault?], behaviour: TestEndpointBehaviour = TestEndpointBehaviour(), maxAttempts: Int = 6,
        read: Duration = .seconds(30),
        _ body: (ChatClient, TestEndpoint, ManualTime) async throws -> R
    ) async throws -> R {
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            endpoint.script(script)
            let time = ManualTime()
            let config = configuration([endpoint.url], time: time, maxAttempts: maxAttempts, failureThreshold: 100, read: read)
            return try await ChatClient.withClient(config) { client in try await body(client, endpoint, time) }
        }
    }

    @Test("a clean answer decodes into the caller's type, with usage and one attempt")
    func clean() async throws {
        try await withEndpoint([]) { client, endpoint, _ in
            let result = try await client.complete(answerRequest("bm25"), as: Answer.self)
            #expect(["easy", "medium", "hard"].contains(result.value.difficulty))
            #expect(result.attempts == 1)
            #expect(result.usage.promptTokens > 0 && result.usage.completionTokens > 0)
            #expect(result.format == .jsonSchema)
            let body = try JSONValue.parse(try #require(endpoint.recordedRequests().first).body)
            #expect(body["response_format"]?["type"] == "json_schema")
            #expect(body["response_format"]?["json_schema"]?["strict"] == true)
            #expect(body["response_format"]?["json_schema"]?["name"] == "answer")
            #expect(body["temperature"] == .number(0.7) && body["top_p"] == .number(0.9))
            #expect(body["max_tokens"] == 200 && body["seed"] == 1 && body["model"] == "test-model")
            let stats = await client.statistics()
            #expect(stats[0].answered == 1 && stats[0].promptTokens == result.usage.promptTokens)
        }
    }

    @Test("the same request gets the same answer (the endpoint is deterministic)")
    func deterministic() async throws {
        try await withEndpoint([]) { client, _, _ in
            let a = try await client.completeJSON(answerRequest("a"))
            let b = try await client.completeJSON(answerRequest("a"))
            let c = try await client.completeJSON(answerRequest("c"))
            #expect(a.rawContent == b.rawContent)
            #expect(a.rawContent != c.rawContent)
        }
    }

    @Test(
        "retryable faults are retried and the request succeeds",
        arguments: [
            TestFault.serverError, .dropConnection, .truncatedBody, .rateLimited,
        ])
    func retried(fault: TestFault) async throws {
        try await withEndpoint([fault, fault, nil], behaviour: .init(retryAfter: .seconds(0))) { client, endpoint, _ in
            let result = try await client.complete(answerRequest("retry \(fault)"), as: Answer.self)
            #expect(result.attempts == 3)
            #expect(endpoint.counts().faults[fault] == 2)
            let stats = await client.statistics()[0]
            #expect(stats.attempts == 3 && stats.retries == 2 && stats.answered == 1)
            switch fault {
            case .serverError: #expect(stats.serverErrors == 2)
            case .rateLimited: #expect(stats.rateLimited == 2)
            default: #expect(stats.transportFailures == 2)
            }
        }
    }

    @Test("a slow answer past the read timeout is a timeout, retried")
    func slow() async throws {
        // Generous margins: the whole suite runs in parallel on 2 loaded cores, and a normal answer must stay
        // well inside the read timeout while the slow one stays well outside it.
        let behaviour = TestEndpointBehaviour(slowDelay: .seconds(10))
        try await withEndpoint([.slowAnswer, nil], behaviour: behaviour, read: .seconds(3)) { client, _, _ in
            let result = try await client.complete(answerRequest("slow"), as: Answer.self)
            #expect(result.attempts == 2)
            #expect(await client.statistics()[0].timeouts == 1)
        }
    }

    @Test("5xx back-off grows exponentially with full jitter")
    func backoff() async throws {
        try await withEndpoint([.serverError, .serverError, .serverError, nil]) { client, _, time in
            _ = try await client.completeJSON(answerRequest("backoff"))
            // jitter draw 0.5, base 0.1 s: 0.05, 0.1, 0.2
            #expect(time.sleeps.map { ($0 * 1000).rounded() } == [50, 100, 200])
        }
    }

    @Test("bounded attempts: the last fault is surfaced when they run out")
    func exhausted() async throws {
        try await withEndpoint([.serverError, .serverError, .serverError], maxAttempts: 3) { client, _, _ in
            await #expect {
                _ = try await client.completeJSON(answerRequest("exhausted"))
            } throws: { error in
                guard case ChatError.attemptsExhausted(3, .httpStatus(_, 500, let message)) = error else { return false }
                return message.contains("injected internal server error")
            }
        }
    }

    @Test("another 4xx is not retried and carries the server's message")
    func clientError() async throws {
        try await withEndpoint([.badRequest]) { client, endpoint, _ in
            await #expect {
                _ = try await client.completeJSON(answerRequest("4xx"))
            } throws: { error in
                guard case ChatError.httpStatus(_, 400, let message) = error else { return false }
                return message.contains("context length")
            }
            #expect(endpoint.counts().requests == 1)
        }
    }

    @Test("Retry-After in seconds is honoured through the injected sleeper")
    func retryAfterSeconds() async throws {
        try await withEndpoint([.rateLimited, nil], behaviour: .init(retryAfter: .seconds(7))) { client, _, time in
            let result = try await client.completeJSON(answerRequest("429"))
            #expect(result.attempts == 2)
            #expect(time.sleeps.map { ($0 * 1000).rounded() } == [7000])
        }
    }

    @Test("Retry-After as an HTTP date is honoured")
    func retryAfterDate() async throws {
        try await withEndpoint([.rateLimited, nil], behaviour: .init(retryAfter: .httpDate(secondsFromNow: 20))) { client, _, time in
            _ = try await client.completeJSON(answerRequest("429 date"))
            #expect(time.sleeps.count == 1)
            #expect((18.5...20.0).contains(time.sleeps.first ?? 0), "\(time.sleeps)")
        }
    }

    @Test("<think> prefixes and code fences are accepted")
    func cleaned() async throws {
        try await withEndpoint([.thinkPrefix, .codeFences]) { client, _, _ in
            let a = try await client.complete(answerRequest("think"), as: Answer.self)
            let b = try await client.complete(answerRequest("fence"), as: Answer.self)
            #expect(a.rawContent.hasPrefix("<think>") && a.attempts == 1)
            #expect(b.rawContent.hasPrefix("```json") && b.attempts == 1)
        }
    }

    @Test("content faults are typed errors, not retried", arguments: [TestFault.notJSON, .wrongSchema, .lengthCut])
    func contentFaults(fault: TestFault) async throws {
        try await withEndpoint([fault]) { client, endpoint, _ in
            await #expect {
                _ = try await client.complete(answerRequest("content \(fault)"), as: Answer.self)
            } throws: { error in
                switch (fault, error) {
                case (.notJSON, ChatError.notJSON(_, _, let raw)): return raw.contains("sorry")
                case (.wrongSchema, ChatError.schemaViolation(_, let violations, _)):
                    return violations.contains { $0.message.contains("is missing") }
                case (.lengthCut, ChatError.truncated(_, let raw)): return !raw.isEmpty
                default: return false
                }
            }
            #expect(endpoint.counts().requests == 1)
            #expect(await client.statistics()[0].contentFaults == 1)
        }
    }

    @Test("faults injected by rate: every request ends well within the attempt bound")
    func byRate() async throws {
        let rates: [TestFault: Double] = [
            .serverError: 0.1, .rateLimited: 0.05, .dropConnection: 0.05,
            .truncatedBody: 0.05, .thinkPrefix: 0.1, .codeFences: 0.1,
        ]
        try await withEndpoint([], behaviour: .init(faultRates: rates, retryAfter: .seconds(1)), maxAttempts: 10) { client, endpoint, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<60 {
                    group.addTask { _ = try await client.complete(answerRequest("topic \(i)"), as: Answer.self) }
                }
                try await group.waitForAll()
            }
            let counts = endpoint.counts()
            #expect(counts.requests > 60)
            #expect(counts.faults.values.reduce(0, +) > 10)
            let stats = await client.statistics()[0]
            #expect(stats.answered == 60 && stats.contentFaults == 0)
        }
    }
}

import Foundation
@testable import PairsmithEndpoints
import PairsmithTestSupport
import Testing

/// Each fault class of the test endpoint's `/v1/embeddings` route, forced by script, and what the client makes of it.
@Suite("Embedding client against injected faults")
struct EmbeddingFaultTests {
    static let texts = ["alpha", "beta", "gamma"]

    /// Runs `body` with a client (one batch of 8) on one test endpoint whose next replies follow `script`.
    @discardableResult
    func withEndpoint<R: Sendable>(
        _ script: [TestFault?], behaviour: TestEndpointBehaviour = TestEndpointBehaviour(), maxAttempts: Int = 6,
        encoding: EmbeddingEncoding = .base64, read: Duration = .seconds(30),
        _ body: (EmbeddingClient, TestEndpoint, ManualTime) async throws -> R
    ) async throws -> R {
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            endpoint.script(script)
            let time = ManualTime()
            let config = embeddingConfiguration([endpoint.url], time: time, batchSize: 8, encoding: encoding,
                                                maxAttempts: maxAttempts, read: read)
            return try await EmbeddingClient.withClient(config) { client in try await body(client, endpoint, time) }
        }
    }

    @Test("retryable faults are retried and the batch succeeds", arguments: [
        // 500, 429, a dropped connection, a cut-off body, a body that is not JSON, one vector too few,
        // one vector shorter, a repeated index, a non-finite value.
        TestFault.serverError, .rateLimited, .dropConnection, .truncatedBody, .notJSON, .wrongSchema, .lengthCut,
        .thinkPrefix, .codeFences,
    ])
    func retried(fault: TestFault) async throws {
        try await withEndpoint([fault, fault, nil], behaviour: .init(retryAfter: .seconds(0))) { client, endpoint, _ in
            let vectors = try await client.embed(Self.texts)
            #expect(matchesEndpoint(vectors, Self.texts))
            #expect(endpoint.counts().faults[fault] == 2)
            let stats = await client.statistics()[0]
            #expect(stats.attempts == 3 && stats.retries == 2 && stats.answered == 1)
            switch fault {
            case .rateLimited: #expect(stats.rateLimited == 2)
            case .dropConnection, .truncatedBody: #expect(stats.transportFailures == 2)
            default: #expect(stats.serverErrors == 2)
            }
        }
    }

    @Test("float replies with a non-finite value are retried too")
    func nonFiniteFloat() async throws {
        try await withEndpoint([.codeFences, nil], encoding: .float) { client, _, _ in
            let got1 = try await client.embed(Self.texts)
            #expect(matchesEndpoint(got1, Self.texts))
            #expect(await client.statistics()[0].serverErrors == 1)
        }
    }

    @Test("each persistent fault class ends as a typed error after the allowed attempts", arguments: [
        TestFault.serverError, .notJSON, .wrongSchema, .lengthCut, .thinkPrefix, .codeFences,
    ])
    func exhausted(fault: TestFault) async throws {
        try await withEndpoint(Array(repeating: fault, count: 3), maxAttempts: 3) { client, _, _ in
            let error = await #expect(throws: EmbeddingError.self) { try await client.embed(Self.texts) }
            guard case .attemptsExhausted(3, let last)? = error else {
                Issue.record("expected attemptsExhausted(3, …), got \(String(describing: error))")
                return
            }
            switch (fault, last) {
            case (.serverError, .httpStatus(_, 500, _)), (.notJSON, .malformedResponse), (.wrongSchema, .wrongCount(_, 3, 2)),
                 (.lengthCut, .unequalDimensions(_, 32, 31)), (.thinkPrefix, .badIndices), (.codeFences, .nonFinite(_, 0)):
                break
            default:
                Issue.record("\(fault) ended as \(last)")
            }
            #expect(error?.description.contains("ep0") == true)
        }
    }

    @Test("429 waits for Retry-After before retrying")
    func retryAfter() async throws {
        try await withEndpoint([.rateLimited, nil], behaviour: .init(retryAfter: .seconds(7))) { client, _, time in
            let got2 = try await client.embed(Self.texts)
            #expect(matchesEndpoint(got2, Self.texts))
            #expect(time.sleeps.reduce(0, +) >= 7)
        }
    }

    @Test("a slow answer past the read timeout is a timeout, retried")
    func slow() async throws {
        let behaviour = TestEndpointBehaviour(slowDelay: .seconds(10))
        try await withEndpoint([.slowAnswer, nil], behaviour: behaviour, read: .seconds(3)) { client, _, _ in
            let got3 = try await client.embed(Self.texts)
            #expect(matchesEndpoint(got3, Self.texts))
            #expect(await client.statistics()[0].timeouts == 1)
        }
    }

    @Test("a 400 (input too long) is not retried")
    func badRequest() async throws {
        try await withEndpoint([.badRequest]) { client, endpoint, _ in
            let error = await #expect(throws: EmbeddingError.self) { try await client.embed(Self.texts) }
            guard case .httpStatus(_, 400, let message)? = error else {
                Issue.record("expected HTTP 400, got \(String(describing: error))")
                return
            }
            #expect(message.contains("context length"))
            #expect(endpoint.counts().requests == 1)
        }
    }
}

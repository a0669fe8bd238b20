import Foundation
@testable import PairsmithEndpoints
import PairsmithTestSupport
import Testing

/// Several embedding endpoints: batches spread over them, a dead one set aside, answers still in order.
@Suite("Embedding client routing")
struct EmbeddingRoutingTests {
    static let texts = (0..<64).map { "document \($0): something to embed" }

    @Test("batches spread over every endpoint and come back in input order")
    func spread() async throws {
        let latency = TestEndpointBehaviour(latency: .milliseconds(20))
        try await TestEndpoint.withRunning(latency) { a in
            try await TestEndpoint.withRunning(latency) { b in
                let config = embeddingConfiguration([a.url, b.url], time: ManualTime(), batchSize: 2, limit: 2)
                try await EmbeddingClient.withClient(config) { client in
                    let got1 = try await client.embed(Self.texts)
                    #expect(matchesEndpoint(got1, Self.texts))
                    let stats = await client.statistics()
                    #expect(stats.map(\.answered).reduce(0, +) == 32)
                    #expect(stats.allSatisfy { $0.answered >= 8 })
                    #expect(stats.allSatisfy { $0.inFlight == 0 })
                }
                #expect(a.counts().requests + b.counts().requests == 32)
            }
        }
    }

    @Test("a dead endpoint is set aside and its batches go to the live one")
    func deadEndpoint() async throws {
        let dead = try await TestEndpoint.deadURL()
        try await TestEndpoint.withRunning { live in
            let recorder = Recorder()
            let config = embeddingConfiguration([dead, live.url], time: ManualTime(), recorder: recorder, batchSize: 4,
                                                failureThreshold: 2)
            try await EmbeddingClient.withClient(config) { client in
                let got2 = try await client.embed(Self.texts)
                #expect(matchesEndpoint(got2, Self.texts))
                let stats = await client.statistics()
                #expect(stats[0].answered == 0 && stats[0].transportFailures >= 1)
                #expect(stats[1].answered == 16)
            }
            #expect(recorder.events.contains { if case .endpointSetAside(let name, _, _) = $0 { name == "ep0" } else { false } })
        }
    }

    @Test("endpoints serving different vector lengths are caught")
    func mixedModels() async throws {
        var wide = TestEndpointBehaviour()
        wide.embedding.dimension = 48
        try await TestEndpoint.withRunning { a in
            try await TestEndpoint.withRunning(wide) { b in
                let config = embeddingConfiguration([a.url, b.url], time: ManualTime(), batchSize: 1, maxAttempts: 2,
                                                    failureThreshold: 1, limit: 1)
                let error = await #expect(throws: EmbeddingError.self) {
                    try await EmbeddingClient.withClient(config) { try await $0.embed(Self.texts) }
                }
                guard case .modelMismatch? = error else {
                    Issue.record("expected modelMismatch, got \(String(describing: error))")
                    return
                }
                #expect(error?.description.contains("same model") == true)
            }
        }
    }
}

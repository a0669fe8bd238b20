import Foundation
import PairsmithTokenizer
import Testing
@testable import PairsmithEngine

/// The engine against Hugging Face transformers fp32 on random-weight checkpoints (see EngineFixtures).
@Suite("parity with transformers")
struct ParityTests {
    static let embeddingModels = ["emb-f32-gqa", "emb-bf16-mha-sharded"]

    @Test("embeddings from the reference token ids match (cosine ≥ 0.99999, |Δ| ≤ 1e-4, every MRL dimension)",
          arguments: embeddingModels)
    func embeddingsFromIDs(model name: String) async throws {
        let reference = try EngineFixtures.reference(name, as: EmbeddingReference.self)
        let model = try QwenModel(folder: EngineFixtures.folder(name), tokenBudget: 700)
        let states = try model.forward(sequences: reference.cases.map(\.ids))
        for (state, item) in zip(states, reference.cases) {
            for dims in reference.dims {
                let expected = try #require(item.embeddings[String(dims)])
                let (cosine, delta) = compare(Embedder.normalize(state, dimensions: dims), expected)
                #expect(cosine >= 0.99999, "\(name) \(item.ids.count) tokens, dims \(dims): cosine \(cosine)")
                #expect(delta <= 1e-4, "\(name) \(item.ids.count) tokens, dims \(dims): max |Δ| \(delta)")
            }
        }
    }

    @Test("the Embedder tokenises like transformers (EOS appended, instructions, truncation) and matches",
          arguments: embeddingModels)
    func embedderFromText(model name: String) async throws {
        let reference = try EngineFixtures.reference(name, as: EmbeddingReference.self)
        let folder = try EngineFixtures.folder(name)
        let model = try QwenModel(folder: folder)
        let tokenizer = try Tokenizer(contentsOf: folder.appendingPathComponent("tokenizer.json"))
        for maxLength in Set(reference.cases.map(\.max_length)).sorted() {
            let embedder = try Embedder(model: model, tokenizer: tokenizer, maxLength: maxLength)
            let cases = reference.cases.filter { $0.max_length == maxLength }
            for item in cases {
                #expect(embedder.tokens(for: item.text, instruction: item.instruction) == item.ids,
                        "\(name): token ids differ for \(item.text.prefix(40))…")
            }
            for dims in reference.dims {
                for instruction in Set(cases.map(\.instruction)) {
                    let group = cases.filter { $0.instruction == instruction }
                    let vectors = try await embedder.embed(group.map(\.text), instruction: instruction, dimensions: dims)
                    for (vector, item) in zip(vectors, group) {
                        #expect(vector.count == dims)
                        let (cosine, delta) = compare(vector, try #require(item.embeddings[String(dims)]))
                        #expect(cosine >= 0.99999 && delta <= 1e-4, "\(name) dims \(dims): cosine \(cosine), |Δ| \(delta)")
                    }
                }
            }
        }
    }

    @Test("reranker scores match σ(z_yes − z_no) of transformers within 1e-4")
    func rerankerScores() async throws {
        let name = "rerank-bf16"
        let reference = try EngineFixtures.reference(name, as: RerankReference.self)
        let folder = try EngineFixtures.folder(name)
        let model = try QwenModel(folder: folder)
        let tokenizer = try Tokenizer(contentsOf: folder.appendingPathComponent("tokenizer.json"))
        for maxLength in Set(reference.cases.map(\.max_length)).sorted() {
            let reranker = try Reranker(model: model, tokenizer: tokenizer, maxLength: maxLength)
            #expect(reranker.yesID == reference.yes && reranker.noID == reference.no)
            let cases = reference.cases.filter { $0.max_length == maxLength }
            let fromIDs = try await reranker.score(tokenSequences: cases.map(\.ids))
            for (score, item) in zip(fromIDs, cases) {
                #expect(abs(Double(score) - item.score) <= 1e-4, "score \(score) vs \(item.score)")
            }
            for item in cases {
                #expect(reranker.tokens(query: item.query, document: item.document, instruction: item.instruction) == item.ids)
                let scores = try await reranker.score([RerankPair(query: item.query, document: item.document)],
                                                      instruction: item.instruction)
                #expect(abs(Double(scores[0]) - item.score) <= 1e-4, "score \(scores[0]) vs \(item.score)")
            }
        }
    }

    @Test("the reranker folder's yes/no ids are the Qwen3 ones (9693, 2152)")
    func yesNoIDs() throws {
        let reference = try EngineFixtures.reference("rerank-bf16", as: RerankReference.self)
        #expect(reference.yes == 9693 && reference.no == 2152)
    }
}

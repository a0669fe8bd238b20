import Foundation
import PairsmithText
import PairsmithTokenizer

/// A query–document pair to score.
public struct RerankPair: Sendable, Equatable {
    /// The query.
    public var query: String
    /// The candidate document.
    public var document: String

    /// A pair.
    public init(query: String, document: String) {
        self.query = query
        self.document = document
    }
}

/// Relevance scores with a local Qwen3-Reranker model: `σ(z_yes − z_no)` at the prompt's last position.
///
/// Uses the transformers prompt of the model card: a fixed system prefix, the body
/// `<Instruct>: …\n<Query>: …\n<Document>: …` (truncated so the whole prompt fits `maxLength`), and the
/// assistant suffix with an empty think block; no `<|endoftext|>`. Only the two output rows for "yes" and "no"
/// are used (two dot products), never a full vocabulary projection.
public final class Reranker: Sendable {
    /// The default instruction of the model card.
    public static let defaultInstruction = RerankerPrompt.defaultInstruction
    /// The system prompt and user turn opening.
    public static let prefix = RerankerPrompt.prefix
    /// The end of the user turn and an assistant turn with an empty think block.
    public static let suffix = RerankerPrompt.suffix

    /// The transformer.
    public let model: QwenModel
    /// The tokenizer.
    public let tokenizer: any TokenEncoder
    /// The most tokens of one prompt.
    public let maxLength: Int
    /// Token ids of "yes" and "no".
    public let yesID: Int, noID: Int
    private let prefixIDs: [Int], suffixIDs: [Int]
    private let yesRow: [Float], noRow: [Float]
    private let coalescer: BatchCoalescer

    /// Loads the model folder (`config.json`, `tokenizer.json`, safetensors) in `precision`.
    public convenience init(folder: URL, maxLength: Int = 8192, tokenBudget: Int = 2048, precision: Precision = .fp32) throws(EngineError) {
        let tokenizer = try Tokenizer.load(folder: folder)
        try self.init(
            model: QwenModel(folder: folder, tokenBudget: tokenBudget, precision: precision), tokenizer: tokenizer,
            maxLength: maxLength)
    }

    /// Wraps a loaded model and tokenizer; `maxLength` is capped at `max_position_embeddings`.
    public init(model: QwenModel, tokenizer: any TokenEncoder, maxLength: Int = 8192) throws(EngineError) {
        let tokenizerPath = model.folder.appendingPathComponent("tokenizer.json").path
        guard let yes = tokenizer.id(forToken: "yes") else { throw .missingToken(token: "yes", path: tokenizerPath) }
        guard let no = tokenizer.id(forToken: "no") else { throw .missingToken(token: "no", path: tokenizerPath) }
        if !model.config.tieWordEmbeddings && model.weights.outputHead == nil {
            throw .missingTensor(name: "lm_head.weight", folder: model.folder.path)
        }
        self.model = model
        self.tokenizer = tokenizer
        yesID = yes
        noID = no
        prefixIDs = tokenizer.encode(Self.prefix, addSpecialTokens: false)
        suffixIDs = tokenizer.encode(Self.suffix, addSpecialTokens: false)
        let capped = Swift.min(maxLength, model.config.maxPositionEmbeddings)
        guard capped > prefixIDs.count + suffixIDs.count else {
            throw .invalidMaxLength(
                requested: maxLength, minimum: prefixIDs.count + suffixIDs.count + 1,
                reason: "the reranker prompt's prefix and suffix alone take \(prefixIDs.count + suffixIDs.count) tokens")
        }
        self.maxLength = capped
        yesRow = try model.outputRow(token: yes)
        noRow = try model.outputRow(token: no)
        coalescer = BatchCoalescer(model: model)
    }

    /// The prompt ids for one pair; the body is cut at its end (the document's tail) to fit `maxLength`.
    public func tokens(query: String, document: String, instruction: String? = nil) -> [Int] {
        let body = RerankerPrompt.body(query: query, document: document, instruction: instruction ?? Self.defaultInstruction)
        let bodyIDs = tokenizer.encode(body, addSpecialTokens: false)
        return prefixIDs + bodyIDs.prefix(maxLength - prefixIDs.count - suffixIDs.count) + suffixIDs
    }

    /// Relevance of each pair in `0...1`, in input order.
    public func score(_ pairs: [RerankPair], instruction: String? = nil) async throws(EngineError) -> [Float] {
        try await score(tokenSequences: pairs.map { tokens(query: $0.query, document: $0.document, instruction: instruction) })
    }

    /// Relevance of pre-built prompts (see ``tokens(query:document:instruction:)``).
    public func score(tokenSequences: [[Int]]) async throws(EngineError) -> [Float] {
        let states = try await coalescer.lastHiddenStates(tokenSequences)
        return states.map { state in
            let z = Self.dot(state, yesRow) - Self.dot(state, noRow)
            return Float(1 / (1 + Foundation.exp(-z)))
        }
    }

    private static func dot(_ a: [Float], _ b: [Float]) -> Double {
        var total = 0.0
        for i in a.indices { total += Double(a[i]) * Double(b[i]) }
        return total
    }
}

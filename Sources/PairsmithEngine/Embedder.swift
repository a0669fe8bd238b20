import Foundation
import PairsmithText
import PairsmithTokenizer

/// Text embeddings with a local Qwen3-Embedding model: last-token pooling, L2 normalisation, MRL dimensions.
///
/// Queries carry their task instruction (`Instruct: {task}\nQuery:{query}`); documents carry none. Every input
/// ends with `<|endoftext|>` (appended here when the tokenizer does not), and truncation keeps `maxLength − 1`
/// content tokens plus that final token. Safe to share between concurrent tasks: requests that wait at the same
/// time are packed into the same forward batches.
public final class Embedder: Sendable {
    /// The task of the model card's examples, used when a query needs an instruction and none is given.
    public static let defaultInstruction = "Given a web search query, retrieve relevant passages that answer the query"
    /// The token whose final hidden state is the embedding.
    public static let endOfText = "<|endoftext|>"
    /// The smallest MRL dimension Qwen3-Embedding supports.
    public static let minimumDimensions = 32

    /// The transformer.
    public let model: QwenModel
    /// The tokenizer.
    public let tokenizer: any TokenEncoder
    /// The most tokens of one input, `<|endoftext|>` included.
    public let maxLength: Int
    /// The id of `<|endoftext|>`.
    public let endOfTextID: Int
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
        guard maxLength >= 2 else {
            throw .invalidMaxLength(requested: maxLength, minimum: 2, reason: "an input needs a content token and <|endoftext|>")
        }
        guard let eos = tokenizer.id(forToken: Self.endOfText) else {
            throw .missingToken(token: Self.endOfText, path: model.folder.appendingPathComponent("tokenizer.json").path)
        }
        self.model = model
        self.tokenizer = tokenizer
        self.maxLength = Swift.min(maxLength, model.config.maxPositionEmbeddings)
        endOfTextID = eos
        coalescer = BatchCoalescer(model: model)
    }

    /// The full embedding width (`hidden_size`).
    public var dimension: Int { model.config.hiddenSize }

    /// The MRL dimensions this model accepts.
    public var dimensionRange: ClosedRange<Int> { Swift.min(Self.minimumDimensions, dimension)...dimension }

    /// The query prompt: `Instruct: {instruction}\nQuery:{text}` (no space after the colon).
    public static func query(_ text: String, instruction: String) -> String {
        QueryInstruction.format(text, instruction: instruction)
    }

    /// The ids fed to the model for `text` (formatted as a query when `instruction` is given), ending in `<|endoftext|>`.
    public func tokens(for text: String, instruction: String? = nil) -> [Int] {
        let prompt = instruction.map { Self.query(text, instruction: $0) } ?? text
        var ids = tokenizer.encode(prompt, addSpecialTokens: true)
        if ids.last != endOfTextID { ids.append(endOfTextID) }
        if ids.count > maxLength {
            ids.removeSubrange((maxLength - 1)...)
            ids.append(endOfTextID)
        }
        return ids
    }

    /// Embeds `texts` (as queries when `instruction` is given), L2-normalised, first `dimensions` values (default all).
    public func embed(_ texts: [String], instruction: String? = nil, dimensions: Int? = nil) async throws(EngineError) -> [[Float]] {
        try await embed(tokenSequences: texts.map { tokens(for: $0, instruction: instruction) }, dimensions: dimensions)
    }

    /// Embeds pre-tokenised inputs as given (they should end with `<|endoftext|>`; see ``tokens(for:instruction:)``).
    public func embed(tokenSequences: [[Int]], dimensions: Int? = nil) async throws(EngineError) -> [[Float]] {
        let width = dimensions ?? dimension
        guard dimensionRange.contains(width) else {
            throw .invalidDimensions(requested: width, minimum: dimensionRange.lowerBound, maximum: dimensionRange.upperBound)
        }
        let states = try await coalescer.lastHiddenStates(tokenSequences)
        return states.map { Self.normalize($0, dimensions: width) }
    }

    /// The first `dimensions` values of `state`, scaled to unit L2 norm (MRL: slice, then renormalise).
    public static func normalize(_ state: [Float], dimensions: Int) -> [Float] {
        let slice = state.prefix(dimensions)
        let norm = slice.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        guard norm > 0 else { return Array(slice) }
        return slice.map { Float(Double($0) / norm) }
    }
}

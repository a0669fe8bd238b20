import Foundation
import PairsmithBLAS

/// A Qwen3 transformer on the CPU in fp32: token ids in, final-normed hidden states of each sequence's last token out.
///
/// Sequences are packed: the tokens of many texts are concatenated into one `[ΣT, H]` matrix, so each linear
/// layer is one sgemm with no padding; attention runs per text with a causal mask and positions 0..<len.
/// Batches are formed longest first under a token budget. Every pass runs on the process's one engine thread
/// (``EngineThread``), one at a time, so the model is safe to share between tasks. The linear layers run in
/// fp32 on OpenBLAS or in bf16 on oneDNN (``precision``).
public final class QwenModel: Sendable {
    /// The model's hyper-parameters.
    public let config: ModelConfig
    /// The folder it was loaded from.
    public let folder: URL
    /// The most tokens packed into one forward batch (a longer single sequence gets a batch of its own).
    public let tokenBudget: Int
    /// The arithmetic the linear layers run in (what `Precision.auto` resolved to, or the explicit choice).
    public let precision: ComputePrecision
    let weights: ModelWeights

    /// Loads and verifies the checkpoint in `folder`; `tokenBudget` bounds the tokens of one packed batch.
    public convenience init(folder: URL, tokenBudget: Int = 2048, precision: Precision = .fp32) throws(EngineError) {
        try self.init(checkpoint: Checkpoint(folder: folder), tokenBudget: tokenBudget, precision: precision)
    }

    /// Builds the model from an opened checkpoint (fp32: widens the linear weights; bf16: keeps them in bf16).
    public init(checkpoint: Checkpoint, tokenBudget: Int = 2048, precision: Precision = .fp32) throws(EngineError) {
        config = checkpoint.config
        folder = checkpoint.folder
        self.tokenBudget = Swift.max(1, tokenBudget)
        let resolved = precision.resolved()
        self.precision = resolved
        weights = try ModelWeights(checkpoint, precision: resolved, referenceRows: Swift.min(Swift.max(1, tokenBudget), 512))
    }

    /// The final-normed hidden state of the last token of each sequence, in input order (`[H]` each).
    ///
    /// Ids must be in `0..<vocab_size`; sequences must be non-empty and no longer than `max_position_embeddings`.
    public func forward(sequences: [[Int]]) throws(EngineError) -> [[Float]] {
        try validate(sequences)
        return try EngineThread.shared.perform { () throws(EngineError) -> [[Float]] in
            var results = [[Float]](repeating: [], count: sequences.count)
            for batch in Self.batches(lengths: sequences.map(\.count), budget: self.tokenBudget) {
                let states = try ForwardPass(model: self, sequences: batch.map { sequences[$0] }).run()
                for (slot, index) in batch.enumerated() { results[index] = states[slot] }
            }
            return results
        }
    }

    /// Checks that every sequence is non-empty, fits the context and holds only ids with an embedding row.
    public func validate(_ sequences: [[Int]]) throws(EngineError) {
        for (index, ids) in sequences.enumerated() {
            guard !ids.isEmpty else { throw .emptySequence(index: index) }
            guard ids.count <= config.maxPositionEmbeddings else {
                throw .sequenceTooLong(index: index, length: ids.count, maximum: config.maxPositionEmbeddings)
            }
            for id in ids where id < 0 || id >= config.vocabularySize {
                throw .tokenOutOfRange(id: id, vocabularySize: config.vocabularySize)
            }
        }
    }

    /// The row of the output head for `token` (the tied embedding row, or `lm_head`'s when untied), widened.
    public func outputRow(token: Int) throws(EngineError) -> [Float] {
        guard token >= 0, token < config.vocabularySize else {
            throw .tokenOutOfRange(id: token, vocabularySize: config.vocabularySize)
        }
        let table = weights.outputHead ?? weights.embedding
        let h = config.hiddenSize
        return [Float](unsafeUninitializedCapacity: h) { buffer, count in
            if let base = buffer.baseAddress { table.widen(start: token * h, count: h, into: base) }
            count = h
        }
    }

    /// Groups sequence indices into batches: longest first, each batch's total length within `budget`.
    static func batches(lengths: [Int], budget: Int) -> [[Int]] {
        let order = lengths.indices.sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
        var batches: [[Int]] = []
        var current: [Int] = []
        var tokens = 0
        for index in order {
            if !current.isEmpty && tokens + lengths[index] > budget {
                batches.append(current)
                current = []
                tokens = 0
            }
            current.append(index)
            tokens += lengths[index]
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }
}

import Foundation
import PairsmithStore
import PairsmithText

/// A query and a document for a reranker.
public struct RerankInput: Sendable, Hashable {
    /// The query (without instruction).
    public var query: String
    /// The document.
    public var document: String

    /// Creates an input.
    public init(query: String, document: String) {
        self.query = query
        self.document = document
    }
}

/// Scores query–document pairs under an instruction, in input order (a local Qwen3-Reranker or a rerank server).
public typealias RerankTexts = @Sendable (_ pairs: [RerankInput], _ instruction: String) async throws -> [Double]

/// A reranker as the filters use it: its model name (the key of stored scores), the default instruction, how many
/// pairs go in one call, and the scoring function.
public struct RerankScorer: Sendable {
    /// The model's name (the key of `rerank_scores`).
    public let model: String
    /// The instruction of examples that store none (the run's task instruction).
    public let instruction: String
    /// Pairs per call (calls of one batch run concurrently).
    public let callSize: Int
    /// Scores pairs.
    public let score: RerankTexts

    /// Creates a scorer.
    public init(model: String, instruction: String, callSize: Int = 16, score: @escaping RerankTexts) {
        self.model = model
        self.instruction = instruction
        self.callSize = max(1, callSize)
        self.score = score
    }

    /// Scores `pairs` under `instruction` in calls of ``callSize``, the calls concurrently; results in input order.
    public func scoreAll(_ pairs: [RerankInput], instruction: String) async throws -> [Double] {
        guard !pairs.isEmpty else { return [] }
        let starts = Array(stride(from: 0, to: pairs.count, by: callSize))
        var results = Array(repeating: [Double](), count: starts.count)
        try await withThrowingTaskGroup(of: (Int, [Double]).self) { group in
            for (chunk, start) in starts.enumerated() {
                let slice = Array(pairs[start..<min(start + callSize, pairs.count)])
                group.addTask { [score] in
                    let scores = try await score(slice, instruction)
                    guard scores.count == slice.count else {
                        throw SelectionError.wrongCount(requested: slice.count, returned: scores.count)
                    }
                    return (chunk, scores)
                }
            }
            for try await (chunk, scores) in group { results[chunk] = scores }
        }
        return results.flatMap { $0 }
    }
}

/// The rerank stage: every example of a run without a rerank score under the reranker model (or scored under
/// another instruction) gets the reranker's relevance of its anchor and positive (the generated positive, else the
/// passage), under the example's anchor instruction or the run's default. Scores are committed per batch, so a
/// killed stage loses at most the batch in flight and goes on with the examples still unscored.
public struct RerankStage: Sendable {
    /// The store.
    public let store: PairsmithStore
    /// The reranker.
    public let reranker: RerankScorer
    /// Examples per committed batch.
    public let batchSize: Int

    /// Creates the stage.
    public init(store: PairsmithStore, reranker: RerankScorer, batchSize: Int = 256) {
        self.store = store
        self.reranker = reranker
        self.batchSize = max(1, batchSize)
    }

    /// Reranks every example of `run` that needs it; `onBatch` is told after each committed batch.
    public func rerankAll(run: String, onBatch: @Sendable (RerankReport) -> Void = { _ in }) async throws -> RerankReport {
        var report = RerankReport()
        var after: Int64 = 0
        while true {
            try Task.checkCancellation()
            let page = try await store.rerankCandidates(run: run, model: reranker.model, after: after, limit: batchSize)
            guard let last = page.last?.pairID else { break }
            after = last
            var groups: [String: [RerankCandidate]] = [:]
            for candidate in page {
                let instruction = candidate.anchorInstruction ?? reranker.instruction
                if candidate.storedInstructionHash == ContentHash.sha256(instruction) {
                    report.alreadyScored += 1
                } else {
                    groups[instruction, default: []].append(candidate)
                }
            }
            guard !groups.isEmpty else { continue }
            var records: [RerankScoreRecord] = []
            for (instruction, candidates) in groups.sorted(by: { $0.key < $1.key }) {
                let scores = try await reranker.scoreAll(
                    candidates.map { RerankInput(query: $0.anchor, document: $0.positive) }, instruction: instruction)
                let hash = ContentHash.sha256(instruction)
                for (candidate, score) in zip(candidates, scores) {
                    records.append(
                        RerankScoreRecord(pairID: candidate.pairID, model: reranker.model, score: score, instructionHash: hash))
                }
            }
            try await store.storeRerankScores(records)
            report.scoredNow += records.count
            onBatch(report)
        }
        return report
    }
}

/// What a rerank pass did.
public struct RerankReport: Sendable, Hashable, CustomStringConvertible {
    /// Examples scored by this pass.
    public var scoredNow = 0
    /// Examples already scored under the model and instruction (skipped).
    public var alreadyScored = 0

    /// Creates an empty report.
    public init() {}

    public var description: String { "reranked \(scoredNow) pairs (\(alreadyScored) already reranked)" }
}

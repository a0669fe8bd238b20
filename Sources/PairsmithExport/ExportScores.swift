import PairsmithJSON
import PairsmithStore

/// The distillation targets `pairsmith export --scores` writes into FlagEmbedding rows as `pos_scores` and
/// `neg_scores` (one per `pos` and per `neg`, in order), for its `--knowledge_distillation`.
public enum ExportScores: String, Sendable, Hashable, CaseIterable {
    /// The reranker's scores: the positive's from the rerank stage, the negatives' from a reranker-guarded search.
    case rerank
    /// The embedding's cosines: the positive's score and the negatives' search scores.
    case cosine

    /// `row` with `pos_scores` and `neg_scores` added; throws when a score is missing (a generated negative has none,
    /// nor does a negative searched without a reranker under `rerank`).
    static func adding(_ kind: ExportScores, to row: JSONValue, example: ExportExample) throws -> JSONValue {
        guard case .object(let object) = row else { return row }
        let positive: Double?
        let negatives: [Double?]
        switch kind {
        case .rerank:
            positive = example.rerankScore
            negatives = example.negatives.map(\.rerankScore)
        case .cosine:
            positive = example.cosine
            negatives = example.negatives.map(\.score)
        }
        guard let positive else { throw ExportError.missingScore(kind: kind.rawValue, exampleID: example.pairID, side: "positive") }
        guard example.generatedNegatives.isEmpty else {
            throw ExportError.missingScore(kind: kind.rawValue, exampleID: example.pairID, side: "generated negative")
        }
        var scores: [JSONValue] = []
        for score in negatives {
            guard let score else { throw ExportError.missingScore(kind: kind.rawValue, exampleID: example.pairID, side: "negative") }
            scores.append(.number(score))
        }
        var members = object.members
        let position = members.firstIndex { $0.0 == "prompt" } ?? members.count
        members.insert(contentsOf: [("pos_scores", JSONValue.array([.number(positive)])), ("neg_scores", .array(scores))], at: position)
        return .object(members)
    }
}

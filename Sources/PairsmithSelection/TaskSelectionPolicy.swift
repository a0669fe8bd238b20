import Foundation
import PairsmithConfiguration
import PairsmithStore

/// The task-aware part of selection, from the pipeline's `selection:` block:
///
/// - `exclude_labels` (classification's `none`): examples with such a label enter neither set; they stay in the
///   database, recorded and counted by `pairsmith status`, and are never exported.
/// - `score_aware.min_score` (STS): the cosine bounds apply only to examples whose score is at least this (pairs
///   meant to be similar); an example with a lower score (meant to be dissimilar) enters the SFT set whatever its
///   cosine, as long as it is scored. The weak set is every valid, non-duplicate example of every score.
public struct TaskSelectionPolicy: Sendable, Hashable {
    /// Examples with these labels are never selected.
    public var excludedLabels: Set<String>
    /// The score from which the cosine bounds apply; nil: they apply to every example.
    public var cosineFilterMinScore: Double?

    /// The policy of a pipeline's `selection:` block.
    public init(settings: PipelineConfiguration.SelectionSettings) {
        excludedLabels = Set(settings.excludedLabels)
        cosineFilterMinScore = settings.cosineFilterMinScore
    }

    /// A policy; the default selects as retrieval does.
    public init(excludedLabels: Set<String> = [], cosineFilterMinScore: Double? = nil) {
        self.excludedLabels = excludedLabels
        self.cosineFilterMinScore = cosineFilterMinScore
    }

    /// Whether the policy changes anything (else no example facts need reading).
    public var isActive: Bool { !excludedLabels.isEmpty || cosineFilterMinScore != nil }

    /// Whether the example may enter a set at all.
    public func admits(_ facts: ExampleTaskFacts?) -> Bool {
        guard let label = facts?.label else { return true }
        return !excludedLabels.contains(label)
    }

    /// Whether a scored example is exempt from the cosine bounds: its score is below `min_score` (a pair written to
    /// be dissimilar). The other criteria (reranker, judge, rank) still apply to it.
    public func exemptFromCosine(_ facts: ExampleTaskFacts?) -> Bool {
        guard let minimum = cosineFilterMinScore, let score = facts?.score else { return false }
        return score < minimum
    }

}

/// The task-aware policy of a selection as stored in its parameters: what it asked and what it did.
public struct TaskSelectionRecord: Sendable, Hashable, Codable {
    /// Labels never selected.
    public var excludedLabels: [String]
    /// The score from which the cosine bounds apply.
    public var cosineFilterMinScore: Double?
    /// Valid examples left out of both sets for their label.
    public var excludedByLabel: Int
    /// SFT examples below the score, kept whatever their cosine.
    public var keptBelowMinScore: Int

    /// The record of `policy` over the valid examples and the sets it gave.
    init(
        policy: TaskSelectionPolicy, valid: [ScoredPair], weak: [ScoredPair], sft: [ScoredPair], facts: [Int64: ExampleTaskFacts]
    ) {
        excludedLabels = policy.excludedLabels.sorted()
        cosineFilterMinScore = policy.cosineFilterMinScore
        excludedByLabel = valid.count - weak.count
        keptBelowMinScore =
            policy.cosineFilterMinScore.map { minimum in sft.filter { (facts[$0.pairID]?.score ?? 1) < minimum }.count } ?? 0
    }

    enum CodingKeys: String, CodingKey {
        case excludedLabels = "excluded_labels"
        case cosineFilterMinScore = "cosine_filter_min_score"
        case excludedByLabel = "excluded_by_label"
        case keptBelowMinScore = "kept_below_min_score"
    }
}

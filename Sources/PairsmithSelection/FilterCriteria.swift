import Foundation
import PairsmithConfiguration

/// The SFT criteria beyond the cosine bounds: a reranker score, judge ratings and the round-trip rank, each as a
/// value or a global percentile. An example missing the score a criterion reads fails it (and is counted as missing).
public struct FilterCriteria: Sendable, Hashable, Codable {
    /// Examples need a reranker score ≥ this.
    public var minRerank: Double?
    /// …or ≥ this percentile (0…100) of every rerank score stored under the reranker model.
    public var minRerankPercentile: Double?
    /// The reranker model (nil: the run's only one).
    public var rerankModel: String?
    /// Examples need a judge rating ≥ the value, per criterion (`overall` included).
    public var minJudge: [String: Double]?
    /// …or ≥ this percentile of every rating of the criterion stored.
    public var minJudgePercentile: [String: Double]?
    /// Examples need their passage's round-trip rank ≤ this (1 = the passage comes back first).
    public var maxPositiveRank: Int?
    /// …or ≤ this percentile of every stored rank under the embedding model.
    public var maxPositiveRankPercentile: Double?

    /// Creates filter criteria; nil turns a criterion off.
    public init(
        minRerank: Double? = nil, minRerankPercentile: Double? = nil, rerankModel: String? = nil,
        minJudge: [String: Double]? = nil, minJudgePercentile: [String: Double]? = nil, maxPositiveRank: Int? = nil,
        maxPositiveRankPercentile: Double? = nil
    ) {
        self.minRerank = minRerank
        self.minRerankPercentile = minRerankPercentile
        self.rerankModel = rerankModel
        self.minJudge = minJudge.flatMap { $0.isEmpty ? nil : $0 }
        self.minJudgePercentile = minJudgePercentile.flatMap { $0.isEmpty ? nil : $0 }
        self.maxPositiveRank = maxPositiveRank
        self.maxPositiveRankPercentile = maxPositiveRankPercentile
    }

    /// The criteria of a pipeline's `selection:` block.
    public init(settings: PipelineConfiguration.FilterSettings) {
        var judge: [String: Double] = [:]
        var judgePercentile: [String: Double] = [:]
        for (name, bound) in settings.minJudge {
            if let value = bound.value { judge[name] = value }
            if let percentile = bound.percentile { judgePercentile[name] = percentile }
        }
        self.init(
            minRerank: settings.minRerank?.value, minRerankPercentile: settings.minRerank?.percentile,
            rerankModel: settings.rerankModel, minJudge: judge, minJudgePercentile: judgePercentile,
            maxPositiveRank: settings.maxPositiveRank?.value.map { Int($0) },
            maxPositiveRankPercentile: settings.maxPositiveRank?.percentile)
    }

    /// Whether no criterion is on.
    public var isEmpty: Bool {
        !usesRerank && !usesJudge && !usesPositiveRank
    }

    /// Whether a reranker criterion is on.
    public var usesRerank: Bool { minRerank != nil || minRerankPercentile != nil }
    /// Whether a judge criterion is on.
    public var usesJudge: Bool { !(minJudge ?? [:]).isEmpty || !(minJudgePercentile ?? [:]).isEmpty }
    /// Whether the round-trip rank criterion is on.
    public var usesPositiveRank: Bool { maxPositiveRank != nil || maxPositiveRankPercentile != nil }

    /// Checks ranges and combinations; the error names the parameter.
    public func validate() throws {
        if minRerank != nil, minRerankPercentile != nil {
            throw SelectionError.invalidParameter("give either min_rerank (--min-rerank) or its percentile, not both")
        }
        if maxPositiveRank != nil, maxPositiveRankPercentile != nil {
            throw SelectionError.invalidParameter("give either max_positive_rank or its percentile, not both")
        }
        if let rank = maxPositiveRank, rank < 1 {
            throw SelectionError.invalidParameter("max_positive_rank must be at least 1, found \(rank)")
        }
        let percentiles = [minRerankPercentile, maxPositiveRankPercentile].compactMap { $0 } + (minJudgePercentile ?? [:]).values
        for percentile in percentiles where !(0...100).contains(percentile) {
            throw SelectionError.invalidParameter("percentiles must be from 0 to 100, found \(percentile)")
        }
        for name in Set((minJudge ?? [:]).keys).intersection((minJudgePercentile ?? [:]).keys) {
            throw SelectionError.invalidParameter("give either min_judge.\(name) or its percentile, not both")
        }
    }

    /// The judge criteria named, sorted.
    public var judgeCriteria: [String] { Set((minJudge ?? [:]).keys).union((minJudgePercentile ?? [:]).keys).sorted() }

    enum CodingKeys: String, CodingKey {
        case minRerank = "min_rerank"
        case minRerankPercentile = "min_rerank_percentile"
        case rerankModel = "rerank_model"
        case minJudge = "min_judge"
        case minJudgePercentile = "min_judge_percentile"
        case maxPositiveRank = "max_positive_rank"
        case maxPositiveRankPercentile = "max_positive_rank_percentile"
    }
}

/// One criterion of a selection as applied: its resolved bound and how many sampled non-duplicate examples failed
/// it, lacked its score, and were removed by it (the first criterion, in the stored order, that they failed).
public struct CriterionOutcome: Sendable, Hashable, Codable {
    /// `cosine`, `rerank`, `judge:<criterion>` or `positive_rank`.
    public var criterion: String
    /// `>` (cosine lower bound), `>=` (rerank, judge) or `<=` (rank); cosine's upper bound is in ``ResolvedBounds``.
    public var comparison: String
    /// The resolved bound (nil: open).
    public var bound: Double?
    /// `threshold`, `band`, `value` or `percentile`.
    public var source: String
    /// Examples that fail the criterion (missing ones included).
    public var failed: Int
    /// Examples without the score the criterion reads.
    public var missing: Int
    /// Examples whose first failed criterion this is.
    public var removed: Int
}

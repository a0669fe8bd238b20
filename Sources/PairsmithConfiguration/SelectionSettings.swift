extension PipelineConfiguration {
    /// The pipeline's `selection:` block: how pairs are scored, deduplicated, selected and given hard negatives.
    public struct SelectionSettings: Sendable, Hashable {
        /// SFT pairs need cosine > this (replaced by `band` or `lowPercentile` when given).
        public var similarityThreshold: Double
        /// An explicit cosine band (low, high]: SFT pairs need low < cosine ≤ high.
        public var band: CosineBand?
        /// The lower bound as a global percentile (0…100) of every score in the database under the model.
        public var lowPercentile: Double?
        /// The upper bound as a global percentile (0…100) of every score in the database under the model.
        public var highPercentile: Double?
        /// The share of pairs kept by a seeded per-pair draw before the bounds apply, in (0, 1].
        public var samplingRate: Double
        /// The seed of that draw.
        public var seed: UInt64
        /// Queries of the same passage whose query–query cosine is at least this are near duplicates.
        public var nearDuplicateCosine: Double
        /// The hard-negative search.
        public var negatives: NegativeSettings
        /// The filters beyond the cosine bounds (reranker, judge, round-trip rank), from the block's keys.
        public var filters = FilterSettings()
        /// Score-aware selection (STS): only examples whose score is at least this must pass the cosine bounds to
        /// enter the SFT set; examples with a lower score (pairs written to be dissimilar) are kept whatever their
        /// cosine. nil: every example must pass them.
        public var cosineFilterMinScore: Double?
        /// Labels whose examples are never selected (classification's `none`): recorded and counted, never exported.
        public var excludedLabels: [String] = []

        /// Creates the settings; every part has the report's default.
        public init(
            similarityThreshold: Double = 0.7, band: CosineBand? = nil, lowPercentile: Double? = nil,
            highPercentile: Double? = nil, samplingRate: Double = 1, seed: UInt64 = 0, nearDuplicateCosine: Double = 0.95,
            negatives: NegativeSettings = NegativeSettings()
        ) {
            self.similarityThreshold = similarityThreshold
            self.band = band
            self.lowPercentile = lowPercentile
            self.highPercentile = highPercentile
            self.samplingRate = samplingRate
            self.seed = seed
            self.nearDuplicateCosine = nearDuplicateCosine
            self.negatives = negatives
        }
    }

    /// A cosine band (low, high].
    public struct CosineBand: Sendable, Hashable {
        /// Pairs need cosine > low.
        public var low: Double
        /// Pairs need cosine ≤ high.
        public var high: Double

        /// Creates a band.
        public init(low: Double, high: Double) {
            self.low = low
            self.high = high
        }
    }

    /// How hard negatives are mined.
    public struct NegativeSettings: Sendable, Hashable {
        /// Negatives wanted per pair (K); 0 turns the search off.
        public var count: Int
        /// The first rank considered (1 = the passage closest to the query, the positive not counted).
        public var rankFrom: Int
        /// The last rank considered.
        public var rankTo: Int
        /// A candidate scoring above this × the positive's score is skipped (a likely false negative).
        public var guardFactor: Double
        /// A candidate is skipped when its score + this exceeds the positive's (sentence-transformers'
        /// `absolute_margin`); the scores are the reranker's when a reranker ran, else the embedding's cosines.
        public var absoluteMargin: Double?
        /// A candidate is skipped when its score exceeds the positive's × (1 − this) (`relative_margin`).
        public var relativeMargin: Double?
        /// Where negatives come from: the corpus's passages, or other examples' generated positives.
        public var pool: NegativePool = .passages

        /// Creates the settings.
        public init(
            count: Int = 7, rankFrom: Int = 1, rankTo: Int = 100, guardFactor: Double = 0.95, absoluteMargin: Double? = nil,
            relativeMargin: Double? = nil
        ) {
            self.count = count
            self.rankFrom = rankFrom
            self.rankTo = rankTo
            self.guardFactor = guardFactor
            self.absoluteMargin = absoluteMargin
            self.relativeMargin = relativeMargin
        }
    }

    /// A lower bound on a score, given as a value or as a global percentile (0…100) of every such score stored.
    public struct ScoreBound: Sendable, Hashable {
        /// The bound itself (examples need score ≥ value).
        public var value: Double?
        /// The bound as a percentile.
        public var percentile: Double?

        /// Creates a bound; give one of the two.
        public init(value: Double? = nil, percentile: Double? = nil) {
            self.value = value
            self.percentile = percentile
        }
    }

    /// The selection criteria beyond the cosine bounds: each is off when nil.
    public struct FilterSettings: Sendable, Hashable {
        /// Examples need a reranker score ≥ this (`min_rerank`, `min_rerank_percentile`).
        public var minRerank: ScoreBound?
        /// The reranker model whose scores `minRerank` reads (nil: the run's only one).
        public var rerankModel: String?
        /// Examples need a judge rating ≥ the bound, per criterion (`overall` included) (`min_judge`).
        public var minJudge: [String: ScoreBound]
        /// Examples need their passage's round-trip rank ≤ this (`max_positive_rank`, or
        /// `max_positive_rank_percentile`: the percentile of every stored rank).
        public var maxPositiveRank: ScoreBound?

        /// Creates filter settings; nothing is filtered by default.
        public init(
            minRerank: ScoreBound? = nil, rerankModel: String? = nil, minJudge: [String: ScoreBound] = [:],
            maxPositiveRank: ScoreBound? = nil
        ) {
            self.minRerank = minRerank
            self.rerankModel = rerankModel
            self.minJudge = minJudge
            self.maxPositiveRank = maxPositiveRank
        }
    }
}

extension PipelineConfiguration {
    /// Where a task's hard negatives come from (`selection.negatives.pool`).
    public enum NegativePool: String, Sendable, Hashable, CaseIterable {
        /// Passages of the corpus ranked by cosine to the anchor (retrieval); examples with a generated positive get none.
        case passages
        /// Other examples' generated positives in the same positive language, ranked by cosine to the anchor (bitext:
        /// other translations into the same target language), under the same rank range and guard.
        case translations
        /// The generated positives of the example's low-score siblings: examples of the same passage and anchor whose
        /// score is below `selection.score_aware.min_score` (STS: low levels as negatives of the same anchor).
        case lowScores = "low_scores"
    }
}

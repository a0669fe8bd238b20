import Foundation
import PairsmithConfiguration
import PairsmithText

/// What the SFT set is selected by: a threshold, or a band, or global percentile bounds, and a seeded sampling rate.
/// Resolved against the database's scores into ``ResolvedBounds``: a pair is selected when low < cosine ≤ high.
public struct SelectionCriteria: Sendable, Hashable, Codable {
    /// Cosine > threshold (used when neither a band nor a low percentile is given).
    public var threshold: Double
    /// Explicit bounds (low, high].
    public var band: [Double]?
    /// The lower bound as a global percentile (0…100) of every score under the model.
    public var lowPercentile: Double?
    /// The upper bound as a global percentile (0…100).
    public var highPercentile: Double?
    /// The share of pairs drawn (per pair, seeded) before the bounds apply, in (0, 1].
    public var samplingRate: Double
    /// The sampling seed.
    public var seed: UInt64
    /// The criteria beyond cosine (reranker, judge, round-trip rank); nil: none (and absent from the stored JSON).
    public var filters: FilterCriteria?

    /// Creates criteria.
    public init(
        threshold: Double = 0.7, band: (low: Double, high: Double)? = nil, lowPercentile: Double? = nil,
        highPercentile: Double? = nil, samplingRate: Double = 1, seed: UInt64 = 0
    ) {
        self.threshold = threshold
        self.band = band.map { [$0.low, $0.high] }
        self.lowPercentile = lowPercentile
        self.highPercentile = highPercentile
        self.samplingRate = samplingRate
        self.seed = seed
    }

    /// The criteria of a pipeline's `selection:` block.
    public init(settings: PipelineConfiguration.SelectionSettings) {
        self.init(
            threshold: settings.similarityThreshold, band: settings.band.map { ($0.low, $0.high) },
            lowPercentile: settings.lowPercentile, highPercentile: settings.highPercentile,
            samplingRate: settings.samplingRate, seed: settings.seed)
        let filters = FilterCriteria(settings: settings.filters)
        self.filters = filters.isEmpty ? nil : filters
    }

    /// Checks ranges and combinations; the error says which parameter is wrong.
    public func validate() throws {
        guard (-1...1).contains(threshold) else { throw SelectionError.invalidParameter("the threshold must be from -1 to 1, found \(threshold)") }
        if let band {
            guard band.count == 2, band[0] < band[1] else {
                throw SelectionError.invalidParameter("the band must be two cosines LO,HI with LO < HI, found \(band)")
            }
            if lowPercentile != nil || highPercentile != nil {
                throw SelectionError.invalidParameter("give either a band or percentile bounds, not both")
            }
        }
        for percentile in [lowPercentile, highPercentile].compactMap({ $0 }) where !(0...100).contains(percentile) {
            throw SelectionError.invalidParameter("percentiles must be from 0 to 100, found \(percentile)")
        }
        if let low = lowPercentile, let high = highPercentile, low >= high {
            throw SelectionError.invalidParameter("the low percentile (\(low)) must be below the high one (\(high))")
        }
        guard samplingRate > 0, samplingRate <= 1 else {
            throw SelectionError.invalidParameter("the sampling rate must be greater than 0 and at most 1, found \(samplingRate)")
        }
        try filters?.validate()
    }

    /// The bounds these criteria give over `allScores` (ascending; only read for percentiles).
    public func resolve(allScores: [Double], model: String) throws -> ResolvedBounds {
        var low: Double? = threshold
        var high: Double?
        var source = "threshold"
        if let band, band.count == 2 {
            low = band[0]
            high = band[1]
            source = "band"
        }
        if lowPercentile != nil || highPercentile != nil {
            guard !allScores.isEmpty else { throw SelectionError.noScoresForPercentile(model: model) }
            source = "percentile"
            if let lowPercentile { low = Percentile.linear(allScores, lowPercentile) } else { low = nil }
            if let highPercentile { high = Percentile.linear(allScores, highPercentile) }
        }
        return ResolvedBounds(low: low, high: high, source: source, scoreCount: allScores.count)
    }

    /// Whether the seeded draw keeps the pair with this key (`run/document key/sample`): the first 8 bytes of
    /// SHA-256("{seed}:{key}") as a big-endian integer, over 2^64, below the rate.
    public func sampled(key: String) -> Bool {
        guard samplingRate < 1 else { return true }
        return Self.draw(seed: seed, key: key) < samplingRate
    }

    /// The uniform [0, 1) draw of a pair key under a seed.
    public static func draw(seed: UInt64, key: String) -> Double {
        Double(StableHash.hash64("\(seed):\(key)") >> 11) * 0x1.0p-53
    }

    enum CodingKeys: String, CodingKey {
        case threshold, band, seed, filters
        case lowPercentile = "low_percentile"
        case highPercentile = "high_percentile"
        case samplingRate = "sampling_rate"
    }
}

/// Cosine bounds resolved from ``SelectionCriteria``: a pair is inside when low < cosine ≤ high (a nil bound is open).
public struct ResolvedBounds: Sendable, Hashable, Codable {
    /// The exclusive lower bound.
    public var low: Double?
    /// The inclusive upper bound.
    public var high: Double?
    /// `threshold`, `band` or `percentile`.
    public var source: String
    /// The number of scores percentiles were computed over (all scores under the model, all runs).
    public var scoreCount: Int

    /// Whether `cosine` lies inside.
    public func contains(_ cosine: Double) -> Bool {
        if let low, !(cosine > low) { return false }
        if let high, !(cosine <= high) { return false }
        return true
    }

    enum CodingKeys: String, CodingKey {
        case low, high, source
        case scoreCount = "score_count"
    }
}

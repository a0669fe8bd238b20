import Foundation
import PairsmithConfiguration
import PairsmithStore

/// Selection parameters given on the command line; each replaces the pipeline file's value.
public struct SelectionOverrides: Sendable, Hashable {
    /// Cosine > threshold (drops the file's band and percentiles unless given too).
    public var threshold: Double?
    /// A band (low, high] (drops the file's percentiles).
    public var band: (low: Double, high: Double)? {
        get { bandValues.map { ($0[0], $0[1]) } }
        set { bandValues = newValue.map { [$0.low, $0.high] } }
    }
    private var bandValues: [Double]?
    /// The lower bound as a global percentile.
    public var lowPercentile: Double?
    /// The upper bound as a global percentile.
    public var highPercentile: Double?
    /// The sampling rate.
    public var samplingRate: Double?
    /// The sampling seed.
    public var seed: UInt64?
    /// The reranker, judge and round-trip-rank criteria given; each one set replaces the file's value of that
    /// criterion (a value replaces the file's percentile and the other way round).
    public var filters = FilterCriteria()

    /// Creates overrides; nil keeps the file's value.
    public init(
        threshold: Double? = nil, band: (low: Double, high: Double)? = nil, lowPercentile: Double? = nil,
        highPercentile: Double? = nil, samplingRate: Double? = nil, seed: UInt64? = nil
    ) {
        self.threshold = threshold
        self.bandValues = band.map { [$0.low, $0.high] }
        self.lowPercentile = lowPercentile
        self.highPercentile = highPercentile
        self.samplingRate = samplingRate
        self.seed = seed
    }

    /// `base` with these overrides applied: an explicit bound kind replaces the file's other bound kinds.
    public func applied(to base: SelectionCriteria) -> SelectionCriteria {
        var criteria = base
        let percentiles = lowPercentile != nil || highPercentile != nil
        if threshold != nil || bandValues != nil || percentiles {
            criteria.band = nil
            criteria.lowPercentile = nil
            criteria.highPercentile = nil
        }
        if let threshold { criteria.threshold = threshold }
        if let bandValues { criteria.band = bandValues }
        if let lowPercentile { criteria.lowPercentile = lowPercentile }
        if let highPercentile { criteria.highPercentile = highPercentile }
        if let samplingRate { criteria.samplingRate = samplingRate }
        if let seed { criteria.seed = seed }
        var merged = criteria.filters ?? FilterCriteria()
        if filters.usesRerank {
            merged.minRerank = filters.minRerank
            merged.minRerankPercentile = filters.minRerankPercentile
        }
        if let model = filters.rerankModel { merged.rerankModel = model }
        for (name, value) in filters.minJudge ?? [:] {
            merged.minJudge = (merged.minJudge ?? [:]).merging([name: value]) { _, new in new }
            merged.minJudgePercentile?[name] = nil
        }
        for (name, value) in filters.minJudgePercentile ?? [:] {
            merged.minJudgePercentile = (merged.minJudgePercentile ?? [:]).merging([name: value]) { _, new in new }
            merged.minJudge?[name] = nil
        }
        if merged.minJudge?.isEmpty ?? false { merged.minJudge = nil }
        if merged.minJudgePercentile?.isEmpty ?? false { merged.minJudgePercentile = nil }
        if filters.usesPositiveRank {
            merged.maxPositiveRank = filters.maxPositiveRank
            merged.maxPositiveRankPercentile = filters.maxPositiveRankPercentile
        }
        criteria.filters = merged.isEmpty ? nil : merged
        return criteria
    }
}

/// `pairsmith select`: dedup, select and hard negatives again from what a database stores, embedding nothing.
public enum Reselection {
    /// Re-selects `run` (or the database's only run) under `model` (or the only model with scores), with the
    /// run's stored pipeline settings and `overrides`.
    public static func execute(
        store: PairsmithStore, run: String?, model: String?, overrides: SelectionOverrides, rerank: RerankScorer? = nil,
        onProgress: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws -> SelectionSummary {
        let runName: String
        if let run {
            runName = run
        } else {
            let runs = try await store.runsWithPairs()
            guard let only = runs.first else { throw SelectionError.noPairs(run: "(any)") }
            guard runs.count == 1 else {
                throw SelectionError.invalidParameter(
                    "the database holds several runs (\(runs.joined(separator: ", "))); name one with --run")
            }
            runName = only
        }
        let record = try await store.run(runName)
        let settings = try StoredPipeline(
            text: record?.configuration ?? "", file: record?.pipelinePath ?? "(stored pipeline of run \(runName))"
        ).selectionSettings()
        let scoredModel = try await SelectionJob.scoredModel(store: store, run: runName, preferred: model)
        let criteria = overrides.applied(to: SelectionCriteria(settings: settings))
        var job = SelectionJob(
            store: store, run: runName, model: scoredModel, instruction: "", settings: settings, criteria: criteria,
            embed: nil, onProgress: onProgress)
        job.rerank = rerank
        return try await job.execute()
    }
}

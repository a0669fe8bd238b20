import Foundation
import PairsmithStore

/// The criteria of one selection resolved against the store: the cosine bounds, then the reranker, judge and
/// round-trip-rank bounds (values, or percentiles of every such score stored), with the scores they read.
struct FilterEvaluation: Sendable {
    /// One resolved criterion and how it reads an example.
    struct Check: Sendable {
        var criterion: String
        var comparison: String
        var bound: Double?
        var source: String
        /// The example's value (nil: missing, so it fails).
        var value: @Sendable (ScoredPair) -> Double?
        /// Whether a value passes.
        var passes: @Sendable (Double) -> Bool
        /// Whether the example passes whatever its value, as long as it has one (score-aware selection: an STS pair
        /// written to be dissimilar is not held to the cosine bounds).
        var exempts: @Sendable (ScoredPair) -> Bool = { _ in false }
    }

    var checks: [Check]
    var rerankModel: String?

    /// Resolves `filters` (and the cosine `bounds`) for `run` under the embedding `model`.
    static func load(
        store: PairsmithStore, run: String, model: String, bounds: ResolvedBounds, filters: FilterCriteria?,
        cosineExempts: @escaping @Sendable (ScoredPair) -> Bool = { _ in false }
    ) async throws -> FilterEvaluation {
        var checks = [
            Check(
                criterion: "cosine", comparison: ">", bound: bounds.low, source: bounds.source, value: { $0.cosine },
                passes: { bounds.contains($0) }, exempts: cosineExempts)
        ]
        guard let filters else { return FilterEvaluation(checks: checks, rerankModel: nil) }
        var rerankModel: String?
        if filters.usesRerank {
            let models = try await store.rerankModels(run: run)
            let chosen = filters.rerankModel ?? (models.count == 1 ? models[0] : nil)
            guard let chosen, models.contains(chosen) else { throw SelectionError.noRerankScores(run: run, models: models) }
            rerankModel = chosen
            let scores = try await store.rerankScores(run: run, model: chosen)
            let (bound, source) = try await resolve(
                value: filters.minRerank, percentile: filters.minRerankPercentile, name: "min_rerank",
                all: { try await store.allRerankScores(model: chosen) })
            checks.append(
                Check(
                    criterion: "rerank", comparison: ">=", bound: bound, source: source, value: { scores[$0.pairID] },
                    passes: { $0 >= bound }))
        }
        if filters.usesJudge {
            let ratings = try await store.judgeScores(run: run)
            for name in filters.judgeCriteria {
                let (bound, source) = try await resolve(
                    value: filters.minJudge?[name], percentile: filters.minJudgePercentile?[name], name: "min_judge.\(name)",
                    all: { try await store.allJudgeScores(criterion: name) })
                checks.append(
                    Check(
                        criterion: "judge:\(name)", comparison: ">=", bound: bound, source: source,
                        value: { ratings[$0.pairID]?[name] }, passes: { $0 >= bound }))
            }
        }
        if filters.usesPositiveRank {
            let ranks = try await store.positiveRanks(run: run, model: model)
            let (bound, source) = try await resolve(
                value: filters.maxPositiveRank.map(Double.init), percentile: filters.maxPositiveRankPercentile,
                name: "max_positive_rank", all: { try await store.allPositiveRanks(model: model) })
            checks.append(
                Check(
                    criterion: "positive_rank", comparison: "<=", bound: bound, source: source,
                    value: { ranks[$0.pairID].map { Double($0.rank) } }, passes: { $0 <= bound }))
        }
        return FilterEvaluation(checks: checks, rerankModel: rerankModel)
    }

    /// A bound given as a value, or as the linear-interpolated percentile of every stored score.
    private static func resolve(
        value: Double?, percentile: Double?, name: String, all: () async throws -> [Double]
    ) async throws -> (Double, String) {
        if let value { return (value, "value") }
        let scores = try await all()
        guard let percentile, let bound = Percentile.linear(scores, percentile) else {
            throw SelectionError.invalidParameter(
                "\(name) as a percentile needs stored scores, but the database has none; run the stage that makes them first")
        }
        return (bound, "percentile")
    }

    /// The examples of `sampled` that pass every check, and each check's counts.
    func apply(to sampled: [ScoredPair]) -> ([ScoredPair], [CriterionOutcome]) {
        var outcomes = checks.map {
            CriterionOutcome(
                criterion: $0.criterion, comparison: $0.comparison, bound: $0.bound, source: $0.source, failed: 0, missing: 0,
                removed: 0)
        }
        var kept: [ScoredPair] = []
        for pair in sampled {
            var removed = false
            for (index, check) in checks.enumerated() {
                let value = check.value(pair)
                if value == nil { outcomes[index].missing += 1 }
                guard let value, check.exempts(pair) || check.passes(value) else {
                    outcomes[index].failed += 1
                    if !removed { outcomes[index].removed += 1 }
                    removed = true
                    continue
                }
            }
            if !removed { kept.append(pair) }
        }
        return (kept, outcomes)
    }
}

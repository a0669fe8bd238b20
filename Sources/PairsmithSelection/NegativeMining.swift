import Foundation
import PairsmithConfiguration
import PairsmithStore

/// `pairsmith negatives`: hard-negative mining over what a database stores (typically a merged one, after
/// `pairsmith select`), with the run's stored pipeline settings; nothing is embedded. Pairs already searched with
/// the same parameters are skipped, so it resumes after a kill and does nothing the second time.
public enum NegativeMining {
    /// Mines negatives for the newest weak selection of `run` (or the database's only run) under `model` (or the
    /// only model with scores); throws ``SelectionError/noSelection(run:)`` when the run has no weak selection yet.
    public static func execute(store: PairsmithStore, run: String?, model: String?) async throws -> NegativeReport {
        let runName = try await onlyRun(store: store, named: run)
        let record = try await store.run(runName)
        let settings = try StoredPipeline(
            text: record?.configuration ?? "", file: record?.pipelinePath ?? "(stored pipeline of run \(runName))"
        ).selectionSettings()
        let scoredModel = try await SelectionJob.scoredModel(store: store, run: runName, preferred: model)
        guard try await store.latestSelection(run: runName, set: .weak) != nil else {
            throw SelectionError.invalidParameter(
                "run \(runName) has no weak selection yet; run `pairsmith select --db \(store.path)` first")
        }
        // The pipeline's pool, as the run's own selection job chooses: passages of the corpus, or other examples'
        // generated positives (bitext, STS), whose negatives a merge leaves out and this recomputes.
        if settings.negatives.pool != .passages {
            return try await ExampleNegativeMiner(
                store: store, model: scoredModel, settings: settings.negatives, minScore: settings.cosineFilterMinScore ?? 0.75
            ).mine(run: runName)
        }
        let ranks = SelectionCriteria(settings: settings).filters?.usesPositiveRank ?? false
        return try await HardNegativeMiner(store: store, model: scoredModel, settings: settings.negatives, rankPositives: ranks)
            .mine(run: runName)
    }

    /// `named` if given, else the database's only run with pairs.
    static func onlyRun(store: PairsmithStore, named run: String?) async throws -> String {
        if let run { return run }
        let runs = try await store.runsWithPairs()
        guard let only = runs.first else { throw SelectionError.noPairs(run: "(any)") }
        guard runs.count == 1 else {
            throw SelectionError.invalidParameter(
                "the database holds several runs (\(runs.joined(separator: ", "))); name one with --run")
        }
        return only
    }
}

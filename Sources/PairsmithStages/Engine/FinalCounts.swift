import Foundation
import PairsmithConfiguration
import PairsmithStore

/// The counts a run ends with, read in one transaction that also hands units abandoned by a graceful stop back to
/// `pending` (``PairsmithStore/settleRun(_:stages:now:)``, which a cancelled task does not roll back, so the
/// bookkeeping still happens after SIGINT).
struct FinalCounts: Sendable {
    var stages: [StageProgress]
    var examples: Int

    /// Returns `running` units of `run` to `pending` (only this process works on the run) and reads the counts.
    static func settle(store: PairsmithStore, run: String, stageNames: [String], baseline: RunProgress) async throws -> FinalCounts {
        let tally = try await store.settleRun(run, stages: stageNames)
        let stages = stageNames.map { name in
            StageProgress(
                name: name, counts: StageCounts(tally.units[name] ?? [:]),
                settledAtStart: baseline.stages.first { $0.name == name }?.settledAtStart ?? 0)
        }
        return FinalCounts(stages: stages, examples: tally.examples)
    }
}

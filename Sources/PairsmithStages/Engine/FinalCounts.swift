import Foundation
import PairsmithConfiguration
import PairsmithStore

/// The counts a run ends with, read in one transaction that also hands units abandoned by a graceful stop back to
/// `pending` (``PairsmithStore/settleRun(_:stages:now:)``, which a cancelled task does not roll back, so the
/// bookkeeping still happens after SIGINT).
struct FinalCounts: Sendable {
    var configure: StageCounts
    var generate: StageCounts
    var pairs: Int

    /// Returns `running` units of `run` to `pending` (only this process works on the run) and reads the counts.
    static func settle(store: PairsmithStore, run: String) async throws -> FinalCounts {
        let stages = [RetrievalStage.configure, .generate]
        let tally = try await store.settleRun(run, stages: stages.map(\.rawValue))
        func counts(_ stage: RetrievalStage) -> StageCounts { StageCounts(tally.units[stage.rawValue] ?? [:]) }
        return FinalCounts(configure: counts(.configure), generate: counts(.generate), pairs: tally.examples)
    }
}

import Foundation
import GRDB
import PairsmithStore
import PairsmithConfiguration

/// The counts a run ends with, read in one transaction that also hands units abandoned by a graceful stop back to
/// `pending`. It goes through GRDB's callback API, which a cancelled task does not roll back, so the bookkeeping
/// still happens after SIGINT.
struct FinalCounts: Sendable {
    var configure: StageCounts
    var generate: StageCounts
    var pairs: Int

    /// Returns `running` units of `run` to `pending` (only this process works on the run) and reads the counts.
    static func settle(store: PairsmithStore, run: String) async throws -> FinalCounts {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<FinalCounts, any Error>) in
            store.pool.asyncWrite({ db -> FinalCounts in
                try db.execute(
                    sql: "UPDATE units SET state = 'pending', updated_at = ? WHERE run = ? AND state = 'running'",
                    arguments: [Date(), run])
                func counts(_ stage: RetrievalStage) throws -> StageCounts {
                    var result: [UnitState: Int] = [:]
                    for row in try Row.fetchAll(
                        db, sql: "SELECT state, COUNT(*) AS n FROM units WHERE run = ? AND stage = ? GROUP BY state",
                        arguments: [run, stage.rawValue])
                    {
                        if let state = UnitState(rawValue: row["state"]) { result[state] = row["n"] }
                    }
                    return StageCounts(result)
                }
                let pairs = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pairs WHERE run = ?", arguments: [run]) ?? 0
                return FinalCounts(configure: try counts(.configure), generate: try counts(.generate), pairs: pairs)
            }, completion: { _, result in
                continuation.resume(with: result)
            })
        }
    }
}

import Foundation
import GRDB

extension PairsmithStore {
    /// The embedding precision recorded for `run` (`bf16` or `fp32`), or nil when none is recorded (databases
    /// written before precisions were recorded, whose vectors and scores are all fp32, and runs never started).
    public func recordedPrecision(run: String) async throws -> String? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT precision FROM run_precisions WHERE run = ?", arguments: [run])
        }
    }

    /// Records that `run` embeds and scores in `precision`; a run keeps the first precision recorded for it.
    /// Returns the precision now recorded.
    @discardableResult
    public func recordPrecision(run: String, precision: String, now: Date = Date()) async throws -> String {
        try await write { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO run_precisions (run, precision, recorded_at) VALUES (?, ?, ?)",
                arguments: [run, precision, now])
            return try String.fetchOne(db, sql: "SELECT precision FROM run_precisions WHERE run = ?", arguments: [run]) ?? precision
        }
    }
}

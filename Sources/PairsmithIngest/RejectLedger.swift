import Foundation
import GRDB
import PairsmithStore

/// The rejects of one source (`corpus`, `personas`) already in the store, keyed by location and reason, so that
/// ingesting the same input again (a resumed run, the same command twice) records each bad record only once.
struct RejectLedger: Sendable {
    private var seen: Set<String>

    /// Reads the (location, reason) of every stored reject of `source`.
    static func load(store: PairsmithStore, source: String) async throws -> RejectLedger {
        let seen = try await store.pool.read { db in
            var keys = Set<String>()
            let rows = try Row.fetchCursor(db, sql: "SELECT location, reason FROM rejects WHERE source = ?", arguments: [source])
            while let row = try rows.next() {
                keys.insert(Self.key(location: row["location"], reason: row["reason"]))
            }
            return keys
        }
        return RejectLedger(seen: seen)
    }

    /// True when a reject at `location` for `reason` is new (and remembers it), false when it is already recorded.
    mutating func admit(location: String, reason: String) -> Bool {
        seen.insert(Self.key(location: location, reason: reason)).inserted
    }

    private static func key(location: String, reason: String) -> String { location + "\u{0}" + reason }
}

extension PairsmithStore {
    /// The largest persona id (0 when none is stored): personas above it were added after this call.
    func maxPersonaID() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM personas") ?? 0 }
    }
}

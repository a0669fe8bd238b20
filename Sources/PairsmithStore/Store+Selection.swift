import Foundation
import GRDB

extension PairsmithStore {
    /// Replaces the duplicates recorded for the examples of `run` with `records`, in one transaction.
    public func replaceDuplicates(run: String, with records: [DuplicateRecord]) async throws {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM duplicates WHERE pair_id IN (SELECT id FROM examples WHERE run = ?)", arguments: [run])
            for record in records { try record.insert(db) }
        }
    }

    /// The duplicates recorded for the examples of `run`, in example-id order.
    public func duplicates(run: String) async throws -> [DuplicateRecord] {
        try await read { db in
            try DuplicateRecord.fetchAll(
                db,
                sql: """
                    SELECT d.* FROM duplicates d JOIN examples e ON e.id = d.pair_id WHERE e.run = ? ORDER BY d.pair_id
                    """,
                arguments: [run])
        }
    }

    /// Stores a selection and its examples (ids in `pairIDs`) in one transaction; returns the record with its id.
    public func insertSelection(_ selection: SelectionRecord, pairIDs: [Int64]) async throws -> SelectionRecord {
        try await write { db in
            var record = selection
            record.records = pairIDs.count
            try record.insert(db)
            let selectionID = record.id ?? db.lastInsertedRowID
            let statement = try db.cachedStatement(sql: "INSERT INTO selected_pairs (selection_id, pair_id) VALUES (?, ?)")
            for pairID in pairIDs { try statement.execute(arguments: [selectionID, pairID]) }
            return record
        }
    }

    /// The newest selection of `set` in `run` (the one exports read), if any.
    public func latestSelection(run: String, set: SelectionRecord.TrainingSet) async throws -> SelectionRecord? {
        try await read { db in
            try SelectionRecord.fetchOne(
                db, sql: "SELECT * FROM selections WHERE run = ? AND \"set\" = ? ORDER BY id DESC LIMIT 1",
                arguments: [run, set])
        }
    }

    /// Every selection of `run`, oldest first.
    public func selections(run: String) async throws -> [SelectionRecord] {
        try await read { db in
            try SelectionRecord.fetchAll(db, sql: "SELECT * FROM selections WHERE run = ? ORDER BY id", arguments: [run])
        }
    }

    /// The example ids of a selection, ascending.
    public func selectedPairIDs(selectionID: Int64) async throws -> [Int64] {
        try await read { db in
            try Int64.fetchAll(
                db, sql: "SELECT pair_id FROM selected_pairs WHERE selection_id = ? ORDER BY pair_id", arguments: [selectionID])
        }
    }

    /// The ids of the examples of `run` whose positive is generated (not the passage): hard-negative mining skips
    /// them.
    public func examplesWithGeneratedPositive(run: String) async throws -> Set<Int64> {
        try await read { db in
            Set(try Int64.fetchAll(db, sql: "SELECT id FROM examples WHERE run = ? AND positive IS NOT NULL", arguments: [run]))
        }
    }

    /// The names of the runs that have examples, sorted.
    public func runsWithPairs() async throws -> [String] {
        try await read { db in try String.fetchAll(db, sql: "SELECT DISTINCT run FROM examples ORDER BY run") }
    }
}

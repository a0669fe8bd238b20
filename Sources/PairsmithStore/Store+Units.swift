import Foundation
import GRDB

extension PairsmithStore {
    /// Enqueues units idempotently (a key already in the queue is left as it is); returns how many were new.
    @discardableResult
    public func enqueue(_ keys: [UnitKey], now: Date = Date()) async throws -> Int {
        try await write { db in try StoreWrite.enqueue(keys, db, now: now) }
    }

    /// Enqueues `samples` units of `stage` for every document (or every document with candidates in the run),
    /// idempotently, in one statement; returns how many were new.
    @discardableResult
    public func enqueueForDocuments(
        run: String, stage: String, samples: Int, onlyWithCandidates: Bool = false, now: Date = Date()
    ) async throws -> Int {
        guard samples > 0 else { return 0 }
        let filter =
            onlyWithCandidates
            ? "WHERE EXISTS (SELECT 1 FROM candidates c WHERE c.run = ? AND c.document_id = d.id)" : ""
        var builder: StatementArguments = [samples - 1, run, stage, now, now, now]
        if onlyWithCandidates { builder += [run] }
        let arguments = builder
        return try await write { db in
            try db.execute(
                sql: """
                    WITH RECURSIVE sample(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM sample WHERE i < ?)
                    INSERT OR IGNORE INTO units (run, stage, document_id, sample, state, attempts, available_at, created_at, updated_at)
                    SELECT ?, ?, d.id, sample.i, 'pending', 0, ?, ?, ? FROM documents d CROSS JOIN sample \(filter)
                    ORDER BY d.id, sample.i
                    """,
                arguments: arguments)
            return db.changesCount
        }
    }

    /// The ids of the oldest ready units of a stage; arguments: run, stage, now, limit. The `units_claim_order`
    /// index answers it in id order without sorting the stage's pending units.
    static let claimableUnitsSQL = """
        SELECT id FROM units WHERE run = ? AND stage = ? AND state = 'pending' AND available_at <= ? ORDER BY id LIMIT ?
        """

    /// SQLite's plan for `sql` (the `detail` column of EXPLAIN QUERY PLAN), after `ANALYZE` if asked; for tests that
    /// keep the hot queries on their indexes.
    func explainQueryPlan(_ sql: String, arguments: [any DatabaseValueConvertible & Sendable], analyze: Bool = false) async throws -> [String] {
        try await write { db in
            if analyze { try db.execute(sql: "ANALYZE") }
            return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: StatementArguments(arguments))
                .map { $0["detail"] as String? ?? "" }
        }
    }

    /// Atomically claims up to `limit` ready units of `stage` (pending and available by `now`), oldest first,
    /// turning them `running`. Concurrent claimers never receive the same unit.
    public func claim(run: String, stage: String, limit: Int, now: Date = Date()) async throws -> [UnitRecord] {
        guard limit > 0 else { return [] }
        return try await write { db in
            try UnitRecord.fetchAll(
                db,
                sql: """
                    UPDATE units SET state = 'running', updated_at = ?
                    WHERE id IN (\(Self.claimableUnitsSQL))
                    RETURNING *
                    """,
                arguments: [now, run, stage, now, limit]
            ).sorted { ($0.id ?? 0) < ($1.id ?? 0) }
        }
    }

    /// Marks a running unit done and stores its outputs, in one transaction; false when the unit was not running
    /// (then nothing but its chat calls is stored).
    @discardableResult
    public func complete(unitID: Int64, outputs: UnitOutputs = UnitOutputs()) async throws -> Bool {
        try await write { db in try StoreWrite.complete(unitID: unitID, outputs: outputs, db, now: Date()) }
    }

    /// Records a failed attempt of a running unit in one transaction (with its rejects); returns the unit's new
    /// state: `pending` to be retried, `failed` once the attempts ran out, nil when it was not running.
    @discardableResult
    public func fail(
        unitID: Int64, error: String, policy: FailurePolicy, rejects: [RejectRecord] = [], now: Date = Date()
    ) async throws -> UnitState? {
        try await write { db in
            for var reject in rejects { try reject.insert(db) }
            return try StoreWrite.fail(unitID: unitID, error: error, policy: policy, db, now: now)
        }
    }

    /// Crash recovery: turns the `running` units left by a killed process back into `pending`; returns how many.
    ///
    /// Call it once when a run starts, before any worker claims, and only from the process that owns the run.
    @discardableResult
    public func recoverInterruptedUnits(run: String? = nil, now: Date = Date()) async throws -> Int {
        try await write { db in
            if let run {
                try db.execute(
                    sql: "UPDATE units SET state = 'pending', available_at = ?, updated_at = ? WHERE state = 'running' AND run = ?",
                    arguments: [now, now, run])
            } else {
                try db.execute(
                    sql: "UPDATE units SET state = 'pending', available_at = ?, updated_at = ? WHERE state = 'running'",
                    arguments: [now, now])
            }
            return db.changesCount
        }
    }

    /// The unit with `key`, if it is in the queue.
    public func unit(_ key: UnitKey) async throws -> UnitRecord? {
        try await read { db in
            try UnitRecord.fetchOne(
                db, sql: "SELECT * FROM units WHERE run = ? AND stage = ? AND document_id = ? AND sample = ?",
                arguments: [key.run, key.stage, key.documentID, key.sample])
        }
    }

    /// The unit with row id `id`, if any.
    public func unit(id: Int64) async throws -> UnitRecord? {
        try await read { db in try UnitRecord.fetchOne(db, key: id) }
    }

    /// How many units of `stage` in `run` are in each state (states with none are absent).
    public func unitCounts(run: String, stage: String) async throws -> [UnitState: Int] {
        try await read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT state, COUNT(*) AS n FROM units WHERE run = ? AND stage = ? GROUP BY state",
                arguments: [run, stage])
            var counts: [UnitState: Int] = [:]
            for row in rows {
                if let state = UnitState(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    /// The end of a run in this process: hands the run's `running` units back to `pending` (a graceful stop
    /// abandoned them; only this process works on the run) and counts the units of each of `stages` by state and
    /// the run's examples, in one transaction that a cancelled task does not roll back, so the bookkeeping still
    /// happens after SIGINT.
    package func settleRun(_ run: String, stages: [String], now: Date = Date()) async throws -> RunTally {
        try await writeToCompletion { db in
            try db.execute(
                sql: "UPDATE units SET state = 'pending', updated_at = ? WHERE run = ? AND state = 'running'",
                arguments: [now, run])
            var tally = RunTally(units: [:], examples: 0)
            for stage in stages {
                var counts: [UnitState: Int] = [:]
                for row in try Row.fetchAll(
                    db, sql: "SELECT state, COUNT(*) AS n FROM units WHERE run = ? AND stage = ? GROUP BY state",
                    arguments: [run, stage])
                {
                    if let state = UnitState(rawValue: row["state"]) { counts[state] = row["n"] }
                }
                tally.units[stage] = counts
            }
            tally.examples = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM examples WHERE run = ?", arguments: [run]) ?? 0
            return tally
        }
    }

    /// The earliest time a pending unit of `stage` becomes claimable (nil when none is pending).
    public func nextAvailableTime(run: String, stage: String) async throws -> Date? {
        try await read { db in
            try Date.fetchOne(
                db, sql: "SELECT MIN(available_at) FROM units WHERE run = ? AND stage = ? AND state = 'pending'",
                arguments: [run, stage])
        }
    }
}

/// What ``PairsmithStore/settleRun(_:stages:now:)`` counted: a run's units per stage and state, and its examples.
package struct RunTally: Sendable, Hashable {
    /// For each stage asked about, how many of its units are in each state (states with none are absent).
    package var units: [String: [UnitState: Int]]
    /// The run's examples.
    package var examples: Int
}

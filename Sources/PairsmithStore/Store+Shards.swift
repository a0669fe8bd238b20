import Foundation
import GRDB

/// The corpus shard a run of a database takes (a `shard_specs` row).
public struct StoredShard: Sendable, Hashable {
    /// The run.
    public var run: String
    /// The shard's number, from 0.
    public var index: Int
    /// How many shards the corpus is split into.
    public var count: Int
    /// The name of the key hash that assigned passages to shards.
    public var keyHash: String

    /// Creates a record.
    public init(run: String, index: Int, count: Int, keyHash: String) {
        self.run = run
        self.index = index
        self.count = count
        self.keyHash = keyHash
    }

    /// `i/n`.
    public var spec: String { "\(index)/\(count)" }
}

/// What a run of a database holds, for a shard's completion manifest and for merge reports.
public struct RunCounts: Sendable, Hashable, Codable {
    /// Documents (passages) in the database.
    public var documents = 0
    /// Personas in the database.
    public var personas = 0
    /// The run's units that are done.
    public var unitsDone = 0
    /// The run's units recorded as failed (their attempts ran out).
    public var unitsFailed = 0
    /// The run's units still pending or running.
    public var unitsOpen = 0
    /// The run's examples.
    public var examples = 0
    /// Scores of the run's examples (any model).
    public var scores = 0
    /// Chat calls recorded.
    public var llmCalls = 0
    /// Rejects recorded (bad input and bad answers).
    public var rejects = 0

    /// Creates empty counts.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case documents, personas, examples, scores, rejects
        case unitsDone = "units_done", unitsFailed = "units_failed", unitsOpen = "units_open", llmCalls = "llm_calls"
    }
}

/// What a run's variable draws, sentence and few-shot picks and chat request seeds are keyed by.
public enum SeedScheme: String, Sendable, Hashable {
    /// The document's row id (runs begun before `v8-shards`; a shard would draw differently from one whole run).
    case documentID = "document-id"
    /// The document's key (the same in every shard database and in a merged or unsharded one).
    case documentKey = "document-key"
}

extension PairsmithStore {
    /// What `run`'s draws and seeds are keyed by (``SeedScheme/documentID`` when nothing is recorded).
    public func seedScheme(run: String) async throws -> SeedScheme {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT scheme FROM run_seeding WHERE run = ?", arguments: [run])
                .flatMap(SeedScheme.init(rawValue:)) ?? .documentID
        }
    }

    /// Records `scheme` for `run` unless one is recorded (call it before the run's first ``beginRun(_:)``).
    public func recordSeedScheme(run: String, scheme: SeedScheme) async throws {
        try await write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO run_seeding (run, scheme) VALUES (?, ?)", arguments: [run, scheme.rawValue])
        }
    }

    /// The shard `run` takes in this database, nil when it takes the whole corpus (or the run is unknown).
    public func shard(run: String) async throws -> StoredShard? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM shard_specs WHERE run = ?", arguments: [run]).map {
                StoredShard(run: $0["run"], index: $0["shard_index"], count: $0["shard_count"], keyHash: $0["key_hash"])
            }
        }
    }

    /// Every shard spec recorded in this database, by run.
    public func shards() async throws -> [StoredShard] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM shard_specs ORDER BY run").map {
                StoredShard(run: $0["run"], index: $0["shard_index"], count: $0["shard_count"], keyHash: $0["key_hash"])
            }
        }
    }

    /// Records the shard a run takes unless a spec is recorded for it already; returns the spec now recorded (the
    /// earlier one when there was one, which the caller compares).
    @discardableResult
    public func recordShard(_ shard: StoredShard) async throws -> StoredShard {
        try await write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM shard_specs WHERE run = ?", arguments: [shard.run]) {
                return StoredShard(run: row["run"], index: row["shard_index"], count: row["shard_count"], keyHash: row["key_hash"])
            }
            try db.execute(
                sql: "INSERT INTO shard_specs (run, shard_index, shard_count, key_hash, recorded_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [shard.run, shard.index, shard.count, shard.keyHash, Date()])
            return shard
        }
    }

    /// What `run` holds in this database.
    public func counts(run: String) async throws -> RunCounts {
        try await read { db in
            func count(_ sql: String, _ arguments: StatementArguments = []) throws -> Int {
                try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0
            }
            var counts = RunCounts()
            counts.documents = try count("SELECT COUNT(*) FROM documents")
            counts.personas = try count("SELECT COUNT(*) FROM personas")
            counts.unitsDone = try count("SELECT COUNT(*) FROM units WHERE run = ? AND state = 'done'", [run])
            counts.unitsFailed = try count("SELECT COUNT(*) FROM units WHERE run = ? AND state = 'failed'", [run])
            counts.unitsOpen = try count("SELECT COUNT(*) FROM units WHERE run = ? AND state IN ('pending', 'running')", [run])
            counts.examples = try count("SELECT COUNT(*) FROM examples WHERE run = ?", [run])
            counts.scores = try count("SELECT COUNT(*) FROM scores s JOIN examples e ON e.id = s.pair_id WHERE e.run = ?", [run])
            counts.llmCalls = try count("SELECT COUNT(*) FROM llm_calls")
            counts.rejects = try count("SELECT COUNT(*) FROM rejects")
            return counts
        }
    }

    /// Every run of this database.
    public func runs() async throws -> [RunRecord] {
        try await read { db in try RunRecord.fetchAll(db, sql: "SELECT * FROM runs ORDER BY id") }
    }

    /// The text hash, text and source file of every persona, in id order.
    public func personaFingerprints() async throws -> [(hash: String, text: String, sourceFile: String)] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT text_hash, text, source_file FROM personas ORDER BY id").map {
                (hash: $0["text_hash"], text: $0["text"], sourceFile: $0["source_file"])
            }
        }
    }

    /// Moves every write of the WAL into the database file and empties the WAL, so the file alone holds the
    /// database (before its bytes are hashed for a manifest).
    public func checkpoint() async throws {
        try await dbWriter.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }
}

import Foundation
import GRDB

/// One shard database folded into this one by ``PairsmithStore/merge(from:records:)`` (a `merged_shards` row).
public struct MergedShard: Sendable, Hashable {
    /// The shard database's path, as given.
    public var source: String
    /// The run it brought.
    public var run: String
    /// Its shard spec (nil: an unsharded database).
    public var shardIndex: Int?
    /// Its shard count (nil: an unsharded database).
    public var shardCount: Int?
    /// The SHA-256 of its pipeline file.
    public var pipelineSHA256: String
    /// The SHA-256 of its database file when it was merged.
    public var databaseSHA256: String
    /// Its documents.
    public var documents: Int
    /// Its examples of the run.
    public var examples: Int

    /// Creates a record.
    public init(
        source: String, run: String, shardIndex: Int?, shardCount: Int?, pipelineSHA256: String, databaseSHA256: String,
        documents: Int, examples: Int
    ) {
        self.source = source
        self.run = run
        self.shardIndex = shardIndex
        self.shardCount = shardCount
        self.pipelineSHA256 = pipelineSHA256
        self.databaseSHA256 = databaseSHA256
        self.documents = documents
        self.examples = examples
    }
}

/// What ``PairsmithStore/merge(from:records:)`` does with one table of a shard database.
public enum MergeTableRule: String, Sendable, Hashable, CaseIterable {
    /// Rows are combined by their keys, ids renumbered in the merged database (a row whose key is there stays).
    case combined
    /// Computed over the whole corpus (dedup, selections, hard negatives, round-trip ranks): not copied;
    /// `pairsmith select` and `pairsmith negatives` recompute it over the merged database.
    case recomputed
    /// One shard's own state (its shard spec, its endpoints' last concurrency windows, its exports, what it merged
    /// itself): not copied, it says nothing about the merged database.
    case shardOnly
}

/// What one ``PairsmithStore/merge(from:records:)`` added.
public struct MergeCounts: Sendable, Hashable {
    /// Rows added, by table (tables with none are absent).
    public var added: [String: Int] = [:]
    /// Source documents not brought over because their text is stored here under another key, or their key with
    /// another text (with everything made from them): the first one merged wins, as ingestion's dedup does.
    public var conflictingDocuments = 0
    /// Non-empty tables of the source that the merge does not copy, with their rule (nil: a table this version
    /// does not know, e.g. from a newer pairsmith).
    public var notCopied: [String: MergeTableRule?] = [:]

    /// Creates empty counts.
    public init() {}

    /// The rows added over all tables.
    public var total: Int { added.values.reduce(0, +) }
}

extension PairsmithStore {
    /// What the merge does with each table of the schema (every table has a rule; a test checks that a new
    /// migration's tables get one). `grdb_migrations` is the target's own.
    public static let mergeRules: [String: MergeTableRule] = [
        "runs": .combined, "run_precisions": .combined, "run_seeding": .combined, "documents": .combined,
        "personas": .combined, "candidates": .combined, "units": .combined, "llm_calls": .combined, "configs": .combined,
        "stage_outputs": .combined, "examples": .combined, "vectors": .combined, "scores": .combined,
        "rejects": .combined, "rerank_scores": .combined, "judge_scores": .combined,
        "duplicates": .recomputed, "selections": .recomputed, "selected_pairs": .recomputed, "negatives": .recomputed,
        "negative_searches": .recomputed, "positive_ranks": .recomputed, "example_negatives": .recomputed,
        "shard_specs": .shardOnly, "merged_shards": .shardOnly, "endpoint_windows": .shardOnly, "exports": .shardOnly,
    ]

    /// Every `merged_shards` row, in merge order.
    public func mergedShards() async throws -> [MergedShard] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM merged_shards ORDER BY id").map { row in
                MergedShard(
                    source: row["source"], run: row["run"], shardIndex: row["shard_index"], shardCount: row["shard_count"],
                    pipelineSHA256: row["pipeline_sha256"], databaseSHA256: row["database_sha256"], documents: row["documents"],
                    examples: row["examples"])
            }
        }
    }

    /// Folds the pairsmith database at `source` (migrated to this schema) into this one, in one transaction: its
    /// runs, documents, personas, candidates, units, chat calls, stage outputs, configs, examples, vectors, scores,
    /// rerank and judge scores and rejects (the ``mergeRules`` marked ``MergeTableRule/combined``), each combined by its key (documents by key and text, personas by text, units and outputs by
    /// (run, stage, document key, sample), examples by (run, document key, sample), chat calls by request hash,
    /// vectors by owner and model), ids renumbered here. A row whose key is already here is left as it is, so
    /// merging a database again adds nothing; `records` are stored in the same transaction (one row per source
    /// path and run, updated only when the source brought more documents or examples). A kill at any point
    /// leaves either none or all of it.
    public func merge(from source: String, records: [MergedShard]) async throws -> MergeCounts {
        try await dbWriter.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS src", arguments: [source])
            defer { try? db.execute(sql: "DETACH DATABASE src") }
            var counts = MergeCounts()
            try db.inTransaction(.immediate) {
                counts = try ShardMerger(db: db).mergeAttached(records: records)
                return .commit
            }
            return counts
        }
    }
}

/// The SQL of one merge, over a connection with the source attached as `src`.
private struct ShardMerger {
    let db: Database

    func mergeAttached(records: [MergedShard]) throws -> MergeCounts {
        var counts = MergeCounts()
        func add(_ table: String, _ rows: Int) { if rows > 0 { counts.added[table, default: 0] += rows } }
        for name in ["documents", "personas", "configs", "examples"] {
            try db.execute(sql: "DROP TABLE IF EXISTS temp.merge_\(name)")
            try db.execute(sql: "CREATE TEMP TABLE merge_\(name) (src INTEGER PRIMARY KEY, dst INTEGER NOT NULL)")
        }
        add("runs", try copy("runs", skip: []))
        add("run_precisions", try copy("run_precisions", skip: []))
        add("run_seeding", try copy("run_seeding", skip: []))

        add("documents", try copy("documents", orderBy: "s.id"))
        try db.execute(
            sql: """
                INSERT INTO temp.merge_documents SELECT s.id, d.id FROM src.documents s
                JOIN main.documents d ON d.key = s.key AND d.content_hash = s.content_hash
                """)
        counts.conflictingDocuments =
            try count("SELECT COUNT(*) FROM src.documents") - (try count("SELECT COUNT(*) FROM temp.merge_documents"))

        add("personas", try copy("personas", orderBy: "s.id"))
        try db.execute(
            sql: "INSERT INTO temp.merge_personas SELECT s.id, p.id FROM src.personas s JOIN main.personas p ON p.text_hash = s.text_hash")

        let documentJoin = "JOIN temp.merge_documents md ON md.src = s.document_id"
        let personaJoin = "LEFT JOIN temp.merge_personas mp ON mp.src = s.persona_id"
        add(
            "candidates",
            try copy(
                "candidates", skip: [], replace: ["document_id": "md.dst", "persona_id": "mp.dst"],
                joins: documentJoin + " JOIN temp.merge_personas mp ON mp.src = s.persona_id"))
        add("units", try copy("units", replace: ["document_id": "md.dst"], joins: documentJoin, orderBy: "s.id"))
        add("llm_calls", try copy("llm_calls", orderBy: "s.id"))
        add(
            "configs",
            try copy(
                "configs", replace: ["document_id": "md.dst", "persona_id": "mp.dst"], joins: "\(documentJoin) \(personaJoin)",
                orderBy: "s.id"))
        try db.execute(
            sql: """
                INSERT INTO temp.merge_configs SELECT s.id, c.id FROM src.configs s \(documentJoin)
                JOIN main.configs c ON c.run = s.run AND c.document_id = md.dst AND c.sample = s.sample
                """)
        add(
            "stage_outputs",
            try copy(
                "stage_outputs", replace: ["document_id": "md.dst", "persona_id": "mp.dst"],
                joins: "\(documentJoin) \(personaJoin)", orderBy: "s.id"))
        add(
            "examples",
            try copy(
                "examples", replace: ["document_id": "md.dst", "config_id": "mc.dst"],
                joins: "\(documentJoin) LEFT JOIN temp.merge_configs mc ON mc.src = s.config_id", orderBy: "s.id"))
        try db.execute(
            sql: """
                INSERT INTO temp.merge_examples SELECT s.id, e.id FROM src.examples s \(documentJoin)
                JOIN main.examples e ON e.run = s.run AND e.document_id = md.dst AND e.sample = s.sample
                """)
        let owner = """
            CASE s.owner_kind WHEN 'document' THEN vd.dst WHEN 'persona' THEN vp.dst
            WHEN 'query' THEN ve.dst WHEN 'positive' THEN ve.dst END
            """
        add(
            "vectors",
            try copy(
                "vectors", replace: ["owner_id": owner],
                joins: """
                    LEFT JOIN temp.merge_documents vd ON s.owner_kind = 'document' AND vd.src = s.owner_id
                    LEFT JOIN temp.merge_personas vp ON s.owner_kind = 'persona' AND vp.src = s.owner_id
                    LEFT JOIN temp.merge_examples ve ON s.owner_kind IN ('query', 'positive') AND ve.src = s.owner_id
                    """, where: "(\(owner)) IS NOT NULL", orderBy: "s.id"))
        let exampleJoin = "JOIN temp.merge_examples me ON me.src = s.pair_id"
        add("scores", try copy("scores", skip: [], replace: ["pair_id": "me.dst"], joins: exampleJoin))
        // A reranker's and a judge's ratings are of one example (its anchor and positive), not of the corpus: kept
        // with the example, so a merged database's selection can filter by them without scoring again.
        add("rerank_scores", try copy("rerank_scores", skip: [], replace: ["pair_id": "me.dst"], joins: exampleJoin))
        add("judge_scores", try copy("judge_scores", skip: [], replace: ["pair_id": "me.dst"], joins: exampleJoin))
        add(
            "rejects",
            try copy(
                "rejects",
                where: """
                    NOT EXISTS (SELECT 1 FROM main.rejects r WHERE r.run IS s.run AND r.source = s.source
                    AND r.location = s.location AND r.reason = s.reason AND r.detail = s.detail)
                    """, orderBy: "s.id", conflict: ""))

        for table in try String.fetchAll(db, sql: "SELECT name FROM src.sqlite_master WHERE type = 'table' ORDER BY name")
        where PairsmithStore.mergeRules[table] != .combined && !table.hasPrefix("sqlite_") && table != "grdb_migrations" {
            if try count("SELECT COUNT(*) FROM src.\"\(table)\"") > 0 {
                counts.notCopied[table] = .some(PairsmithStore.mergeRules[table])
            }
        }
        for record in records {
            try db.execute(
                sql: """
                    INSERT INTO merged_shards (source, run, shard_index, shard_count, pipeline_sha256,
                        database_sha256, documents, examples, merged_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (source, run) DO UPDATE SET shard_index = excluded.shard_index,
                        shard_count = excluded.shard_count, pipeline_sha256 = excluded.pipeline_sha256,
                        database_sha256 = excluded.database_sha256, documents = excluded.documents,
                        examples = excluded.examples, merged_at = excluded.merged_at
                    WHERE documents != excluded.documents OR examples != excluded.examples
                        OR pipeline_sha256 != excluded.pipeline_sha256
                    """,
                arguments: [
                    record.source, record.run, record.shardIndex, record.shardCount, record.pipelineSHA256,
                    record.databaseSHA256, record.documents, record.examples, Date(),
                ])
        }
        for name in ["documents", "personas", "configs", "examples"] { try db.execute(sql: "DROP TABLE temp.merge_\(name)") }
        return counts
    }

    private func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? 0 }

    private func columns(_ schema: String, _ table: String) throws -> [String] {
        try Row.fetchAll(db, sql: "PRAGMA \(schema).table_info(\"\(table)\")").map { $0["name"] }
    }

    /// `INSERT <conflict> INTO main.table (its columns but `skip`) SELECT (the source's columns, or `replace`'s
    /// expressions) FROM src.table s <joins> WHERE <where> ORDER BY <orderBy>`; returns the rows added. Columns the
    /// source lacks take their defaults.
    private func copy(
        _ table: String, skip: Set<String> = ["id"], replace: [String: String] = [:], joins: String = "", where condition: String = "",
        orderBy: String = "s.rowid", conflict: String = "OR IGNORE"
    ) throws -> Int {
        let source = Set(try columns("src", table))
        guard !source.isEmpty else { return 0 }
        let target = try columns("main", table).filter { !skip.contains($0) && (source.contains($0) || replace[$0] != nil) }
        let names = target.map { "\"\($0)\"" }.joined(separator: ", ")
        let values = target.map { replace[$0] ?? "s.\"\($0)\"" }.joined(separator: ", ")
        let filter = condition.isEmpty ? "" : "WHERE \(condition)"
        try db.execute(
            sql:
                "INSERT \(conflict) INTO main.\"\(table)\" (\(names)) SELECT \(values) FROM src.\"\(table)\" s \(joins) \(filter) ORDER BY \(orderBy)"
        )
        return db.changesCount
    }
}

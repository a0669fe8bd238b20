import Foundation
import GRDB

/// A selection as an export reads it: the stored row, its time kept as the stored text (so a manifest that quotes
/// it is byte-for-byte the same on every export of the same database).
public struct ExportSelection: Sendable, Hashable {
    /// The selection's row id.
    public var id: Int64
    /// The run's name.
    public var run: String
    /// `sft` or `weak`.
    public var set: String
    /// The embedding model whose scores the selection used.
    public var model: String
    /// The parameters as asked and as resolved (JSON text, as stored).
    public var parameters: String
    /// The resolved lower cosine bound, if any.
    public var low: Double?
    /// The resolved upper cosine bound, if any.
    public var high: Double?
    /// The number of pairs the selection recorded.
    public var records: Int
    /// When the selection was made, as the database stores it.
    public var createdAt: String
}

/// One hard negative of an exported pair.
public struct ExportNegative: Sendable, Hashable {
    /// The negative passage's document key.
    public var documentKey: String
    /// The negative passage's text.
    public var text: String
    /// Its rank among the pair's negatives (0 first).
    public var rank: Int
    /// Its score against the query.
    public var score: Double
}

/// The hard-negative search recorded for a pair (what was asked for and what was found).
public struct ExportNegativeSearch: Sendable, Hashable {
    /// The embedding model whose vectors were searched.
    public var model: String
    /// Negatives asked for.
    public var requested: Int
    /// Negatives found.
    public var found: Int
    /// The first rank considered.
    public var rankFrom: Int
    /// The last rank considered.
    public var rankTo: Int
    /// The positive-aware guard factor.
    public var guardFactor: Double
}

/// One selected pair with everything a training row needs.
public struct ExportPair: Sendable, Hashable {
    /// The pair's row id (metadata only; never used for ordering).
    public var pairID: Int64
    /// The run the pair belongs to.
    public var run: String
    /// The passage's document key.
    public var documentKey: String
    /// The sample index of the pair for its passage.
    public var sample: Int
    /// The generated query.
    public var query: String
    /// The passage (the positive).
    public var passage: String
    /// The query's language code.
    public var queryLanguage: String
    /// The passage's language code.
    public var documentLanguage: String
    /// The pair's cosine under the selection's model, when scored.
    public var cosine: Double?
    /// The hard negatives, in rank order.
    public var negatives: [ExportNegative]
    /// The hard-negative search recorded for the pair, if one was made.
    public var negativeSearch: ExportNegativeSearch?
}

/// A row for the `exports` table: one finished export.
public struct ExportEntry: Sendable, Hashable {
    /// The run's name.
    public var run: String
    /// `sft` or `weak`.
    public var set: String
    /// The format's name.
    public var format: String
    /// The export folder.
    public var directory: String
    /// Rows written.
    public var records: Int
    /// Shards written.
    public var shards: Int
    /// SHA-256 of `manifest.json`.
    public var manifestSHA256: String
    /// When the export finished.
    public var createdAt: Date

    /// Creates an entry.
    public init(
        run: String, set: String, format: String, directory: String, records: Int, shards: Int, manifestSHA256: String,
        createdAt: Date = Date()
    ) {
        self.run = run
        self.set = set
        self.format = format
        self.directory = directory
        self.records = records
        self.shards = shards
        self.manifestSHA256 = manifestSHA256
        self.createdAt = createdAt
    }
}

/// Read access to one consistent snapshot of the database, for an export: every query sees the same state even
/// while a run keeps writing. Only valid inside ``PairsmithStore/withExportSnapshot(_:)``.
public struct ExportSnapshot {
    private let db: Database

    init(db: Database) { self.db = db }

    /// Every run, by name.
    package func runs() throws -> [RunRecord] {
        try RunRecord.fetchAll(db, sql: "SELECT * FROM runs ORDER BY id")
    }

    /// The newest selection of `set` in `run` (the one exports read), if any.
    package func latestSelection(run: String, set: String) throws -> ExportSelection? {
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT id, run, "set", model, parameters, low, high, records, CAST(created_at AS TEXT) AS created
                FROM selections WHERE run = ? AND "set" = ? ORDER BY id DESC LIMIT 1
                """,
            arguments: [run, set])
        guard let row else { return nil }
        return ExportSelection(
            id: row["id"], run: row["run"], set: row["set"], model: row["model"], parameters: row["parameters"],
            low: row["low"], high: row["high"], records: row["records"], createdAt: row["created"] ?? "")
    }

    /// The selection's pair ids in export order: by document key (bytewise), then sample, then run — never by
    /// insertion id, so the order is the same in every database that holds the same pairs.
    package func orderedPairIDs(selectionID: Int64) throws -> [Int64] {
        try Int64.fetchAll(
            db,
            sql: """
                SELECT p.id FROM selected_pairs sp
                JOIN pairs p ON p.id = sp.pair_id
                JOIN documents d ON d.id = p.document_id
                WHERE sp.selection_id = ?
                ORDER BY d.key, p.sample, p.run
                """,
            arguments: [selectionID])
    }

    /// The largest number of hard negatives stored for one pair of the selection (0 when none has any).
    package func maxNegativesPerPair(selectionID: Int64) throws -> Int {
        try Int.fetchOne(
            db,
            sql: """
                SELECT COALESCE(MAX(n), 0) FROM (
                    SELECT COUNT(*) AS n FROM negatives ng
                    JOIN selected_pairs sp ON sp.pair_id = ng.pair_id
                    WHERE sp.selection_id = ?
                    GROUP BY ng.pair_id)
                """,
            arguments: [selectionID]) ?? 0
    }

    /// The pairs with ids `ids` (at most a few hundred at a time), in the order of `ids`, with their cosine under
    /// `model`, their negatives in rank order and their negative search.
    package func pairs(ids: [Int64], model: String) throws -> [ExportPair] {
        guard !ids.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        var arguments: StatementArguments = [model]
        arguments += StatementArguments(ids)
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT p.id, p.run, p.sample, p.query, p.query_language, p.document_language, d.key, d.text, s.cosine,
                       ns.model AS ns_model, ns.requested, ns.found, ns.rank_from, ns.rank_to, ns."guard" AS ns_guard
                FROM pairs p
                JOIN documents d ON d.id = p.document_id
                LEFT JOIN scores s ON s.pair_id = p.id AND s.model = ?
                LEFT JOIN negative_searches ns ON ns.pair_id = p.id
                WHERE p.id IN (\(marks))
                """,
            arguments: arguments)
        let negatives = try negatives(pairIDs: ids)
        var byID: [Int64: ExportPair] = [:]
        for row in rows {  // columns by index, in the SELECT's order (name lookups cost a lowercasing each)
            let id: Int64 = row[0]
            var search: ExportNegativeSearch?
            if let searchModel: String = row[9] {
                search = ExportNegativeSearch(
                    model: searchModel, requested: row[10], found: row[11], rankFrom: row[12], rankTo: row[13],
                    guardFactor: row[14])
            }
            byID[id] = ExportPair(
                pairID: id, run: row[1], documentKey: row[6], sample: row[2], query: row[3], passage: row[7],
                queryLanguage: row[4], documentLanguage: row[5], cosine: row[8], negatives: negatives[id] ?? [],
                negativeSearch: search)
        }
        return ids.compactMap { byID[$0] }
    }

    private func negatives(pairIDs: [Int64]) throws -> [Int64: [ExportNegative]] {
        let marks = Array(repeating: "?", count: pairIDs.count).joined(separator: ",")
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT n.pair_id, n.rank, n.score, d.key, d.text FROM negatives n
                JOIN documents d ON d.id = n.document_id
                WHERE n.pair_id IN (\(marks))
                ORDER BY n.pair_id, n.rank
                """,
            arguments: StatementArguments(pairIDs))
        var result: [Int64: [ExportNegative]] = [:]
        for row in rows {
            result[row[0], default: []].append(ExportNegative(documentKey: row[3], text: row[4], rank: row[1], score: row[2]))
        }
        return result
    }

    /// The distinct chat models of the successful calls made for `run`'s units, sorted.
    package func chatModelsUsed(run: String) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                SELECT DISTINCT model FROM llm_calls
                WHERE status = 'ok' AND unit_key IS NOT NULL AND substr(unit_key, 1, length(?) + 1) = ? || '/'
                ORDER BY model
                """,
            arguments: [run, run])
    }
}

extension PairsmithStore {
    /// Runs `body` against one read-only snapshot of the database (a single read transaction), on a database
    /// thread: `body` may block (an export writes its files from here).
    package func withExportSnapshot<T: Sendable>(_ body: @escaping @Sendable (ExportSnapshot) throws -> T) async throws -> T {
        try await read { db in try body(ExportSnapshot(db: db)) }
    }

    /// Records a finished export in the `exports` table; returns its row id.
    @discardableResult
    package func recordExport(_ entry: ExportEntry) async throws -> Int64 {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO exports (run, "set", format, directory, records, shards, manifest_sha256, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    entry.run, entry.set, entry.format, entry.directory, entry.records, entry.shards,
                    entry.manifestSHA256, entry.createdAt,
                ])
            return db.lastInsertedRowID
        }
    }

    /// The exports recorded, oldest first (run, set, format, directory, records, shards, manifest SHA-256).
    package func exports() async throws -> [ExportEntry] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM exports ORDER BY id").map { row in
                ExportEntry(
                    run: row["run"], set: row["set"], format: row["format"], directory: row["directory"],
                    records: row["records"], shards: row["shards"], manifestSHA256: row["manifest_sha256"],
                    createdAt: row["created_at"])
            }
        }
    }
}

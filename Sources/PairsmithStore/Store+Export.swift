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
    /// The number of examples the selection recorded.
    public var records: Int
    /// When the selection was made, as the database stores it.
    public var createdAt: String
}

/// One mined hard negative of an exported example.
public struct ExportNegative: Sendable, Hashable {
    /// The negative passage's document key.
    public var documentKey: String
    /// The negative passage's text.
    public var text: String
    /// Its rank among the example's negatives (0 first).
    public var rank: Int
    /// Its score against the anchor.
    public var score: Double
    /// The reranker's score against the anchor, when a reranker guarded the search.
    public var rerankScore: Double? = nil
}

/// The hard-negative search recorded for an example (what was asked for and what was found).
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

/// One selected example with everything a training row needs.
public struct ExportExample: Sendable, Hashable {
    /// The example's row id (metadata only; never used for ordering).
    public var pairID: Int64
    /// The run the example belongs to.
    public var run: String
    /// The key of the passage the example was made from.
    public var documentKey: String
    /// The sample index of the example for its passage.
    public var sample: Int
    /// The task family (`retrieval`, …).
    public var task: String
    /// The anchor text (for retrieval: the generated query).
    public var anchor: String
    /// The positive text: the generated positive, else the passage.
    public var positive: String
    /// Whether the positive is the passage itself (the example stores no positive of its own).
    public var positiveIsPassage: Bool = true
    /// The anchor's instruction as stored; nil: the run's default (v3 rows: `embedding.query_instruction`).
    public var anchorInstruction: String?
    /// The positive's instruction as stored; nil or empty: none.
    public var positiveInstruction: String?
    /// The anchor's language code.
    public var anchorLanguage: String
    /// The positive's language code.
    public var positiveLanguage: String
    /// The example's label, if any.
    public var label: String?
    /// The example's score (not the cosine), if any.
    public var score: Double?
    /// The generated negative texts, in their order (empty when none).
    public var generatedNegatives: [String]
    /// The example's cosine under the selection's model, when scored.
    public var cosine: Double?
    /// The mined hard negatives, in rank order.
    public var negatives: [ExportNegative]
    /// The hard-negative search recorded for the example, if one was made.
    public var negativeSearch: ExportNegativeSearch?
    /// The anchor–positive reranker score, when the export asks for rerank scores (`--scores rerank`).
    public var rerankScore: Double? = nil
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

/// What an export found wrong in the stored examples.
public enum ExportReadError: Error, CustomStringConvertible, Equatable {
    /// An example's `negatives` column is not a JSON array of strings.
    case badNegatives(exampleID: Int64, detail: String)

    public var description: String {
        switch self {
        case .badNegatives(let id, let detail):
            "example \(id) has a `negatives` value that is not a JSON array of strings (\(detail)); the stage that "
                + "wrote it declares its negatives wrongly: fix the pipeline's `example.negatives` and run the stage again"
        }
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

    /// The selection's example ids in export order: by document key (bytewise), then sample, then run — never by
    /// insertion id, so the order is the same in every database that holds the same examples.
    package func orderedPairIDs(selectionID: Int64) throws -> [Int64] {
        try Int64.fetchAll(
            db,
            sql: """
                SELECT e.id FROM selected_pairs sp
                JOIN examples e ON e.id = sp.pair_id
                JOIN documents d ON d.id = e.document_id
                WHERE sp.selection_id = ?
                ORDER BY d.key, e.sample, e.run
                """,
            arguments: [selectionID])
    }

    /// The selection's examples in export order (see ``orderedPairIDs(selectionID:)``), each with its document key.
    package func orderedExampleKeys(selectionID: Int64) throws -> [(id: Int64, documentKey: String)] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT e.id, d.key FROM selected_pairs sp
                JOIN examples e ON e.id = sp.pair_id
                JOIN documents d ON d.id = e.document_id
                WHERE sp.selection_id = ?
                ORDER BY d.key, e.sample, e.run
                """,
            arguments: [selectionID]
        ).map { (id: $0[0], documentKey: $0[1]) }
    }

    /// The distinct document keys of the mined negatives of the selection's examples, sorted bytewise.
    package func negativeDocumentKeys(selectionID: Int64) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                SELECT key FROM (
                    SELECT d.key FROM selected_pairs sp
                    JOIN negatives n ON n.pair_id = sp.pair_id
                    JOIN documents d ON d.id = n.document_id
                    WHERE sp.selection_id = ?
                    UNION
                    SELECT d.key FROM selected_pairs sp
                    JOIN example_negatives xn ON xn.pair_id = sp.pair_id
                    JOIN examples o ON o.id = xn.negative_id
                    JOIN documents d ON d.id = o.document_id
                    WHERE sp.selection_id = ?)
                ORDER BY key
                """,
            arguments: [selectionID, selectionID])
    }

    /// Calls `body` with every passage of `run` (key, text), bytewise by key: the documents the run has a unit or an
    /// example for, and those mined as a negative of one of its examples — the corpus an evaluation searches.
    package func forEachRunPassage(run: String, _ body: (String, String) throws -> Void) throws {
        let cursor = try Row.fetchCursor(
            db,
            sql: """
                SELECT key, text FROM documents WHERE id IN (
                    SELECT document_id FROM units WHERE run = ?
                    UNION SELECT document_id FROM examples WHERE run = ?
                    UNION SELECT n.document_id FROM negatives n JOIN examples e ON e.id = n.pair_id WHERE e.run = ?)
                ORDER BY key
                """,
            arguments: [run, run, run])
        while let row = try cursor.next() { try body(row[0], row[1]) }
    }

    /// How many examples `run` holds and how many of them are recorded as duplicates (what the card's filtering
    /// section reports).
    package func exampleTotals(run: String) throws -> (examples: Int, duplicates: Int) {
        let row = try Row.fetchOne(
            db,
            sql: """
                SELECT (SELECT COUNT(*) FROM examples WHERE run = ?),
                       (SELECT COUNT(*) FROM duplicates dp JOIN examples e ON e.id = dp.pair_id WHERE e.run = ?)
                """,
            arguments: [run, run])
        return (row?[0] ?? 0, row?[1] ?? 0)
    }

    /// The largest number of negatives one example of the selection has, generated and mined together (0 when none
    /// has any).
    package func maxNegativesPerPair(selectionID: Int64) throws -> Int {
        try Int.fetchOne(
            db,
            sql: """
                SELECT COALESCE(MAX(
                    (SELECT COUNT(*) FROM negatives ng WHERE ng.pair_id = e.id)
                    + (SELECT COUNT(*) FROM example_negatives xn WHERE xn.pair_id = e.id)
                    + COALESCE(json_array_length(e.negatives), 0)), 0)
                FROM selected_pairs sp JOIN examples e ON e.id = sp.pair_id
                WHERE sp.selection_id = ?
                """,
            arguments: [selectionID]) ?? 0
    }

    /// The examples with ids `ids` (at most a few hundred at a time), in the order of `ids`, with their cosine under
    /// `model`, their mined negatives in rank order and their negative search.
    /// - Throws: ``ExportReadError/badNegatives(exampleID:detail:)`` when an example's `negatives` is not a JSON
    ///   array of strings.
    package func examples(ids: [Int64], model: String) throws -> [ExportExample] {
        guard !ids.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        var arguments: StatementArguments = [model]
        arguments += StatementArguments(ids)
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT e.id, e.run, e.sample, e.anchor, e.anchor_language, e.positive_language, d.key,
                       COALESCE(e.positive, d.text), s.cosine,
                       ns.model AS ns_model, ns.requested, ns.found, ns.rank_from, ns.rank_to, ns."guard" AS ns_guard,
                       e.task, e.anchor_instruction, e.positive_instruction, e.label, e.score, e.negatives,
                       e.positive IS NULL
                FROM examples e
                JOIN documents d ON d.id = e.document_id
                LEFT JOIN scores s ON s.pair_id = e.id AND s.model = ?
                LEFT JOIN negative_searches ns ON ns.pair_id = e.id
                WHERE e.id IN (\(marks))
                """,
            arguments: arguments)
        let negatives = try negatives(pairIDs: ids)
        var byID: [Int64: ExportExample] = [:]
        for row in rows {  // columns by index, in the SELECT's order (name lookups cost a lowercasing each)
            let id: Int64 = row[0]
            var search: ExportNegativeSearch?
            if let searchModel: String = row[9] {
                search = ExportNegativeSearch(
                    model: searchModel, requested: row[10], found: row[11], rankFrom: row[12], rankTo: row[13],
                    guardFactor: row[14])
            }
            byID[id] = ExportExample(
                pairID: id, run: row[1], documentKey: row[6], sample: row[2], task: row[15], anchor: row[3],
                positive: row[7], anchorInstruction: row[16], positiveInstruction: row[17], anchorLanguage: row[4],
                positiveLanguage: row[5], label: row[18], score: row[19],
                generatedNegatives: try Self.generatedNegatives(row[20], exampleID: id), cosine: row[8],
                negatives: negatives[id] ?? [], negativeSearch: search)
            byID[id]?.positiveIsPassage = row[21]
        }
        return ids.compactMap { byID[$0] }
    }

    /// The texts of an example's `negatives` column (a JSON array of strings, or NULL).
    private static func generatedNegatives(_ text: String?, exampleID: Int64) throws -> [String] {
        guard let text else { return [] }
        guard let strings = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else {
            throw ExportReadError.badNegatives(exampleID: exampleID, detail: String(text.prefix(80)))
        }
        return strings
    }

    /// The rerank scores under `model` of the examples with ids `ids`, keyed by id.
    package func rerankScores(ids: [Int64], model: String) throws -> [Int64: Double] {
        guard !ids.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ",")
        var arguments: StatementArguments = [model]
        arguments += StatementArguments(ids)
        let rows = try Row.fetchAll(
            db, sql: "SELECT pair_id, score FROM rerank_scores WHERE model = ? AND pair_id IN (\(marks))", arguments: arguments)
        return Dictionary(rows.map { ($0[0], $0[1]) }, uniquingKeysWith: { a, _ in a })
    }

    /// The reranker models with scores for examples of `run`, most scores first.
    package func rerankModels(run: String) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                SELECT r.model FROM rerank_scores r JOIN examples e ON e.id = r.pair_id WHERE e.run = ?
                GROUP BY r.model ORDER BY COUNT(*) DESC, r.model
                """,
            arguments: [run])
    }

    private func negatives(pairIDs: [Int64]) throws -> [Int64: [ExportNegative]] {
        let marks = Array(repeating: "?", count: pairIDs.count).joined(separator: ",")
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT n.pair_id, n.rank, n.score, d.key, d.text, n.rerank_score FROM negatives n
                JOIN documents d ON d.id = n.document_id
                WHERE n.pair_id IN (\(marks))
                ORDER BY n.pair_id, n.rank
                """,
            arguments: StatementArguments(pairIDs))
        var result: [Int64: [ExportNegative]] = [:]
        for row in rows {
            result[row[0], default: []].append(
                ExportNegative(documentKey: row[3], text: row[4], rank: row[1], score: row[2], rerankScore: row[5]))
        }
        // Negatives that are other examples' generated positives (v10: bitext translations, STS low levels), keyed by
        // the passage they were made from (so splits keep them on the side of that passage), after any passages.
        let generated = try Row.fetchAll(
            db,
            sql: """
                SELECT n.pair_id, n.rank, n.score, d.key, COALESCE(o.positive, d.text) FROM example_negatives n
                JOIN examples o ON o.id = n.negative_id
                JOIN documents d ON d.id = o.document_id
                WHERE n.pair_id IN (\(marks))
                ORDER BY n.pair_id, n.rank
                """,
            arguments: StatementArguments(pairIDs))
        for row in generated {
            let id: Int64 = row[0]
            let offset = result[id]?.count ?? 0
            result[id, default: []].append(ExportNegative(documentKey: row[3], text: row[4], rank: offset + row[1], score: row[2]))
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

import Foundation
import GRDB

/// An example as the score stage sees it: its anchor and positive with their instructions, and what is already
/// stored for it under a model.
public struct ScoringCandidate: Sendable, Hashable {
    /// The example id (the `pair_id` of scores and vectors' owner id).
    public var pairID: Int64
    /// The document id of the passage the example was made from.
    public var documentID: Int64
    /// The anchor text (without instruction).
    public var anchor: String
    /// The anchor's instruction; nil: the run's default.
    public var anchorInstruction: String?
    /// The generated positive; nil: the passage is the positive.
    public var positive: String?
    /// The positive's instruction; nil or empty: none.
    public var positiveInstruction: String?
    /// The text hash of the stored anchor (`query`) vector under the model, if any.
    public var queryVectorHash: String?
    /// The text hash of the stored `positive` vector under the model, if any.
    public var positiveVectorHash: String?
    /// Whether a score under the model is stored.
    public var scored: Bool

    /// Creates a candidate.
    public init(
        pairID: Int64, documentID: Int64, anchor: String, anchorInstruction: String? = nil, positive: String? = nil,
        positiveInstruction: String? = nil, queryVectorHash: String?, positiveVectorHash: String? = nil, scored: Bool
    ) {
        self.pairID = pairID
        self.documentID = documentID
        self.anchor = anchor
        self.anchorInstruction = anchorInstruction
        self.positive = positive
        self.positiveInstruction = positiveInstruction
        self.queryVectorHash = queryVectorHash
        self.positiveVectorHash = positiveVectorHash
        self.scored = scored
    }

    /// Whether the positive is embedded on its own (a `positive` vector of the example) rather than read from the
    /// passage's `document` vector: a generated positive, or any positive that carries an instruction.
    public var embedsPositive: Bool { positive != nil || !(positiveInstruction ?? "").isEmpty }
}

/// An example of a run with its document key and its score under a model (nil when not scored): what dedup,
/// selection and hard-negative mining read.
public struct ScoredPair: Sendable, Hashable {
    /// The example id.
    public var pairID: Int64
    /// The document id of the passage the example was made from.
    public var documentID: Int64
    /// That passage's corpus key.
    public var documentKey: String
    /// The sample index.
    public var sample: Int
    /// The anchor text (for retrieval: the generated query).
    public var anchor: String
    /// Whether the passage is the positive (no generated positive): only such examples get mined hard negatives.
    public var positiveIsPassage: Bool
    /// The anchor–positive cosine under the model, if scored.
    public var cosine: Double?

    /// Creates a scored example.
    public init(
        pairID: Int64, documentID: Int64, documentKey: String, sample: Int, anchor: String, positiveIsPassage: Bool = true,
        cosine: Double?
    ) {
        self.pairID = pairID
        self.documentID = documentID
        self.documentKey = documentKey
        self.sample = sample
        self.anchor = anchor
        self.positiveIsPassage = positiveIsPassage
        self.cosine = cosine
    }
}

extension PairsmithStore {
    /// Inserts examples in one transaction (for imports, tests and benchmarks; the stages store theirs with their
    /// units); an example whose (run, document, sample) is already stored keeps the stored one. Returns the ids.
    @discardableResult
    public func insertExamples(_ examples: [ExampleRecord]) async throws -> [Int64] {
        try await write { db in
            let lookup = try db.cachedStatement(sql: "SELECT id FROM examples WHERE run = ? AND document_id = ? AND sample = ?")
            return try examples.map { example in
                var record = example
                try record.insert(db, onConflict: .ignore)
                return try Int64.fetchOne(lookup, arguments: [example.run, example.documentID, example.sample]) ?? 0
            }
        }
    }

    /// Up to `limit` examples of `run` with ids above `afterID`, in id order, with their stored anchor- and
    /// positive-vector hashes and whether they are scored under `model` (the score stage pages through a run).
    public func scoringCandidates(run: String, model: String, after afterID: Int64, limit: Int) async throws -> [ScoringCandidate] {
        try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT e.id, e.document_id, e.anchor, e.anchor_instruction, e.positive, e.positive_instruction,
                           v.text_hash AS query_hash, pv.text_hash AS positive_hash,
                           EXISTS (SELECT 1 FROM scores s WHERE s.pair_id = e.id AND s.model = ?) AS scored
                    FROM examples e
                    LEFT JOIN vectors v ON v.owner_kind = 'query' AND v.owner_id = e.id AND v.model = ?
                    LEFT JOIN vectors pv ON pv.owner_kind = 'positive' AND pv.owner_id = e.id AND pv.model = ?
                    WHERE e.run = ? AND e.id > ? ORDER BY e.id LIMIT ?
                    """,
                arguments: [model, model, model, run, afterID, limit])
            return rows.map { row in
                ScoringCandidate(
                    pairID: row["id"], documentID: row["document_id"], anchor: row["anchor"],
                    anchorInstruction: row["anchor_instruction"], positive: row["positive"],
                    positiveInstruction: row["positive_instruction"], queryVectorHash: row["query_hash"],
                    positiveVectorHash: row["positive_hash"], scored: row["scored"])
            }
        }
    }

    /// The stored vectors of `kind` under `model` for the given owner ids, keyed by owner id.
    public func vectors(kind: VectorRecord.OwnerKind, model: String, ownerIDs: [Int64]) async throws -> [Int64: VectorRecord] {
        guard !ownerIDs.isEmpty else { return [:] }
        return try await read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT * FROM vectors WHERE owner_kind = ? AND owner_id = ? AND model = ?")
            var found: [Int64: VectorRecord] = [:]
            for id in Set(ownerIDs) {
                if let record = try VectorRecord.fetchOne(statement, arguments: [kind, id, model]) { found[id] = record }
            }
            return found
        }
    }

    /// Those of `ownerIDs` (in their order) that have a vector of `kind` under `model`.
    public func pairIDsWithVector(kind: VectorRecord.OwnerKind, model: String, among ownerIDs: [Int64]) async throws -> [Int64] {
        guard !ownerIDs.isEmpty else { return [] }
        return try await read { db in
            let statement = try db.cachedStatement(
                sql: "SELECT 1 FROM vectors WHERE owner_kind = ? AND owner_id = ? AND model = ? AND dimension > 0")
            return try ownerIDs.filter { id in try Int.fetchOne(statement, arguments: [kind, id, model]) != nil }
        }
    }

    /// The documents with the given ids, keyed by id.
    public func documents(ids: [Int64]) async throws -> [Int64: DocumentRecord] {
        guard !ids.isEmpty else { return [:] }
        return try await read { db in
            let records = try DocumentRecord.fetchAll(db, keys: Array(Set(ids)))
            return Dictionary(records.compactMap { record in record.id.map { ($0, record) } }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// Stores vectors and scores in one transaction (a killed score stage loses at most the batch in flight).
    public func storeScores(_ scores: [ScoreRecord], vectors: [VectorRecord]) async throws {
        try await apply([.vectors(vectors), .scores(scores)])
    }

    /// Deletes the scores and the anchor and positive vectors of the examples of `run` under `model` (the next score
    /// pass embeds them again; passage vectors stay).
    public func clearScores(run: String, model: String) async throws {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM scores WHERE model = ? AND pair_id IN (SELECT id FROM examples WHERE run = ?)",
                arguments: [model, run])
            try db.execute(
                sql: """
                    DELETE FROM vectors WHERE owner_kind IN ('query', 'positive') AND model = ?
                    AND owner_id IN (SELECT id FROM examples WHERE run = ?)
                    """,
                arguments: [model, run])
        }
    }

    /// Every example of `run` with its document key and its score under `model` (nil when unscored), in id order.
    public func scoredPairs(run: String, model: String) async throws -> [ScoredPair] {
        try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT e.id, e.document_id, d.key, e.sample, e.anchor, e.positive IS NULL AS passage, s.cosine
                    FROM examples e JOIN documents d ON d.id = e.document_id
                    LEFT JOIN scores s ON s.pair_id = e.id AND s.model = ?
                    WHERE e.run = ? ORDER BY e.id
                    """,
                arguments: [model, run])
            return rows.map { row in
                ScoredPair(
                    pairID: row["id"], documentID: row["document_id"], documentKey: row["key"], sample: row["sample"],
                    anchor: row["anchor"], positiveIsPassage: row["passage"], cosine: row["cosine"])
            }
        }
    }

    /// Every stored score under `model`, over the whole database (all runs), ascending: what global percentile
    /// thresholds are computed from.
    public func allScores(model: String) async throws -> [Double] {
        try await read { db in
            try Double.fetchAll(db, sql: "SELECT cosine FROM scores WHERE model = ? ORDER BY cosine", arguments: [model])
        }
    }

    /// The number of examples of `run` scored under `model`.
    public func scoreCount(run: String, model: String) async throws -> Int {
        try await read { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM scores s JOIN examples e ON e.id = s.pair_id WHERE e.run = ? AND s.model = ?",
                arguments: [run, model]) ?? 0
        }
    }

    /// The embedding models that have scores for examples of `run`, with how many, most first.
    public func scoreModels(run: String) async throws -> [(model: String, count: Int)] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.model, COUNT(*) AS n FROM scores s JOIN examples e ON e.id = s.pair_id
                    WHERE e.run = ? GROUP BY s.model ORDER BY n DESC, s.model
                    """,
                arguments: [run]
            ).map { row in (model: row["model"], count: row["n"]) }
        }
    }

    /// The anchor (`query`) vectors under `model` of the examples of `run`, keyed by example id.
    public func queryVectors(run: String, model: String) async throws -> [Int64: [Float]] {
        try await read { db in
            let records = try VectorRecord.fetchAll(
                db,
                sql: """
                    SELECT v.* FROM vectors v JOIN examples e ON e.id = v.owner_id
                    WHERE v.owner_kind = 'query' AND v.model = ? AND e.run = ?
                    """,
                arguments: [model, run])
            return Dictionary(records.map { ($0.ownerID, $0.values) }, uniquingKeysWith: { a, _ in a })
        }
    }
}

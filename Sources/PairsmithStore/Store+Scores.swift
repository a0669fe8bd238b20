import Foundation
import GRDB

/// A pair as the score stage sees it: its query, passage, and what is already stored for it under a model.
public struct ScoringCandidate: Sendable, Hashable {
    /// The pair id.
    public var pairID: Int64
    /// The positive passage's document id.
    public var documentID: Int64
    /// The generated query (without instruction).
    public var query: String
    /// The text hash of the stored query vector under the model, if any.
    public var queryVectorHash: String?
    /// Whether a score under the model is stored.
    public var scored: Bool

    /// Creates a candidate.
    public init(pairID: Int64, documentID: Int64, query: String, queryVectorHash: String?, scored: Bool) {
        self.pairID = pairID
        self.documentID = documentID
        self.query = query
        self.queryVectorHash = queryVectorHash
        self.scored = scored
    }
}

/// A pair of a run with its document key and its score under a model (nil when not scored): what selection reads.
public struct ScoredPair: Sendable, Hashable {
    /// The pair id.
    public var pairID: Int64
    /// The positive passage's document id.
    public var documentID: Int64
    /// The positive passage's corpus key.
    public var documentKey: String
    /// The sample index.
    public var sample: Int
    /// The generated query.
    public var query: String
    /// The query–passage cosine under the model, if scored.
    public var cosine: Double?

    /// Creates a scored pair.
    public init(pairID: Int64, documentID: Int64, documentKey: String, sample: Int, query: String, cosine: Double?) {
        self.pairID = pairID
        self.documentID = documentID
        self.documentKey = documentKey
        self.sample = sample
        self.query = query
        self.cosine = cosine
    }
}

extension PairsmithStore {
    /// Inserts pairs in one transaction (for imports, tests and benchmarks; the generate stage stores its pairs with
    /// its units); a pair whose (run, document, sample) is already stored keeps the stored one. Returns the ids.
    @discardableResult
    public func insertPairs(_ pairs: [PairRecord]) async throws -> [Int64] {
        try await write { db in
            let lookup = try db.cachedStatement(sql: "SELECT id FROM pairs WHERE run = ? AND document_id = ? AND sample = ?")
            return try pairs.map { pair in
                var record = pair
                try record.insert(db, onConflict: .ignore)
                return try Int64.fetchOne(lookup, arguments: [pair.run, pair.documentID, pair.sample]) ?? 0
            }
        }
    }

    /// Up to `limit` pairs of `run` with ids above `afterID`, in id order, with their stored query-vector hash and
    /// whether they are scored under `model` (the score stage pages through a run with this).
    public func scoringCandidates(run: String, model: String, after afterID: Int64, limit: Int) async throws -> [ScoringCandidate] {
        try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT p.id, p.document_id, p.query, v.text_hash AS query_hash,
                           EXISTS (SELECT 1 FROM scores s WHERE s.pair_id = p.id AND s.model = ?) AS scored
                    FROM pairs p
                    LEFT JOIN vectors v ON v.owner_kind = 'query' AND v.owner_id = p.id AND v.model = ?
                    WHERE p.run = ? AND p.id > ? ORDER BY p.id LIMIT ?
                    """,
                arguments: [model, model, run, afterID, limit])
            return rows.map { row in
                ScoringCandidate(
                    pairID: row["id"], documentID: row["document_id"], query: row["query"],
                    queryVectorHash: row["query_hash"], scored: row["scored"])
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

    /// Deletes the scores and query vectors of the pairs of `run` under `model` (the next score pass embeds the
    /// queries again; passage vectors stay).
    public func clearScores(run: String, model: String) async throws {
        try await write { db in
            try db.execute(
                sql: "DELETE FROM scores WHERE model = ? AND pair_id IN (SELECT id FROM pairs WHERE run = ?)",
                arguments: [model, run])
            try db.execute(
                sql: """
                    DELETE FROM vectors WHERE owner_kind = 'query' AND model = ?
                    AND owner_id IN (SELECT id FROM pairs WHERE run = ?)
                    """,
                arguments: [model, run])
        }
    }

    /// Every pair of `run` with its document key and its score under `model` (nil when unscored), in pair-id order.
    public func scoredPairs(run: String, model: String) async throws -> [ScoredPair] {
        try await read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT p.id, p.document_id, d.key, p.sample, p.query, s.cosine
                    FROM pairs p JOIN documents d ON d.id = p.document_id
                    LEFT JOIN scores s ON s.pair_id = p.id AND s.model = ?
                    WHERE p.run = ? ORDER BY p.id
                    """,
                arguments: [model, run])
            return rows.map { row in
                ScoredPair(
                    pairID: row["id"], documentID: row["document_id"], documentKey: row["key"], sample: row["sample"],
                    query: row["query"], cosine: row["cosine"])
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

    /// The number of pairs of `run` scored under `model`.
    public func scoreCount(run: String, model: String) async throws -> Int {
        try await read { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM scores s JOIN pairs p ON p.id = s.pair_id WHERE p.run = ? AND s.model = ?",
                arguments: [run, model]) ?? 0
        }
    }

    /// The embedding models that have scores for pairs of `run`, with how many, most first.
    public func scoreModels(run: String) async throws -> [(model: String, count: Int)] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT s.model, COUNT(*) AS n FROM scores s JOIN pairs p ON p.id = s.pair_id
                    WHERE p.run = ? GROUP BY s.model ORDER BY n DESC, s.model
                    """,
                arguments: [run]
            ).map { row in (model: row["model"], count: row["n"]) }
        }
    }

    /// The query vectors under `model` of the pairs of `run`, keyed by pair id.
    public func queryVectors(run: String, model: String) async throws -> [Int64: [Float]] {
        try await read { db in
            let records = try VectorRecord.fetchAll(
                db,
                sql: """
                    SELECT v.* FROM vectors v JOIN pairs p ON p.id = v.owner_id
                    WHERE v.owner_kind = 'query' AND v.model = ? AND p.run = ?
                    """,
                arguments: [model, run])
            return Dictionary(records.map { ($0.ownerID, $0.values) }, uniquingKeysWith: { a, _ in a })
        }
    }
}

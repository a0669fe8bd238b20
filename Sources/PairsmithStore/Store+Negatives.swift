import Foundation
import GRDB

extension PairsmithStore {
    /// The hard-negative searches stored for the examples of `run`, keyed by example id.
    public func negativeSearches(run: String) async throws -> [Int64: NegativeSearchRecord] {
        try await read { db in
            let records = try NegativeSearchRecord.fetchAll(
                db,
                sql: "SELECT n.* FROM negative_searches n JOIN examples e ON e.id = n.pair_id WHERE e.run = ?",
                arguments: [run])
            return Dictionary(records.map { ($0.pairID, $0) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// The hard-negative search stored for a pair, if any.
    public func negativeSearch(pairID: Int64) async throws -> NegativeSearchRecord? {
        try await read { db in try NegativeSearchRecord.fetchOne(db, key: pairID) }
    }

    /// The hard negatives of a pair, by rank.
    public func negatives(pairID: Int64) async throws -> [NegativeRecord] {
        try await read { db in
            try NegativeRecord.fetchAll(db, sql: "SELECT * FROM negatives WHERE pair_id = ? ORDER BY rank", arguments: [pairID])
        }
    }

    /// Stores searches and their negatives in one transaction; a pair's earlier negatives are replaced.
    public func storeNegatives(searches: [NegativeSearchRecord], negatives: [NegativeRecord]) async throws {
        try await write { db in
            let clear = try db.cachedStatement(sql: "DELETE FROM negatives WHERE pair_id = ?")
            for search in searches {
                try clear.execute(arguments: [search.pairID])
                try search.insert(db, onConflict: .replace)
            }
            for negative in negatives { try negative.insert(db, onConflict: .replace) }
        }
    }

    /// Up to `limit` document vectors under `model` whose document ids are above `afterID`, in document-id order
    /// (hard-negative search streams over the corpus with this).
    public func documentVectors(model: String, after afterID: Int64, limit: Int) async throws -> [VectorRecord] {
        try await read { db in
            try VectorRecord.fetchAll(
                db,
                sql: """
                    SELECT * FROM vectors WHERE owner_kind = 'document' AND model = ? AND owner_id > ?
                    ORDER BY owner_id LIMIT ?
                    """,
                arguments: [model, afterID, limit])
        }
    }

    /// The number of document vectors stored under `model`.
    public func documentVectorCount(model: String) async throws -> Int {
        try await read { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM vectors WHERE owner_kind = 'document' AND model = ?", arguments: [model]) ?? 0
        }
    }
}

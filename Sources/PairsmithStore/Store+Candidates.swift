import Foundation
import GRDB

extension PairsmithStore {
    /// Up to `limit` documents with ids above `afterID` that have no candidates yet in `run`, in id order: the
    /// matching stage's remaining work (resuming after a kill picks up where it stopped).
    public func documentsWithoutCandidates(run: String, after afterID: Int64 = 0, limit: Int) async throws -> [DocumentRecord] {
        try await read { db in
            try DocumentRecord.fetchAll(
                db,
                sql: """
                    SELECT * FROM documents d
                    WHERE d.id > ? AND NOT EXISTS (SELECT 1 FROM candidates c WHERE c.run = ? AND c.document_id = d.id)
                    ORDER BY d.id LIMIT ?
                    """,
                arguments: [afterID, run, limit])
        }
    }

    /// How many times each persona appears among the candidates of `run` (personas never chosen are absent).
    public func candidateUsage(run: String) async throws -> [Int64: Int] {
        try await read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT persona_id, COUNT(*) AS n FROM candidates WHERE run = ? GROUP BY persona_id",
                arguments: [run])
            return Dictionary(uniqueKeysWithValues: rows.map { (row: Row) -> (Int64, Int) in (row["persona_id"], row["n"]) })
        }
    }
}

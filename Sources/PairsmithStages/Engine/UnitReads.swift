import Foundation
import GRDB
import PairsmithStore

extension PairsmithStore {
    /// The document with row id `id`, read through a cached prepared statement: every unit of both LLM stages reads
    /// its passage, and the query-interface read (SQL built and prepared each time) was a visible share of the
    /// stages' CPU.
    func unitDocument(id: Int64) async throws -> DocumentRecord? {
        try await pool.read { db in
            let statement = try db.cachedStatement(sql: "SELECT * FROM documents WHERE id = ?")
            return try DocumentRecord.fetchOne(statement, arguments: [id])
        }
    }
}

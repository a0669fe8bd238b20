import Foundation
import GRDB

extension PairsmithStore {
    /// The stored call with this request hash, if any (check `status == .ok` before reusing its response).
    public func llmCall(requestHash: String) async throws -> LLMCallRecord? {
        try await read { db in
            try LLMCallRecord.fetchOne(db, sql: "SELECT * FROM llm_calls WHERE request_hash = ?", arguments: [requestHash])
        }
    }

    /// The stored successful response for this request hash, if any: a repeated request costs nothing.
    public func cachedResponse(requestHash: String) async throws -> String? {
        try await read { db in
            try String.fetchOne(
                db, sql: "SELECT response FROM llm_calls WHERE request_hash = ? AND status = 'ok'", arguments: [requestHash])
        }
    }

    /// Records a chat call under its hash; a successful answer already stored is kept, a failed one is replaced.
    public func recordLLMCall(_ call: LLMCallRecord) async throws {
        try await apply([.llmCall(call)])
    }
}

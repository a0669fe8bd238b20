import Foundation
import GRDB

/// Something set aside with its reason: a bad input line, or an answer that failed validation.
public struct RejectRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "rejects"

    /// The row id, set on insertion.
    public var id: Int64?
    /// The run's name, when the reject belongs to one (answers do; corpus lines may not).
    public var run: String?
    /// Where it came from: `corpus`, `personas`, or a stage name.
    public var source: String
    /// `file:line` for input, the unit key for answers.
    public var location: String
    /// A short machine-readable reason (for example `invalid_json`, `empty_text`, `character_not_candidate`).
    public var reason: String
    /// A human-readable explanation.
    public var detail: String
    /// The offending line or answer, truncated to a few kilobytes.
    public var payload: String?
    /// When it was recorded.
    public var createdAt: Date

    /// Creates a reject record.
    public init(
        id: Int64? = nil, run: String?, source: String, location: String, reason: String, detail: String,
        payload: String?, createdAt: Date = Date()
    ) {
        self.id = id
        self.run = run
        self.source = source
        self.location = location
        self.reason = reason
        self.detail = detail
        self.payload = payload
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, run, source, location, reason, detail, payload
        case createdAt = "created_at"
    }
}

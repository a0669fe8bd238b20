import Foundation
import GRDB

/// A pair dropped as a duplicate of another pair of the same run, with the reason.
public struct DuplicateRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "duplicates"

    /// Why a pair is a duplicate.
    public enum Kind: String, Codable, Sendable, Hashable, DatabaseValueConvertible {
        /// The same query text after normalisation (Unicode NFKC, case folding, collapsed whitespace, trailing punctuation).
        case exact
        /// A query of the same passage whose query–query cosine is at least the near-duplicate threshold.
        case near
    }

    /// The dropped pair.
    public var pairID: Int64
    /// Exact or near.
    public var kind: Kind
    /// The pair that is kept instead.
    public var duplicateOf: Int64
    /// The query–query cosine (near duplicates only).
    public var cosine: Double?
    /// When the duplicate was recorded.
    public var createdAt: Date

    /// Creates a duplicate record.
    public init(pairID: Int64, kind: Kind, duplicateOf: Int64, cosine: Double? = nil, createdAt: Date = Date()) {
        self.pairID = pairID
        self.kind = kind
        self.duplicateOf = duplicateOf
        self.cosine = cosine
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case kind, cosine
        case pairID = "pair_id"
        case duplicateOf = "duplicate_of"
        case createdAt = "created_at"
    }
}

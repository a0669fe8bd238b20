import Foundation
import GRDB

/// A generated (query, passage) pair: the generate stage's answer for one (document, sample).
public struct PairRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "pairs"

    /// The row id, set on insertion.
    public var id: Int64?
    /// The run's name.
    public var run: String
    /// The document id (the positive passage).
    public var documentID: Int64
    /// The sample index.
    public var sample: Int
    /// The configuration the query follows.
    public var configID: Int64?
    /// The generated query.
    public var query: String
    /// The language the query was asked to be in.
    public var queryLanguage: String
    /// The passage's language.
    public var documentLanguage: String
    /// The requested length in words.
    public var lengthWords: Int
    /// The hash of the chat call that produced the query.
    public var requestHash: String?
    /// When the pair was stored.
    public var createdAt: Date

    /// Creates a pair record.
    public init(
        id: Int64? = nil, run: String, documentID: Int64, sample: Int, configID: Int64?, query: String,
        queryLanguage: String, documentLanguage: String, lengthWords: Int, requestHash: String?, createdAt: Date = Date()
    ) {
        self.id = id
        self.run = run
        self.documentID = documentID
        self.sample = sample
        self.configID = configID
        self.query = query
        self.queryLanguage = queryLanguage
        self.documentLanguage = documentLanguage
        self.lengthWords = lengthWords
        self.requestHash = requestHash
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, run, sample, query
        case documentID = "document_id"
        case configID = "config_id"
        case queryLanguage = "query_language"
        case documentLanguage = "document_language"
        case lengthWords = "length_words"
        case requestHash = "request_hash"
        case createdAt = "created_at"
    }
}

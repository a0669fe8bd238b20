import Foundation
import GRDB

/// A passage of the corpus, as ingested: its key, where it came from, its text and language.
public struct DocumentRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "documents"

    /// The row id, set on insertion; the `document` part of unit keys.
    public var id: Int64?
    /// The corpus key (`id` of the JSONL line, or the file's relative path), unique.
    public var key: String
    /// The file the passage came from.
    public var sourceFile: String
    /// The 1-based line of the JSONL file (nil for whole-file documents).
    public var sourceLine: Int?
    /// The passage text.
    public var text: String
    /// The language code (ISO 639-1, for example `en`, `zh`), or `und` when unknown.
    public var lang: String
    /// Whether `lang` was given by the corpus line (`given`) or detected (`detected`).
    public var langSource: String
    /// SHA-256 of the text's UTF-8 bytes, hex; unique, so duplicate passages are dropped.
    public var contentHash: String

    /// Creates a document record (its id is assigned on insertion).
    public init(
        id: Int64? = nil, key: String, sourceFile: String, sourceLine: Int?, text: String,
        lang: String, langSource: String, contentHash: String
    ) {
        self.id = id
        self.key = key
        self.sourceFile = sourceFile
        self.sourceLine = sourceLine
        self.text = text
        self.lang = lang
        self.langSource = langSource
        self.contentHash = contentHash
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, key, text, lang
        case sourceFile = "source_file"
        case sourceLine = "source_line"
        case langSource = "lang_source"
        case contentHash = "content_hash"
    }
}

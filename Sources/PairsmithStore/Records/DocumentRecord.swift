import Foundation
import GRDB

/// A passage of the corpus, as ingested: its key, where it came from, its text and language. A corpus record longer
/// than the pipeline's chunk budget is stored as several passages keyed `{id}#{k}` (k from 0), each with its corpus
/// key, position and Unicode scalar offsets in the record's text; a record stored whole has those four nil.
public struct DocumentRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "documents"

    /// The row id, set on insertion; the `document` part of unit keys.
    public var id: Int64?
    /// The corpus key (`id` of the JSONL line, or the file's relative path), or `{id}#{k}` for a chunk; unique.
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
    /// For a chunk: the corpus key of the record it was cut from; nil for a record stored whole.
    public var parentKey: String?
    /// For a chunk: its 0-based position in the record (the `k` of its key).
    public var chunkIndex: Int?
    /// For a chunk: the offset of its first Unicode scalar in the record's text (Python: `text[char_start:char_end]`).
    public var charStart: Int?
    /// For a chunk: the offset just past its last Unicode scalar in the record's text.
    public var charEnd: Int?

    /// Creates a document record (its id is assigned on insertion); the chunk fields stay nil for a whole record.
    public init(
        id: Int64? = nil, key: String, sourceFile: String, sourceLine: Int?, text: String,
        lang: String, langSource: String, contentHash: String,
        parentKey: String? = nil, chunkIndex: Int? = nil, charStart: Int? = nil, charEnd: Int? = nil
    ) {
        self.id = id
        self.key = key
        self.sourceFile = sourceFile
        self.sourceLine = sourceLine
        self.text = text
        self.lang = lang
        self.langSource = langSource
        self.contentHash = contentHash
        self.parentKey = parentKey
        self.chunkIndex = chunkIndex
        self.charStart = charStart
        self.charEnd = charEnd
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, key, text, lang
        case sourceFile = "source_file"
        case sourceLine = "source_line"
        case langSource = "lang_source"
        case contentHash = "content_hash"
        case parentKey = "parent_key"
        case chunkIndex = "chunk_index"
        case charStart = "char_start"
        case charEnd = "char_end"
    }
}

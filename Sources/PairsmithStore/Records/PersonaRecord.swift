import Foundation
import GRDB

/// A persona of the library: a one- or two-sentence description of a person who might query a passage.
public struct PersonaRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "personas"

    /// The row id, set on insertion.
    public var id: Int64?
    /// The persona description.
    public var text: String
    /// SHA-256 of the text, hex; unique, so a library loaded twice is stored once.
    public var textHash: String
    /// The file the persona came from.
    public var sourceFile: String
    /// The 1-based line in that file.
    public var sourceLine: Int

    /// Creates a persona record (its id is assigned on insertion).
    public init(id: Int64? = nil, text: String, textHash: String, sourceFile: String, sourceLine: Int) {
        self.id = id
        self.text = text
        self.textHash = textHash
        self.sourceFile = sourceFile
        self.sourceLine = sourceLine
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, text
        case textHash = "text_hash"
        case sourceFile = "source_file"
        case sourceLine = "source_line"
    }
}

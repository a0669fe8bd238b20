import Foundation
import GRDB

/// The configure stage's answer for one (document, sample): the chosen character, question type and difficulty.
public struct ConfigRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "configs"

    /// The row id, set on insertion.
    public var id: Int64?
    /// The run's name.
    public var run: String
    /// The document id.
    public var documentID: Int64
    /// The sample index.
    public var sample: Int
    /// The chosen character (one of the five candidates' texts).
    public var character: String
    /// The chosen persona's id, when the character matched a candidate.
    public var personaID: Int64?
    /// The question type (`keywords`, `acquire_knowledge`, `summary`, `yes_or_no`, `background`).
    public var questionType: String
    /// The difficulty (`high_school`, `university`, `phd`).
    public var difficulty: String
    /// The hash of the chat call that produced the answer.
    public var requestHash: String?
    /// When the configuration was stored.
    public var createdAt: Date

    /// Creates a configuration record.
    public init(
        id: Int64? = nil, run: String, documentID: Int64, sample: Int, character: String, personaID: Int64?,
        questionType: String, difficulty: String, requestHash: String?, createdAt: Date = Date()
    ) {
        self.id = id
        self.run = run
        self.documentID = documentID
        self.sample = sample
        self.character = character
        self.personaID = personaID
        self.questionType = questionType
        self.difficulty = difficulty
        self.requestHash = requestHash
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, run, sample, character, difficulty
        case documentID = "document_id"
        case personaID = "persona_id"
        case questionType = "question_type"
        case requestHash = "request_hash"
        case createdAt = "created_at"
    }
}

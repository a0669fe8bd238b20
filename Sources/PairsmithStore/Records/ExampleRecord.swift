import Foundation
import GRDB

/// A training example the last stage produced for one (document, sample): the anchor, the positive (the passage
/// unless generated), optional generated negatives, label or score, each side's instruction and the task family.
public struct ExampleRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "examples"

    /// The row id, set on insertion (for v3 databases: the id the pair had).
    public var id: Int64?
    /// The run's name.
    public var run: String
    /// The document id (the passage the example was made from).
    public var documentID: Int64
    /// The sample index.
    public var sample: Int
    /// The task family (`retrieval`, …).
    public var task: String
    /// The anchor text (for retrieval: the generated query).
    public var anchor: String
    /// The positive text; nil: the passage (`documents.text`) is the positive.
    public var positive: String?
    /// Generated negative texts as a JSON array, or nil.
    public var negatives: String?
    /// A label (classification), or nil.
    public var label: String?
    /// A score (for example an STS level normalised to [0, 1]), or nil.
    public var score: Double?
    /// The anchor's instruction; nil: the run's pipeline default (for v3 rows `embedding.query_instruction`).
    public var anchorInstruction: String?
    /// The positive's instruction; nil or empty: none.
    public var positiveInstruction: String?
    /// The anchor's language code (for retrieval: the language the query was asked to be in).
    public var anchorLanguage: String
    /// The positive's language code.
    public var positiveLanguage: String
    /// The requested anchor length in words.
    public var lengthWords: Int
    /// A JSON object kept for the report (for example the question type), or nil.
    public var metadata: String?
    /// The v3 configuration row the query followed (v3 rows only; new rows leave it nil).
    public var configID: Int64?
    /// The hash of the chat call that produced the example.
    public var requestHash: String?
    /// When the example was stored.
    public var createdAt: Date

    /// Creates an example record.
    public init(
        id: Int64? = nil, run: String, documentID: Int64, sample: Int, task: String, anchor: String,
        positive: String? = nil, negatives: String? = nil, label: String? = nil, score: Double? = nil,
        anchorInstruction: String?, positiveInstruction: String? = nil, anchorLanguage: String, positiveLanguage: String,
        lengthWords: Int, metadata: String? = nil, configID: Int64? = nil, requestHash: String?, createdAt: Date = Date()
    ) {
        self.id = id
        self.run = run
        self.documentID = documentID
        self.sample = sample
        self.task = task
        self.anchor = anchor
        self.positive = positive
        self.negatives = negatives
        self.label = label
        self.score = score
        self.anchorInstruction = anchorInstruction
        self.positiveInstruction = positiveInstruction
        self.anchorLanguage = anchorLanguage
        self.positiveLanguage = positiveLanguage
        self.lengthWords = lengthWords
        self.metadata = metadata
        self.configID = configID
        self.requestHash = requestHash
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, run, sample, task, anchor, positive, negatives, label, score, metadata
        case documentID = "document_id"
        case anchorInstruction = "anchor_instruction"
        case positiveInstruction = "positive_instruction"
        case anchorLanguage = "anchor_language"
        case positiveLanguage = "positive_language"
        case lengthWords = "length_words"
        case configID = "config_id"
        case requestHash = "request_hash"
        case createdAt = "created_at"
    }
}

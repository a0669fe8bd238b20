import Foundation
import GRDB

/// A declared stage's output for one unit (run, stage, document, sample): the answer's fields after the rules and
/// the variables drawn for the unit, each a JSON object with sorted keys.
public struct StageOutputRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "stage_outputs"

    /// The row id, set on insertion.
    public var id: Int64?
    /// The run's name.
    public var run: String
    /// The stage's name.
    public var stage: String
    /// The document id.
    public var documentID: Int64
    /// The sample index.
    public var sample: Int
    /// The answer's fields after the rules, a JSON object (canonical: sorted keys, compact); `{}` when skipped.
    public var fields: String
    /// The variables drawn for the unit, a JSON object (canonical).
    public var variables: String
    /// The persona a `one_of`-personas rule resolved, if any.
    public var personaID: Int64?
    /// Whether the stage's `when` condition skipped the unit (no request was made).
    public var skipped: Bool
    /// The hash of the chat call that produced the answer (nil when skipped).
    public var requestHash: String?
    /// When the output was stored.
    public var createdAt: Date

    /// Creates a stage output record.
    public init(
        id: Int64? = nil, run: String, stage: String, documentID: Int64, sample: Int, fields: String, variables: String,
        personaID: Int64? = nil, skipped: Bool = false, requestHash: String?, createdAt: Date = Date()
    ) {
        self.id = id
        self.run = run
        self.stage = stage
        self.documentID = documentID
        self.sample = sample
        self.fields = fields
        self.variables = variables
        self.personaID = personaID
        self.skipped = skipped
        self.requestHash = requestHash
        self.createdAt = createdAt
    }

    /// The unit this output belongs to.
    public var key: UnitKey { UnitKey(run: run, stage: stage, documentID: documentID, sample: sample) }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, run, stage, sample, fields, variables, skipped
        case documentID = "document_id"
        case personaID = "persona_id"
        case requestHash = "request_hash"
        case createdAt = "created_at"
    }
}

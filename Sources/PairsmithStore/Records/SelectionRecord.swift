import Foundation
import GRDB

/// One selection of a run's pairs into a set (`sft` or `weak`) under one embedding model; its pairs are in
/// `selected_pairs`. The newest selection per (run, set) is the one exports read.
public struct SelectionRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "selections"

    /// The two sets a selection can make.
    public enum TrainingSet: String, Codable, Sendable, Hashable, CaseIterable, DatabaseValueConvertible {
        /// Supervised fine-tuning: the non-duplicate pairs whose cosine passes the bounds (and the sampling).
        case sft
        /// Weak supervision: every valid non-duplicate pair.
        case weak
    }

    /// The row id, set on insertion.
    public var id: Int64?
    /// The run's name.
    public var run: String
    /// `sft` or `weak`.
    public var set: TrainingSet
    /// The embedding model whose scores were used.
    public var model: String
    /// The parameters as asked and as resolved, as a JSON object (sorted keys).
    public var parameters: String
    /// The resolved lower cosine bound (pairs need cosine > low), if any.
    public var low: Double?
    /// The resolved upper cosine bound (pairs need cosine ≤ high), if any.
    public var high: Double?
    /// The number of pairs selected.
    public var records: Int
    /// When the selection was made.
    public var createdAt: Date

    /// Creates a selection record.
    public init(
        id: Int64? = nil, run: String, set: TrainingSet, model: String, parameters: String, low: Double?, high: Double?,
        records: Int, createdAt: Date = Date()
    ) {
        self.id = id
        self.run = run
        self.set = set
        self.model = model
        self.parameters = parameters
        self.low = low
        self.high = high
        self.records = records
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, run, set, model, parameters, low, high, records
        case createdAt = "created_at"
    }
}

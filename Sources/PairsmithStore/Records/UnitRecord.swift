import Foundation
import GRDB

/// The state of a unit of work in the queue.
public enum UnitState: String, Codable, Sendable, Hashable, CaseIterable, DatabaseValueConvertible {
    /// Waiting to be claimed (possibly not before `available_at`).
    case pending
    /// Claimed by a worker of the running process; reset to `pending` when a run starts after a crash.
    case running
    /// Finished; its results are stored.
    case done
    /// Given up after its attempts ran out; the last error says why.
    case failed
}

/// The deterministic identity of a unit: (run, stage, document, sample index); unique in the queue.
public struct UnitKey: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The run's name.
    public var run: String
    /// The stage's name (for example `configure`, `generate`).
    public var stage: String
    /// The document id the unit works on.
    public var documentID: Int64
    /// The sample index (several queries per passage have indices 0, 1, …).
    public var sample: Int

    /// Creates a key.
    public init(run: String, stage: String, documentID: Int64, sample: Int) {
        self.run = run
        self.stage = stage
        self.documentID = documentID
        self.sample = sample
    }

    /// `run/stage/document/sample`, the form used in logs, rejects and seeds.
    public var description: String { "\(run)/\(stage)/\(documentID)/\(sample)" }

    public static func < (lhs: UnitKey, rhs: UnitKey) -> Bool {
        (lhs.run, lhs.stage, lhs.documentID, lhs.sample) < (rhs.run, rhs.stage, rhs.documentID, rhs.sample)
    }
}

/// A unit of work in the queue, with its state, attempts and last error.
public struct UnitRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "units"

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
    /// The unit's state.
    public var state: UnitState
    /// How many attempts have failed so far (the next attempt's number, used to vary the seed).
    public var attempts: Int
    /// The last failure's message, if any.
    public var lastError: String?
    /// The unit may not be claimed before this time (back-off after a failure).
    public var availableAt: Date
    /// When the unit was enqueued.
    public var createdAt: Date
    /// When the unit last changed state.
    public var updatedAt: Date

    /// The unit's deterministic key.
    public var key: UnitKey { UnitKey(run: run, stage: stage, documentID: documentID, sample: sample) }

    /// Creates a pending unit for `key`.
    public init(key: UnitKey, now: Date = Date()) {
        id = nil
        run = key.run
        stage = key.stage
        documentID = key.documentID
        sample = key.sample
        state = .pending
        attempts = 0
        lastError = nil
        availableAt = now
        createdAt = now
        updatedAt = now
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, run, stage, sample, state, attempts
        case documentID = "document_id"
        case lastError = "last_error"
        case availableAt = "available_at"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

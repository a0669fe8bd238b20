import Foundation
import GRDB

/// What happens to a unit whose attempt failed.
public struct FailurePolicy: Sendable, Hashable {
    /// The unit becomes `failed` once this many attempts have failed.
    public var maxAttempts: Int
    /// How long a unit that will be retried waits before it can be claimed again.
    public var retryDelay: TimeInterval

    /// Creates a policy.
    public init(maxAttempts: Int, retryDelay: TimeInterval = 0) {
        self.maxAttempts = maxAttempts
        self.retryDelay = retryDelay
    }
}

/// The results of a finished unit, stored in the same transaction that marks it done.
public struct UnitOutputs: Sendable, Hashable {
    /// Stage outputs to insert (the unit's answer fields after the rules, or its skip).
    public var stageOutputs: [StageOutputRecord]
    /// Examples to insert (what the pipeline's last stage produced).
    public var examples: [ExampleRecord]
    /// Scores to insert.
    public var scores: [ScoreRecord]
    /// Rejected answers met on the way (each with its reason).
    public var rejects: [RejectRecord]
    /// Chat calls to record (stored even when the unit was already done, since answers are cached by hash).
    public var llmCalls: [LLMCallRecord]
    /// Units of later stages that this result makes ready (enqueued idempotently).
    public var enqueue: [UnitKey]
    /// A judge stage's ratings of the unit's example (stored against the example of the same run, document and
    /// sample; none when that example does not exist).
    public var judgements: [JudgementRecord] = []

    /// Creates outputs; every part defaults to empty.
    public init(
        stageOutputs: [StageOutputRecord] = [], examples: [ExampleRecord] = [], scores: [ScoreRecord] = [],
        rejects: [RejectRecord] = [], llmCalls: [LLMCallRecord] = [], enqueue: [UnitKey] = []
    ) {
        self.stageOutputs = stageOutputs
        self.examples = examples
        self.scores = scores
        self.rejects = rejects
        self.llmCalls = llmCalls
        self.enqueue = enqueue
    }
}

/// One write, applied inside a transaction (alone through the store, or batched through ``BatchWriter``).
public enum StoreWrite: Sendable, Hashable {
    /// Marks a running unit done and stores its outputs; ignored (except `llmCalls`) if the unit is not running.
    case complete(unitID: Int64, outputs: UnitOutputs)
    /// Records a failed attempt: back to `pending` after `retryDelay`, or `failed` once attempts run out.
    case fail(unitID: Int64, error: String, policy: FailurePolicy, rejects: [RejectRecord] = [], llmCalls: [LLMCallRecord] = [])
    /// Enqueues units idempotently.
    case enqueue([UnitKey])
    /// Records a chat call under its request hash.
    case llmCall(LLMCallRecord)
    /// Records rejects.
    case rejects([RejectRecord])
    /// Stores vectors (replacing an owner's vector for the same model).
    case vectors([VectorRecord])
    /// Stores persona candidates (replacing the same run, document and rank).
    case candidates([CandidateRecord])
    /// Stores scores (replacing the same example and model).
    case scores([ScoreRecord])

    /// Applies the write to `db`; the caller holds the transaction.
    func apply(_ db: Database) throws {
        let now = Date()
        switch self {
        case .complete(let unitID, let outputs):
            try StoreWrite.complete(unitID: unitID, outputs: outputs, db, now: now)
        case .fail(let unitID, let error, let policy, let rejects, let llmCalls):
            for call in llmCalls { try StoreWrite.record(call, db) }
            for var reject in rejects { try reject.insert(db) }
            try StoreWrite.fail(unitID: unitID, error: error, policy: policy, db, now: now)
        case .enqueue(let keys):
            try StoreWrite.enqueue(keys, db, now: now)
        case .llmCall(let call):
            try StoreWrite.record(call, db)
        case .rejects(let rejects):
            for var reject in rejects { try reject.insert(db) }
        case .vectors(let vectors):
            for var vector in vectors { try vector.insert(db, onConflict: .replace) }
        case .candidates(let candidates):
            for candidate in candidates { try candidate.insert(db, onConflict: .replace) }
        case .scores(let scores):
            for score in scores { try score.insert(db, onConflict: .replace) }
        }
    }

    /// Marks a running unit done and stores its outputs; returns false (storing only the chat calls) when the unit
    /// was not running.
    @discardableResult
    static func complete(unitID: Int64, outputs: UnitOutputs, _ db: Database, now: Date) throws -> Bool {
        for call in outputs.llmCalls { try StoreWrite.record(call, db) }
        try db.execute(
            sql: "UPDATE units SET state = 'done', last_error = NULL, updated_at = ? WHERE id = ? AND state = 'running'",
            arguments: [now, unitID])
        guard db.changesCount == 1 else { return false }
        for var output in outputs.stageOutputs { try output.insert(db, onConflict: .ignore) }
        for var example in outputs.examples { try example.insert(db, onConflict: .ignore) }
        for score in outputs.scores { try score.insert(db, onConflict: .replace) }
        for var reject in outputs.rejects { try reject.insert(db) }
        for judgement in outputs.judgements { try judgement.store(db) }
        try StoreWrite.enqueue(outputs.enqueue, db, now: now)
        return true
    }

    /// Inserts units that are not yet in the queue; returns how many were new.
    @discardableResult
    static func enqueue(_ keys: [UnitKey], _ db: Database, now: Date) throws -> Int {
        guard !keys.isEmpty else { return 0 }
        let statement = try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO units (run, stage, document_id, sample, state, attempts, available_at, created_at, updated_at)
                VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)
                """)
        var inserted = 0
        for key in keys {
            try statement.execute(arguments: [key.run, key.stage, key.documentID, key.sample, now, now, now])
            inserted += db.changesCount
        }
        return inserted
    }

    /// Records a failed attempt of a running unit and returns its new state (nil when it was not running).
    @discardableResult
    static func fail(unitID: Int64, error: String, policy: FailurePolicy, _ db: Database, now: Date) throws -> UnitState? {
        guard let unit = try UnitRecord.fetchOne(db, key: unitID) else { throw StoreError.unknownUnit(id: unitID) }
        guard unit.state == .running else { return nil }
        let attempts = unit.attempts + 1
        let state: UnitState = attempts >= policy.maxAttempts ? .failed : .pending
        try db.execute(
            sql: "UPDATE units SET state = ?, attempts = ?, last_error = ?, available_at = ?, updated_at = ? WHERE id = ?",
            arguments: [state, attempts, error, now.addingTimeInterval(max(0, policy.retryDelay)), now, unitID])
        return state
    }

    /// Stores a chat call under its hash (a new row id); a successful answer already stored is never overwritten.
    ///
    /// Both statements are prepared once per connection and the columns bound by hand: this runs once per chat
    /// request, and the record's `Codable` encoding and a fresh `SELECT` per call cost more than SQLite's own work.
    /// The bound values are those `insert(db, onConflict: .replace)` writes (a `Date` as GRDB's text, the
    /// status's raw value, NULL for the id).
    static func record(_ call: LLMCallRecord, _ db: Database) throws {
        let existing = try String.fetchOne(
            db.cachedStatement(sql: "SELECT status FROM llm_calls WHERE request_hash = ?"), arguments: [call.requestHash])
        if existing == LLMCallStatus.ok.rawValue { return }
        try db.cachedStatement(sql: insertCallSQL).execute(arguments: [
            call.requestHash, call.unitKey, call.endpoint, call.model, call.request, call.response, call.status,
            call.httpStatus, call.promptTokens, call.completionTokens, call.latencyMilliseconds, call.createdAt,
        ])
    }

    /// The `llm_calls` insert of ``record(_:_:)``: every column of ``LLMCallRecord`` but the id.
    private static let insertCallSQL = """
        INSERT OR REPLACE INTO llm_calls (request_hash, unit_key, endpoint, model, request, response, status, http_status, \
        prompt_tokens, completion_tokens, latency_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
}

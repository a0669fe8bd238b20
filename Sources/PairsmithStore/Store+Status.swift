import Foundation
import GRDB

/// How many units of a stage are in a state.
public struct UnitCount: Codable, Sendable, Hashable {
    /// The run's name.
    public var run: String
    /// The stage's name.
    public var stage: String
    /// The state.
    public var state: UnitState
    /// The number of units.
    public var count: Int

    /// Creates a count.
    public init(run: String, stage: String, state: UnitState, count: Int) {
        self.run = run
        self.stage = stage
        self.state = state
        self.count = count
    }
}

/// How many rejects share a source and reason.
public struct RejectCount: Codable, Sendable, Hashable {
    /// `corpus`, `personas` or a stage name.
    public var source: String
    /// The reason code.
    public var reason: String
    /// The number of rejects.
    public var count: Int

    /// Creates a count.
    public init(source: String, reason: String, count: Int) {
        self.source = source
        self.reason = reason
        self.count = count
    }
}

/// The newest selection of a run and set, as `pairsmith status` shows it.
public struct SelectionCount: Codable, Sendable, Hashable {
    /// The run's name.
    public var run: String
    /// `sft` or `weak`.
    public var set: String
    /// The embedding model whose scores were used.
    public var model: String
    /// Examples selected.
    public var records: Int
    /// The exclusive lower cosine bound, if any.
    public var low: Double?
    /// The inclusive upper cosine bound, if any.
    public var high: Double?
    /// Every criterion the selection applied beyond the cosine alone (from its stored parameters), with how many
    /// examples each removed; nil when cosine was the only one.
    public var criteria: [SelectionCriterionCount]? = nil

    /// Creates a count.
    public init(run: String, set: String, model: String, records: Int, low: Double?, high: Double?) {
        self.run = run
        self.set = set
        self.model = model
        self.records = records
        self.low = low
        self.high = high
    }
}

/// One criterion of a stored selection: how many examples failed it and how many it removed (their first failed one).
public struct SelectionCriterionCount: Codable, Sendable, Hashable {
    /// `cosine`, `rerank`, `judge:<criterion>` or `positive_rank`.
    public var criterion: String
    /// The resolved bound.
    public var bound: Double?
    /// Examples that failed it.
    public var failed: Int
    /// Examples it removed.
    public var removed: Int

    /// Creates a count.
    public init(criterion: String, bound: Double?, failed: Int, removed: Int) {
        self.criterion = criterion
        self.bound = bound
        self.failed = failed
        self.removed = removed
    }
}

/// What `pairsmith status` shows: the queue per stage and state, rejects by reason, tokens and throughput.
public struct StoreStatus: Codable, Sendable, Hashable {
    /// Units per run, stage and state.
    public var units: [UnitCount]
    /// Rejects per source and reason.
    public var rejects: [RejectCount]
    /// Stored documents.
    public var documents: Int
    /// Stored personas.
    public var personas: Int
    /// Stored stage outputs (every declared stage's answers, v3 configurations and queries included).
    public var stageOutputs: Int
    /// Stored examples.
    public var examples: Int
    /// Stored scores.
    public var scores: Int
    /// Chat calls recorded, and how many of them succeeded.
    public var llmCalls: Int
    /// Chat calls whose status is `ok`.
    public var llmCallsOK: Int
    /// Prompt tokens over all calls.
    public var promptTokens: Int
    /// Completion tokens over all calls.
    public var completionTokens: Int
    /// Mean latency of successful calls, in milliseconds.
    public var meanLatencyMilliseconds: Double
    /// Examples recorded as duplicates (exact or near).
    public var duplicates = 0
    /// The newest selection of each run and set.
    public var selections: [SelectionCount] = []
    /// Hard-negative searches stored.
    public var negativeSearches = 0
    /// Hard-negative searches that found fewer negatives than asked.
    public var shortNegativeSearches = 0
    /// The first and last call times (for throughput), when any call was recorded.
    public var firstCallAt: Date?
    /// The last call time.
    public var lastCallAt: Date?
    /// Each chat endpoint's adaptive window as its run last reported it.
    public var endpointWindows: [EndpointWindowRecord] = []
    /// Per run of a task other than retrieval: its examples by label, score and language pair (nil: none).
    public var taskFamilies: [String: TaskFamilyCounts]?

    /// Completion tokens per second between the first and last call (0 when undefined).
    public var completionTokensPerSecond: Double {
        guard let first = firstCallAt, let last = lastCallAt, last > first else { return 0 }
        return Double(completionTokens) / last.timeIntervalSince(first)
    }

    /// The count of units of `stage` in `state`, over all runs (or one run).
    public func count(stage: String, state: UnitState, run: String? = nil) -> Int {
        units.filter { $0.stage == stage && $0.state == state && (run == nil || $0.run == run) }.map(\.count).reduce(0, +)
    }
}

extension PairsmithStore {
    /// A snapshot of the whole database for `pairsmith status`, read in one consistent transaction.
    public func status() async throws -> StoreStatus {
        try await read { db in
            let units = try Row.fetchAll(
                db, sql: "SELECT run, stage, state, COUNT(*) AS n FROM units GROUP BY run, stage, state ORDER BY run, stage, state"
            ).compactMap { row -> UnitCount? in
                guard let state = UnitState(rawValue: row["state"]) else { return nil }
                return UnitCount(run: row["run"], stage: row["stage"], state: state, count: row["n"])
            }
            let rejects = try Row.fetchAll(
                db, sql: "SELECT source, reason, COUNT(*) AS n FROM rejects GROUP BY source, reason ORDER BY source, n DESC, reason"
            ).map { RejectCount(source: $0["source"], reason: $0["reason"], count: $0["n"]) }
            let calls = try Row.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) AS n, SUM(status = 'ok') AS ok, COALESCE(SUM(prompt_tokens), 0) AS p,
                           COALESCE(SUM(completion_tokens), 0) AS c,
                           COALESCE(AVG(CASE WHEN status = 'ok' THEN latency_ms END), 0) AS latency,
                           MIN(created_at) AS first, MAX(created_at) AS last
                    FROM llm_calls
                    """)
            func count(_ table: String) throws -> Int { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
            var status = StoreStatus(
                units: units, rejects: rejects, documents: try count("documents"), personas: try count("personas"),
                stageOutputs: try count("stage_outputs"), examples: try count("examples"), scores: try count("scores"),
                llmCalls: calls?["n"] ?? 0, llmCallsOK: calls?["ok"] ?? 0, promptTokens: calls?["p"] ?? 0,
                completionTokens: calls?["c"] ?? 0, meanLatencyMilliseconds: calls?["latency"] ?? 0,
                firstCallAt: calls?["first"], lastCallAt: calls?["last"])
            status.duplicates = try count("duplicates")
            status.selections = try Row.fetchAll(
                db,
                sql: """
                    SELECT run, "set", model, records, low, high FROM selections
                    WHERE id IN (SELECT MAX(id) FROM selections GROUP BY run, "set") ORDER BY run, "set"
                    """
            ).map { SelectionCount(run: $0["run"], set: $0["set"], model: $0["model"], records: $0["records"], low: $0["low"], high: $0["high"]) }
            let criteria = try Row.fetchAll(
                db,
                sql: """
                    SELECT s.run, json_extract(j.value, '$.criterion') AS criterion, json_extract(j.value, '$.bound') AS bound,
                           json_extract(j.value, '$.failed') AS failed, json_extract(j.value, '$.removed') AS removed
                    FROM selections s, json_each(s.parameters, '$.criteria_applied') j
                    WHERE s.id IN (SELECT MAX(id) FROM selections WHERE "set" = 'sft' GROUP BY run) AND json_valid(s.parameters)
                    ORDER BY s.run, j.key
                    """)
            var byRun: [String: [SelectionCriterionCount]] = [:]
            for row in criteria {
                byRun[row["run"], default: []].append(
                    SelectionCriterionCount(
                        criterion: row["criterion"] ?? "?", bound: row["bound"], failed: row["failed"] ?? 0, removed: row["removed"] ?? 0))
            }
            for index in status.selections.indices where status.selections[index].set == "sft" {
                if let list = byRun[status.selections[index].run], list.count > 1 { status.selections[index].criteria = list }
            }
            status.negativeSearches = try count("negative_searches")
            status.shortNegativeSearches = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM negative_searches WHERE found < requested") ?? 0
            if try db.tableExists("endpoint_windows") {
                status.endpointWindows = try EndpointWindowRecord.order(Column("run"), Column("endpoint")).fetchAll(db)
            }
            status.taskFamilies = try Self.taskFamilyStatus(db)
            return status
        }
    }
}

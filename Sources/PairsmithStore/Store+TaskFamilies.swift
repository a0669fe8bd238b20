import Foundation
import GRDB

/// What the task-aware selection and negative search need to know of one example.
public struct ExampleTaskFacts: Sendable, Hashable {
    /// The example id.
    public var pairID: Int64
    /// The passage it was made from.
    public var documentID: Int64
    /// The task family.
    public var task: String
    /// The anchor text.
    public var anchor: String
    /// The generated positive (nil: the passage).
    public var positive: String?
    /// The positive's language code.
    public var positiveLanguage: String
    /// The label, if any.
    public var label: String?
    /// The score (an STS level in [0, 1]), if any.
    public var score: Double?
}

/// One negative that is another example's generated positive.
public struct ExampleNegativeRecord: Sendable, Hashable {
    /// The example it is a negative of.
    public var pairID: Int64
    /// The example whose positive it is.
    public var negativeID: Int64
    /// Its rank (0 first).
    public var rank: Int
    /// Its cosine to the anchor (or, for low-score siblings, that sibling's score).
    public var score: Double

    /// Creates a record.
    public init(pairID: Int64, negativeID: Int64, rank: Int, score: Double) {
        self.pairID = pairID
        self.negativeID = negativeID
        self.rank = rank
        self.score = score
    }
}

/// Counts of a run's examples by task-specific value, for `pairsmith status` (runs of tasks other than retrieval).
public struct TaskFamilyCounts: Codable, Sendable, Hashable {
    /// Examples per task family.
    public var tasks: [String: Int] = [:]
    /// Examples per label (classification; `none` included: recorded, never selected).
    public var labels: [String: Int] = [:]
    /// Examples per score (an STS level normalised to [0, 1]), the score written with two decimals.
    public var scores: [String: Int] = [:]
    /// Examples per language pair, `anchor→positive` codes.
    public var languagePairs: [String: Int] = [:]
    /// Examples whose negatives are other examples' positives (bitext translations, STS low levels).
    public var withExampleNegatives = 0

    /// Creates empty counts.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case tasks, labels, scores
        case languagePairs = "language_pairs"
        case withExampleNegatives = "with_example_negatives"
    }
}

extension PairsmithStore {
    /// The facts of every example of `run`, by id.
    public func exampleTaskFacts(run: String) async throws -> [ExampleTaskFacts] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, document_id, task, anchor, positive, positive_language, label, score
                    FROM examples WHERE run = ? ORDER BY id
                    """,
                arguments: [run]
            ).map { row in
                ExampleTaskFacts(
                    pairID: row[0], documentID: row[1], task: row[2], anchor: row[3], positive: row[4], positiveLanguage: row[5],
                    label: row[6], score: row[7])
            }
        }
    }

    /// Stores searches and their example negatives in one transaction; a pair's earlier ones are replaced.
    public func storeExampleNegatives(searches: [NegativeSearchRecord], negatives: [ExampleNegativeRecord]) async throws {
        try await write { db in
            let clear = try db.cachedStatement(sql: "DELETE FROM example_negatives WHERE pair_id = ?")
            for search in searches {
                try clear.execute(arguments: [search.pairID])
                try search.insert(db, onConflict: .replace)
            }
            let insert = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO example_negatives (pair_id, negative_id, rank, score) VALUES (?, ?, ?, ?)")
            for negative in negatives {
                try insert.execute(arguments: [negative.pairID, negative.negativeID, negative.rank, negative.score])
            }
        }
    }

    /// The example negatives of a pair, by rank.
    public func exampleNegatives(pairID: Int64) async throws -> [ExampleNegativeRecord] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT pair_id, negative_id, rank, score FROM example_negatives WHERE pair_id = ? ORDER BY rank",
                arguments: [pairID]
            ).map { ExampleNegativeRecord(pairID: $0[0], negativeID: $0[1], rank: $0[2], score: $0[3]) }
        }
    }

    /// The counts `pairsmith status` shows for `run`'s task families.
    public func taskFamilyCounts(run: String) async throws -> TaskFamilyCounts {
        try await read { db in try Self.taskFamilyCounts(db, run: run) }
    }

    /// The task-family counts of every run with examples of a task other than retrieval (nil when there is none).
    static func taskFamilyStatus(_ db: Database) throws -> [String: TaskFamilyCounts]? {
        let runs = try String.fetchAll(db, sql: "SELECT DISTINCT run FROM examples WHERE task != 'retrieval' ORDER BY run")
        guard !runs.isEmpty else { return nil }
        var result: [String: TaskFamilyCounts] = [:]
        for run in runs { result[run] = try taskFamilyCounts(db, run: run) }
        return result
    }

    static func taskFamilyCounts(_ db: Database, run: String) throws -> TaskFamilyCounts {
        var counts = TaskFamilyCounts()
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT task, label, score, anchor_language, positive_language, COUNT(*) FROM examples WHERE run = ?
                GROUP BY task, label, score, anchor_language, positive_language
                """,
            arguments: [run])
        {
            let count: Int = row[5]
            let task: String = row[0]
            counts.tasks[task, default: 0] += count
            if let label: String = row[1] { counts.labels[label, default: 0] += count }
            if let score: Double = row[2] { counts.scores[String(format: "%.2f", score), default: 0] += count }
            let from: String = row[3], to: String = row[4]
            counts.languagePairs["\(from)→\(to)", default: 0] += count
        }
        counts.withExampleNegatives =
            try Int.fetchOne(
                db,
                sql: "SELECT COUNT(DISTINCT n.pair_id) FROM example_negatives n JOIN examples e ON e.id = n.pair_id WHERE e.run = ?",
                arguments: [run]) ?? 0
        return counts
    }
}

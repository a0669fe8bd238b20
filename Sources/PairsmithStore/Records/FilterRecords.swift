import Foundation
import GRDB

/// A reranker's relevance score of an example's anchor and positive under one reranker model.
public struct RerankScoreRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "rerank_scores"

    /// The example id.
    public var pairID: Int64
    /// The reranker model's name (a local folder's name or a server's model).
    public var model: String
    /// The relevance in 0…1 (σ(z_yes − z_no) for a Qwen3-Reranker).
    public var score: Double
    /// SHA-256 of the instruction the pair was scored under (a changed instruction scores it again).
    public var instructionHash: String
    /// When the score was stored.
    public var createdAt: Date

    /// Creates a rerank score.
    public init(pairID: Int64, model: String, score: Double, instructionHash: String, createdAt: Date = Date()) {
        self.pairID = pairID
        self.model = model
        self.score = score
        self.instructionHash = instructionHash
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case model, score
        case pairID = "pair_id"
        case instructionHash = "instruction_hash"
        case createdAt = "created_at"
    }
}

/// One criterion's rating of an example by an LLM judge stage, with the judge's reason.
public struct JudgeScoreRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "judge_scores"

    /// The example id.
    public var pairID: Int64
    /// The judge stage's name.
    public var judge: String
    /// The criterion (as named in the pipeline file), or `overall`.
    public var criterion: String
    /// The rating.
    public var score: Double
    /// The judge's short reason.
    public var reason: String
    /// When the rating was stored.
    public var createdAt: Date

    /// Creates a rating.
    public init(pairID: Int64, judge: String, criterion: String, score: Double, reason: String, createdAt: Date = Date()) {
        self.pairID = pairID
        self.judge = judge
        self.criterion = criterion
        self.score = score
        self.reason = reason
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case judge, criterion, score, reason
        case pairID = "pair_id"
        case createdAt = "created_at"
    }
}

/// The round-trip rank of an example's passage for its anchor: 1 + the passages that rank before it (higher cosine,
/// or equal cosine and a lower document id) among every passage vector under the embedding model.
public struct PositiveRankRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "positive_ranks"

    /// The example id.
    public var pairID: Int64
    /// The embedding model whose vectors were searched.
    public var model: String
    /// The passage's rank, 1 first.
    public var rank: Int
    /// The number of passages ranked.
    public var passages: Int
    /// The anchor–passage cosine the rank is of.
    public var score: Double
    /// When the rank was stored.
    public var createdAt: Date

    /// Creates a rank.
    public init(pairID: Int64, model: String, rank: Int, passages: Int, score: Double, createdAt: Date = Date()) {
        self.pairID = pairID
        self.model = model
        self.rank = rank
        self.passages = passages
        self.score = score
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case model, rank, passages, score
        case pairID = "pair_id"
        case createdAt = "created_at"
    }
}

/// A judge stage's rating of one criterion for the example of a unit (run, document, sample), as the stage engine
/// hands it over with the unit's completion; stored as a ``JudgeScoreRecord`` of that example.
public struct JudgementRecord: Sendable, Hashable {
    /// The run.
    public var run: String
    /// The unit's document.
    public var documentID: Int64
    /// The unit's sample.
    public var sample: Int
    /// The judge stage's name.
    public var judge: String
    /// The criterion.
    public var criterion: String
    /// The rating.
    public var score: Double
    /// The judge's reason.
    public var reason: String

    /// Creates a judgement.
    public init(run: String, documentID: Int64, sample: Int, judge: String, criterion: String, score: Double, reason: String) {
        self.run = run
        self.documentID = documentID
        self.sample = sample
        self.judge = judge
        self.criterion = criterion
        self.score = score
        self.reason = reason
    }

    /// Inserts (replacing) the rating of the unit's example.
    func store(_ db: Database) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO judge_scores (pair_id, judge, criterion, score, reason, created_at)
                SELECT id, ?, ?, ?, ?, ? FROM examples WHERE run = ? AND document_id = ? AND sample = ?
                """,
            arguments: [judge, criterion, score, reason, Date(), run, documentID, sample])
    }
}

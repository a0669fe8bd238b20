import Foundation
import GRDB

/// The cosine similarity of a pair's query and passage under one embedding model.
public struct ScoreRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "scores"

    /// The pair id.
    public var pairID: Int64
    /// The embedding model's name.
    public var model: String
    /// The cosine similarity of the query (with its instruction) and the passage.
    public var cosine: Double
    /// When the score was stored.
    public var createdAt: Date

    /// Creates a score record.
    public init(pairID: Int64, model: String, cosine: Double, createdAt: Date = Date()) {
        self.pairID = pairID
        self.model = model
        self.cosine = cosine
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case model, cosine
        case pairID = "pair_id"
        case createdAt = "created_at"
    }
}

/// A hard negative mined for a pair: a passage similar to the query that is not its positive.
public struct NegativeRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "negatives"

    /// The pair id.
    public var pairID: Int64
    /// The negative passage's document id.
    public var documentID: Int64
    /// The rank among the pair's negatives, 0 first.
    public var rank: Int
    /// The query–negative cosine similarity.
    public var score: Double
    /// The reranker's score of the query and the negative, when a reranker guarded the search.
    public var rerankScore: Double?

    /// Creates a negative record.
    public init(pairID: Int64, documentID: Int64, rank: Int, score: Double, rerankScore: Double? = nil) {
        self.pairID = pairID
        self.documentID = documentID
        self.rank = rank
        self.score = score
        self.rerankScore = rerankScore
    }

    enum CodingKeys: String, CodingKey {
        case rank, score
        case rerankScore = "rerank_score"
        case pairID = "pair_id"
        case documentID = "document_id"
    }
}

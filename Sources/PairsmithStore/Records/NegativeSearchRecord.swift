import Foundation
import GRDB

/// The hard-negative search done for a pair: how many negatives were asked for and found, within which rank range
/// and under which guard; the negatives themselves are ``NegativeRecord``s.
public struct NegativeSearchRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "negative_searches"

    /// The pair id.
    public var pairID: Int64
    /// The embedding model whose vectors were searched.
    public var model: String
    /// Negatives asked for (K).
    public var requested: Int
    /// Negatives found (at most `requested`; fewer when the rank range and guard left fewer; never padded).
    public var found: Int
    /// The first rank considered (1 = the passage most similar to the query, the positive not counted).
    public var rankFrom: Int
    /// The last rank considered.
    public var rankTo: Int
    /// A candidate scoring above `guard` × the positive's score is skipped.
    public var guardFactor: Double
    /// Skip a candidate whose score + this exceeds the positive's (sentence-transformers' `absolute_margin`).
    public var absoluteMargin: Double?
    /// Skip a candidate whose score exceeds the positive's × (1 − this) (`relative_margin`).
    public var relativeMargin: Double?
    /// The reranker whose scores the margins compared, when one guarded the search (else the embedding's cosines).
    public var rerankModel: String?
    /// When the search was stored.
    public var createdAt: Date

    /// Creates a search record.
    public init(
        pairID: Int64, model: String, requested: Int, found: Int, rankFrom: Int, rankTo: Int, guardFactor: Double,
        absoluteMargin: Double? = nil, relativeMargin: Double? = nil, rerankModel: String? = nil, createdAt: Date = Date()
    ) {
        self.absoluteMargin = absoluteMargin
        self.relativeMargin = relativeMargin
        self.rerankModel = rerankModel
        self.pairID = pairID
        self.model = model
        self.requested = requested
        self.found = found
        self.rankFrom = rankFrom
        self.rankTo = rankTo
        self.guardFactor = guardFactor
        self.createdAt = createdAt
    }

    /// Whether this search was made with the same model and parameters (margins and reranker included).
    public func matches(
        model: String, requested: Int, rankFrom: Int, rankTo: Int, guardFactor: Double, absoluteMargin: Double? = nil,
        relativeMargin: Double? = nil, rerankModel: String? = nil
    ) -> Bool {
        self.model == model && self.requested == requested && self.rankFrom == rankFrom && self.rankTo == rankTo
            && self.guardFactor == guardFactor && self.absoluteMargin == absoluteMargin
            && self.relativeMargin == relativeMargin && self.rerankModel == rerankModel
    }

    enum CodingKeys: String, CodingKey {
        case model, requested, found
        case pairID = "pair_id"
        case rankFrom = "rank_from"
        case rankTo = "rank_to"
        case guardFactor = "guard"
        case absoluteMargin = "absolute_margin"
        case relativeMargin = "relative_margin"
        case rerankModel = "rerank_model"
        case createdAt = "created_at"
    }
}

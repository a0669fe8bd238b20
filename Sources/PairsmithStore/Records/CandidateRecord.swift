import Foundation
import GRDB

/// One of the top-k personas matched to a document in a run, with its rank (0 = best) and cosine score.
public struct CandidateRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "candidates"

    /// The run the matching belongs to.
    public var run: String
    /// The document id.
    public var documentID: Int64
    /// The persona id.
    public var personaID: Int64
    /// The rank among the document's candidates, 0 for the most similar.
    public var rank: Int
    /// The cosine similarity between the persona and the document.
    public var score: Double

    /// Creates a candidate record.
    public init(run: String, documentID: Int64, personaID: Int64, rank: Int, score: Double) {
        self.run = run
        self.documentID = documentID
        self.personaID = personaID
        self.rank = rank
        self.score = score
    }

    enum CodingKeys: String, CodingKey {
        case run, rank, score
        case documentID = "document_id"
        case personaID = "persona_id"
    }
}

import Foundation
import GRDB

/// An embedding of a document, persona, anchor or positive, cached by model and text hash.
public struct VectorRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "vectors"

    /// What the vector embeds.
    public enum OwnerKind: String, Codable, Sendable, Hashable, DatabaseValueConvertible {
        /// A passage of the corpus (`owner_id` is the document id).
        case document
        /// A persona (`owner_id` is the persona id).
        case persona
        /// An example's anchor, for retrieval the generated query (`owner_id` is the example id).
        case query
        /// An example's positive when it is embedded on its own: a generated positive, or a passage positive that
        /// carries an instruction (`owner_id` is the example id).
        case positive
    }

    /// The row id, set on insertion.
    public var id: Int64?
    /// What the vector embeds.
    public var ownerKind: OwnerKind
    /// The id of the owner row.
    public var ownerID: Int64
    /// The embedding model's name (folder name or endpoint model).
    public var model: String
    /// The number of dimensions.
    public var dimension: Int
    /// SHA-256 of the exact text that was embedded (instruction included), hex.
    public var textHash: String
    /// The vector as little-endian IEEE-754 float32 values.
    public var vector: Data

    /// Creates a vector record from floats.
    public init(id: Int64? = nil, ownerKind: OwnerKind, ownerID: Int64, model: String, textHash: String, values: [Float]) {
        self.id = id
        self.ownerKind = ownerKind
        self.ownerID = ownerID
        self.model = model
        self.dimension = values.count
        self.textHash = textHash
        self.vector = VectorRecord.encode(values)
    }

    /// The vector's values (empty when the blob's length does not match `dimension`).
    public var values: [Float] {
        guard vector.count == dimension * 4 else { return [] }
        return vector.withUnsafeBytes { raw in
            (0..<dimension).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
    }

    /// Encodes floats as a little-endian float32 blob.
    public static func encode(_ values: [Float]) -> Data {
        var data = Data(capacity: values.count * 4)
        for value in values {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, model, dimension, vector
        case ownerKind = "owner_kind"
        case ownerID = "owner_id"
        case textHash = "text_hash"
    }
}

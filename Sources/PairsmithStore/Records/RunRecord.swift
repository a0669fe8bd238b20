import Foundation
import GRDB

/// One pipeline run: its name (the `run` part of every unit key), the pipeline file it follows and when it began.
public struct RunRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "runs"

    /// The run's name, unique in the database (for example `retrieval`).
    public var id: String
    /// The pipeline file the run follows, as given on the command line.
    public var pipelinePath: String
    /// SHA-256 of the pipeline file's bytes, so a changed file can be noticed on resume.
    public var pipelineSHA256: String
    /// The pipeline file's text as the run loaded it (the bytes `pipelineSHA256` hashes), for the record, for
    /// export manifests and for `pairsmith select`'s stored settings.
    public var configuration: String
    /// The pairsmith version that created the run.
    public var pairsmithVersion: String
    /// When the run was created.
    public var createdAt: Date
    /// When the run was last started or resumed.
    public var updatedAt: Date

    /// Creates a run record.
    public init(
        id: String, pipelinePath: String, pipelineSHA256: String, configuration: String,
        pairsmithVersion: String, createdAt: Date = Date(), updatedAt: Date = Date()
    ) {
        self.id = id
        self.pipelinePath = pipelinePath
        self.pipelineSHA256 = pipelineSHA256
        self.configuration = configuration
        self.pairsmithVersion = pairsmithVersion
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case id
        case pipelinePath = "pipeline_path"
        case pipelineSHA256 = "pipeline_sha256"
        case configuration
        case pairsmithVersion = "pairsmith_version"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

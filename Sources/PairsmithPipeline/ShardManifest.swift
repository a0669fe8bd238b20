import Foundation
import PairsmithConfiguration
import PairsmithStore
import PairsmithText

/// The completion manifest a finished shard writes beside its database (`<db>.manifest.json`): which shard of
/// which pipeline, what it holds, and the SHA-256 of the database file as it was left. A scheduler resubmits the
/// shards without one; a run of a shard whose manifest still matches its database and pipeline file does nothing.
///
/// A shard is finished when every unit is done or recorded as failed (its attempts ran out: running it again would
/// not change that), so `failures` can be above 0 in a finished shard.
public struct ShardManifest: Codable, Sendable, Hashable {
    /// `pairsmith-shard-manifest/1`.
    public var format = ShardManifest.formatName
    /// The run (pipeline name).
    public var run: String
    /// `i/n`.
    public var shard: String
    /// The shard's index.
    public var shardIndex: Int
    /// The shard count.
    public var shardCount: Int
    /// How passages were assigned to shards (``ShardSpec/hashName``).
    public var keyHash: String
    /// The pipeline file, as given.
    public var pipelineFile: String
    /// The SHA-256 of the pipeline file.
    public var pipelineSHA256: String
    /// The database file's name (beside this manifest).
    public var database: String
    /// The SHA-256 of the database file after its WAL was checkpointed.
    public var databaseSHA256: String
    /// What the shard holds.
    public var counts: RunCounts
    /// Units recorded as failed.
    public var failures: Int
    /// The pairsmith version.
    public var pairsmithVersion: String
    /// When the shard finished (ISO 8601, UTC).
    public var finishedAt: String

    /// The manifest format's name.
    public static let formatName = "pairsmith-shard-manifest/1"

    /// The manifest file of the database at `database`.
    public static func url(forDatabase database: URL) -> URL {
        database.deletingLastPathComponent().appendingPathComponent(database.lastPathComponent + ".manifest.json")
    }

    /// Counts what `store` holds, checkpoints and closes it (the last write to its file: SQLite's close of a
    /// checkpointed WAL database removes the WAL and leaves the file as it is), hashes its file and writes the
    /// manifest beside it (atomically); returns it. `store` (and every copy of it) is closed afterwards.
    @discardableResult
    public static func write(
        store: PairsmithStore, configuration: PipelineConfiguration, shard: ShardSpec, now: Date = Date()
    ) async throws -> ShardManifest {
        let database = URL(fileURLWithPath: store.path)
        let counts = try await store.counts(run: configuration.name)
        try await store.checkpoint()
        try store.close()
        let manifest = ShardManifest(
            run: configuration.name, shard: shard.description, shardIndex: shard.index, shardCount: shard.count,
            keyHash: ShardSpec.hashName, pipelineFile: configuration.file.path, pipelineSHA256: configuration.fileSHA256,
            database: database.lastPathComponent, databaseSHA256: try FileDigest.sha256(of: database), counts: counts,
            failures: counts.unitsFailed, pairsmithVersion: Pairsmith.version, finishedAt: ISO8601DateFormatter().string(from: now))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try (encoder.encode(manifest) + Data("\n".utf8)).write(to: url(forDatabase: database), options: .atomic)
        return manifest
    }

    /// The manifest of a finished shard at `database` when it still holds: same run, shard, key hash and pipeline
    /// SHA-256, no pending WAL, and the database file's SHA-256 unchanged. Nil otherwise (no manifest, a stale one,
    /// or a database written since), and the run goes on as usual.
    public static func finished(database: URL, configuration: PipelineConfiguration, shard: ShardSpec) -> ShardManifest? {
        guard let data = try? Data(contentsOf: url(forDatabase: database)),
            let manifest = try? JSONDecoder().decode(ShardManifest.self, from: data),
            manifest.format == formatName, manifest.run == configuration.name, manifest.shardIndex == shard.index,
            manifest.shardCount == shard.count, manifest.keyHash == ShardSpec.hashName,
            manifest.pipelineSHA256 == configuration.fileSHA256
        else { return nil }
        let wal = database.path + "-wal"
        if let size = (try? FileManager.default.attributesOfItem(atPath: wal))?[.size] as? Int, size > 0 { return nil }
        guard let digest = try? FileDigest.sha256(of: database), digest == manifest.databaseSHA256 else { return nil }
        return manifest
    }

    enum CodingKeys: String, CodingKey {
        case format, run, shard, counts, failures, database
        case shardIndex = "shard_index", shardCount = "shard_count", keyHash = "key_hash", pipelineFile = "pipeline_file"
        case pipelineSHA256 = "pipeline_sha256", databaseSHA256 = "database_sha256"
        case pairsmithVersion = "pairsmith_version", finishedAt = "finished_at"
    }
}

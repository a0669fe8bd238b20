import Foundation
import PairsmithConfiguration
import PairsmithJSON
import PairsmithStore

/// What to export and where.
public struct ExportOptions: Sendable, Hashable {
    /// The output folder (created; it must not exist unless `overwrite`).
    public var output: URL
    /// The row layout.
    public var format: ExportFormat
    /// The set: the newest selection of it in the run is exported.
    public var set: SelectionRecord.TrainingSet
    /// Rows per shard (at least 1).
    public var shardSize: Int
    /// The run to export; nil when the database holds exactly one.
    public var run: String?
    /// Whether an existing output folder may be replaced (only once the new export is complete and validated).
    public var overwrite: Bool
    /// At most this many hard negatives per row (the closest first); nil keeps every stored negative. For
    /// sentence-transformers it is also the number of `negative_i` columns of every row (see ``Exporter``).
    public var negatives: Int?

    /// The default rows per shard.
    public static let defaultShardSize = 10_000

    /// Creates options.
    public init(
        output: URL, format: ExportFormat, set: SelectionRecord.TrainingSet, shardSize: Int = defaultShardSize,
        run: String? = nil, overwrite: Bool = false, negatives: Int? = nil
    ) {
        self.output = output
        self.format = format
        self.set = set
        self.shardSize = shardSize
        self.run = run
        self.overwrite = overwrite
        self.negatives = negatives
    }
}

/// What an export wrote.
public struct ExportReport: Sendable, Hashable, CustomStringConvertible {
    /// The published folder.
    public var directory: String
    /// The run exported.
    public var run: String
    /// The set exported.
    public var set: String
    /// The format.
    public var format: ExportFormat
    /// The selection read.
    public var selectionID: Int64
    /// Rows written.
    public var rows: Int
    /// Shards written.
    public var shards: Int
    /// Rows with fewer hard negatives than their search asked for.
    public var rowsShortOfNegatives: Int
    /// Selected pairs left out because they have fewer negatives than the format's fixed columns
    /// (sentence-transformers only).
    public var rowsLeftOut: Int
    /// The number of `negative_i` columns (sentence-transformers), or nil for formats with negative lists.
    public var negativeColumns: Int?
    /// SHA-256 of `manifest.json`.
    public var manifestSHA256: String

    public var description: String {
        "exported \(rows) \(set) row(s) of run \"\(run)\" as \(format) in \(shards) shard(s) to \(directory) "
            + "(selection \(selectionID); \(rowsShortOfNegatives) row(s) with fewer negatives than requested; "
            + (negativeColumns.map { columns in
                "\(columns) negative column(s) per row, \(rowsLeftOut) pair(s) with fewer negatives left out; "
            } ?? "")
            + "manifest sha256 \(manifestSHA256))"
    }
}

/// Exports the newest selection of a set as sharded training JSONL with a manifest: rows in a fixed order (document
/// key, sample), written into a staging folder, fsynced, read back and validated, then renamed into place; the
/// export is recorded in the `exports` table. The same database always gives the same bytes.
///
/// sentence-transformers reads columns by position, so every row of its export has the same columns: `anchor`,
/// `positive` and `negative_1…negative_n`, n = `--negatives` or else the most negatives any selected pair has. A pair
/// with fewer than n negatives is left out (never padded) and counted in the report and the manifest; `--negatives 0`
/// exports every pair as anchor and positive.
public struct Exporter: Sendable {
    /// The database.
    public let store: PairsmithStore
    /// What to export.
    public let options: ExportOptions
    /// Called after each shard is closed, with its index; a throw aborts the export and leaves no output folder
    /// (tests inject failures here).
    public var afterShard: @Sendable (Int) throws -> Void = { _ in }

    /// Examples read from the database per query.
    static let chunkSize = 256

    /// Creates an exporter.
    public init(store: PairsmithStore, options: ExportOptions) {
        self.store = store
        self.options = options
    }

    /// Runs the export; see the type's summary.
    public func export() async throws -> ExportReport {
        guard options.shardSize >= 1 else { throw ExportError.badShardSize(options.shardSize) }
        if let negatives = options.negatives, negatives < 0 { throw ExportError.badNegativeCount(negatives) }
        let options = options
        let afterShard = afterShard
        let databasePath = store.path
        let report = try await store.withExportSnapshot { snapshot in
            try Self.write(snapshot: snapshot, options: options, databasePath: databasePath, afterShard: afterShard)
        }
        try await store.recordExport(
            ExportEntry(
                run: report.run, set: report.set, format: options.format.name, directory: report.directory,
                records: report.rows, shards: report.shards, manifestSHA256: report.manifestSHA256))
        return report
    }

    /// Everything but the `exports` row, inside one read snapshot.
    private static func write(
        snapshot: ExportSnapshot, options: ExportOptions, databasePath: String, afterShard: @escaping @Sendable (Int) throws -> Void
    ) throws -> ExportReport {
        let run = try resolveRun(snapshot.runs(), named: options.run, databasePath: databasePath)
        guard let selection = try snapshot.latestSelection(run: run.id, set: options.set.rawValue) else {
            throw ExportError.noSelection(run: run.id, set: options.set.rawValue)
        }
        let ids = try snapshot.orderedPairIDs(selectionID: selection.id)
        guard !ids.isEmpty else { throw ExportError.emptySelection(run: run.id, set: selection.set, selectionID: selection.id) }
        let facts = StoredPipeline(text: run.configuration, file: run.pipelinePath)
        let destination = options.output.standardizedFileURL
        let staging = try StagingFolder(destination: destination, overwrite: options.overwrite)
        do {
            let writer = ShardWriter(folder: staging.url, shardSize: options.shardSize, afterShard: afterShard)
            var counts = ExportCounts()
            let columns: Int? =
                options.format == .sentenceTransformers
                ? try options.negatives ?? snapshot.maxNegativesPerPair(selectionID: selection.id) : nil
            counts.negativeColumns = columns
            counts.negativesCap = options.negatives
            var start = 0
            while start < ids.count {
                let chunk = Array(ids[start..<min(start + chunkSize, ids.count)])
                start += chunkSize
                for var example in try snapshot.examples(ids: chunk, model: selection.model) {
                    if let limit = columns ?? options.negatives {
                        Self.keepNegatives(&example, limit: limit)
                    }
                    if let columns, example.generatedNegatives.count + example.negatives.count < columns {
                        counts.rowsLeftOut += 1
                        continue
                    }
                    // The anchor's instruction: the example's own, else (v3 rows) the run's query instruction.
                    // sentence-transformers rows carry no instruction (the trainer's `prompts` do).
                    let stated = example.anchorInstruction ?? facts.queryInstruction
                    guard let instruction = stated ?? (options.format == .sentenceTransformers ? "" : nil) else {
                        throw ExportError.missingInstruction(run: run.id)
                    }
                    try writer.append(options.format.row(example, anchorInstruction: instruction))
                    counts.add(example)
                }
            }
            guard counts.rows > 0 else {
                throw ExportError.noRowWithNegatives(run: run.id, set: selection.set, columns: columns ?? 0)
            }
            let shards = try writer.finish()
            let manifest = ExportManifest.make(
                format: options.format, run: run, selection: selection, facts: facts,
                chatModelsUsed: try snapshot.chatModelsUsed(run: run.id), shardSize: options.shardSize, shards: shards,
                counts: counts)
            try writeManifest(manifest, in: staging.url)
            let manifestSHA256 = try ExportValidator.validate(folder: staging.url, format: options.format)
            try staging.publish(overwrite: options.overwrite)
            return ExportReport(
                directory: destination.path, run: run.id, set: selection.set, format: options.format,
                selectionID: selection.id, rows: counts.rows, shards: shards.count,
                rowsShortOfNegatives: counts.rowsShortOfNegatives, rowsLeftOut: counts.rowsLeftOut,
                negativeColumns: columns, manifestSHA256: manifestSHA256)
        } catch {
            staging.discard()
            throw error
        }
    }

    /// Cuts `example`'s negatives to the first `limit` of its generated ones followed by its mined ones by rank.
    static func keepNegatives(_ example: inout ExportExample, limit: Int) {
        if example.generatedNegatives.count >= limit {
            example.generatedNegatives.removeSubrange(limit...)
            example.negatives = []
        } else if example.generatedNegatives.count + example.negatives.count > limit {
            example.negatives.removeSubrange((limit - example.generatedNegatives.count)...)
        }
    }

    /// The run to export: the named one, or the only one.
    static func resolveRun(_ runs: [RunRecord], named name: String?, databasePath: String) throws -> RunRecord {
        if let name {
            guard let run = runs.first(where: { $0.id == name }) else {
                throw ExportError.unknownRun(name: name, available: runs.map(\.id))
            }
            return run
        }
        guard let first = runs.first else { throw ExportError.noRuns(database: databasePath) }
        guard runs.count == 1 else { throw ExportError.severalRuns(available: runs.map(\.id)) }
        return first
    }

    private static func writeManifest(_ manifest: JSONValue, in folder: URL) throws {
        let url = folder.appendingPathComponent(ExportManifest.fileName)
        do {
            try Data(manifest.prettyText.utf8).write(to: url)
            let handle = try FileHandle(forWritingTo: url)
            try handle.synchronize()
            try handle.close()
        } catch {
            throw ExportError.cannotWrite(path: url.path, reason: error.localizedDescription)
        }
    }
}

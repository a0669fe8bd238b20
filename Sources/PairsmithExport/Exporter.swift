import Crypto
import Foundation
import PairsmithConfiguration
import PairsmithJSON
import PairsmithStore

/// What to export and where.
public struct ExportOptions: Sendable, Hashable {
    /// The output folder (created; it must not exist unless `overwrite`).
    public var output: URL
    /// The layouts, in order; with several, each is written into a subfolder named after it.
    public var formats: [ExportFormat]
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
    /// The splits (by document, seeded); nil: one unnamed set of shards.
    public var split: ExportSplitPlan?
    /// Distillation targets written as `pos_scores`/`neg_scores` (FlagEmbedding's `--knowledge_distillation`); nil:
    /// none (the default).
    public var scores: ExportScores? = nil
    /// The reranker model whose scores `scores: .rerank` reads (nil: the run's only one).
    public var rerankModel: String? = nil

    /// The default rows per shard.
    public static let defaultShardSize = 10_000

    /// The first (with one format, the only) layout.
    public var format: ExportFormat { formats.first ?? .flagEmbedding }

    /// Creates options for one format.
    public init(
        output: URL, format: ExportFormat, set: SelectionRecord.TrainingSet, shardSize: Int = defaultShardSize,
        run: String? = nil, overwrite: Bool = false, negatives: Int? = nil, split: ExportSplitPlan? = nil
    ) {
        self.init(
            output: output, formats: [format], set: set, shardSize: shardSize, run: run, overwrite: overwrite, negatives: negatives,
            split: split)
    }

    /// Creates options for several formats (each written into a subfolder named after it when there are several).
    public init(
        output: URL, formats: [ExportFormat], set: SelectionRecord.TrainingSet, shardSize: Int = defaultShardSize,
        run: String? = nil, overwrite: Bool = false, negatives: Int? = nil, split: ExportSplitPlan? = nil
    ) {
        self.output = output
        self.formats = formats
        self.set = set
        self.shardSize = shardSize
        self.run = run
        self.overwrite = overwrite
        self.negatives = negatives
        self.split = split
    }
}

/// What one split of an export holds.
public struct ExportSplitSummary: Sendable, Hashable {
    /// The split's name.
    public var name: String
    /// Examples written.
    public var examples: Int
    /// Rows (lines; BEIR: judgements) written.
    public var rows: Int
    /// Distinct documents (chunks counted once) the examples were made from.
    public var documents: Int
}

/// What an export wrote (one per format).
public struct ExportReport: Sendable, Hashable, CustomStringConvertible {
    /// The format's folder (the published folder, or its subfolder when several formats were written).
    public var directory: String
    /// The run exported.
    public var run: String
    /// The set exported.
    public var set: String
    /// The format.
    public var format: ExportFormat
    /// The selection read.
    public var selectionID: Int64
    /// Rows written (BEIR: qrels judgements).
    public var rows: Int
    /// Shards written (BEIR: files).
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
    /// Examples written.
    public var examples: Int = 0
    /// Examples left out because the format needs a negative and they have none.
    public var examplesLeftOutWithoutNegatives: Int = 0
    /// The splits, when `--split` was given.
    public var splits: [ExportSplitSummary] = []
    /// BEIR: the corpus entries written.
    public var corpus: Int?

    public var description: String {
        if format == .beir {
            return "exported \(examples) \(set) example(s) of run \"\(run)\" as BEIR (\(examples) queries, \(corpus ?? 0) corpus "
                + "entries, \(rows) judgement(s)) to \(directory) (selection \(selectionID); " + splitText
                + "manifest sha256 \(manifestSHA256))"
        }
        return "exported \(rows) \(set) row(s) of run \"\(run)\" as \(format) in \(shards) shard(s) to \(directory) "
            + "(selection \(selectionID); \(rowsShortOfNegatives) row(s) with fewer negatives than requested; "
            + (negativeColumns.map { columns in
                "\(columns) negative column(s) per row, \(rowsLeftOut) pair(s) with fewer negatives left out; "
            } ?? "")
            + (format.needsNegatives ? "\(examplesLeftOutWithoutNegatives) example(s) without negatives left out; " : "")
            + splitText + "manifest sha256 \(manifestSHA256))"
    }

    private var splitText: String {
        splits.isEmpty
            ? "" : "splits " + splits.map { "\($0.name): \($0.examples) example(s), \($0.documents) document(s)" }.joined(separator: ", ") + "; "
    }
}

/// Exports the newest selection of a set as sharded training JSONL (or the BEIR evaluation layout) with a manifest
/// and a dataset card: rows in a fixed order (document key, sample), written into a staging folder, fsynced, read
/// back and validated, then renamed into place; each format's export is recorded in the `exports` table. The same
/// database always gives the same bytes.
///
/// sentence-transformers reads columns by position, so every row of its export has the same columns: `anchor`,
/// `positive` and `negative_1…negative_n`, n = `--negatives` or else the most negatives any selected pair has (after
/// the split's filtering). A pair with fewer than n negatives is left out (never padded) and counted in the report
/// and the manifest; `--negatives 0` exports every pair as anchor and positive.
///
/// With splits (``ExportSplitPlan``), each split's shards go into their own folder (`train/part-00000.jsonl`) and
/// the one manifest lists them all; with several formats each goes into a subfolder named after it, with its own
/// manifest and card, under a card that lists them all.
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

    /// Runs the export and returns the report of its first format; see the type's summary and ``exportAll()``.
    @discardableResult
    public func export() async throws -> ExportReport {
        let reports = try await exportAll()
        guard let first = reports.first else { throw ExportError.badFormatList(reason: "no format was given") }
        return first
    }

    /// Runs the export; returns one report per format, in the order given.
    public func exportAll() async throws -> [ExportReport] {
        guard options.shardSize >= 1 else { throw ExportError.badShardSize(options.shardSize) }
        if let negatives = options.negatives, negatives < 0 { throw ExportError.badNegativeCount(negatives) }
        guard !options.formats.isEmpty else { throw ExportError.badFormatList(reason: "no format was given") }
        if options.scores != nil, let other = options.formats.first(where: { $0 != .flagEmbedding }) {
            throw ExportError.scoresNeedFlagEmbedding(format: other.name)
        }
        let names = options.formats.map(\.name)
        if let twice = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            throw ExportError.badFormatList(reason: "\(twice) is named twice (one folder per format)")
        }
        let options = options
        let afterShard = afterShard
        let databasePath = store.path
        let reports = try await store.withExportSnapshot { snapshot in
            try Self.write(snapshot: snapshot, options: options, databasePath: databasePath, afterShard: afterShard)
        }
        for report in reports {
            try await store.recordExport(
                ExportEntry(
                    run: report.run, set: report.set, format: report.format.name, directory: report.directory,
                    records: report.rows, shards: report.shards, manifestSHA256: report.manifestSHA256))
        }
        return reports
    }

    /// Everything but the `exports` rows, inside one read snapshot.
    private static func write(
        snapshot: ExportSnapshot, options: ExportOptions, databasePath: String, afterShard: @escaping @Sendable (Int) throws -> Void
    ) throws -> [ExportReport] {
        let run = try resolveRun(snapshot.runs(), named: options.run, databasePath: databasePath)
        guard let selection = try snapshot.latestSelection(run: run.id, set: options.set.rawValue) else {
            throw ExportError.noSelection(run: run.id, set: options.set.rawValue)
        }
        let keyed = try snapshot.orderedExampleKeys(selectionID: selection.id)
        guard !keyed.isEmpty else { throw ExportError.emptySelection(run: run.id, set: selection.set, selectionID: selection.id) }
        let facts = StoredPipeline(text: run.configuration, file: run.pipelinePath)
        let plan = options.split

        // Splits: every document group to one split; examples of groups in no split are not exported.
        var groupSplit: [String: Int] = [:]
        var ids: [(id: Int64, split: Int)] = []
        var examplesInNoSplit = 0
        if let plan {
            var perGroup: [String: Int] = [:]
            for entry in keyed { perGroup[ExportSplitPlan.documentGroup(entry.documentKey), default: 0] += 1 }
            let negativeGroups = Set(try snapshot.negativeDocumentKeys(selectionID: selection.id).map(ExportSplitPlan.documentGroup))
            groupSplit = try plan.assign(examples: perGroup, others: negativeGroups)
            for entry in keyed {
                if let split = groupSplit[ExportSplitPlan.documentGroup(entry.documentKey)] {
                    ids.append((entry.id, split))
                } else {
                    examplesInNoSplit += 1
                }
            }
        } else {
            ids = keyed.map { ($0.id, 0) }
        }
        let splits: [String?] = plan?.names ?? [nil]
        var rerankModel: String?
        if options.scores == .rerank {
            let models = try snapshot.rerankModels(run: run.id)
            guard let chosen = options.rerankModel ?? (models.count == 1 ? models.first : nil), models.contains(chosen) else {
                throw ExportError.noRerankScores(run: run.id, models: models)
            }
            rerankModel = chosen
        }
        let asked: [String?] = plan?.shares.map { share in share.fraction.map { "\($0)" } ?? share.count.map { "\($0)" } } ?? [nil]

        let destination = options.output.standardizedFileURL
        let staging = try StagingFolder(destination: destination, overwrite: options.overwrite)
        do {
            let several = options.formats.count > 1
            let needsColumns = options.formats.contains(.sentenceTransformers)
            var columns: Int?
            if needsColumns {
                if let negatives = options.negatives {
                    columns = negatives
                } else if plan == nil {
                    columns = try snapshot.maxNegativesPerPair(selectionID: selection.id)
                } else {
                    columns = try maxNegativesAfterSplit(
                        snapshot, ids: ids, groupSplit: groupSplit, model: selection.model, splits: splits.count)
                }
            }
            let taskContext = TaskExportContext(
                task: facts.task, positiveMinScore: ((try? facts.selectionSettings())?.cosineFilterMinScore) ?? 0.75)
            if taskContext.task == "sts" || taskContext.task == "classification", options.negatives == nil,
                options.formats.contains(.sentenceTransformers)
            {
                columns = 0  // their sentence-transformers rows are scored pairs / (text, label): no negative columns
            }
            var rowWriters: [RowFormatWriter] = []
            var evaluation: EvaluationWriter?
            for format in options.formats {
                let folder = several ? staging.url.appendingPathComponent(format.name) : staging.url
                if several { try RowFormatWriter.makeFolder(folder) }
                if format == .beir {
                    evaluation = try EvaluationWriter(folder: folder, splits: splits)
                } else {
                    rowWriters.append(
                        try RowFormatWriter(
                            format: format, folder: folder, splits: splits, shardSize: options.shardSize,
                            columns: format == .sentenceTransformers ? columns : nil, negativesCap: options.negatives,
                            scores: options.scores, afterShard: afterShard))
                    rowWriters[rowWriters.count - 1].task = taskContext
                }
            }
            var start = 0
            while start < ids.count {
                let chunk = Array(ids[start..<min(start + chunkSize, ids.count)])
                start += chunkSize
                let splitOf = Dictionary(chunk.map { ($0.id, $0.split) }, uniquingKeysWith: { a, _ in a })
                let rerank = try rerankModel.map { try snapshot.rerankScores(ids: chunk.map(\.id), model: $0) } ?? [:]
                for var example in try snapshot.examples(ids: chunk.map(\.id), model: selection.model) {
                    example.rerankScore = rerank[example.pairID]
                    let split = splitOf[example.pairID] ?? 0
                    var dropped = 0
                    if plan != nil {
                        let before = example.negatives.count
                        example.negatives.removeAll { groupSplit[ExportSplitPlan.documentGroup($0.documentKey)] != split }
                        dropped = before - example.negatives.count
                    }
                    try evaluation?.add(example, split: split)
                    if let limit = options.negatives { Self.keepNegatives(&example, limit: limit) }
                    // The anchor's instruction: the example's own, else (v3 rows) the run's query instruction.
                    let stated = example.anchorInstruction ?? facts.queryInstruction
                    for writer in rowWriters {
                        guard let instruction = stated ?? (writer.format.needsInstruction ? nil : "") else {
                            throw ExportError.missingInstruction(run: run.id)
                        }
                        try writer.add(example, split: split, instruction: instruction, droppedNegatives: dropped)
                    }
                }
            }
            let chatModels = try snapshot.chatModelsUsed(run: run.id)
            let totals = try snapshot.exampleTotals(run: run.id)
            var sections: [CardSection] = []
            var reports: [ExportReport] = []
            for format in options.formats {
                let folder = several ? staging.url.appendingPathComponent(format.name) : staging.url
                let manifest: JSONValue
                let parts: [ExportPart]
                var corpus: (passages: Int, generated: Int)?
                var files: [ShardSummary] = []
                if format == .beir, let evaluation {
                    let written = try evaluation.finish(asked: asked) { body in try snapshot.forEachRunPassage(run: run.id, body) }
                    parts = written.parts
                    corpus = (written.passages, written.generated)
                    files = written.files
                    manifest = ExportManifest.makeEvaluation(
                        run: run, selection: selection, facts: facts, chatModelsUsed: chatModels, files: written.files,
                        corpusPassages: written.passages, corpusGenerated: written.generated, parts: parts, plan: plan,
                        examplesInNoSplit: examplesInNoSplit)
                } else if let writer = rowWriters.first(where: { $0.format == format }) {
                    parts = try writer.finish(asked: asked)
                    let total = parts.reduce(0) { $0 + $1.counts.rows }
                    guard total > 0 else {
                        if format == .sentenceTransformers {
                            throw ExportError.noRowWithNegatives(run: run.id, set: selection.set, columns: writer.columns ?? 0)
                        }
                        throw ExportError.noRowsForFormat(run: run.id, set: selection.set, format: format.description)
                    }
                    if plan != nil, let empty = parts.first(where: { $0.counts.rows == 0 }) {
                        throw ExportError.emptySplit(format: format.description, split: empty.split ?? "")
                    }
                    manifest = ExportManifest.make(
                        format: format, run: run, selection: selection, facts: facts, chatModelsUsed: chatModels,
                        shardSize: options.shardSize, parts: parts, plan: plan, examplesInNoSplit: examplesInNoSplit)
                } else {
                    continue
                }
                try writeFile(Data(manifest.prettyText.utf8), to: folder.appendingPathComponent(ExportManifest.fileName))
                let manifestSHA256 = ShardWriter.hex(SHA256.hash(data: Data(manifest.prettyText.utf8)))
                var section = CardSection(
                    format: format, prefix: several ? format.name : "", parts: parts, manifestSHA256: manifestSHA256, corpus: corpus,
                    files: files)
                section.task = taskContext.task
                sections.append(section)
                var own = section
                own.prefix = ""
                let card = DatasetCard.text(
                    sections: [own], run: run, selection: selection, facts: facts, chatModelsUsed: chatModels, plan: plan,
                    totals: totals, examplesInNoSplit: examplesInNoSplit)
                try writeFile(Data(card.utf8), to: folder.appendingPathComponent(DatasetCard.fileName))
                let validated = try ExportValidator.validate(folder: folder, format: format, task: taskContext.task)
                let total = parts.reduce(ExportCounts()) { $0.merged(with: $1.counts) }
                reports.append(
                    ExportReport(
                        directory: several ? destination.appendingPathComponent(format.name).path : destination.path, run: run.id,
                        set: selection.set, format: format, selectionID: selection.id, rows: total.rows,
                        shards: format == .beir ? files.count : parts.reduce(0) { $0 + $1.shards.count },
                        rowsShortOfNegatives: total.rowsShortOfNegatives, rowsLeftOut: total.rowsLeftOut,
                        negativeColumns: format == .sentenceTransformers ? columns : nil, manifestSHA256: validated,
                        examples: total.examples, examplesLeftOutWithoutNegatives: total.examplesLeftOutWithoutNegatives,
                        splits: plan == nil
                            ? []
                            : parts.map { part in
                                ExportSplitSummary(
                                    name: part.split ?? "", examples: part.counts.examples, rows: part.counts.rows,
                                    documents: Set(part.counts.documents.map(ExportSplitPlan.documentGroup)).count)
                            },
                        corpus: corpus.map { $0.passages + $0.generated }))
            }
            if several {
                let card = DatasetCard.text(
                    sections: sections, run: run, selection: selection, facts: facts, chatModelsUsed: chatModels, plan: plan,
                    totals: totals, examplesInNoSplit: examplesInNoSplit)
                try writeFile(Data(card.utf8), to: staging.url.appendingPathComponent(DatasetCard.fileName))
            }
            try staging.publish(overwrite: options.overwrite)
            return reports
        } catch {
            staging.discard()
            throw error
        }
    }

    /// The sentence-transformers columns of a split export without `--negatives`: in each split the most negatives
    /// (generated and mined) an example has once mined negatives from other splits are dropped; the smallest of
    /// those, so that every split keeps rows.
    private static func maxNegativesAfterSplit(
        _ snapshot: ExportSnapshot, ids: [(id: Int64, split: Int)], groupSplit: [String: Int], model: String, splits: Int
    ) throws -> Int {
        var most = Array(repeating: 0, count: splits)
        var start = 0
        while start < ids.count {
            let chunk = Array(ids[start..<min(start + chunkSize, ids.count)])
            start += chunkSize
            let splitOf = Dictionary(chunk.map { ($0.id, $0.split) }, uniquingKeysWith: { a, _ in a })
            for example in try snapshot.examples(ids: chunk.map(\.id), model: model) {
                let split = splitOf[example.pairID] ?? 0
                let kept = example.negatives.filter { groupSplit[ExportSplitPlan.documentGroup($0.documentKey)] == split }.count
                most[split] = max(most[split], kept + example.generatedNegatives.count)
            }
        }
        return most.min() ?? 0
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

    /// Writes `data` to `url` and fsyncs it.
    private static func writeFile(_ data: Data, to url: URL) throws {
        do {
            try data.write(to: url)
            let handle = try FileHandle(forWritingTo: url)
            try handle.synchronize()
            try handle.close()
        } catch {
            throw ExportError.cannotWrite(path: url.path, reason: error.localizedDescription)
        }
    }
}

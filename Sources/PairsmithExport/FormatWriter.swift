import Foundation
import PairsmithJSON
import PairsmithStore

/// Writes one row format of an export: a shard writer and counts per split (one unnamed part without splits), each
/// split in its own folder under the format's folder. Not thread-safe: one export drives it.
final class RowFormatWriter {
    /// The format written.
    let format: ExportFormat
    /// The format's folder (the export folder, or its subfolder when several formats are written).
    let folder: URL
    /// The `negative_i` columns of every row (sentence-transformers), else nil.
    let columns: Int?
    /// The distillation scores written, if any.
    let scores: ExportScores?
    /// The run's task family (its rows may have their own layout).
    var task = TaskExportContext(task: "retrieval")
    private let splits: [String?]
    private var writers: [ShardWriter]
    private var counts: [ExportCounts]

    /// A writer of `format` into `folder` for `splits` (`[nil]`: no splits; else one subfolder each).
    init(
        format: ExportFormat, folder: URL, splits: [String?], shardSize: Int, columns: Int?, negativesCap: Int?,
        scores: ExportScores? = nil, afterShard: @escaping @Sendable (Int) throws -> Void
    ) throws {
        self.format = format
        self.folder = folder
        self.columns = columns
        self.scores = scores
        self.splits = splits
        writers = try splits.map { split in
            let target = split.map { folder.appendingPathComponent($0) } ?? folder
            if split != nil { try Self.makeFolder(target) }
            return ShardWriter(folder: target, shardSize: shardSize, afterShard: afterShard)
        }
        var initial = ExportCounts()
        initial.negativeColumns = columns
        initial.negativesCap = negativesCap
        counts = Array(repeating: initial, count: splits.count)
    }

    /// Writes `example` (its negatives already cut to the cap and to its split) into split `index`, the anchor under
    /// `instruction`; counts it, or counts it as left out.
    func add(_ example: ExportExample, split index: Int, instruction: String, droppedNegatives: Int) throws {
        var example = example
        if format.ignoresNegatives(task: task.task) {  // scored pairs, (text, label): rows without negatives
            example.generatedNegatives = []
            example.negatives = []
        }
        if let columns, !format.ignoresNegatives(task: task.task) {
            Exporter.keepNegatives(&example, limit: columns)
            if example.generatedNegatives.count + example.negatives.count < columns {
                counts[index].rowsLeftOut += 1
                return
            }
        }
        var rows = format.taskRows(example, instruction: instruction, context: task) ?? format.rows(example, anchorInstruction: instruction)
        if let scores { rows = try rows.map { try ExportScores.adding(scores, to: $0, example: example) } }
        guard !rows.isEmpty else {
            counts[index].examplesLeftOutWithoutNegatives += 1
            return
        }
        for row in rows { try writers[index].append(row) }
        counts[index].add(example, rows: rows.count)
        counts[index].negativesDroppedOtherSplit += droppedNegatives
    }

    /// Closes every shard; returns the parts (splits) written.
    func finish(asked: [String?]) throws -> [ExportPart] {
        try splits.indices.map { index in
            ExportPart(split: splits[index], asked: asked[index], shards: try writers[index].finish(), counts: counts[index])
        }
    }

    /// Rows written over all splits.
    var rows: Int { counts.reduce(0) { $0 + $1.rows } }

    static func makeFolder(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw ExportError.cannotWrite(path: url.path, reason: error.localizedDescription)
        }
    }
}

/// Writes the BEIR layout (as `beir.datasets.data_loader.GenericDataLoader` reads it): `queries.jsonl`
/// (`_id`, `text`: the raw anchor), `qrels/<split>.tsv` (a `query-id corpus-id score` header, then one line with
/// score 1 per example and its positive; the same judgements as `qrels/<split>.jsonl` objects, for `datasets`, which
/// reads every config of a folder with one builder and so cannot mix the TSV with the JSONL) and `corpus.jsonl` (`_id`, `title`, `text`): every passage of the run —
/// positives, mined negatives and the passages no example came from — then each generated positive and negative.
/// A passage's id is its document key; a query's `{key}/query/{sample}`; generated texts
/// `{key}/positive/{sample}` and `{key}/negative/{sample}/{i}`.
package final class EvaluationWriter {
    /// The qrels split of an export without `--split` (an evaluation set).
    static let defaultSplit = "test"
    /// The header row of every qrels file.
    static let qrelsHeader = "query-id\tcorpus-id\tscore"

    /// The format's folder.
    let folder: URL
    private let splits: [String?]
    private let queries: HashedFileWriter
    private let qrels: [HashedFileWriter]
    private let qrelsJSON: [HashedFileWriter]
    private var counts: [ExportCounts]
    private var generated: [(id: String, text: String)] = []
    private var queryIDs: Set<String> = []

    /// A writer into `folder` for `splits` (`[nil]`: one qrels file, `test`).
    init(folder: URL, splits: [String?]) throws {
        self.folder = folder
        self.splits = splits
        queries = try HashedFileWriter(folder: folder, name: "queries.jsonl")
        qrels = try splits.map { split in
            let writer = try HashedFileWriter(folder: folder, name: "qrels/\(split ?? Self.defaultSplit).tsv", headerLines: 1)
            try writer.appendLine(Self.qrelsHeader)
            return writer
        }
        qrelsJSON = try splits.map { split in try HashedFileWriter(folder: folder, name: "qrels/\(split ?? Self.defaultSplit).jsonl") }
        counts = Array(repeating: ExportCounts(), count: splits.count)
    }

    /// Writes `example`'s query and judgement into split `index`; keeps its generated texts for the corpus.
    func add(_ example: ExportExample, split index: Int) throws {
        let queryID = "\(example.documentKey)/query/\(example.sample)"
        guard queryIDs.insert(queryID).inserted else {
            throw ExportError.badEvaluationID(id: queryID, reason: "names two queries (the run has two examples for one passage and sample)")
        }
        try queries.append(.object([("_id", .string(queryID)), ("text", .string(example.anchor))]))
        var positiveID = example.documentKey
        if !example.positiveIsPassage {
            positiveID = "\(example.documentKey)/positive/\(example.sample)"
            generated.append((positiveID, example.positive))
        }
        for (offset, text) in example.generatedNegatives.enumerated() {
            generated.append(("\(example.documentKey)/negative/\(example.sample)/\(offset)", text))
        }
        try qrels[index].appendLine("\(try Self.field(queryID))\t\(try Self.field(positiveID))\t1")
        try qrelsJSON[index].append(.object([("query-id", .string(queryID)), ("corpus-id", .string(positiveID)), ("score", .integer(1))]))
        counts[index].add(example, rows: 1)
    }

    /// Writes the corpus (the run's passages from `passages`, then the generated texts), closes every file; returns
    /// the files (corpus, queries, then per split its qrels TSV and JSONL), the passages and generated entries written, and the parts.
    func finish(
        asked: [String?], passages: ((String, String) throws -> Void) throws -> Void
    ) throws -> (files: [ShardSummary], passages: Int, generated: Int, parts: [ExportPart]) {
        let corpus = try HashedFileWriter(folder: folder, name: "corpus.jsonl")
        var ids: Set<String> = []
        var passageCount = 0
        try passages { key, text in
            ids.insert(key)
            passageCount += 1
            try corpus.append(.object([("_id", .string(key)), ("title", .string("")), ("text", .string(text))]))
        }
        for entry in generated {
            guard ids.insert(entry.id).inserted else {
                throw ExportError.badEvaluationID(id: entry.id, reason: "is both a passage key and a generated text's id")
            }
            try corpus.append(.object([("_id", .string(entry.id)), ("title", .string("")), ("text", .string(entry.text))]))
        }
        for id in queryIDs where ids.contains(id) {
            throw ExportError.badEvaluationID(id: id, reason: "is both a query id and a corpus id")
        }
        var files = [try corpus.finish(), try queries.finish()]
        var parts: [ExportPart] = []
        for index in splits.indices {
            let judged = [try qrels[index].finish(), try qrelsJSON[index].finish()]
            files += judged
            parts.append(ExportPart(split: splits[index], asked: asked[index], shards: judged, counts: counts[index]))
        }
        return (files, passageCount, generated.count, parts)
    }

    /// `id` as a TSV field: quoted (CSV style, as Python's csv module and pandas read it) when it holds a tab or a
    /// quote; a line break cannot be held.
    package static func field(_ id: String) throws -> String {
        if id.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            throw ExportError.badEvaluationID(id: id, reason: "holds a line break, which a qrels TSV line cannot")
        }
        guard id.contains(where: { $0 == "\t" || $0 == "\"" }) else { return id }
        return "\"" + id.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

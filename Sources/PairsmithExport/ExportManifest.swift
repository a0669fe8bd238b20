import PairsmithConfiguration
import PairsmithJSON
import PairsmithStore
import PairsmithText

/// Counts gathered while rows are written, for the manifest.
struct ExportCounts: Sendable, Hashable {
    /// Rows written.
    var rows = 0
    /// Hard negatives written over all rows.
    var negatives = 0
    /// Rows whose pair has a recorded hard-negative search.
    var rowsWithNegativeSearch = 0
    /// Rows with fewer negatives than their search asked for (never padded).
    var rowsShortOfNegatives = 0
    /// Rows with no negative at all.
    var rowsWithoutNegatives = 0
    /// Rows whose pair has no score under the selection's model.
    var rowsWithoutScore = 0
    /// Selected pairs left out for having fewer negatives than the fixed columns (sentence-transformers).
    var rowsLeftOut = 0
    /// The `negative_i` columns of every row (sentence-transformers), nil for other formats.
    var negativeColumns: Int?
    /// `--negatives N`: every negative list cut to its first N; nil when not given.
    var negativesCap: Int?
    /// How many rows each distinct negative-search setting produced.
    var searchSettings: [SearchSetting: Int] = [:]
    /// Examples written (one or more rows each).
    var examples = 0
    /// Examples left out because the format needs a negative and they have none.
    var examplesLeftOutWithoutNegatives = 0
    /// Mined negatives dropped because their document is in another split.
    var negativesDroppedOtherSplit = 0
    /// Anchors written per language code.
    var anchorLanguages: [String: Int] = [:]
    /// Positives written per language code.
    var positiveLanguages: [String: Int] = [:]
    /// The distinct passages (document keys) the written examples were made from.
    var documents: Set<String> = []

    /// A negative-search setting (model, K, rank range, guard).
    struct SearchSetting: Sendable, Hashable, Comparable {
        var model: String
        var requested: Int
        var rankFrom: Int
        var rankTo: Int
        var guardFactor: Double

        static func < (a: SearchSetting, b: SearchSetting) -> Bool {
            (a.model, a.requested, a.rankFrom, a.rankTo, a.guardFactor) < (b.model, b.requested, b.rankFrom, b.rankTo, b.guardFactor)
        }
    }

    /// Counts `pair`, written as `rows` rows (its generated and mined negatives together; searches count mined
    /// ones).
    mutating func add(_ pair: ExportExample, rows written: Int = 1) {
        rows += written
        examples += 1
        anchorLanguages[pair.anchorLanguage, default: 0] += 1
        positiveLanguages[pair.positiveLanguage, default: 0] += 1
        documents.insert(pair.documentKey)
        negatives += pair.generatedNegatives.count + pair.negatives.count
        if pair.negatives.isEmpty && pair.generatedNegatives.isEmpty { rowsWithoutNegatives += 1 }
        if pair.cosine == nil { rowsWithoutScore += 1 }
        if let search = pair.negativeSearch {
            rowsWithNegativeSearch += 1
            if pair.negatives.count < search.requested { rowsShortOfNegatives += 1 }
            let setting = SearchSetting(
                model: search.model, requested: search.requested, rankFrom: search.rankFrom, rankTo: search.rankTo,
                guardFactor: search.guardFactor)
            searchSettings[setting, default: 0] += 1
        }
    }

    /// These counts and `other`'s together (the totals over splits).
    func merged(with other: ExportCounts) -> ExportCounts {
        var total = self
        total.rows += other.rows
        total.negatives += other.negatives
        total.rowsWithNegativeSearch += other.rowsWithNegativeSearch
        total.rowsShortOfNegatives += other.rowsShortOfNegatives
        total.rowsWithoutNegatives += other.rowsWithoutNegatives
        total.rowsWithoutScore += other.rowsWithoutScore
        total.rowsLeftOut += other.rowsLeftOut
        total.examples += other.examples
        total.examplesLeftOutWithoutNegatives += other.examplesLeftOutWithoutNegatives
        total.negativesDroppedOtherSplit += other.negativesDroppedOtherSplit
        total.searchSettings.merge(other.searchSettings, uniquingKeysWith: +)
        total.anchorLanguages.merge(other.anchorLanguages, uniquingKeysWith: +)
        total.positiveLanguages.merge(other.positiveLanguages, uniquingKeysWith: +)
        total.documents.formUnion(other.documents)
        return total
    }
}

/// The rows of one split (or of the whole export when there are no splits) as the manifest and the card list them.
struct ExportPart: Sendable {
    /// The split's name; nil when the export has no splits.
    var split: String?
    /// The split's size as asked (`0.95`, `900`); nil without splits.
    var asked: String?
    /// The shards written, named within the split's folder.
    var shards: [ShardSummary]
    /// What was written.
    var counts: ExportCounts
}

/// The `manifest.json` of an export: what was exported from where, with which settings and models, and the shards
/// with their SHA-256. Holds no wall-clock time (the selection's stored time stands for it), so the same database
/// always gives the same bytes.
enum ExportManifest {
    /// The manifest's file name.
    static let fileName = "manifest.json"

    /// The manifest's JSON for a row format: `parts` are the splits (one unnamed part without `--split`). An export in
    /// an original format without splits has exactly the v3 fields; new formats add `counts.examples` and
    /// `counts.examples_left_out_without_negatives`, splits add the `split` object, shard paths under the split's
    /// folder and `counts.negatives_dropped_other_split`.
    static func make(
        format: ExportFormat, run: RunRecord, selection: ExportSelection, facts: StoredPipeline, chatModelsUsed: [String],
        shardSize: Int, parts: [ExportPart], plan: ExportSplitPlan?, examplesInNoSplit: Int
    ) -> JSONValue {
        let counts = parts.dropFirst().reduce(parts.first?.counts ?? ExportCounts()) { $0.merged(with: $1.counts) }
        let shards = parts.flatMap { part in
            part.shards.map { shard in (part.split, shard) }
        }
        var countMembers: [(String, JSONValue)] = [
            ("rows", .integer(counts.rows)),
            ("shards", .integer(shards.count)),
            ("negatives", .integer(counts.negatives)),
            ("rows_with_negative_search", .integer(counts.rowsWithNegativeSearch)),
            ("rows_with_fewer_negatives_than_requested", .integer(counts.rowsShortOfNegatives)),
            ("rows_without_negatives", .integer(counts.rowsWithoutNegatives)),
            ("rows_without_score", .integer(counts.rowsWithoutScore)),
            ("pairs_left_out_fewer_negatives_than_columns", .integer(counts.rowsLeftOut)),
        ]
        if !format.isOriginal || plan != nil {
            countMembers.append(("examples", .integer(counts.examples)))
            countMembers.append(("examples_left_out_without_negatives", .integer(counts.examplesLeftOutWithoutNegatives)))
        }
        if plan != nil { countMembers.append(("negatives_dropped_other_split", .integer(counts.negativesDroppedOtherSplit))) }
        var members = header(format: format, run: run, selection: selection)
        members += [
            ("order", .string("rows by document key (bytewise), then sample; negatives by rank")),
            ("counts", .object(countMembers)),
            ("negatives_cap", counts.negativesCap.map { .integer($0) } ?? .null),
            ("negative_columns", counts.negativeColumns.map { .integer($0) } ?? .null),
            ("shard_size", .integer(shardSize)),
            (
                "shards",
                .array(
                    shards.map { split, shard in
                        var entry: [(String, JSONValue)] = [
                            ("file", .string(split.map { "\($0)/\(shard.file)" } ?? shard.file)), ("rows", .integer(shard.rows)),
                            ("bytes", .integer(shard.bytes)), ("sha256", .string(shard.sha256)),
                        ]
                        if let split { entry.append(("split", .string(split))) }
                        return .object(entry)
                    })
            ),
        ]
        if let plan { members.append(("split", splitObject(plan, parts: parts, examplesInNoSplit: examplesInNoSplit))) }
        members += trailer(run: run, selection: selection, facts: facts, chatModelsUsed: chatModelsUsed, counts: counts)
        return .object(members)
    }

    /// The manifest's JSON for the BEIR layout: the files written (`rows`: data lines, the qrels header not counted)
    /// and the counts of queries, corpus entries and judgements, per split when there are splits.
    static func makeEvaluation(
        run: RunRecord, selection: ExportSelection, facts: StoredPipeline, chatModelsUsed: [String], files: [ShardSummary],
        corpusPassages: Int, corpusGenerated: Int, parts: [ExportPart], plan: ExportSplitPlan?, examplesInNoSplit: Int
    ) -> JSONValue {
        let counts = parts.dropFirst().reduce(parts.first?.counts ?? ExportCounts()) { $0.merged(with: $1.counts) }
        var members = header(format: .beir, run: run, selection: selection)
        members += [
            (
                "order",
                .string(
                    "corpus: the run's passages by key (bytewise), then generated positives and negatives in example order; "
                        + "queries and qrels: examples by document key (bytewise), then sample")
            ),
            (
                "counts",
                .object([
                    ("queries", .integer(counts.examples)),
                    ("corpus", .integer(corpusPassages + corpusGenerated)),
                    ("corpus_passages", .integer(corpusPassages)),
                    ("corpus_generated", .integer(corpusGenerated)),
                    ("qrels", .integer(counts.rows)),
                    ("files", .integer(files.count)),
                ])
            ),
            (
                "qrels",
                .array(
                    parts.map { part in
                        .object([
                            ("split", .string(part.split ?? EvaluationWriter.defaultSplit)),
                            ("file", .string("qrels/\(part.split ?? EvaluationWriter.defaultSplit).tsv")),
                            ("file_jsonl", .string("qrels/\(part.split ?? EvaluationWriter.defaultSplit).jsonl")),
                            ("queries", .integer(part.counts.examples)), ("judgements", .integer(part.counts.rows)),
                        ])
                    })
            ),
            (
                "files",
                .array(
                    files.map { file in
                        .object([
                            ("file", .string(file.file)), ("rows", .integer(file.rows)), ("bytes", .integer(file.bytes)),
                            ("sha256", .string(file.sha256)),
                        ])
                    })
            ),
        ]
        if let plan { members.append(("split", splitObject(plan, parts: parts, examplesInNoSplit: examplesInNoSplit))) }
        members += trailer(run: run, selection: selection, facts: facts, chatModelsUsed: chatModelsUsed, counts: counts)
        return .object(members)
    }

    /// The split settings and what each split holds.
    private static func splitObject(_ plan: ExportSplitPlan, parts: [ExportPart], examplesInNoSplit: Int) -> JSONValue {
        .object([
            ("asked", .string(plan.text)),
            ("seed", .integer(Int(truncatingIfNeeded: plan.seed))),
            ("by", .string("document: a passage key without its chunk suffix #k; negatives from another split's documents are dropped")),
            ("sizes", .string(plan.usesFractions ? "fractions of the examples" : "counts of examples")),
            ("examples_in_no_split", .integer(examplesInNoSplit)),
            (
                "splits",
                .array(
                    parts.map { part in
                        .object([
                            ("name", .string(part.split ?? "")), ("asked", .string(part.asked ?? "")),
                            ("examples", .integer(part.counts.examples)), ("rows", .integer(part.counts.rows)),
                            ("passages", .integer(part.counts.documents.count)),
                            ("documents", .integer(Set(part.counts.documents.map(ExportSplitPlan.documentGroup)).count)),
                            ("negatives", .integer(part.counts.negatives)),
                            ("negatives_dropped_other_split", .integer(part.counts.negativesDroppedOtherSplit)),
                            ("shards", .integer(part.shards.count)),
                        ])
                    })
            ),
        ])
    }

    /// The fields every manifest starts with.
    private static func header(format: ExportFormat, run: RunRecord, selection: ExportSelection) -> [(String, JSONValue)] {
        [
            ("pairsmith_version", .string(Pairsmith.version)),
            ("format", .string(format.name)),
            ("format_variant", .string(format.variant)),
            ("set", .string(selection.set)),
            ("run", .string(run.id)),
        ]
    }

    /// The fields every manifest ends with: selection, negative searches, models, instruction, pipeline.
    private static func trailer(
        run: RunRecord, selection: ExportSelection, facts: StoredPipeline, chatModelsUsed: [String], counts: ExportCounts
    ) -> [(String, JSONValue)] {
        let parameters: JSONValue = (try? JSONValue.parse(selection.parameters))?.sortingKeys() ?? .string(selection.parameters)
        return [
            (
                "selection",
                .object([
                    ("id", .integer(Int(selection.id))),
                    ("model", .string(selection.model)),
                    ("low", .number(selection.low)),
                    ("high", .number(selection.high)),
                    ("records", .integer(selection.records)),
                    ("created_at", .string(selection.createdAt)),
                    ("parameters", parameters),
                ])
            ),
            (
                "negative_searches",
                .array(
                    counts.searchSettings.keys.sorted().map { setting in
                        .object([
                            ("model", .string(setting.model)), ("requested", .integer(setting.requested)),
                            ("rank_from", .integer(setting.rankFrom)), ("rank_to", .integer(setting.rankTo)),
                            ("guard", .number(setting.guardFactor)), ("rows", .integer(counts.searchSettings[setting] ?? 0)),
                        ])
                    })
            ),
            (
                "models",
                .object([
                    ("embedding", .string(selection.model)),
                    ("embedding_configured", facts.embeddingModel.map { .string($0) } ?? .null),
                    ("chat", .strings(facts.chatModels)),
                    ("chat_used", .strings(chatModelsUsed)),
                ])
            ),
            (
                "instruction",
                .object([
                    ("text", facts.queryInstruction.map { .string($0) } ?? .null),
                    ("query_prompt", facts.queryInstruction.map { .string(QueryInstruction.prefix(instruction: $0)) } ?? .null),
                ])
            ),
            (
                "pipeline",
                .object([
                    ("path", .string(run.pipelinePath)),
                    ("sha256", .string(run.pipelineSHA256)),
                    ("pairsmith_version", .string(run.pairsmithVersion)),
                    ("content", .string(run.configuration)),
                ])
            ),
        ]
    }
}

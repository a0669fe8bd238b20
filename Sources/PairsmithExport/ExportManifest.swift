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

    /// Counts `pair`, written as one row (its generated and mined negatives together; searches count mined ones).
    mutating func add(_ pair: ExportExample) {
        rows += 1
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
}

/// The `manifest.json` of an export: what was exported from where, with which settings and models, and the shards
/// with their SHA-256. Holds no wall-clock time (the selection's stored time stands for it), so the same database
/// always gives the same bytes.
enum ExportManifest {
    /// The manifest's file name.
    static let fileName = "manifest.json"

    /// The manifest's JSON.
    static func make(
        format: ExportFormat, run: RunRecord, selection: ExportSelection, facts: StoredPipeline, chatModelsUsed: [String],
        shardSize: Int, shards: [ShardSummary], counts: ExportCounts
    ) -> JSONValue {
        let parameters: JSONValue = (try? JSONValue.parse(selection.parameters))?.sortingKeys() ?? .string(selection.parameters)
        return .object([
            ("pairsmith_version", .string(Pairsmith.version)),
            ("format", .string(format.name)),
            ("format_variant", .string(format.variant)),
            ("set", .string(selection.set)),
            ("run", .string(run.id)),
            ("order", .string("rows by document key (bytewise), then sample; negatives by rank")),
            (
                "counts",
                .object([
                    ("rows", .integer(counts.rows)),
                    ("shards", .integer(shards.count)),
                    ("negatives", .integer(counts.negatives)),
                    ("rows_with_negative_search", .integer(counts.rowsWithNegativeSearch)),
                    ("rows_with_fewer_negatives_than_requested", .integer(counts.rowsShortOfNegatives)),
                    ("rows_without_negatives", .integer(counts.rowsWithoutNegatives)),
                    ("rows_without_score", .integer(counts.rowsWithoutScore)),
                    ("pairs_left_out_fewer_negatives_than_columns", .integer(counts.rowsLeftOut)),
                ])
            ),
            ("negatives_cap", counts.negativesCap.map { .integer($0) } ?? .null),
            ("negative_columns", counts.negativeColumns.map { .integer($0) } ?? .null),
            ("shard_size", .integer(shardSize)),
            (
                "shards",
                .array(
                    shards.map { shard in
                        .object([
                            ("file", .string(shard.file)), ("rows", .integer(shard.rows)), ("bytes", .integer(shard.bytes)),
                            ("sha256", .string(shard.sha256)),
                        ])
                    })
            ),
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
        ])
    }
}

import PairsmithConfiguration
import PairsmithJSON
import PairsmithStore
import PairsmithText

/// A column type as the Hugging Face card's `dataset_info.features` spells it (what `datasets` reads back).
indirect enum CardFeatureType: Sendable, Hashable {
    /// A scalar: `string`, `int64`, `float64`.
    case value(String)
    /// A list of the inner type.
    case list(CardFeatureType)
    /// An object with named members.
    case structure([CardFeature])
}

/// A named column of a card's features.
struct CardFeature: Sendable, Hashable {
    /// The column's name.
    var name: String
    /// Its type.
    var type: CardFeatureType
}

/// One `configs` entry of a card: a name, its data files per split and the columns `datasets` gives them.
struct CardConfig: Sendable, Hashable {
    /// The config's name (`default` for the one `load_dataset(FOLDER)` loads).
    var name: String
    /// Whether `load_dataset(FOLDER)` loads it when several are listed.
    var isDefault = false
    /// Per split: its name, the glob of its files (relative to the card), its row count and the bytes of its files
    /// (written as `num_bytes`, which `datasets` requires in the YAML and does not check).
    var splits: [(name: String, path: String, rows: Int, bytes: Int)]
    /// The columns.
    var features: [CardFeature]

    static func == (a: CardConfig, b: CardConfig) -> Bool {
        a.name == b.name && a.isDefault == b.isDefault && a.features == b.features
            && a.splits.map { "\($0.name)\u{0}\($0.path)\u{0}\($0.rows)\u{0}\($0.bytes)" }
                == b.splits.map { "\($0.name)\u{0}\($0.path)\u{0}\($0.rows)\u{0}\($0.bytes)" }
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(features)
    }
}

/// What a card describes: one format's export (its manifest and parts) as written into its folder.
struct CardSection: Sendable {
    /// The format.
    var format: ExportFormat
    /// The folder of the format relative to the card (empty: the card's own folder).
    var prefix: String
    /// The splits (one unnamed part without `--split`).
    var parts: [ExportPart]
    /// The manifest's SHA-256.
    var manifestSHA256: String
    /// For BEIR: corpus entries (passages, generated).
    var corpus: (passages: Int, generated: Int)?
    /// For BEIR: the files written (corpus, queries, qrels).
    var files: [ShardSummary] = []
    /// The run's task family (its rows may have their own columns).
    var task = "retrieval"
}

/// Writes the `README.md` dataset card of an export folder: the YAML header the Hugging Face hub and
/// `datasets.load_dataset(FOLDER)` read (`configs` with `data_files` per split, `dataset_info` with the columns and
/// row counts — which `datasets` checks on loading —, `task_categories`, `language`, `size_categories`, tags) and a
/// body generated from the run. Holds no path or time, so the same database always gives the same bytes.
package enum DatasetCard {
    /// The card's file name.
    static let fileName = "README.md"

    /// The card's text for `sections` (one per format; several when `--format a,b` wrote subfolders).
    static func text(
        sections: [CardSection], run: RunRecord, selection: ExportSelection, facts: StoredPipeline, chatModelsUsed: [String],
        plan: ExportSplitPlan?, totals: (examples: Int, duplicates: Int), examplesInNoSplit: Int
    ) -> String {
        let configs = sections.flatMap { Self.configs(for: $0, named: sections.count > 1) }
        var withDefault = configs
        if configs.count > 1, !configs.contains(where: { $0.name == "default" }), !withDefault.isEmpty { withDefault[0].isDefault = true }
        let counts = sections.flatMap(\.parts).map(\.counts)
        var anchors: [String: Int] = [:]
        var positives: [String: Int] = [:]
        for count in counts {
            anchors.merge(count.anchorLanguages, uniquingKeysWith: +)
            positives.merge(count.positiveLanguages, uniquingKeysWith: +)
        }
        let languages = Set(anchors.keys).union(positives.keys).filter { $0 != Languages.undetermined }.sorted()
        let largest = configs.map { $0.splits.reduce(0) { $0 + $1.rows } }.max() ?? 0
        var yaml = YAMLText()
        yaml.line("---")
        yaml.scalar("pretty_name", "\(run.id) (\(selection.set) set)")
        if !languages.isEmpty {
            yaml.list("language", languages)
            yaml.list("multilinguality", [languages.count > 1 ? "multilingual" : "monolingual"])
        }
        yaml.list("size_categories", [Self.sizeCategory(largest)])
        yaml.list("task_categories", orderedUnique(sections.flatMap { Self.taskCategories($0.format) }))
        yaml.list("tags", orderedUnique(["pairsmith", "synthetic"] + sections.flatMap { Self.tags($0.format) }))
        yaml.line("configs:")
        for config in withDefault {
            yaml.line("- config_name: \(YAMLText.quoted(config.name))")
            if config.isDefault { yaml.line("  default: true") }
            yaml.line("  data_files:")
            for split in config.splits {
                yaml.line("  - split: \(YAMLText.quoted(split.name))")
                yaml.line("    path: \(YAMLText.quoted(split.path))")
            }
        }
        yaml.line("dataset_info:")
        for config in withDefault {
            yaml.line("- config_name: \(YAMLText.quoted(config.name))")
            yaml.line("  features:")
            for feature in config.features { yaml.feature(feature, indent: 2) }
            yaml.line("  splits:")
            for split in config.splits {
                yaml.line("  - name: \(YAMLText.quoted(split.name))")
                yaml.line("    num_bytes: \(split.bytes)")
                yaml.line("    num_examples: \(split.rows)")
            }
        }
        yaml.line("---")
        let body = Self.body(
            sections: sections, configs: withDefault, run: run, selection: selection, facts: facts, chatModelsUsed: chatModelsUsed,
            plan: plan, totals: totals, examplesInNoSplit: examplesInNoSplit, anchors: anchors, positives: positives)
        return yaml.text + "\n" + body
    }

    /// The configs of one format: one for row formats, three for BEIR (qrels, corpus, queries); names carry the
    /// format when the card covers several.
    static func configs(for section: CardSection, named: Bool) -> [CardConfig] {
        let prefix = section.prefix.isEmpty ? "" : section.prefix + "/"
        if section.format == .beir {
            let base = named ? "\(section.format.name)-" : ""
            let queries = section.parts.reduce(0) { $0 + $1.counts.examples }
            let corpus = (section.corpus?.passages ?? 0) + (section.corpus?.generated ?? 0)
            let bytes = { (name: String) in section.files.first { $0.file == name }?.bytes ?? 0 }
            return [
                CardConfig(
                    name: named ? "\(section.format.name)-qrels" : "default",
                    splits: section.parts.map { part in
                        let split = part.split ?? EvaluationWriter.defaultSplit
                        return (split, "\(prefix)qrels/\(split).jsonl", part.counts.rows, bytes("qrels/\(split).jsonl"))
                    },
                    features: [
                        CardFeature(name: "query-id", type: .value("string")), CardFeature(name: "corpus-id", type: .value("string")),
                        CardFeature(name: "score", type: .value("int64")),
                    ]),
                CardConfig(
                    name: base + "corpus", splits: [("corpus", "\(prefix)corpus.jsonl", corpus, bytes("corpus.jsonl"))],
                    features: [
                        CardFeature(name: "_id", type: .value("string")), CardFeature(name: "title", type: .value("string")),
                        CardFeature(name: "text", type: .value("string")),
                    ]),
                CardConfig(
                    name: base + "queries", splits: [("queries", "\(prefix)queries.jsonl", queries, bytes("queries.jsonl"))],
                    features: [CardFeature(name: "_id", type: .value("string")), CardFeature(name: "text", type: .value("string"))]),
            ]
        }
        let columns = section.parts.first?.counts.negativeColumns
        return [
            CardConfig(
                name: named ? section.format.name : "default",
                splits: section.parts.map { part in
                    let split = part.split ?? "train"
                    return (
                        split, "\(prefix)\(part.split.map { "\($0)/" } ?? "")part-*.jsonl", part.counts.rows,
                        part.shards.reduce(0) { $0 + $1.bytes }
                    )
                },
                features: section.format.taskFeatures(task: section.task) ?? features(section.format, columns: columns))
        ]
    }

    /// The columns of a row format, as `datasets` types them.
    static func features(_ format: ExportFormat, columns: Int?) -> [CardFeature] {
        let string = CardFeatureType.value("string")
        let strings = CardFeatureType.list(string)
        let message = CardFeatureType.structure([CardFeature(name: "role", type: string), CardFeature(name: "content", type: string)])
        switch format {
        case .flagEmbedding:
            let meta: [(String, CardFeatureType)] = [
                ("run", string), ("document", string), ("sample", .value("int64")), ("query_language", string),
                ("document_language", string), ("cosine", .value("float64")), ("negatives_requested", .value("int64")),
                ("negatives_found", .value("int64")), ("negative_documents", strings), ("task", string), ("label", string),
                ("score", .value("float64")), ("generated_negatives", .value("int64")),
            ]
            return [
                CardFeature(name: "query", type: string), CardFeature(name: "pos", type: strings), CardFeature(name: "neg", type: strings),
                CardFeature(name: "prompt", type: string),
                CardFeature(name: "meta", type: .structure(meta.map { CardFeature(name: $0.0, type: $0.1) })),
            ]
        case .sentenceTransformers:
            return [CardFeature(name: "anchor", type: string), CardFeature(name: "positive", type: string)]
                + (0..<(columns ?? 0)).map { CardFeature(name: "negative_\($0 + 1)", type: string) }
        case .msSwift:
            return [
                CardFeature(name: "query", type: string), CardFeature(name: "response", type: string),
                CardFeature(name: "rejected_response", type: strings),
            ]
        case .msSwiftMessages, .msSwiftReranker:
            return [
                CardFeature(name: "messages", type: .list(message)), CardFeature(name: "positive_messages", type: .list(.list(message))),
                CardFeature(name: "negative_messages", type: .list(.list(message))),
            ]
        case .flagEmbeddingReranker:
            return [
                CardFeature(name: "query", type: string), CardFeature(name: "pos", type: strings), CardFeature(name: "neg", type: strings),
                CardFeature(name: "prompt", type: string), CardFeature(name: "query_prompt", type: string),
            ]
        case .crossEncoderPairs:
            return [
                CardFeature(name: "query", type: string), CardFeature(name: "passage", type: string),
                CardFeature(name: "label", type: .value("int64")),
            ]
        case .crossEncoderLists:
            return [
                CardFeature(name: "query", type: string), CardFeature(name: "docs", type: strings),
                CardFeature(name: "labels", type: .list(.value("int64"))),
            ]
        case .beir:
            return []
        }
    }

    /// The hub's task categories for a format.
    static func taskCategories(_ format: ExportFormat) -> [String] {
        switch format {
        case .flagEmbedding, .sentenceTransformers, .msSwift, .msSwiftMessages: ["sentence-similarity", "text-retrieval"]
        case .flagEmbeddingReranker, .msSwiftReranker, .crossEncoderPairs, .crossEncoderLists: ["text-ranking", "text-retrieval"]
        case .beir: ["text-retrieval"]
        }
    }

    /// The tags a format adds (`sentence-transformers` where its trainers read the files as they are).
    static func tags(_ format: ExportFormat) -> [String] {
        switch format {
        case .sentenceTransformers, .crossEncoderPairs, .crossEncoderLists: ["sentence-transformers"]
        case .flagEmbedding, .flagEmbeddingReranker: ["flagembedding"]
        case .msSwift, .msSwiftMessages, .msSwiftReranker: ["ms-swift"]
        case .beir: ["beir"]
        }
    }

    /// The hub's size category for `rows` rows.
    package static func sizeCategory(_ rows: Int) -> String {
        let bounds: [(Int, String)] = [
            (1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"),
            (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B"),
        ]
        return bounds.first { rows < $0.0 }?.1 ?? "1B<n<10B"
    }

    private static func orderedUnique(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }
}

/// A small YAML writer for the card header: keys plain, every string scalar double-quoted JSON-style (a JSON string
/// is a valid YAML double-quoted scalar), so no text from the run can change the structure.
struct YAMLText {
    /// The text so far.
    private(set) var text = ""

    /// Appends one line.
    mutating func line(_ line: String) { text += line + "\n" }

    /// `key: "value"`.
    mutating func scalar(_ key: String, _ value: String) { line("\(key): \(Self.quoted(value))") }

    /// `key:` and one `- "value"` per value.
    mutating func list(_ key: String, _ values: [String]) {
        line("\(key):")
        for value in values { line("- \(Self.quoted(value))") }
    }

    /// A named feature at `indent` spaces, as `datasets` writes `dataset_info.features`.
    mutating func feature(_ feature: CardFeature, indent: Int) {
        let pad = String(repeating: " ", count: indent)
        line("\(pad)- name: \(Self.quoted(feature.name))")
        switch feature.type {
        case .value(let dtype): line("\(pad)  dtype: \(dtype)")
        case .list(let inner): typed("list", inner, indent: indent + 2)
        case .structure(let members): typed("struct", .structure(members), indent: indent + 2)
        }
    }

    /// `key:` with `type` as its value at `indent`.
    private mutating func typed(_ key: String, _ type: CardFeatureType, indent: Int) {
        let pad = String(repeating: " ", count: indent)
        switch type {
        case .value(let dtype): line("\(pad)\(key): \(dtype)")
        case .list(let inner):
            line("\(pad)\(key):")
            typed("list", inner, indent: indent + 2)
        case .structure(let members):
            line("\(pad)\(key):")
            for member in members { feature(member, indent: indent) }
        }
    }

    /// `value` as a double-quoted scalar.
    static func quoted(_ value: String) -> String { JSONValue.string(value).compactText }
}

import PairsmithJSON
import PairsmithStore
import PairsmithText

/// The layouts `pairsmith export` writes: training data, one JSON object per line, and the BEIR evaluation layout.
public enum ExportFormat: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// FlagEmbedding (BGE) fine-tuning data.
    case flagEmbedding
    /// sentence-transformers columns, read by position.
    case sentenceTransformers
    /// ms-swift embedding data, `query`/`response`/`rejected_response` form.
    case msSwift
    /// ms-swift embedding data, `messages`/`positive_messages`/`negative_messages` form.
    case msSwiftMessages
    /// FlagEmbedding reranker fine-tuning data (`query`, `pos`, `neg`, `prompt`).
    case flagEmbeddingReranker
    /// ms-swift reranker data: the query as the user turn, documents as assistant turns, the instruction as system.
    case msSwiftReranker
    /// sentence-transformers CrossEncoder data, `labeled-pair` layout: one (query, passage, label) row per document.
    case crossEncoderPairs
    /// sentence-transformers CrossEncoder data, `labeled-list` layout: (query, docs, labels) per example.
    case crossEncoderLists
    /// The BEIR evaluation layout: `corpus.jsonl`, `queries.jsonl`, `qrels/<split>.tsv`.
    case beir

    /// The format named on the command line (`--ms-swift-messages` picks the messages form of `ms-swift`,
    /// `crossEncoderLists` the `labeled-list` layout of `cross-encoder`); nil for an unknown name.
    public init?(name: String, messages: Bool = false, crossEncoderLists: Bool = false) {
        switch name {
        case "flagembedding": self = .flagEmbedding
        case "sentence-transformers": self = .sentenceTransformers
        case "ms-swift": self = messages ? .msSwiftMessages : .msSwift
        case "flagembedding-reranker": self = .flagEmbeddingReranker
        case "ms-swift-reranker": self = .msSwiftReranker
        case "cross-encoder": self = crossEncoderLists ? .crossEncoderLists : .crossEncoderPairs
        case "beir": self = .beir
        default: return nil
        }
    }

    /// The names `--format` accepts.
    public static let names = [
        "flagembedding", "sentence-transformers", "ms-swift", "flagembedding-reranker", "ms-swift-reranker", "cross-encoder", "beir",
    ]

    /// The `cross-encoder` layouts `--cross-encoder-layout` accepts (the names `mine_hard_negatives` gives them).
    public static let crossEncoderLayouts = ["labeled-pair", "labeled-list"]

    /// The `--format` name.
    public var name: String {
        switch self {
        case .flagEmbedding: "flagembedding"
        case .sentenceTransformers: "sentence-transformers"
        case .msSwift, .msSwiftMessages: "ms-swift"
        case .flagEmbeddingReranker: "flagembedding-reranker"
        case .msSwiftReranker: "ms-swift-reranker"
        case .crossEncoderPairs, .crossEncoderLists: "cross-encoder"
        case .beir: "beir"
        }
    }

    /// The layout within the format, as the manifest records it.
    public var variant: String {
        switch self {
        case .flagEmbedding: "query-pos-neg"
        case .sentenceTransformers: "anchor-positive-negatives"
        case .msSwift: "query-response"
        case .msSwiftMessages: "messages"
        case .flagEmbeddingReranker: "reranker-query-pos-neg"
        case .msSwiftReranker: "reranker-messages"
        case .crossEncoderPairs: "labeled-pair"
        case .crossEncoderLists: "labeled-list"
        case .beir: "corpus-queries-qrels"
        }
    }

    public var description: String {
        switch self {
        case .msSwiftMessages: "ms-swift (messages)"
        case .crossEncoderPairs: "cross-encoder (labeled-pair)"
        case .crossEncoderLists: "cross-encoder (labeled-list)"
        default: name
        }
    }

    /// Whether the format existed before schema v5 (its bytes for retrieval examples are fixed by the v3 fixture, and
    /// its manifest gains no field unless a split asks for one).
    public var isOriginal: Bool {
        switch self {
        case .flagEmbedding, .sentenceTransformers, .msSwift, .msSwiftMessages: true
        default: false
        }
    }

    /// Whether the format writes JSONL row shards (every format but BEIR).
    public var writesShards: Bool { self != .beir }

    /// The training rows for `example` (empty for BEIR, which is not written row by row): the anchor carries
    /// `anchorInstruction` (the example's own, or the run's default for v3 rows) and the positive the example's
    /// positive instruction where the format has a place for them; negatives are the generated ones, then the mined
    /// ones by rank. An empty instruction means none. Most formats give one row per example; `labeled-pair` gives one
    /// per document (the positive, then each negative); the formats whose trainers need a negative
    /// (``needsNegatives``) give none for an example without one.
    public func rows(_ example: ExportExample, anchorInstruction instruction: String) -> [JSONValue] {
        let negatives = example.generatedNegatives + example.negatives.map(\.text)
        let positiveInstruction = example.positiveInstruction ?? ""
        if needsNegatives && negatives.isEmpty { return [] }
        switch self {
        case .flagEmbedding:
            // FlagEmbedding's fine-tuning data: {"query": str, "pos": [str], "neg": [str], "prompt": str}; the
            // pos_scores/neg_scores keys are left out on purpose (the trainer would read them as distillation
            // targets). `meta` is extra: the loader (datasets' JSON reader) keeps it as a column nobody reads.
            return [
                .object([
                    ("query", .string(example.anchor)),
                    ("pos", .strings([example.positive])),
                    ("neg", .strings(negatives)),
                    ("prompt", .string(instruction)),
                    ("meta", Self.metadata(example)),
                ])
            ]
        case .sentenceTransformers:
            // Columns by position: anchor, positive, then negative_1 … negative_n (n = negatives found; a row
            // without negatives is only anchor and positive). The instruction goes in the trainer's `prompts`.
            var members: [(String, JSONValue)] = [("anchor", .string(example.anchor)), ("positive", .string(example.positive))]
            for (index, text) in negatives.enumerated() { members.append(("negative_\(index + 1)", .string(text))) }
            return [.object(members)]
        case .msSwift:
            // The form of the Qwen3-Embedding SWIFT recipe
            // (https://github.com/QwenLM/Qwen3-Embedding/blob/main/docs/training/SWIFT.md):
            // {"query": "Instruct: …\nQuery:…", "response": passage, "rejected_response": [negatives]}; the key is
            // left out when there are no negatives (in-batch negatives only).
            var members: [(String, JSONValue)] = [
                ("query", .string(Self.instructed(example.anchor, instruction))),
                ("response", .string(Self.instructed(example.positive, positiveInstruction))),
            ]
            if !negatives.isEmpty { members.append(("rejected_response", .strings(negatives))) }
            return [.object(members)]
        case .msSwiftMessages:
            // ms-swift's embedding format for InfoNCE, as documented in docs/source_en/BestPractices/Embedding.md
            // (https://github.com/modelscope/ms-swift/blob/main/docs/source_en/BestPractices/Embedding.md,
            // "Format for InfoNCE"): `messages` is the anchor; `positive_messages` and `negative_messages` are lists
            // of message lists, exactly one positive; `negative_messages` may be left out (in-batch negatives).
            // The Qwen3 instruction stays in the anchor's user content, as the model was trained with it.
            var members: [(String, JSONValue)] = [
                ("messages", .array([Self.message("user", Self.instructed(example.anchor, instruction))])),
                ("positive_messages", .array([.array([Self.message("user", Self.instructed(example.positive, positiveInstruction))])])),
            ]
            if !negatives.isEmpty {
                members.append(("negative_messages", .array(negatives.map { .array([Self.message("user", $0)]) })))
            }
            return [.object(members)]
        case .flagEmbeddingReranker:
            // FlagEmbedding's reranker fine-tuning data (FlagEmbedding/abc/finetune/reranker/AbsDataset.py):
            // {"query", "pos": [str], "neg": [str], "prompt"}: `prompt` is what its LLM rerankers read after the pair
            // (its documented default), `query_prompt` the task instruction its `--query_instruction_for_rerank`
            // formatting takes per row. The loader samples train_group_size - 1 negatives and divides by their
            // count, so an example without negatives gives no row.
            return [
                .object([
                    ("query", .string(example.anchor)),
                    ("pos", .strings([example.positive])),
                    ("neg", .strings(negatives)),
                    ("prompt", .string(Self.flagEmbeddingRerankerPrompt)),
                    ("query_prompt", .string(instruction)),
                ])
            ]
        case .msSwiftReranker:
            // ms-swift's reranker format (docs/source_en/BestPractices/Reranker.md, "Dataset Format"): the query as
            // the user turn of `messages`, each document one assistant turn in `positive_messages` /
            // `negative_messages`; the instruction as a `system` turn of `messages`, which the Qwen3-Reranker
            // template puts after `<Instruct>:` for every document (no system turn: the template's default).
            // `negative_messages` is always present (empty: pointwise training on the positive only).
            var anchor: [JSONValue] = []
            if !instruction.isEmpty { anchor.append(Self.message("system", instruction)) }
            anchor.append(Self.message("user", example.anchor))
            return [
                .object([
                    ("messages", .array(anchor)),
                    ("positive_messages", .array([.array([Self.message("assistant", example.positive)])])),
                    ("negative_messages", .array(negatives.map { .array([Self.message("assistant", $0)]) })),
                ])
            ]
        case .crossEncoderPairs:
            // sentence-transformers' `labeled-pair` layout (util/hard_negatives.py, mine_hard_negatives): the
            // positive with label 1, then each negative with label 0, the query repeated; for
            // BinaryCrossEntropyLoss.
            let documents = [(example.positive, 1)] + negatives.map { ($0, 0) }
            return documents.map { text, label in
                .object([("query", .string(example.anchor)), ("passage", .string(text)), ("label", .integer(label))])
            }
        case .crossEncoderLists:
            // sentence-transformers' `labeled-list` layout: the positive first, then the negatives, labels 1 then 0s;
            // mine_hard_negatives drops a query without negatives, and so does this export.
            return [
                .object([
                    ("query", .string(example.anchor)),
                    ("docs", .strings([example.positive] + negatives)),
                    ("labels", .array([.integer(1)] + negatives.map { _ in .integer(0) })),
                ])
            ]
        case .beir:
            return []
        }
    }

    /// FlagEmbedding's default LLM-reranker prompt (AbsLLMRerankerTrainDataset), written as every row's `prompt`.
    public static let flagEmbeddingRerankerPrompt =
        "Given a query A and a passage B, determine whether the passage contains an answer to the query by providing a prediction of either 'Yes' or 'No'."

    /// Whether an example without negatives gives no row (its trainer needs at least one negative).
    public var needsNegatives: Bool { self == .flagEmbeddingReranker || self == .crossEncoderLists }

    /// Whether rows carry the anchor instruction, so an example without one (and a run without a default) cannot
    /// be exported in this format.
    public var needsInstruction: Bool {
        switch self {
        case .flagEmbedding, .msSwift, .msSwiftMessages, .flagEmbeddingReranker: true
        case .sentenceTransformers, .msSwiftReranker, .crossEncoderPairs, .crossEncoderLists, .beir: false
        }
    }

    /// The keys every row of this format has (what validation checks after writing).
    var requiredKeys: [String] {
        switch self {
        case .flagEmbedding: ["query", "pos", "neg", "prompt", "meta"]
        case .sentenceTransformers: ["anchor", "positive"]
        case .msSwift: ["query", "response"]
        case .msSwiftMessages: ["messages", "positive_messages"]
        case .flagEmbeddingReranker: ["query", "pos", "neg", "prompt", "query_prompt"]
        case .msSwiftReranker: ["messages", "positive_messages", "negative_messages"]
        case .crossEncoderPairs: ["query", "passage", "label"]
        case .crossEncoderLists: ["query", "docs", "labels"]
        case .beir: []
        }
    }

    /// `text` under `instruction` as the model reads it (`Instruct: …\nQuery:…`), or `text` when there is none.
    static func instructed(_ text: String, _ instruction: String) -> String {
        instruction.isEmpty ? text : QueryInstruction.format(text, instruction: instruction)
    }

    private static func message(_ role: String, _ content: String) -> JSONValue {
        .object([("role", .string(role)), ("content", .string(content))])
    }

    /// The per-row metadata of FlagEmbedding rows: where the example came from, its cosine and its negative search
    /// (`negatives_requested`/`negatives_found` are null when no search was recorded for the example). `task` is
    /// added for tasks other than retrieval, `label`, `score` and `generated_negatives` when the example has them,
    /// so retrieval rows keep the v3 layout byte for byte.
    static func metadata(_ example: ExportExample) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("run", .string(example.run)),
            ("document", .string(example.documentKey)),
            ("sample", .integer(example.sample)),
            ("query_language", .string(example.anchorLanguage)),
            ("document_language", .string(example.positiveLanguage)),
            ("cosine", .number(example.cosine)),
            ("negatives_requested", example.negativeSearch.map { .integer($0.requested) } ?? .null),
            ("negatives_found", example.negativeSearch.map { .integer($0.found) } ?? .null),
            ("negative_documents", .strings(example.negatives.map(\.documentKey))),
        ]
        if example.task != "retrieval" { members.append(("task", .string(example.task))) }
        if let label = example.label { members.append(("label", .string(label))) }
        if let score = example.score { members.append(("score", .number(score))) }
        if !example.generatedNegatives.isEmpty { members.append(("generated_negatives", .integer(example.generatedNegatives.count))) }
        return .object(members)
    }
}

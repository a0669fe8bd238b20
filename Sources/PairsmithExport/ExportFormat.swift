import PairsmithJSON
import PairsmithStore
import PairsmithText

/// The training-data layouts `pairsmith export` writes, one JSON object per line.
public enum ExportFormat: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// FlagEmbedding (BGE) fine-tuning data.
    case flagEmbedding
    /// sentence-transformers columns, read by position.
    case sentenceTransformers
    /// ms-swift embedding data, `query`/`response`/`rejected_response` form.
    case msSwift
    /// ms-swift embedding data, `messages`/`positive_messages`/`negative_messages` form.
    case msSwiftMessages

    /// The format named on the command line (`--ms-swift-messages` picks the messages form of `ms-swift`); nil for
    /// an unknown name.
    public init?(name: String, messages: Bool = false) {
        switch name {
        case "flagembedding": self = .flagEmbedding
        case "sentence-transformers": self = .sentenceTransformers
        case "ms-swift": self = messages ? .msSwiftMessages : .msSwift
        default: return nil
        }
    }

    /// The names `--format` accepts.
    public static let names = ["flagembedding", "sentence-transformers", "ms-swift"]

    /// The `--format` name.
    public var name: String {
        switch self {
        case .flagEmbedding: "flagembedding"
        case .sentenceTransformers: "sentence-transformers"
        case .msSwift, .msSwiftMessages: "ms-swift"
        }
    }

    /// The layout within the format, as the manifest records it.
    public var variant: String {
        switch self {
        case .flagEmbedding: "query-pos-neg"
        case .sentenceTransformers: "anchor-positive-negatives"
        case .msSwift: "query-response"
        case .msSwiftMessages: "messages"
        }
    }

    public var description: String { self == .msSwiftMessages ? "ms-swift (messages)" : name }

    /// Whether a row of this format carries a per-row `meta` object (only FlagEmbedding, whose loader ignores
    /// columns it does not know; sentence-transformers would read any extra column as a text input, and ms-swift's
    /// preprocessor keeps only the keys it documents).
    public var carriesMetadata: Bool { self == .flagEmbedding }

    /// The training row for `example`: the anchor carries `anchorInstruction` (the example's own, or the run's
    /// default for v3 rows) and the positive the example's positive instruction where the format has a place for
    /// them; negatives are the generated ones, then the mined ones by rank. An empty instruction means none.
    public func row(_ example: ExportExample, anchorInstruction instruction: String) -> JSONValue {
        let negatives = example.generatedNegatives + example.negatives.map(\.text)
        let positiveInstruction = example.positiveInstruction ?? ""
        switch self {
        case .flagEmbedding:
            // FlagEmbedding's fine-tuning data: {"query": str, "pos": [str], "neg": [str], "prompt": str}; the
            // pos_scores/neg_scores keys are left out on purpose (the trainer would read them as distillation
            // targets). `meta` is extra: the loader (datasets' JSON reader) keeps it as a column nobody reads.
            return .object([
                ("query", .string(example.anchor)),
                ("pos", .strings([example.positive])),
                ("neg", .strings(negatives)),
                ("prompt", .string(instruction)),
                ("meta", Self.metadata(example)),
            ])
        case .sentenceTransformers:
            // Columns by position: anchor, positive, then negative_1 … negative_n (n = negatives found; a row
            // without negatives is only anchor and positive). The instruction goes in the trainer's `prompts`.
            var members: [(String, JSONValue)] = [("anchor", .string(example.anchor)), ("positive", .string(example.positive))]
            for (index, text) in negatives.enumerated() { members.append(("negative_\(index + 1)", .string(text))) }
            return .object(members)
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
            return .object(members)
        case .msSwiftMessages:
            // ms-swift's embedding format for InfoNCE, as documented in docs/source_en/BestPractices/Embedding.md
            // (https://github.com/modelscope/ms-swift/blob/main/docs/source_en/BestPractices/Embedding.md,
            // "Format for InfoNCE"): `messages` is the anchor; `positive_messages` and `negative_messages` are lists
            // of message lists, exactly one positive; `negative_messages` may be left out (in-batch negatives).
            // The Qwen3 instruction stays in the anchor's user content, as the model was trained with it.
            var members: [(String, JSONValue)] = [
                ("messages", .array([Self.userMessage(Self.instructed(example.anchor, instruction))])),
                ("positive_messages", .array([.array([Self.userMessage(Self.instructed(example.positive, positiveInstruction))])])),
            ]
            if !negatives.isEmpty {
                members.append(("negative_messages", .array(negatives.map { .array([Self.userMessage($0)]) })))
            }
            return .object(members)
        }
    }

    /// The keys every row of this format has (what validation checks after writing).
    var requiredKeys: [String] {
        switch self {
        case .flagEmbedding: ["query", "pos", "neg", "prompt", "meta"]
        case .sentenceTransformers: ["anchor", "positive"]
        case .msSwift: ["query", "response"]
        case .msSwiftMessages: ["messages", "positive_messages"]
        }
    }

    /// `text` under `instruction` as the model reads it (`Instruct: …\nQuery:…`), or `text` when there is none.
    private static func instructed(_ text: String, _ instruction: String) -> String {
        instruction.isEmpty ? text : QueryInstruction.format(text, instruction: instruction)
    }

    private static func userMessage(_ content: String) -> JSONValue {
        .object([("role", .string("user")), ("content", .string(content))])
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

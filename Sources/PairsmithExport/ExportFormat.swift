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

    /// The training row for `pair` (queries carry `instruction` where the format has a place for it).
    public func row(_ pair: ExportPair, instruction: String) -> JSONValue {
        let negatives = pair.negatives.map(\.text)
        switch self {
        case .flagEmbedding:
            // FlagEmbedding's fine-tuning data: {"query": str, "pos": [str], "neg": [str], "prompt": str}; the
            // pos_scores/neg_scores keys are left out on purpose (the trainer would read them as distillation
            // targets). `meta` is extra: the loader (datasets' JSON reader) keeps it as a column nobody reads.
            return .object([
                ("query", .string(pair.query)),
                ("pos", .strings([pair.passage])),
                ("neg", .strings(negatives)),
                ("prompt", .string(instruction)),
                ("meta", Self.metadata(pair)),
            ])
        case .sentenceTransformers:
            // Columns by position: anchor, positive, then negative_1 … negative_n (n = negatives found; a row
            // without negatives is only anchor and positive). The instruction goes in the trainer's `prompts`.
            var members: [(String, JSONValue)] = [("anchor", .string(pair.query)), ("positive", .string(pair.passage))]
            for (index, text) in negatives.enumerated() { members.append(("negative_\(index + 1)", .string(text))) }
            return .object(members)
        case .msSwift:
            // The form of the Qwen3-Embedding SWIFT recipe
            // (https://github.com/QwenLM/Qwen3-Embedding/blob/main/docs/training/SWIFT.md):
            // {"query": "Instruct: …\nQuery:…", "response": passage, "rejected_response": [negatives]}; the key is
            // left out when there are no negatives (in-batch negatives only).
            var members: [(String, JSONValue)] = [
                ("query", .string(QueryInstruction.format(pair.query, instruction: instruction))),
                ("response", .string(pair.passage)),
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
                ("messages", .array([Self.userMessage(QueryInstruction.format(pair.query, instruction: instruction))])),
                ("positive_messages", .array([.array([Self.userMessage(pair.passage)])])),
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

    private static func userMessage(_ content: String) -> JSONValue {
        .object([("role", .string("user")), ("content", .string(content))])
    }

    /// The per-row metadata of FlagEmbedding rows: where the pair came from, its score and its negative search
    /// (`negatives_requested`/`negatives_found` are null when no search was recorded for the pair).
    static func metadata(_ pair: ExportPair) -> JSONValue {
        .object([
            ("run", .string(pair.run)),
            ("document", .string(pair.documentKey)),
            ("sample", .integer(pair.sample)),
            ("query_language", .string(pair.queryLanguage)),
            ("document_language", .string(pair.documentLanguage)),
            ("cosine", .number(pair.cosine)),
            ("negatives_requested", pair.negativeSearch.map { .integer($0.requested) } ?? .null),
            ("negatives_found", pair.negativeSearch.map { .integer($0.found) } ?? .null),
            ("negative_documents", .strings(pair.negatives.map(\.documentKey))),
        ])
    }
}

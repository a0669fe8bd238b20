/// Why a `tokenizer.json` could not be loaded.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The data is not a JSON object.
    case invalidJSON(reason: String)
    /// A required field is missing or has the wrong JSON type.
    case invalidField(path: String, expected: String)
    /// A component (`normalizer`, `pre_tokenizer`, `model`, `post_processor`, `decoder`) has a type this tokenizer does not implement.
    case unsupportedComponent(component: String, type: String)
    /// A supported component uses an option value this tokenizer does not implement.
    case unsupportedOption(component: String, option: String, value: String)
    /// A merge rule names a token missing from the vocabulary, or is malformed.
    case invalidMerge(index: Int, merge: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read tokenizer file \(path): \(reason)"
        case .invalidJSON(let reason):
            "tokenizer.json is not a valid JSON object: \(reason)"
        case .invalidField(let path, let expected):
            "tokenizer.json field '\(path)' is missing or not \(expected)"
        case .unsupportedComponent(let component, let type):
            "unsupported \(component) type '\(type)' in tokenizer.json; pairsmith implements the Qwen2/Qwen3 "
                + "byte-level BPE family (NFC, Split+ByteLevel, BPE, ByteLevel/TemplateProcessing)"
        case .unsupportedOption(let component, let option, let value):
            "unsupported \(component) option \(option) = \(value) in tokenizer.json"
        case .invalidMerge(let index, let merge, let reason):
            "tokenizer.json model.merges[\(index)] '\(merge)': \(reason)"
        }
    }
}

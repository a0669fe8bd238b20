/// Everything that can go wrong while loading a Qwen3 checkpoint or running it, as typed values.
///
/// Each message says what is wrong, where (file, field or tensor), and what to do about it.
public enum EngineError: Error, Equatable, CustomStringConvertible {
    /// A file the model folder needs is absent.
    case missingFile(path: String, hint: String)
    /// A file exists but could not be read or mapped.
    case unreadableFile(path: String, reason: String)
    /// `config.json` lacks a field, has a wrong type, or asks for something the engine does not support.
    case invalidConfig(path: String, field: String, reason: String)
    /// A safetensors file (or its index) is malformed.
    case invalidSafetensors(path: String, reason: String)
    /// A tensor uses a dtype other than BF16, F16 or F32.
    case unsupportedDType(tensor: String, dtype: String, path: String)
    /// A tensor the architecture needs is not in the checkpoint.
    case missingTensor(name: String, folder: String)
    /// The checkpoint holds a tensor that the architecture does not use.
    case unexpectedTensor(name: String, path: String)
    /// A tensor's shape differs from what `config.json` implies.
    case shapeMismatch(tensor: String, expected: [Int], found: [Int], path: String)
    /// The same tensor appears twice (e.g. with and without the `model.` prefix, or in two shards).
    case duplicateTensor(name: String, path: String)
    /// A token id has no row in the embedding table.
    case tokenOutOfRange(id: Int, vocabularySize: Int)
    /// An input sequence has no tokens.
    case emptySequence(index: Int)
    /// A sequence is longer than the model's `max_position_embeddings`.
    case sequenceTooLong(index: Int, length: Int, maximum: Int)
    /// The requested MRL output dimension is out of range.
    case invalidDimensions(requested: Int, minimum: Int, maximum: Int)
    /// The requested maximum length cannot hold the prompt.
    case invalidMaxLength(requested: Int, minimum: Int, reason: String)
    /// The tokenizer does not know a token the engine needs.
    case missingToken(token: String, path: String)
    /// The tokenizer could not be loaded.
    case tokenizer(path: String, reason: String)
    /// The compute library (oneDNN) refused or failed an operation.
    case compute(reason: String)

    public var description: String {
        switch self {
        case .missingFile(let path, let hint):
            "missing file \(path): \(hint)"
        case .unreadableFile(let path, let reason):
            "cannot read \(path): \(reason)"
        case .invalidConfig(let path, let field, let reason):
            "\(path): field '\(field)': \(reason)"
        case .invalidSafetensors(let path, let reason):
            "\(path): not a valid safetensors file: \(reason)"
        case .unsupportedDType(let tensor, let dtype, let path):
            "\(path): tensor '\(tensor)' has dtype \(dtype); only BF16, F16 and F32 are supported (convert the checkpoint)"
        case .missingTensor(let name, let folder):
            "\(folder): tensor '\(name)' is missing from the checkpoint (is this a Qwen3 model folder matching its config.json?)"
        case .unexpectedTensor(let name, let path):
            "\(path): unexpected tensor '\(name)' that a Qwen3 model does not use (wrong architecture or config.json?)"
        case .shapeMismatch(let tensor, let expected, let found, let path):
            "\(path): tensor '\(tensor)' has shape \(found) but config.json implies \(expected)"
        case .duplicateTensor(let name, let path):
            "\(path): tensor '\(name)' appears more than once (with and without the 'model.' prefix, or in two shards)"
        case .tokenOutOfRange(let id, let vocabularySize):
            "token id \(id) has no embedding row (vocab_size is \(vocabularySize)); the tokenizer and model do not match"
        case .emptySequence(let index):
            "input \(index) has no tokens"
        case .sequenceTooLong(let index, let length, let maximum):
            "input \(index) has \(length) tokens, more than max_position_embeddings (\(maximum)); truncate it"
        case .invalidDimensions(let requested, let minimum, let maximum):
            "dimensions \(requested) is out of range: choose \(minimum)…\(maximum)"
        case .invalidMaxLength(let requested, let minimum, let reason):
            "max length \(requested) is too small (at least \(minimum)): \(reason)"
        case .missingToken(let token, let path):
            "\(path): the tokenizer has no token '\(token)', which the engine needs"
        case .tokenizer(let path, let reason):
            "\(path): cannot load the tokenizer: \(reason)"
        case .compute(let reason):
            "compute failed: \(reason) (try --precision fp32)"
        }
    }
}

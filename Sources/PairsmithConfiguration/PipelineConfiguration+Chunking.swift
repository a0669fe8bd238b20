import Foundation
import PairsmithText

/// The pipeline file's `chunking:` block: documents over `maxTokens` tokens (the Qwen3 tokenizer, no special tokens)
/// are cut into passages at ingestion (see `PassageChunker`). A file without the block does not chunk.
///
/// ```yaml
/// chunking:
///   max_tokens: 512        # the passage budget, 16…32768 (default 512)
///   min_tokens: 64         # shorter chunks join a neighbour or are re-balanced; below max_tokens (default 64,
///                          # or max_tokens / 4 when that is smaller)
///   tokenizer: ../models/Qwen3-Embedding-0.6B   # a tokenizer.json or a folder holding one (default: the
///                                               # local embedding model's, from --embedding-model DIR)
/// ```
public struct ChunkingSettings: Sendable, Hashable {
    /// The values `max_tokens` may take.
    public static let budgetRange = PassageChunker.smallestBudget...32_768

    /// The passage budget, in tokens.
    public var maxTokens: Int
    /// Chunks under this many tokens are joined to a neighbour or re-balanced.
    public var minTokens: Int
    /// The `tokenizer.json` to count with (a folder given in the file is resolved to its `tokenizer.json`; relative
    /// paths against the pipeline file's folder); nil: the local embedding model's.
    public var tokenizer: URL?

    /// Creates the settings.
    public init(
        maxTokens: Int = PassageChunker.defaultMaxTokens, minTokens: Int = PassageChunker.defaultMinTokens, tokenizer: URL? = nil
    ) {
        self.maxTokens = maxTokens
        self.minTokens = minTokens
        self.tokenizer = tokenizer
    }

    /// The `tokenizer.json` chunking counts with: ``tokenizer`` when the file names one, else the one in
    /// `embeddingModelFolder` (the local embedding model, `--embedding-model DIR`); throws when there is neither.
    public func tokenizerFile(embeddingModelFolder: URL?) throws(ChunkingTokenizerError) -> URL {
        if let tokenizer { return tokenizer }
        guard let embeddingModelFolder else { throw ChunkingTokenizerError(detail: nil) }
        let file = embeddingModelFolder.appendingPathComponent("tokenizer.json")
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw ChunkingTokenizerError(detail: "the embedding model folder \(embeddingModelFolder.path) has no tokenizer.json")
        }
        return file
    }
}

/// Chunking was asked for but no tokenizer is known to count with.
public struct ChunkingTokenizerError: Error, CustomStringConvertible, Hashable {
    /// What was looked at, if anything.
    public var detail: String?

    /// Creates the error.
    public init(detail: String?) { self.detail = detail }

    public var description: String {
        let message =
            "chunking needs the Qwen3 tokenizer: pass --tokenizer FILE, set chunking.tokenizer to a tokenizer.json "
            + "(`pairsmith models pull Qwen/Qwen3-Embedding-0.6B --include tokenizer.json` fetches one), use "
            + "--embedding-model DIR, or remove the pipeline's chunking: block to keep documents whole"
        return detail.map { "\(message) (\($0))" } ?? message
    }
}

extension PipelineConfiguration {
    /// Parses the `chunking:` block; nil when the file has none (no chunking).
    static func parseChunking(_ node: ConfigNode?, folder: URL) throws -> ChunkingSettings? {
        guard let node else { return nil }
        let fields = try node.mapping(allowed: ["max_tokens", "min_tokens", "tokenizer"])
        var settings = ChunkingSettings()
        settings.maxTokens = try fields.optional("max_tokens")?.integer(in: ChunkingSettings.budgetRange) ?? settings.maxTokens
        if let minNode = fields.optional("min_tokens") {
            settings.minTokens = try minNode.integer(in: 0...(ChunkingSettings.budgetRange.upperBound - 1))
            guard settings.minTokens < settings.maxTokens else {
                throw minNode.error("must be below max_tokens (\(settings.maxTokens)), found \(settings.minTokens)")
            }
        } else {
            settings.minTokens = min(settings.minTokens, settings.maxTokens / 4)
        }
        if let tokenizerNode = fields.optional("tokenizer") {
            let written = try tokenizerNode.string()
            let url =
                written.hasPrefix("/")
                ? URL(fileURLWithPath: written) : folder.appendingPathComponent(written).standardizedFileURL
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                throw tokenizerNode.error(
                    "\(url.path) does not exist; give a tokenizer.json or a model folder holding one (relative paths "
                        + "start at the pipeline file's folder)")
            }
            if isDirectory.boolValue {
                let file = url.appendingPathComponent("tokenizer.json")
                guard FileManager.default.fileExists(atPath: file.path) else {
                    throw tokenizerNode.error("the folder \(url.path) has no tokenizer.json; give a tokenizer.json or a model folder holding one")
                }
                settings.tokenizer = file
            } else {
                settings.tokenizer = url
            }
        }
        return settings
    }
}

import Foundation
import PairsmithConfiguration
import PairsmithIngest
import PairsmithText

extension PassageChunker {
    /// The chunker a pipeline's `chunking:` block asks for, nil when it has none. It counts with
    /// `chunking.tokenizer`, else with the `tokenizer.json` of `embeddingModelFolder` (the local embedding model);
    /// throws ``ChunkingTokenizerError`` when there is neither, or the tokenizer's error when the file does not load.
    public static func forPipeline(_ configuration: PipelineConfiguration, embeddingModelFolder: URL?) throws -> PassageChunker? {
        guard let settings = configuration.chunking else { return nil }
        let counter = try TokenizerCounter(contentsOf: try settings.tokenizerFile(embeddingModelFolder: embeddingModelFolder))
        return try PassageChunker(maxTokens: settings.maxTokens, minTokens: settings.minTokens, counter: counter)
    }
}

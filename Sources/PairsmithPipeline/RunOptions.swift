import Foundation
import PairsmithText

/// What a retrieval run works on besides its pipeline file: the corpus, the persona library and the limits the
/// command line sets.
public struct GenerationRunOptions: Sendable {
    /// The corpus (JSONL file, `.txt`/`.md` file or folder).
    public var corpus: URL
    /// A persona library replacing the pipeline's, if given.
    public var personas: URL?
    /// Ingest at most this many corpus records.
    public var limit: Int?
    /// Units in flight per stage (replaces the pipeline's `concurrency` when given).
    public var concurrency: Int?
    /// The embedding model's name, the key under which persona and passage vectors are cached.
    public var embeddingModel: String
    /// How often progress is reported.
    public var progressInterval: Duration
    /// Cuts corpus records over the pipeline's passage budget at ingestion (see `PassageChunker.forPipeline`); nil:
    /// records are stored whole.
    public var chunker: PassageChunker? = nil
    /// The corpus shard this run takes (`--shard i/n`), nil: the whole corpus. A sharded run ingests only its
    /// shard's records, records the spec in the database (a database holds one shard), and after the LLM stages
    /// scores its examples but leaves dedup, selection and hard negatives for after `pairsmith merge`.
    public var shard: ShardSpec? = nil

    /// Creates options.
    public init(
        corpus: URL, personas: URL? = nil, limit: Int? = nil, concurrency: Int? = nil, embeddingModel: String,
        progressInterval: Duration = .seconds(5)
    ) {
        self.corpus = corpus
        self.personas = personas
        self.limit = limit
        self.concurrency = concurrency
        self.embeddingModel = embeddingModel
        self.progressInterval = progressInterval
    }
}

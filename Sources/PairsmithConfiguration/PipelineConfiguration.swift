import Foundation

/// A pipeline file (`pipelines/retrieval.yaml`), parsed and validated: everything a run needs besides its inputs.
public struct PipelineConfiguration: Sendable, Hashable {
    /// The pipeline's name, which is also the run's name in the store.
    public var name: String
    /// The file it was read from.
    public var file: URL
    /// SHA-256 of the file's bytes.
    public var fileSHA256: String
    /// The task family of the examples this pipeline makes (`retrieval`, `bitext`, `sts`, `classification`, …).
    public var task: String
    /// The chat endpoints, at least one.
    public var endpoints: [ChatEndpoint]
    /// Sampling parameters of every chat request (a stage may override them).
    public var sampling: Sampling
    /// The persona library, whether the task matches personas and how many candidates each passage gets.
    public var personas: PersonaSettings
    /// The embedding model and the anchor side's default instruction.
    public var embedding: EmbeddingSettings
    /// Units per passage (each sample is its own unit through every stage).
    public var samplesPerPassage: Int
    /// The declared option lists (`lists:`), by name.
    public var lists: [String: [ListItem]]
    /// The LLM stages, in order.
    public var stages: [StageDeclaration]
    /// What the last stage's unit produces.
    public var example: ExampleDeclaration
    /// Retry limits and back-off.
    public var retries: RetrySettings
    /// True when the file uses the format before declared stages (`prompts:`, `query:`, `validation:`).
    public var isLegacyFormat: Bool = false
    /// `samples_share_sentence: true`: every sample of a passage works on the same `passage.sentence` (STS writes
    /// several similarity levels for one anchor); false: each sample draws its own.
    public var samplesShareSentence: Bool = false
    /// The cosine similarity above which a pair enters the SFT set.
    public var similarityThreshold: Double
    /// Scoring, dedup, selection and hard-negative settings (the whole `selection:` block).
    public var selection: SelectionSettings = SelectionSettings()
    /// The file's text as read (the bytes ``fileSHA256`` hashes), as the run stores it.
    public var stored: StoredPipeline
    /// How long documents are cut into passages at ingestion (the `chunking:` block); nil: not cut.
    public var chunking: ChunkingSettings? = nil
    /// What tokens cost (the optional `pricing:` block); nil: no prices, so no spend is shown.
    public var pricing: PriceTable? = nil
    /// The `reranker:` block (nil: no rerank stage unless `pairsmith run --reranker-model/--reranker-url` asks).
    public var reranker: RerankerSettings? = nil

    /// One OpenAI-compatible chat endpoint.
    public struct ChatEndpoint: Sendable, Hashable {
        /// The base URL (up to and including `/v1`).
        public var url: String
        /// The model name sent in requests.
        public var model: String
        /// The environment variable holding the API key, if the endpoint needs one.
        public var keyEnvironment: String?
        /// Requests in flight at this endpoint, at most.
        public var concurrency: Int
        /// Whether the requests in flight adapt below `concurrency` (AIMD on 429, 5xx, timeouts, rising latency).
        public var adaptive = true
        /// The smallest adaptive window.
        public var minimumConcurrency = 1
        /// The adaptive window at the start (nil: `concurrency`).
        public var initialConcurrency: Int? = nil
        /// The window is cut when recent latency exceeds this multiple of the long-run latency (0: never).
        public var latencyTolerance = 3.0

        /// Creates an endpoint description.
        public init(url: String, model: String, keyEnvironment: String? = nil, concurrency: Int) {
            self.url = url
            self.model = model
            self.keyEnvironment = keyEnvironment
            self.concurrency = concurrency
        }
    }

    /// Sampling parameters of chat requests.
    public struct Sampling: Sendable, Hashable {
        /// Temperature, 0…2.
        public var temperature: Double
        /// Nucleus sampling mass, in (0, 1].
        public var topP: Double
        /// The answer's token limit.
        public var maxTokens: Int

        /// Creates the settings.
        public init(temperature: Double, topP: Double, maxTokens: Int) {
            self.temperature = temperature
            self.topP = topP
            self.maxTokens = maxTokens
        }
    }

    /// The persona library.
    public struct PersonaSettings: Sendable, Hashable {
        /// The library file or folder (`--personas` replaces it).
        public var library: URL
        /// Candidates per passage (the report uses five).
        public var candidates: Int
        /// Whether the task matches personas to passages at all.
        public var match: Bool

        /// Creates the settings.
        public init(library: URL, candidates: Int, match: Bool = true) {
            self.library = library
            self.candidates = candidates
            self.match = match
        }
    }

    /// The embedding model used for persona matching and scoring.
    public struct EmbeddingSettings: Sendable, Hashable {
        /// A model folder or name (`--embedding-model`/`--embedding-url` replace it).
        public var model: String
        /// The anchor side's default instruction (the example's `anchor_instruction`; legacy files'
        /// `embedding.query_instruction`), used for examples stored without one.
        public var queryInstruction: String
        /// Texts embedded per batch.
        public var batchSize: Int
        /// The local engine's arithmetic: `auto` (bf16 where the CPU runs it on AMX, else fp32), `bf16` or `fp32`.
        public var precision: String

        /// The values `precision` takes.
        public static let precisions = ["auto", "bf16", "fp32"]

        /// Creates the settings.
        public init(model: String, queryInstruction: String, batchSize: Int, precision: String = "auto") {
            self.model = model
            self.queryInstruction = queryInstruction
            self.batchSize = batchSize
            self.precision = precision
        }
    }

    /// Retry limits.
    public struct RetrySettings: Sendable, Hashable {
        /// Answers asked for per unit before it is recorded as failed.
        public var answerAttempts: Int
        /// Attempts per request on transport faults.
        public var transportAttempts: Int
        /// The first back-off delay, in seconds.
        public var initialBackoffSeconds: Double
        /// The longest back-off delay, in seconds.
        public var maxBackoffSeconds: Double

        /// Creates the settings.
        public init(answerAttempts: Int, transportAttempts: Int, initialBackoffSeconds: Double, maxBackoffSeconds: Double) {
            self.answerAttempts = answerAttempts
            self.transportAttempts = transportAttempts
            self.initialBackoffSeconds = initialBackoffSeconds
            self.maxBackoffSeconds = maxBackoffSeconds
        }
    }
}

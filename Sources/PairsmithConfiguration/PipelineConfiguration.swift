import Foundation

/// A pipeline file (`pipelines/retrieval.yaml`), parsed and validated: everything a run needs besides its inputs.
public struct PipelineConfiguration: Sendable, Hashable {
    /// The pipeline's name, which is also the run's name in the store.
    public var name: String
    /// The file it was read from.
    public var file: URL
    /// SHA-256 of the file's bytes.
    public var fileSHA256: String
    /// Where the prompt templates and their answer schemas are.
    public var prompts: PromptFiles
    /// The chat endpoints, at least one.
    public var endpoints: [ChatEndpoint]
    /// Sampling parameters of every chat request.
    public var sampling: Sampling
    /// The persona library and how many candidates each passage gets.
    public var personas: PersonaSettings
    /// The embedding model and the query-side instruction.
    public var embedding: EmbeddingSettings
    /// Queries written per passage.
    public var samplesPerPassage: Int
    /// How query lengths and languages are drawn.
    public var query: QueryPlanSettings
    /// Units worked on at once per stage.
    public var concurrency: StageConcurrency
    /// Retry limits and back-off.
    public var retries: RetrySettings
    /// Answer validation bounds.
    public var validation: ValidationSettings
    /// The cosine similarity above which a pair enters the SFT set.
    public var similarityThreshold: Double
    /// Scoring, dedup, selection and hard-negative settings (the whole `selection:` block).
    public var selection: SelectionSettings = SelectionSettings()
    /// The file's text as read (the bytes ``fileSHA256`` hashes), as the run stores it.
    public var stored: StoredPipeline
    /// How long documents are cut into passages at ingestion (the `chunking:` block); nil: not cut.
    public var chunking: ChunkingSettings? = nil

    /// The prompt templates and schemas, as resolved paths.
    public struct PromptFiles: Sendable, Hashable {
        /// The configure stage's Mustache template.
        public var configure: URL
        /// The configure answer's JSON schema (its `character` enum is filled per passage).
        public var configureSchema: URL
        /// The generate stage's Mustache template.
        public var generate: URL
        /// The generate answer's JSON schema.
        public var generateSchema: URL

        /// Creates the settings.
        public init(configure: URL, configureSchema: URL, generate: URL, generateSchema: URL) {
            self.configure = configure
            self.configureSchema = configureSchema
            self.generate = generate
            self.generateSchema = generateSchema
        }
    }

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

        /// Creates the settings.
        public init(library: URL, candidates: Int) {
            self.library = library
            self.candidates = candidates
        }
    }

    /// The embedding model used for persona matching and scoring.
    public struct EmbeddingSettings: Sendable, Hashable {
        /// A model folder or name (`--embedding-model`/`--embedding-url` replace it).
        public var model: String
        /// The task instruction the query side carries.
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

    /// A range of query lengths in words, drawn with a weight.
    public struct LengthBucket: Sendable, Hashable {
        /// The shortest length, in words.
        public var minWords: Int
        /// The longest length, in words.
        public var maxWords: Int
        /// The bucket's relative weight.
        public var weight: Double

        /// Creates the settings.
        public init(minWords: Int, maxWords: Int, weight: Double) {
            self.minWords = minWords
            self.maxWords = maxWords
            self.weight = weight
        }
    }

    /// How query lengths and languages are drawn.
    public struct QueryPlanSettings: Sendable, Hashable {
        /// Length buckets (weights need not sum to 1).
        public var length: [LengthBucket]
        /// The share of queries asked for in a language other than the passage's, 0…1.
        public var crossLingualShare: Double
        /// Target languages of cross-lingual queries and their weights, sorted by code.
        public var crossLingualTargets: [WeightedLanguage]

        /// Creates the settings.
        public init(length: [LengthBucket], crossLingualShare: Double, crossLingualTargets: [WeightedLanguage]) {
            self.length = length
            self.crossLingualShare = crossLingualShare
            self.crossLingualTargets = crossLingualTargets
        }
    }

    /// A language code with a weight.
    public struct WeightedLanguage: Sendable, Hashable {
        /// ISO 639-1 code.
        public var code: String
        /// Relative weight.
        public var weight: Double

        /// Creates the settings.
        public init(code: String, weight: Double) {
            self.code = code
            self.weight = weight
        }
    }

    /// Units worked on at once per stage.
    public struct StageConcurrency: Sendable, Hashable {
        /// The configure stage.
        public var configure: Int
        /// The generate stage.
        public var generate: Int

        /// Creates the settings.
        public init(configure: Int, generate: Int) {
            self.configure = configure
            self.generate = generate
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

    /// Answer validation bounds.
    public struct ValidationSettings: Sendable, Hashable {
        /// The shortest accepted query, as a share of the requested length.
        public var lengthRatioMin: Double
        /// The longest accepted query, as a multiple of the requested length.
        public var lengthRatioMax: Double
        /// A query sharing more than this share of its words with one passage sentence is a copy.
        public var maxPassageOverlap: Double

        /// Creates the settings.
        public init(lengthRatioMin: Double, lengthRatioMax: Double, maxPassageOverlap: Double) {
            self.lengthRatioMin = lengthRatioMin
            self.lengthRatioMax = lengthRatioMax
            self.maxPassageOverlap = maxPassageOverlap
        }
    }
}

import Foundation
import PairsmithConfiguration
import PairsmithEndpoints
import PairsmithIngest
import PairsmithMatching
import PairsmithStages
import PairsmithStore
import PairsmithText

/// One run of a pipeline's LLM stages over a corpus, start to finish or until cancelled:
/// begin (or resume) the run, recover units a killed process left running, ingest the corpus, load the personas and
/// match them to passages (when the task uses personas), enqueue the first stage's units, then run every declared
/// stage at the same time. A unit's next stage is enqueued in the transaction that completes it, and that stage's
/// workers pick it up at once. Every answer is stored under its request hash, so running the same command
/// again (after a kill, or after the end) asks nothing twice and stores no duplicates.
///
/// Cancel the calling task to stop gracefully: the units in flight are abandoned (they stay `running` and are
/// recovered on the next start), every write already handed over is committed, and ``execute()`` returns a summary
/// marked interrupted.
public struct GenerationRun: Sendable {
    /// The pipeline file.
    public let configuration: PipelineConfiguration
    /// The store.
    public let store: PairsmithStore
    /// The chat client (its endpoints and retries come from the caller; see ``GenerationRun/chatConfiguration(for:)``).
    public let client: ChatClient
    /// Embeds persona and passage texts (no instruction).
    public let embed: EmbedTexts
    /// Corpus, personas and limits.
    public let options: GenerationRunOptions
    /// Called every `options.progressInterval` while the LLM stages run.
    public let onProgress: @Sendable (RunProgress) -> Void

    /// Creates a run.
    public init(
        configuration: PipelineConfiguration, store: PairsmithStore, client: ChatClient, embed: @escaping EmbedTexts,
        options: GenerationRunOptions, onProgress: @escaping @Sendable (RunProgress) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.store = store
        self.client = client
        self.embed = embed
        self.options = options
        self.onProgress = onProgress
    }

    /// Runs the pipeline; returns what it did. Throws for bad inputs or a database that cannot be written, never for
    /// a bad answer or a failing endpoint (those end as failed units with their reasons).
    public func execute() async throws -> RunSummary {
        // Every stage's template, schema and few-shot file is checked before anything is ingested or asked.
        let pipeline = try CompiledPipeline(configuration: configuration)
        try await Self.checkShard(store: store, configuration: configuration, shard: options.shard)
        if try await store.run(configuration.name) == nil {  // a new run: seeds keyed by passage keys (shard-invariant)
            try await store.recordSeedScheme(run: configuration.name, scheme: .documentKey)
        }
        let run = try await store.beginRun(configuration.runRecord()).id
        if let shard = options.shard {
            try await store.recordShard(StoredShard(run: run, index: shard.index, count: shard.count, keyHash: ShardSpec.hashName))
        }
        try await store.recoverInterruptedUnits(run: run)
        let ingest = try await CorpusIngester(
            store: store, options: .init(limit: options.limit, shard: options.shard), chunker: options.chunker
        )
        .ingest(options.corpus)
        var personaReport = IngestReport()
        var matching = MatchReport(matchedNow: 0, personaCount: 0, usage: [:])
        if configuration.personas.match {
            personaReport = try await PersonaLoader(store: store).load(options.personas ?? configuration.personas.library)
            let matcher = PersonaMatcher(
                store: store, model: options.embeddingModel, candidates: configuration.personas.candidates,
                batchSize: configuration.embedding.batchSize, embed: embed)
            matching = try await matcher.matchAll(run: run)
        }
        guard let first = configuration.stages.first else { throw PipelineRunError.noStages(configuration.file.path) }
        try await store.enqueueForDocuments(
            run: run, stage: first.name, samples: configuration.samplesPerPassage,
            onlyWithCandidates: configuration.personas.match)

        let stages = try await StageRunner(
            configuration: configuration, store: store, client: client, run: run, concurrency: options.concurrency,
            progressInterval: options.progressInterval, pipeline: pipeline, onProgress: onProgress
        ).execute()
        let progress = stages.progress
        return RunSummary(
            run: run, ingest: ingest, personas: personaReport, matching: matching, progress: progress, pairs: stages.pairs,
            interrupted: Task.isCancelled && !progress.isSettled)
    }

    /// Refuses a shard spec that does not match the database: one database holds one shard of a run (or the whole
    /// corpus), so a run asking for another shard, or none, would mix passages of several. Reads only.
    public static func checkShard(store: PairsmithStore, configuration: PipelineConfiguration, shard: ShardSpec?) async throws {
        let name = configuration.name
        let recorded = try await store.shard(run: name)
        let existing = try await store.run(name)
        switch (shard, recorded) {
        case (let asked?, let stored?) where stored.index != asked.index || stored.count != asked.count:
            throw PipelineRunError.shardMismatch(
                database: store.path, run: name, recorded: stored.spec, asked: asked.description)
        case (nil, let stored?):
            throw PipelineRunError.shardMismatch(database: store.path, run: name, recorded: stored.spec, asked: nil)
        case (let asked?, nil) where existing != nil:
            throw PipelineRunError.shardMismatch(database: store.path, run: name, recorded: nil, asked: asked.description)
        default: return
        }
    }

    /// Builds the chat client configuration of a pipeline: its endpoints and transport retries.
    public static func chatConfiguration(for configuration: PipelineConfiguration) -> ChatClientConfiguration {
        let endpoints = configuration.endpoints.map { endpoint in
            EndpointConfiguration(
                url: endpoint.url, model: endpoint.model,
                apiKey: endpoint.keyEnvironment.map { APIKeySource.environment($0) } ?? .none,
                maxConcurrentRequests: max(1, endpoint.concurrency),
                adaptive: AdaptiveConcurrency(
                    isEnabled: endpoint.adaptive, initialWindow: endpoint.initialConcurrency,
                    minimumWindow: endpoint.minimumConcurrency, latencyTolerance: endpoint.latencyTolerance))
        }
        let retries = configuration.retries
        let retry = RetryPolicy(
            maxAttempts: max(1, retries.transportAttempts), baseDelay: .milliseconds(Int(retries.initialBackoffSeconds * 1_000)),
            maxDelay: .milliseconds(Int(retries.maxBackoffSeconds * 1_000)))
        return ChatClientConfiguration(endpoints: endpoints, retry: retry)
    }
}

/// A pipeline that cannot run.
public enum PipelineRunError: Error, CustomStringConvertible, Sendable {
    /// The pipeline declares no LLM stage.
    case noStages(String)
    /// The database holds another shard of the run (or the whole corpus) than the one asked for.
    case shardMismatch(database: String, run: String, recorded: String?, asked: String?)

    public var description: String {
        switch self {
        case .noStages(let file): "\(file) declares no stage; list at least one under stages:"
        case .shardMismatch(let database, let run, let recorded, let asked):
            "\(database) holds "
                + (recorded.map { "shard \($0)" } ?? "the whole corpus") + " of run \(run), but this run asks for "
                + (asked.map { "shard \($0)" } ?? "the whole corpus (no --shard)")
                + "; give " + (recorded.map { "--shard \($0)" } ?? "no --shard") + " or another --db (one database per shard)"
        }
    }
}

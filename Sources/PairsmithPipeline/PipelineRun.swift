import Foundation
import Logging
import PairsmithConfiguration
import PairsmithEndpoints
import PairsmithEngine
import PairsmithSelection
import PairsmithStages
import PairsmithStore
import PairsmithText

/// One `pairsmith run` as a library call: the LLM stages over the corpus (``GenerationRun``), then — when they
/// settled every unit and stored pairs — the selection stages (score → dedup → select → hard negatives).
///
/// Cancel the calling task to stop gracefully: what is done is committed, and the outcome says the run was
/// interrupted, so the same call later resumes where it stopped.
public struct PipelineRun: Sendable {
    /// The pipeline file, with the command line's overrides applied.
    public let configuration: PipelineConfiguration
    /// The run's database.
    public let store: PairsmithStore
    /// Embeds personas, passages and queries (local engine or remote servers).
    public let embedder: EmbeddingBackend
    /// Corpus, personas and limits.
    public let options: GenerationRunOptions
    /// Where the chat client and the stages log.
    public let logger: Logger
    /// Called with the LLM stages' progress every `options.progressInterval`.
    public let onProgress: @Sendable (RunProgress) -> Void
    /// Called once the LLM stages have settled or stopped, before the selection stages start.
    public let onStagesFinished: @Sendable (RunSummary) -> Void
    /// Called with a line for each selection step.
    public let onMessage: @Sendable (String) -> Void
    /// The reranker of the rerank stage and the negatives' margins (nil: none).
    public var reranker: RerankBackend?

    /// Creates the run.
    public init(
        configuration: PipelineConfiguration, store: PairsmithStore, embedder: EmbeddingBackend,
        options: GenerationRunOptions, logger: Logger, onProgress: @escaping @Sendable (RunProgress) -> Void = { _ in },
        onStagesFinished: @escaping @Sendable (RunSummary) -> Void = { _ in },
        onMessage: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.store = store
        self.embedder = embedder
        self.options = options
        self.logger = logger
        self.onProgress = onProgress
        self.onStagesFinished = onStagesFinished
        self.onMessage = onMessage
    }

    /// Runs the LLM stages, then the selection stages when there is something to select; returns what happened.
    /// Throws for bad inputs or a database that cannot be written, never for a bad answer or a failing endpoint.
    public func execute() async throws -> PipelineRunOutcome {
        let embedder = self.embedder
        if let model = embedder.localModel {  // recorded with the run: a resumed run keeps it
            try await store.recordPrecision(run: configuration.name, precision: model.precision.rawValue)
        }
        let summary: RunSummary
        do {
            summary = try await ChatClient.withClient(GenerationRun.chatConfiguration(for: configuration), logger: logger) {
                client in
                try await GenerationRun(
                    configuration: configuration, store: store, client: client,
                    embed: { texts in try await embedder.embed(texts) }, options: options, onProgress: onProgress
                ).execute()
            }
        } catch is CancellationError {
            return PipelineRunOutcome(summary: nil, selection: nil, interrupted: true)
        }
        onStagesFinished(summary)
        guard !summary.interrupted, summary.pairs > 0 else {
            return PipelineRunOutcome(summary: summary, selection: nil, interrupted: summary.interrupted)
        }
        if let shard = options.shard {
            return try await scoreShard(shard, summary: summary)
        }
        do {
            var job = SelectionJob(
                configuration: configuration, store: store, model: options.embeddingModel,
                embed: { texts in try await embedder.embed(texts) }, onProgress: onMessage)
            job.rerank = reranker?.scorer(instruction: configuration.embedding.queryInstruction)
            let selection = try await job.execute()
            return PipelineRunOutcome(summary: summary, selection: selection, interrupted: Task.isCancelled)
        } catch is CancellationError {  // scores are committed per batch: the rerun scores only the rest
            return PipelineRunOutcome(summary: summary, selection: nil, interrupted: true)
        }
    }
}

extension PipelineRun {
    /// A shard's end: its examples are scored (embedding is the costly part, done where the shard runs), while
    /// dedup, selection and hard negatives, which need the whole corpus, wait for `pairsmith merge` and then
    /// `pairsmith select` / `pairsmith negatives` on the merged database.
    private func scoreShard(_ shard: ShardSpec, summary: RunSummary) async throws -> PipelineRunOutcome {
        let embedder = self.embedder
        do {
            let report = try await ScoreStage(
                store: store, model: options.embeddingModel, instruction: configuration.embedding.queryInstruction,
                embedBatchSize: max(configuration.embedding.batchSize, 1), embed: { texts in try await embedder.embed(texts) }
            ).scoreAll(run: configuration.name)
            onMessage(report.description)
            onMessage(
                "shard \(shard): dedup, selection and hard negatives run after `pairsmith merge`, over the whole corpus "
                    + "(`pairsmith select --db ALL` and `pairsmith negatives --db ALL`)")
            var selection = SelectionSummary()
            selection.score = report
            return PipelineRunOutcome(summary: summary, selection: selection, interrupted: Task.isCancelled)
        } catch is CancellationError {
            return PipelineRunOutcome(summary: summary, selection: nil, interrupted: true)
        }
    }
}

/// What a ``PipelineRun`` did, and how it ended.
public struct PipelineRunOutcome: Sendable {
    /// How a run ended, for the caller's exit status.
    public enum Ending: Sendable, Hashable {
        /// Every unit is done or recorded as failed.
        case complete
        /// Some units are neither done nor failed (the same command again goes on with them).
        case incomplete
        /// Stopped by cancellation (a signal); the same command again resumes where it stopped.
        case interrupted
    }

    /// The LLM stages' summary (nil when the run was cancelled before it could be read).
    public var summary: RunSummary?
    /// The selection stages' summary (nil when they did not run or were stopped).
    public var selection: SelectionSummary?
    /// True when cancellation stopped the LLM stages or the selection stages.
    public var interrupted: Bool

    /// Creates an outcome.
    public init(summary: RunSummary?, selection: SelectionSummary?, interrupted: Bool) {
        self.summary = summary
        self.selection = selection
        self.interrupted = interrupted
    }

    /// How the run ended.
    public var ending: Ending {
        guard let summary, !interrupted else { return .interrupted }
        return summary.isComplete ? .complete : .incomplete
    }
}

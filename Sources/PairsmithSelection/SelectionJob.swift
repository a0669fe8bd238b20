import Foundation
import PairsmithConfiguration
import PairsmithMatching
import PairsmithStore

/// The stages after the LLM stages, in order: score (when an embedder is given) → dedup → select (weak and SFT) →
/// hard negatives. Every step is resumable: scores are committed per batch, dedup and selection are recomputed from
/// what is stored, negatives are searched only for pairs without a search under the same parameters.
public struct SelectionJob: Sendable {
    /// The store.
    public let store: PairsmithStore
    /// The run's name.
    public let run: String
    /// The embedding model's name (the key of vectors and scores).
    public let model: String
    /// The query-side task instruction.
    public let instruction: String
    /// Dedup, selection and hard-negative settings.
    public let settings: PipelineConfiguration.SelectionSettings
    /// The SFT criteria (from the settings unless overridden).
    public let criteria: SelectionCriteria
    /// Texts per embedding call.
    public let embedBatchSize: Int
    /// Embeds texts as given (nil: use stored scores only, embed nothing).
    public let embed: EmbedTexts?
    /// Told what each step did.
    public let onProgress: @Sendable (String) -> Void
    /// The reranker: the rerank stage scores every example, and the negatives' margins compare its scores (nil: no
    /// rerank stage; margins on cosines).
    public var rerank: RerankScorer?

    /// Creates the job.
    public init(
        store: PairsmithStore, run: String, model: String, instruction: String,
        settings: PipelineConfiguration.SelectionSettings, criteria: SelectionCriteria? = nil, embedBatchSize: Int = 64,
        embed: EmbedTexts?, onProgress: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.store = store
        self.run = run
        self.model = model
        self.instruction = instruction
        self.settings = settings
        self.criteria = criteria ?? SelectionCriteria(settings: settings)
        self.embedBatchSize = embedBatchSize
        self.embed = embed
        self.onProgress = onProgress
    }

    /// The job for a pipeline's run, scoring with `embed`.
    public init(
        configuration: PipelineConfiguration, store: PairsmithStore, model: String, embed: EmbedTexts?,
        onProgress: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.init(
            store: store, run: configuration.name, model: model, instruction: configuration.embedding.queryInstruction,
            settings: configuration.selection, embedBatchSize: max(configuration.embedding.batchSize, 1), embed: embed,
            onProgress: onProgress)
    }

    /// Runs the steps; returns what each did.
    public func execute() async throws -> SelectionSummary {
        var summary = SelectionSummary()
        if let embed {
            let stage = ScoreStage(
                store: store, model: model, instruction: instruction, embedBatchSize: embedBatchSize, embed: embed)
            summary.score = try await stage.scoreAll(run: run)
            onProgress(summary.score?.description ?? "")
        }
        let duplicates = try await Deduplicator(
            store: store, model: model, nearDuplicateCosine: settings.nearDuplicateCosine
        ).deduplicate(run: run)
        summary.exactDuplicates = duplicates.filter { $0.kind == .exact }.count
        summary.nearDuplicates = duplicates.count - summary.exactDuplicates
        onProgress("dedup: \(summary.exactDuplicates) exact and \(summary.nearDuplicates) near duplicates")
        if let rerank {
            summary.rerank = try await RerankStage(store: store, reranker: rerank).rerankAll(run: run)
            onProgress(summary.rerank?.description ?? "")
        }
        let selector = Selector(store: store, model: model)
        let policy = TaskSelectionPolicy(settings: settings)
        let ranks = criteria.filters?.usesPositiveRank ?? false
        if ranks && settings.negatives.pool != .passages {
            throw SelectionError.invalidParameter(
                "max_positive_rank ranks the positive among the corpus's passages, but negatives.pool is "
                    + "\(settings.negatives.pool.rawValue); drop max_positive_rank or use pool: passages")
        }
        let mine: @Sendable () async throws -> NegativeReport = {
            settings.negatives.pool == .passages
                ? try await HardNegativeMiner(
                    store: store, model: model, settings: settings.negatives, rerank: rerank, rankPositives: ranks
                ).mine(run: run)
                : try await ExampleNegativeMiner(
                    store: store, model: model, settings: settings.negatives, minScore: settings.cosineFilterMinScore ?? 0.75
                ).mine(run: run)
        }
        var negatives = NegativeReport()
        if ranks {
            // The round-trip ranks come from the negative search over the weak set, so it runs before the SFT
            // selection that reads them.
            try await selector.selectWeak(run: run, criteria: criteria)
            negatives = try await mine()
        }
        let outcome = try await selector.select(run: run, criteria: criteria, policy: policy)
        summary.selection = outcome
        onProgress(outcome.description)
        if !ranks { negatives = try await mine() }
        summary.negatives = negatives
        onProgress(negatives.description)
        return summary
    }

    /// The embedding model a run's stored scores are under: `preferred` if given, else the only one.
    public static func scoredModel(store: PairsmithStore, run: String, preferred: String?) async throws -> String {
        if let preferred { return preferred }
        let models = try await store.scoreModels(run: run)
        guard let first = models.first else { throw SelectionError.noScores(run: run) }
        guard models.count == 1 else { throw SelectionError.ambiguousModel(run: run, models: models.map(\.model)) }
        return first.model
    }
}

/// What a ``SelectionJob`` did.
public struct SelectionSummary: Sendable, Hashable, CustomStringConvertible {
    /// The score pass (nil when nothing was embedded).
    public var score: ScoreReport?
    /// The rerank pass (nil when no reranker was given).
    public var rerank: RerankReport?
    /// Exact duplicates recorded.
    public var exactDuplicates = 0
    /// Near duplicates recorded.
    public var nearDuplicates = 0
    /// The selection stored.
    public var selection: SelectionOutcome?
    /// The hard-negative search.
    public var negatives = NegativeReport()

    /// Creates an empty summary.
    public init() {}

    public var description: String {
        [
            score?.description, rerank?.description, "dedup: \(exactDuplicates) exact, \(nearDuplicates) near duplicates", selection?.description,
            negatives.description,
        ].compactMap { $0 }.joined(separator: "\n")
    }
}

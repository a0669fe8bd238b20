import Foundation
import PairsmithConfiguration
import PairsmithEndpoints
import PairsmithStore

/// The LLM stages of a run (configure and generate) side by side over the work queue, until every unit is settled
/// or the calling task is cancelled. A passage's generate unit is enqueued in the transaction that completes its
/// configure unit, and the generate workers pick it up at once; every answer is stored under its request hash.
///
/// The configure units must be enqueued already (the caller ingests, matches personas and enqueues first).
public struct StageRunner: Sendable {
    /// The pipeline file.
    public let configuration: PipelineConfiguration
    /// The store.
    public let store: PairsmithStore
    /// The chat client.
    public let client: ChatClient
    /// The run's name.
    public let run: String
    /// Units in flight per stage (nil: the pipeline's `concurrency`).
    public let concurrency: Int?
    /// How often progress is reported.
    public let progressInterval: Duration
    /// Called every `progressInterval` while the stages run.
    public let onProgress: @Sendable (RunProgress) -> Void

    /// Creates the runner.
    public init(
        configuration: PipelineConfiguration, store: PairsmithStore, client: ChatClient, run: String, concurrency: Int?,
        progressInterval: Duration, onProgress: @escaping @Sendable (RunProgress) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.store = store
        self.client = client
        self.run = run
        self.concurrency = concurrency
        self.progressInterval = progressInterval
        self.onProgress = onProgress
    }

    /// What the stages did: the final counts and the pairs stored for the run.
    public struct Result: Sendable, Hashable {
        /// Units per stage, requests sent and answers reused by this process.
        public var progress: RunProgress
        /// Pairs stored for the run (by this and earlier processes).
        public var pairs: Int
    }

    /// Runs the stages; returns once every unit is settled, or after cancellation with what was committed.
    public func execute() async throws -> Result {
        let personas = Dictionary(
            try await store.personas().compactMap { record in record.id.map { ($0, record.text) } },
            uniquingKeysWith: { first, _ in first })
        let counters = RunCounters()
        let work = StageWork(
            store: store, run: run, configuration: configuration, prompts: try RetrievalPrompts(configuration: configuration),
            rules: AnswerRules(settings: configuration.validation),
            planner: QueryPlanner(settings: configuration.query),
            answers: AnswerSource(
                store: store, client: client, model: configuration.endpoints.first?.model ?? "", counters: counters),
            personas: personas)
        let baseline = try await RunProgress.start(store: store, run: run)
        let started = ContinuousClock.now
        try await runStages(work: work, counters: counters, started: started, baseline: baseline)

        let elapsed = Self.seconds(ContinuousClock.now - started)
        let final = try await FinalCounts.settle(store: store, run: run)
        let (sent, reused, made) = await counters.snapshot()
        let progress = RunProgress(
            configure: final.configure, generate: final.generate, requestsSent: sent, answersReused: reused,
            elapsedSeconds: elapsed, pairsMadeNow: made, configureSettledAtStart: baseline.configureSettledAtStart,
            generateSettledAtStart: baseline.generateSettledAtStart)
        return Result(progress: progress, pairs: final.pairs)
    }

    /// The configure and generate stages side by side, a progress reporter and the writer's timed flushes; the
    /// writer is flushed last, also after cancellation.
    private func runStages(
        work: StageWork, counters: RunCounters, started: ContinuousClock.Instant, baseline: RunProgress
    )
        async throws
    {
        let writer = BatchWriter(store: store, configuration: .init(maxBatchSize: 256, maxDelay: .milliseconds(100)))
        let gate = StageGate()
        let configureLimit = max(1, concurrency ?? configuration.concurrency.configure)
        let generateLimit = max(1, concurrency ?? configuration.concurrency.generate)
        let configureLoop = StageLoop(
            store: store, writer: writer, run: run, stage: .configure, limit: configureLimit,
            pollInterval: .milliseconds(50), upstreamFinished: { true }, work: { try await work.perform($0) })
        let generateLoop = StageLoop(
            store: store, writer: writer, run: run, stage: .generate, limit: generateLimit,
            pollInterval: .milliseconds(50), upstreamFinished: { await gate.isOpen }, work: { try await work.perform($0) })
        do {
            try await withThrowingTaskGroup(of: Void.self) { helpers in
                helpers.addTask { try await writer.run() }
                helpers.addTask { [store, onProgress, progressInterval, run] in
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: progressInterval) } catch { return }
                        let elapsed = Self.seconds(ContinuousClock.now - started)
                        if let progress = try? await RunProgress.read(
                            store: store, run: run, counters: counters, elapsed: elapsed, baseline: baseline)
                        {
                            onProgress(progress)
                        }
                    }
                }
                try await withThrowingTaskGroup(of: Void.self) { stages in
                    stages.addTask {
                        try await configureLoop.run()
                        await gate.open()
                    }
                    stages.addTask { try await generateLoop.run() }
                    try await stages.waitForAll()
                }
                helpers.cancelAll()
                try await helpers.waitForAll()
            }
        } catch {
            try? await writer.close()
            throw error
        }
        try await writer.close()
    }

    /// Seconds in `duration`.
    package static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}

import Foundation
import PairsmithConfiguration
import PairsmithEndpoints
import PairsmithStore

/// The declared LLM stages of a run side by side over the work queue, until every unit is settled or the calling
/// task is cancelled. A unit's next stage is enqueued in the transaction that completes it, and that stage's
/// workers pick it up at once; every answer is stored under its request hash.
///
/// The first stage's units must be enqueued already (the caller ingests, matches personas and enqueues first).
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
    /// The stages compiled already by the caller (nil: compiled from `configuration` when the runner starts).
    public let pipeline: CompiledPipeline?

    /// Creates the runner.
    public init(
        configuration: PipelineConfiguration, store: PairsmithStore, client: ChatClient, run: String, concurrency: Int?,
        progressInterval: Duration, pipeline: CompiledPipeline? = nil,
        onProgress: @escaping @Sendable (RunProgress) -> Void = { _ in }
    ) {
        self.pipeline = pipeline
        self.configuration = configuration
        self.store = store
        self.client = client
        self.run = run
        self.concurrency = concurrency
        self.progressInterval = progressInterval
        self.onProgress = onProgress
    }

    /// What the stages did: the final counts and the examples stored for the run.
    public struct Result: Sendable, Hashable {
        /// Units per stage, requests sent and answers reused by this process.
        public var progress: RunProgress
        /// Examples stored for the run (by this and earlier processes).
        public var pairs: Int
    }

    /// Runs the stages; returns once every unit is settled, or after cancellation with what was committed.
    /// - Throws: a ``ConfigurationError`` for a stage whose files do not check out (before any request), or a store error.
    public func execute() async throws -> Result {
        let pipeline = try self.pipeline ?? CompiledPipeline(configuration: configuration)
        let personas = Dictionary(
            try await store.personas().compactMap { record in record.id.map { ($0, record.text) } },
            uniquingKeysWith: { first, _ in first })
        let counters = RunCounters(pricing: configuration.pricing, model: configuration.endpoints.first?.model ?? "")
        let work = StageWork(
            store: store, run: run, pipeline: pipeline,
            answers: AnswerSource(
                store: store, client: client, model: configuration.endpoints.first?.model ?? "", counters: counters),
            personas: personas, seedsByDocumentKey: try await store.seedScheme(run: run) == .documentKey)
        let names = pipeline.stages.map(\.name)
        let baseline = try await RunProgress.start(store: store, run: run, stageNames: names)
        let started = ContinuousClock.now
        try await runStages(pipeline: pipeline, work: work, counters: counters, started: started, baseline: baseline)

        let elapsed = Self.seconds(ContinuousClock.now - started)
        let final = try await FinalCounts.settle(store: store, run: run, stageNames: names, baseline: baseline)
        let (sent, reused, made) = await counters.snapshot()
        var progress = RunProgress(
            stages: final.stages, requestsSent: sent, answersReused: reused, elapsedSeconds: elapsed, pairsMadeNow: made)
        progress.endpoints = await client.statistics()
        try await store.recordEndpointWindows(Self.windowRecords(progress.endpoints, run: run))
        await progress.addTokens(counters)
        return Result(progress: progress, pairs: final.examples)
    }

    /// Every stage side by side (stage k+1 learns from a gate when stage k has settled), a progress reporter and
    /// the writer's timed flushes; the writer is flushed last, also after cancellation.
    private func runStages(
        pipeline: CompiledPipeline, work: StageWork, counters: RunCounters, started: ContinuousClock.Instant,
        baseline: RunProgress
    ) async throws {
        let writer = BatchWriter(store: store, configuration: .init(maxBatchSize: 256, maxDelay: .milliseconds(100)))
        let gates = pipeline.stages.map { _ in StageGate() }
        let names = pipeline.stages.map(\.name)
        let loops = pipeline.stages.map { stage in
            StageLoop(
                store: store, writer: writer, run: run, stage: stage.name,
                limit: max(1, concurrency ?? stage.declaration.concurrency), pollInterval: .milliseconds(50),
                upstreamFinished: { [gates] in stage.index == 0 ? true : await gates[stage.index - 1].isOpen },
                work: { try await work.perform($0) })
        }
        do {
            try await withThrowingTaskGroup(of: Void.self) { helpers in
                helpers.addTask { try await writer.run() }
                helpers.addTask { [store, client, onProgress, progressInterval, run] in
                    while !Task.isCancelled {
                        do { try await Task.sleep(for: progressInterval) } catch { return }
                        let elapsed = Self.seconds(ContinuousClock.now - started)
                        if var progress = try? await RunProgress.read(
                            store: store, run: run, stageNames: names, counters: counters, elapsed: elapsed,
                            baseline: baseline)
                        {
                            progress.endpoints = await client.statistics()
                            try? await store.recordEndpointWindows(Self.windowRecords(progress.endpoints, run: run))
                            onProgress(progress)
                        }
                    }
                }
                try await withThrowingTaskGroup(of: Void.self) { stages in
                    for (index, loop) in loops.enumerated() {
                        stages.addTask {
                            try await loop.run()
                            await gates[index].open()
                        }
                    }
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

    /// The rows `status` shows for the endpoints' windows.
    static func windowRecords(_ endpoints: [EndpointStatistics], run: String) -> [EndpointWindowRecord] {
        let now = Date()
        return endpoints.map {
            EndpointWindowRecord(
                run: run, endpoint: $0.name, maxRequests: $0.maxConcurrentRequests, window: $0.window, adaptive: $0.adaptive,
                cuts: $0.windowCuts, inFlight: $0.inFlight, answered: $0.answered, rateLimited: $0.rateLimited,
                serverErrors: $0.serverErrors, timeouts: $0.timeouts, updatedAt: now)
        }
    }

    /// Seconds in `duration`.
    package static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}

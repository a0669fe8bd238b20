import Foundation
import PairsmithConfiguration
import PairsmithEndpoints
import PairsmithStore

/// Unit counts of one stage.
public struct StageCounts: Sendable, Hashable, Codable {
    /// Units waiting.
    public var pending = 0
    /// Units being worked on.
    public var running = 0
    /// Units finished.
    public var done = 0
    /// Units given up on (their last error says why).
    public var failed = 0

    /// Creates counts from the store's per-state numbers.
    public init(_ counts: [UnitState: Int] = [:]) {
        pending = counts[.pending, default: 0]
        running = counts[.running, default: 0]
        done = counts[.done, default: 0]
        failed = counts[.failed, default: 0]
    }

    /// All units of the stage.
    public var total: Int { pending + running + done + failed }
    /// True when every unit is done or failed.
    public var isSettled: Bool { pending == 0 && running == 0 }
}

/// One stage's place in a run: its name, its unit counts and how many were settled before this process began.
public struct StageProgress: Sendable, Hashable {
    /// The stage's name.
    public var name: String
    /// Its unit counts.
    public var counts: StageCounts
    /// Units already done or failed when this process started its stages (rates leave them out).
    public var settledAtStart: Int

    /// Creates a stage's progress.
    public init(name: String, counts: StageCounts, settledAtStart: Int = 0) {
        self.name = name
        self.counts = counts
        self.settledAtStart = settledAtStart
    }
}

/// Where a run stands: units per declared LLM stage (in pipeline order), chat requests sent and answers reused.
public struct RunProgress: Sendable, Hashable, CustomStringConvertible {
    /// The stages, in pipeline order.
    public var stages: [StageProgress]
    /// Chat requests sent by this process.
    public var requestsSent: Int
    /// Answers served from `llm_calls` by this process.
    public var answersReused: Int
    /// Seconds since the LLM stages started.
    public var elapsedSeconds: Double
    /// Examples written by this process (the rate counts these, not the examples of earlier sessions).
    public var pairsMadeNow: Int = 0
    /// The chat endpoints' accounting now, their adaptive windows included (empty when not known).
    public var endpoints: [EndpointStatistics] = []
    /// Prompt tokens the endpoints reported for this process's requests.
    public var promptTokens: Int = 0
    /// Completion tokens the endpoints reported for this process's requests.
    public var completionTokens: Int = 0
    /// What those tokens cost at the pipeline's `pricing:` (nil: no price for the model).
    public var spend: Double? = nil
    /// The currency of ``spend``.
    public var currency: String? = nil

    /// Completion tokens per second of this process.
    public var completionTokensPerSecond: Double { elapsedSeconds > 0 ? Double(completionTokens) / elapsedSeconds : 0 }

    /// Creates a progress snapshot.
    public init(
        stages: [StageProgress], requestsSent: Int = 0, answersReused: Int = 0, elapsedSeconds: Double,
        pairsMadeNow: Int = 0
    ) {
        self.stages = stages
        self.requestsSent = requestsSent
        self.answersReused = answersReused
        self.elapsedSeconds = elapsedSeconds
        self.pairsMadeNow = pairsMadeNow
    }

    /// The counts of the stage `name` (empty counts when the pipeline has no such stage).
    public subscript(name: String) -> StageCounts { stages.first { $0.name == name }?.counts ?? StageCounts() }

    /// True when every stage's units are done or failed.
    public var isSettled: Bool { stages.allSatisfy(\.counts.isSettled) }

    /// Reads the counts of `run` from `store`; `baseline` is the snapshot taken when the stages started.
    static func read(
        store: PairsmithStore, run: String, stageNames: [String], counters: RunCounters, elapsed: Double,
        baseline: RunProgress? = nil
    ) async throws -> RunProgress {
        var stages: [StageProgress] = []
        for name in stageNames {
            let counts = StageCounts(try await store.unitCounts(run: run, stage: name))
            let before = baseline?.stages.first { $0.name == name }?.settledAtStart ?? 0
            stages.append(StageProgress(name: name, counts: counts, settledAtStart: before))
        }
        let (sent, reused, made) = await counters.snapshot()
        var progress = RunProgress(
            stages: stages, requestsSent: sent, answersReused: reused, elapsedSeconds: elapsed, pairsMadeNow: made)
        await progress.addTokens(counters)
        return progress
    }

    /// Sets the token counts from `counters` and the spend at `counters`' price.
    mutating func addTokens(_ counters: RunCounters) async {
        let tokens = await counters.tokens()
        promptTokens = tokens.prompt
        completionTokens = tokens.completion
        spend = counters.price?.cost(prompt: tokens.prompt, completion: tokens.completion)
        currency = counters.price == nil ? nil : counters.currency
    }

    /// The snapshot taken before the stages start: what is already settled is the baseline of the rates.
    static func start(store: PairsmithStore, run: String, stageNames: [String]) async throws -> RunProgress {
        var stages: [StageProgress] = []
        for name in stageNames {
            let counts = StageCounts(try await store.unitCounts(run: run, stage: name))
            stages.append(StageProgress(name: name, counts: counts, settledAtStart: counts.done + counts.failed))
        }
        return RunProgress(stages: stages, elapsedSeconds: 0)
    }

    /// One plain line: per stage done/total and failures, requests and rate.
    public var description: String {
        let parts = stages.map { stage in
            "\(stage.name) \(stage.counts.done)/\(stage.counts.total) done, \(stage.counts.failed) failed, \(stage.counts.running) running"
        }
        let rate = elapsedSeconds > 0 ? Double(pairsMadeNow) / elapsedSeconds : 0
        var text =
            parts.joined(separator: " | ") + " | \(requestsSent) requests, \(answersReused) reused"
            + String(format: " | %.1f examples/s, %.1f tokens/s, %.0f s", rate, completionTokensPerSecond, elapsedSeconds)
        if let spend { text += String(format: " | spend %.4f %@", spend, currency ?? "") }
        return text + (endpoints.isEmpty ? "" : " | windows " + windowSummary)
    }

    /// Whether any endpoint's window adapts (then progress shows the windows).
    public var hasAdaptiveWindows: Bool { endpoints.contains { $0.adaptive } }

    /// The endpoints' windows as `name window/limit`, comma-separated (`(N cuts)` after one that was cut).
    public var windowSummary: String {
        endpoints.map { "\($0.name) \($0.window)/\($0.maxConcurrentRequests)" + ($0.windowCuts > 0 ? " (\($0.windowCuts) cuts)" : "") }
            .joined(separator: ", ")
    }
}

/// Counts chat requests sent and answers reused, across the workers of a run.
actor RunCounters {
    private var sent = 0
    private var reused = 0
    private var made = 0
    private var prompt = 0
    private var completion = 0
    /// The price of the run's tokens, if the pipeline gives one.
    nonisolated let price: PriceTable.Price?
    /// The price table's currency.
    nonisolated let currency: String

    /// Counters priced at `pricing` for `model`.
    init(pricing: PriceTable? = nil, model: String = "") {
        price = pricing?.price(of: model)
        currency = pricing?.currency ?? ""
    }

    /// Counts the tokens an endpoint reported for one answer.
    func tokensUsed(prompt: Int, completion: Int) {
        self.prompt += prompt
        self.completion += completion
    }
    /// The tokens so far.
    func tokens() -> (prompt: Int, completion: Int) { (prompt, completion) }

    /// Counts one request sent to an endpoint.
    func requestSent() { sent += 1 }
    /// Counts one answer served from the store.
    func answerReused() { reused += 1 }
    /// Counts one example made.
    func pairMade() { made += 1 }
    /// The counts so far.
    func snapshot() -> (sent: Int, reused: Int, made: Int) { (sent, reused, made) }
}

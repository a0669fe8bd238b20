import Foundation
import PairsmithConfiguration
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

/// Where a run stands: units per LLM stage, chat requests sent and answers reused.
public struct RunProgress: Sendable, Hashable, CustomStringConvertible {
    /// The configure stage.
    public var configure: StageCounts
    /// The generate stage.
    public var generate: StageCounts
    /// Chat requests sent by this process.
    public var requestsSent: Int
    /// Answers served from `llm_calls` by this process.
    public var answersReused: Int
    /// Seconds since the LLM stages started.
    public var elapsedSeconds: Double
    /// Pairs written by this process (the rate counts these, not the pairs of earlier sessions).
    public var pairsMadeNow: Int = 0
    /// Configure units already done or failed when this process started its stages (rates leave them out).
    public var configureSettledAtStart: Int = 0
    /// Generate units already done or failed when this process started its stages (rates leave them out).
    public var generateSettledAtStart: Int = 0

    /// Creates a progress snapshot.
    public init(
        configure: StageCounts, generate: StageCounts, requestsSent: Int = 0, answersReused: Int = 0,
        elapsedSeconds: Double, pairsMadeNow: Int = 0, configureSettledAtStart: Int = 0, generateSettledAtStart: Int = 0
    ) {
        self.configure = configure
        self.generate = generate
        self.requestsSent = requestsSent
        self.answersReused = answersReused
        self.elapsedSeconds = elapsedSeconds
        self.pairsMadeNow = pairsMadeNow
        self.configureSettledAtStart = configureSettledAtStart
        self.generateSettledAtStart = generateSettledAtStart
    }

    /// Reads the counts of `run` from `store`; `baseline` is the snapshot taken when the stages started.
    static func read(
        store: PairsmithStore, run: String, counters: RunCounters, elapsed: Double, baseline: RunProgress? = nil
    ) async throws -> RunProgress {
        let configure = StageCounts(try await store.unitCounts(run: run, stage: RetrievalStage.configure.rawValue))
        let generate = StageCounts(try await store.unitCounts(run: run, stage: RetrievalStage.generate.rawValue))
        let (sent, reused, made) = await counters.snapshot()
        return RunProgress(
            configure: configure, generate: generate, requestsSent: sent, answersReused: reused, elapsedSeconds: elapsed,
            pairsMadeNow: made, configureSettledAtStart: baseline?.configureSettledAtStart ?? 0,
            generateSettledAtStart: baseline?.generateSettledAtStart ?? 0)
    }

    /// The snapshot taken before the stages start: what is already settled is the baseline of the rates.
    static func start(store: PairsmithStore, run: String) async throws -> RunProgress {
        let configure = StageCounts(try await store.unitCounts(run: run, stage: RetrievalStage.configure.rawValue))
        let generate = StageCounts(try await store.unitCounts(run: run, stage: RetrievalStage.generate.rawValue))
        return RunProgress(
            configure: configure, generate: generate, elapsedSeconds: 0,
            configureSettledAtStart: configure.done + configure.failed, generateSettledAtStart: generate.done + generate.failed)
    }

    /// One plain line: per stage done/total and failures, requests and rate.
    public var description: String {
        func stage(_ name: String, _ counts: StageCounts) -> String {
            "\(name) \(counts.done)/\(counts.total) done, \(counts.failed) failed, \(counts.running) running"
        }
        let rate = elapsedSeconds > 0 ? Double(pairsMadeNow) / elapsedSeconds : 0
        return stage("configure", configure) + " | " + stage("generate", generate)
            + " | \(requestsSent) requests, \(answersReused) reused"
            + String(format: " | %.1f pairs/s, %.0f s", rate, elapsedSeconds)
    }
}

/// Counts chat requests sent and answers reused, across the workers of a run.
actor RunCounters {
    private var sent = 0
    private var reused = 0
    private var made = 0

    /// Counts one request sent to an endpoint.
    func requestSent() { sent += 1 }
    /// Counts one answer served from the store.
    func answerReused() { reused += 1 }
    /// Counts one pair made.
    func pairMade() { made += 1 }
    /// The counts so far.
    func snapshot() -> (sent: Int, reused: Int, made: Int) { (sent, reused, made) }
}

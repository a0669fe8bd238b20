import Foundation
import PairsmithStore

/// Set once the configure stage has settled, so the generate stage knows no new units will come.
actor StageGate {
    private(set) var isOpen = false
    /// Marks the upstream stage finished.
    func open() { isOpen = true }
}

/// Works on the units of one stage with at most `limit` in flight: claims ready units as slots free up, hands each
/// unit's write to the batching writer, and returns once the stage is settled (nothing pending or running and the
/// upstream stage finished) or the task is cancelled (after the units in flight have ended).
struct StageLoop: Sendable {
    let store: PairsmithStore
    let writer: BatchWriter
    let run: String
    let stage: RetrievalStage
    let limit: Int
    /// How long to wait before looking for work again when none is ready.
    let pollInterval: Duration
    let upstreamFinished: @Sendable () async -> Bool
    let work: @Sendable (UnitRecord) async throws -> StoreWrite?

    private enum Event: Sendable {
        case unitEnded
        case tick
    }

    /// Runs the stage until it is settled or cancelled.
    func run() async throws {
        try await withThrowingTaskGroup(of: Event.self) { group in
            var inFlight = 0
            var ticking = false
            while !Task.isCancelled {
                if inFlight < limit {
                    let units: [UnitRecord]
                    do {
                        units = try await store.claim(run: run, stage: stage.rawValue, limit: limit - inFlight)
                    } catch is CancellationError {
                        break
                    }
                    for unit in units {
                        group.addTask { [work, writer] in
                            if let write = try await work(unit) { try await writer.submit(write) }
                            return .unitEnded
                        }
                    }
                    inFlight += units.count
                    if !units.isEmpty { continue }
                    if inFlight == 0, await upstreamFinished(), try await isSettled() { break }
                }
                if !ticking && inFlight < limit {
                    let interval = pollInterval
                    group.addTask {
                        try? await Task.sleep(for: interval)
                        return .tick
                    }
                    ticking = true
                }
                switch try await group.next() {
                case .unitEnded: inFlight -= 1
                case .tick: ticking = false
                case nil: break
                }
            }
            group.cancelAll()
            try await group.waitForAll()
        }
    }

    /// True when nothing of the stage is pending or running once every write handed over is committed.
    private func isSettled() async throws -> Bool {
        try await writer.flush()
        let counts = StageCounts(try await store.unitCounts(run: run, stage: stage.rawValue))
        return counts.isSettled
    }
}

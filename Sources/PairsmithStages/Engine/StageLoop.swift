import Foundation
import PairsmithConfiguration
import PairsmithStore

/// Set once a stage has settled, so the stage after it knows no new units will come.
actor StageGate {
    private(set) var isOpen = false
    /// Marks the upstream stage finished.
    func open() { isOpen = true }
}

/// Works on the units of one stage with at most `limit` in flight: claims ready units in batches (a claim is a write
/// transaction, so claiming one unit per finished unit would cost a transaction each), keeps a few claimed units
/// ready to start as slots free up, hands each unit's write to the batching writer, and returns once the stage is
/// settled (nothing pending or running and the upstream stage finished) or the task is cancelled (after the units
/// in flight have ended). Claimed units not started when the loop stops stay `running` in the store; the run hands
/// them back on a graceful stop, and the next start recovers them after a kill.
struct StageLoop: Sendable {
    let store: PairsmithStore
    let writer: BatchWriter
    let run: String
    let stage: String
    let limit: Int
    /// How long to wait before looking for work again when none is ready.
    let pollInterval: Duration
    let upstreamFinished: @Sendable () async -> Bool
    let work: @Sendable (UnitRecord) async throws -> StoreWrite?

    private enum Event: Sendable {
        case unitEnded
        case tick
    }

    /// Units claimed at a time (at least): a quarter of the limit.
    var claimBatch: Int { max(1, limit / 4) }

    /// Runs the stage until it is settled or cancelled.
    func run() async throws {
        try await withThrowingTaskGroup(of: Event.self) { group in
            var inFlight = 0
            var ready: [UnitRecord] = []
            var next = 0  // the first unit of `ready` not started yet
            var ticking = false
            var waitForTick = false  // the last claim found fewer units than it asked for
            while !Task.isCancelled {
                let held = inFlight + ready.count - next
                let room = limit + claimBatch - held
                if !waitForTick && room >= claimBatch {
                    let units: [UnitRecord]
                    do {
                        units = try await store.claim(run: run, stage: stage, limit: room)
                    } catch is CancellationError {
                        break
                    }
                    if next > 0 {
                        ready.removeFirst(next)
                        next = 0
                    }
                    ready.append(contentsOf: units)
                    if units.count < room { waitForTick = true }
                }
                while inFlight < limit && next < ready.count {
                    let unit = ready[next]
                    next += 1
                    inFlight += 1
                    group.addTask { [work, writer] in
                        if let write = try await work(unit) { try await writer.submit(write) }
                        return .unitEnded
                    }
                }
                if inFlight == 0 && next == ready.count && waitForTick, await upstreamFinished(), try await isSettled() {
                    break
                }
                if waitForTick && !ticking {
                    let interval = pollInterval
                    group.addTask {
                        try? await Task.sleep(for: interval)
                        return .tick
                    }
                    ticking = true
                }
                switch try await group.next() {
                case .unitEnded: inFlight -= 1
                case .tick:
                    ticking = false
                    waitForTick = false
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
        let counts = StageCounts(try await store.unitCounts(run: run, stage: stage))
        return counts.isSettled
    }
}

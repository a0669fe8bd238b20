import Logging
import Synchronization

/// Hands each attempt to the healthy endpoint with the fewest requests in flight, within each endpoint's
/// limit; queues callers when all are busy; sets failing endpoints aside and probes them again.
///
/// The state sits behind a mutex rather than in an actor: taking and giving back a slot is a few
/// nanoseconds of bookkeeping, and an actor hop per call (two per request) cost more than that under
/// hundreds of concurrent callers. Logging, status callbacks and waking waiters happen after the lock
/// is released.
final class EndpointRouter: Sendable {
    /// What `acquire` hands back: a slot on an endpoint, or word that every endpoint is resting.
    enum Acquisition: Sendable {
        case lease(Lease)
        case allDown(until: Double, announce: Bool)
    }

    /// A reserved slot on one endpoint.
    struct Lease: Sendable {
        var index: Int
        var isProbe: Bool
        var format: ResponseFormatMode
        /// The endpoint window's number for this slot (see ``ConcurrencyWindow/issue()``).
        var sequence: UInt64 = 0
    }

    /// How an attempt ended, for health and accounting.
    enum Outcome: Sendable {
        /// A chat completion came back (good or bad content).
        case answered(usage: TokenUsage, latency: Double, contentFault: Bool)
        /// Connection failure or timeout.
        case transport(timedOut: Bool, reason: String)
        /// 5xx, 408 or a reply that is not a chat completion.
        case serverError(reason: String)
        /// 429: rest the endpoint for this long.
        case rateLimited(seconds: Double)
        /// Another 4xx: the request is at fault, not the endpoint.
        case clientError
        /// The endpoint rejected this response format.
        case formatRejected(ResponseFormatMode, message: String)
        /// The caller went away.
        case cancelled
    }

    /// Something to do once the lock is released.
    fileprivate enum Effect {
        case log(Logger.Level, Logger.Message, Logger.Metadata)
        case status(EndpointStatusEvent)
        case resume(WaiterBox)
    }

    private let state: Mutex<RouterState>
    private let onStatus: @Sendable (EndpointStatusEvent) -> Void
    private let logger: Logger

    init(
        endpoints: [EndpointConfiguration], health: HealthPolicy, now: @escaping @Sendable () -> Double,
        onStatus: @escaping @Sendable (EndpointStatusEvent) -> Void, kind: String, logger: Logger
    ) {
        self.onStatus = onStatus
        self.logger = logger
        self.state = Mutex(RouterState(endpoints: endpoints, health: health, now: now, kind: kind))
    }

    /// Runs `body` under the lock, then performs the effects it queued.
    private func locked<R>(_ body: (inout RouterState) -> R) -> R {
        let (result, effects) = state.withLock { state in
            let result = body(&state)
            let effects = state.effects
            state.effects.removeAll(keepingCapacity: true)
            return (result, effects)
        }
        for effect in effects {
            switch effect {
            case .log(let level, let message, let metadata): logger.log(level: level, message, metadata: metadata)
            case .status(let event): onStatus(event)
            case .resume(let box): box.deliver()
            }
        }
        return result
    }

    // MARK: Acquiring a slot

    /// A slot on the best endpoint now; waits (cancellably) while all are busy; `.allDown` when all rest.
    func acquire(isRetry: Bool) async throws -> Acquisition {
        if let now = locked({ $0.acquireNow(isRetry: isRetry, orQueue: nil) }) { return now }
        let box = WaiterBox()  // only when the caller may have to wait
        if let now = locked({ $0.acquireNow(isRetry: isRetry, orQueue: box) }) { return now }
        let acquisition = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in box.install(continuation) }
        } onCancel: {
            box.cancel()  // unless the router claimed it first: then the caller gets the slot and gives it back
        }
        if case .lease(let lease) = acquisition { locked { $0.noteRetry(lease, isRetry: isRetry) } }
        return acquisition
    }

    /// Records how an attempt ended, frees its slot and hands free slots to waiting callers; returns whether
    /// the endpoint now rests (so a retry needs no back-off of its own). Never suspends (async for callers
    /// written against the former actor).
    @discardableResult
    func finish(_ lease: Lease, outcome: Outcome) async -> Bool { locked { $0.finish(lease, outcome: outcome) } }

    /// The current accounting of every endpoint, in configuration order. Never suspends.
    func snapshot() async -> [EndpointStatistics] { locked { $0.snapshot() } }
}

/// The router's bookkeeping, mutated only under ``EndpointRouter``'s lock.
struct RouterState: ~Copyable {
    typealias Lease = EndpointRouter.Lease
    typealias Acquisition = EndpointRouter.Acquisition
    typealias Outcome = EndpointRouter.Outcome

    private enum Health {
        case healthy
        case down(until: Double)
        case probing(inFlight: Bool)
    }

    private struct State {
        var health: Health = .healthy
        var consecutiveFailures = 0
        var stats: EndpointStatistics
        var window: ConcurrencyWindow
    }

    private let endpoints: [EndpointConfiguration]
    private let health: HealthPolicy
    private let now: @Sendable () -> Double
    /// What the endpoints serve (`chat`, `embedding`), in log messages.
    private let kind: String
    private var states: [State]
    private var waiters: [WaiterBox] = []
    private var waiterHead = 0
    private var announcedDownUntil = -Double.infinity
    /// Logging, callbacks and wake-ups to perform once the lock is released.
    fileprivate var effects: [EndpointRouter.Effect] = []

    init(endpoints: [EndpointConfiguration], health: HealthPolicy, now: @escaping @Sendable () -> Double, kind: String) {
        self.endpoints = endpoints
        self.kind = kind
        self.health = health
        self.now = now
        self.states = endpoints.map {
            let window = ConcurrencyWindow(limit: $0.maxConcurrentRequests, policy: $0.adaptive)
            var stats = EndpointStatistics(
                name: $0.name, model: $0.model, health: .healthy, format: .jsonSchema,
                maxConcurrentRequests: $0.maxConcurrentRequests)
            stats.window = window.slots
            stats.adaptive = $0.adaptive.isEnabled
            return State(stats: stats, window: window)
        }
    }

    private mutating func log(_ level: Logger.Level, _ message: Logger.Message, _ metadata: Logger.Metadata) {
        effects.append(.log(level, message, metadata))
    }

    private mutating func status(_ event: EndpointStatusEvent) { effects.append(.status(event)) }

    /// A slot now, `.allDown`, or nil after queueing `box` (which the router resumes later); nil without
    /// queueing anything when there is no box.
    mutating func acquireNow(isRetry: Bool, orQueue box: WaiterBox?) -> Acquisition? {
        if waiterHead == waiters.count, var lease = pick() {
            reserve(&lease, isRetry: isRetry)
            return .lease(lease)
        }
        if let until = allDownUntil() { return allDown(until) }
        guard let box else { return nil }
        waiters.append(box)
        dispatch()  // cancelled boxes at the head may have hidden a free slot
        return nil
    }

    /// See ``EndpointRouter/finish(_:outcome:)``.
    mutating func finish(_ lease: Lease, outcome: Outcome) -> Bool {
        let i = lease.index
        let t = now()
        adapt(i, lease: lease, outcome: outcome, at: t)
        states[i].stats.inFlight -= 1
        switch outcome {
        case .answered(let usage, let latency, let contentFault):
            states[i].stats.answered += 1
            states[i].stats.promptTokens += usage.promptTokens
            states[i].stats.completionTokens += usage.completionTokens
            states[i].stats.totalLatencySeconds += latency
            if contentFault { states[i].stats.contentFaults += 1 }
            succeeded(i)
        case .transport(let timedOut, let reason):
            if timedOut { states[i].stats.timeouts += 1 } else { states[i].stats.transportFailures += 1 }
            failed(i, lease: lease, reason: reason, at: t)
        case .serverError(let reason):
            states[i].stats.serverErrors += 1
            failed(i, lease: lease, reason: reason, at: t)
        case .rateLimited(let seconds):
            states[i].stats.rateLimited += 1
            if seconds > 0 {
                setAside(i, until: t + seconds, reason: "HTTP 429, Retry-After \(seconds) s")
            } else if endpoints[i].adaptive.isEnabled {
                releaseProbe(i, lease: lease)  // the window's cut is the answer to a bare 429, not setting it aside
            } else {
                failed(i, lease: lease, reason: "HTTP 429", at: t)
            }
        case .clientError:
            states[i].stats.clientErrors += 1
            releaseProbe(i, lease: lease)
        case .formatRejected(let mode, let message):
            if let weaker = mode.fallback, states[i].stats.format <= mode {
                states[i].stats.format = weaker
                log(
                    .warning, "endpoint rejected response_format; falling back",
                    ["endpoint": "\(endpoints[i].name)", "from": "\(mode)", "to": "\(weaker)"])
                status(.formatDowngraded(endpoint: endpoints[i].name, from: mode, to: weaker, message: message))
            }
            releaseProbe(i, lease: lease)
        case .cancelled:
            releaseProbe(i, lease: lease)
        }
        dispatch()
        if case .down(let until) = states[i].health { return until > t }
        return false
    }

    /// See ``EndpointRouter/snapshot()``.
    func snapshot() -> [EndpointStatistics] {
        let t = now()
        return states.map { state in
            var stats = state.stats
            stats.window = state.window.allowed(at: t)
            switch state.health {
            case .healthy: stats.health = .healthy
            case .down(let until): stats.health = until > t ? .coolingDown(secondsLeft: until - t) : .probing
            case .probing: stats.health = .probing
            }
            return stats
        }
    }

    // MARK: Choosing

    /// The endpoint to use now: one due for a probe first, else the healthy one with the fewest in flight.
    private func pick() -> Lease? {
        let t = now()
        var best: Int?
        for i in states.indices {
            let stats = states[i].stats
            guard stats.inFlight < stats.maxConcurrentRequests, stats.inFlight < states[i].window.allowed(at: t) else { continue }
            switch states[i].health {
            case .down(let until) where until <= t:
                return Lease(index: i, isProbe: true, format: stats.format)
            case .probing(inFlight: false):
                return Lease(index: i, isProbe: true, format: stats.format)
            case .healthy:
                if best.map({ stats.inFlight < states[$0].stats.inFlight }) ?? true { best = i }
            default:
                continue
            }
        }
        return best.map { Lease(index: $0, isProbe: false, format: states[$0].stats.format) }
    }

    /// When every endpoint rests and none can free a slot: the earliest time one may be probed.
    private func allDownUntil() -> Double? {
        let t = now()
        var earliest = Double.infinity
        for state in states {
            switch state.health {
            case .healthy, .probing: return nil
            case .down(let until) where until <= t: return nil  // due for a probe once a slot frees
            case .down(let until): earliest = min(earliest, until)
            }
        }
        return earliest.isFinite ? earliest : nil
    }

    private mutating func allDown(_ until: Double) -> Acquisition {
        let announce = until > announcedDownUntil
        if announce {
            announcedDownUntil = until
            let wait = max(0, until - now())
            log(.warning, "all \(kind) endpoints are down; waiting before probing again", ["seconds": "\(wait)"])
            status(.allEndpointsDown(waitSeconds: wait))
        }
        return .allDown(until: until, announce: announce)
    }

    private mutating func reserve(_ lease: inout Lease, isRetry: Bool) {
        lease.sequence = states[lease.index].window.issue()
        states[lease.index].stats.inFlight += 1
        if lease.isProbe { states[lease.index].health = .probing(inFlight: true) }
        noteRetry(lease, isRetry: isRetry)
    }

    mutating func noteRetry(_ lease: Lease, isRetry: Bool) {
        states[lease.index].stats.attempts += 1
        if isRetry { states[lease.index].stats.retries += 1 }
    }

    /// Hands free slots to waiting callers, oldest first; tells them when every endpoint rests.
    mutating func dispatch() {
        while waiterHead < waiters.count {
            let box = waiters[waiterHead]
            if box.isFinished {
                waiterHead += 1
                continue
            }
            guard var lease = pick() else { break }
            lease.sequence = states[lease.index].window.issue()
            states[lease.index].stats.inFlight += 1
            if lease.isProbe { states[lease.index].health = .probing(inFlight: true) }
            waiterHead += 1
            if box.claim(.lease(lease)) {
                effects.append(.resume(box))
            } else {
                states[lease.index].stats.inFlight -= 1
                if lease.isProbe { states[lease.index].health = .probing(inFlight: false) }
            }
        }
        if waiterHead < waiters.count, let until = allDownUntil() {
            let acquisition = allDown(until)
            while waiterHead < waiters.count {
                let box = waiters[waiterHead]
                if box.claim(acquisition) { effects.append(.resume(box)) }
                waiterHead += 1
            }
        }
        if waiterHead > 1024, waiterHead * 2 > waiters.count {
            waiters.removeFirst(waiterHead)
            waiterHead = 0
        }
    }

    // MARK: Window

    /// Tells endpoint `i`'s window how the attempt on `lease` ended (before its slot is freed).
    private mutating func adapt(_ i: Int, lease: Lease, outcome: Outcome, at t: Double) {
        let signal: ConcurrencyWindow.Signal
        switch outcome {
        case .answered(_, let latency, _): signal = .success(latency: latency)
        case .transport(let timedOut, _): signal = timedOut ? .congestion : .neutral
        case .serverError: signal = .congestion
        case .rateLimited(let seconds): signal = .rateLimited(retryAfter: seconds)
        case .clientError, .formatRejected, .cancelled: signal = .neutral
        }
        let before = states[i].window.slots
        guard let cut = states[i].window.record(signal, sequence: lease.sequence, inFlight: states[i].stats.inFlight, at: t) else {
            states[i].stats.window = states[i].window.slots
            return
        }
        states[i].stats.window = states[i].window.slots
        states[i].stats.windowCuts = states[i].window.cuts
        log(
            .debug, "\(kind) endpoint window cut",
            ["endpoint": "\(endpoints[i].name)", "from": "\(before)", "to": "\(states[i].window.slots)", "reason": "\(cut)"])
    }

    // MARK: Health

    private mutating func succeeded(_ i: Int) {
        states[i].consecutiveFailures = 0
        switch states[i].health {
        case .healthy: break
        case .down, .probing:
            states[i].health = .healthy
            log(.info, "\(kind) endpoint is back", ["endpoint": "\(endpoints[i].name)"])
            status(.endpointRecovered(endpoint: endpoints[i].name))
        }
    }

    private mutating func failed(_ i: Int, lease: Lease, reason: String, at t: Double) {
        states[i].consecutiveFailures += 1
        switch states[i].health {
        case .healthy:
            if states[i].consecutiveFailures >= health.failureThreshold {
                setAside(
                    i, until: t + seconds(health.coolingPeriod),
                    reason: "\(states[i].consecutiveFailures) failures in a row, last: \(reason)")
            }
        case .probing:
            if lease.isProbe {
                setAside(i, until: t + seconds(health.coolingPeriod), reason: "probe failed: \(reason)")
            }
        case .down:
            break
        }
    }

    private mutating func setAside(_ i: Int, until: Double, reason: String) {
        if case .down(let current) = states[i].health, current >= until { return }
        states[i].health = .down(until: until)
        states[i].stats.timesSetAside += 1
        let wait = max(0, until - now())
        log(.warning, "\(kind) endpoint set aside", ["endpoint": "\(endpoints[i].name)", "seconds": "\(wait)", "reason": "\(reason)"])
        status(.endpointSetAside(endpoint: endpoints[i].name, seconds: wait, reason: reason))
    }

    /// A probe that ended without a verdict lets the next caller probe instead.
    private mutating func releaseProbe(_ i: Int, lease: Lease) {
        if lease.isProbe, case .probing = states[i].health { states[i].health = .probing(inFlight: false) }
    }
}

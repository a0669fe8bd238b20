/// How an endpoint's concurrency window adapts: additive increase, multiplicative decrease (AIMD), between a
/// floor and the endpoint's configured limit, so a run finds each server's sustainable concurrency without tuning.
public struct AdaptiveConcurrency: Sendable, Hashable {
    /// Whether the window adapts at all; when off, the endpoint always takes its configured limit.
    public var isEnabled: Bool
    /// The window the endpoint starts with (nil: its configured limit); below the limit it grows by one per
    /// success (slow start) until the first cut.
    public var initialWindow: Int?
    /// The smallest window a cut leaves.
    public var minimumWindow: Int
    /// A cut multiplies the window by this (0 < factor < 1).
    public var decreaseFactor: Double
    /// A cut when the recent mean latency (about the last 10 answers) exceeds this multiple of the long-run mean
    /// (about the last 100); 0: latency never cuts.
    public var latencyTolerance: Double

    /// Creates a policy.
    public init(
        isEnabled: Bool = true, initialWindow: Int? = nil, minimumWindow: Int = 1, decreaseFactor: Double = 0.75,
        latencyTolerance: Double = 3.0
    ) {
        self.isEnabled = isEnabled
        self.initialWindow = initialWindow
        self.minimumWindow = minimumWindow
        self.decreaseFactor = decreaseFactor
        self.latencyTolerance = latencyTolerance
    }

    /// A window that never moves from the configured limit (the behaviour before windows adapted).
    public static let fixed = AdaptiveConcurrency(isEnabled: false)
}

/// The AIMD window of one endpoint: how many requests it may have in flight now.
///
/// Congestion (a 429, a 5xx, a timeout, or the recent latency rising above ``AdaptiveConcurrency/latencyTolerance``
/// times the long-run latency) cuts the window by ``AdaptiveConcurrency/decreaseFactor``, at most once per round
/// trip: a signal from a request sent before the last cut is already accounted for. A success grows the window by
/// 1 ÷ window (about one per window of successes), or by one while below the slow-start threshold, but only when
/// the window was full (an idle endpoint does not earn a larger window) and never above the limit. A 429 with
/// Retry-After also closes the window until that time.
struct ConcurrencyWindow: Sendable, Hashable {
    /// What a finished request tells the window.
    enum Signal: Sendable, Hashable {
        /// Answered after `latency` seconds.
        case success(latency: Double)
        /// Overload: a 5xx or a timeout.
        case congestion
        /// HTTP 429; `retryAfter` seconds (0 when the server named none) before the endpoint takes requests again.
        case rateLimited(retryAfter: Double)
        /// Says nothing about load (a refused request, a cancellation, a connection that could not open).
        case neutral
    }

    /// Why the window was cut, for logs.
    enum Cut: Sendable, Hashable, CustomStringConvertible {
        case rateLimited
        case congestion
        case latency(recent: Double, longRun: Double)

        var description: String {
            switch self {
            case .rateLimited: "HTTP 429"
            case .congestion: "server error or timeout"
            case .latency(let recent, let longRun):
                "latency rose to \(Int((recent * 1000).rounded())) ms from \(Int((longRun * 1000).rounded())) ms"
            }
        }
    }

    /// The configured limit: the window never exceeds it.
    let limit: Int
    /// The policy.
    let policy: AdaptiveConcurrency
    /// The window now, fractional (additive increase adds fractions of a slot).
    private(set) var size: Double
    /// Below this the window grows by one per success (slow start); set to the window at each cut.
    private(set) var threshold: Double
    /// Times the window was cut.
    private(set) var cuts = 0
    /// No request is let through before this time (a Retry-After).
    private(set) var pausedUntil = -Double.infinity
    private var issued: UInt64 = 0
    private var lastCutAfter: UInt64 = 0
    private var recentLatency = 0.0
    private var longRunLatency = 0.0
    private var latencySamples = 0

    /// Samples before latency may cut the window.
    static let latencyWarmUp = 50

    /// A window for an endpoint with `limit` slots.
    init(limit: Int, policy: AdaptiveConcurrency) {
        let limit = max(1, limit)
        self.limit = limit
        self.policy = policy
        let floor = Double(min(limit, max(1, policy.minimumWindow)))
        size = policy.isEnabled ? min(Double(limit), max(floor, Double(policy.initialWindow ?? limit))) : Double(limit)
        threshold = Double(limit)
    }

    /// The smallest window.
    private var floor: Double { Double(min(limit, max(1, policy.minimumWindow))) }

    /// The requests the endpoint may have in flight at time `t` (0 while a Retry-After lasts).
    func allowed(at t: Double) -> Int {
        guard policy.isEnabled else { return limit }
        if t < pausedUntil { return 0 }
        return min(limit, max(Int(floor), Int(size)))
    }

    /// The window as a whole number of slots (ignoring a pause).
    var slots: Int { policy.isEnabled ? min(limit, max(Int(floor), Int(size))) : limit }

    /// Numbers a slot being handed out; the number comes back with the request's signal.
    mutating func issue() -> UInt64 {
        issued &+= 1
        return issued
    }

    /// Takes what the request numbered `sequence` tells; `inFlight` is how many the endpoint had in flight as it
    /// ended (itself included). Returns the cut made, if any.
    @discardableResult
    mutating func record(_ signal: Signal, sequence: UInt64, inFlight: Int, at t: Double) -> Cut? {
        guard policy.isEnabled else { return nil }
        let afterLastCut = sequence > lastCutAfter
        switch signal {
        case .neutral:
            return nil
        case .congestion:
            return afterLastCut ? cut(.congestion) : nil
        case .rateLimited(let retryAfter):
            if retryAfter > 0 { pausedUntil = max(pausedUntil, t + retryAfter) }
            return afterLastCut ? cut(.rateLimited) : nil
        case .success(let latency):
            if latency.isFinite, latency >= 0 {
                if latencySamples == 0 {
                    recentLatency = latency
                    longRunLatency = latency
                } else {
                    recentLatency += 0.1 * (latency - recentLatency)
                    longRunLatency += 0.01 * (latency - longRunLatency)
                }
                latencySamples += 1
                if policy.latencyTolerance > 0, afterLastCut, latencySamples >= Self.latencyWarmUp, longRunLatency > 0,
                    recentLatency > policy.latencyTolerance * longRunLatency
                {
                    return cut(.latency(recent: recentLatency, longRun: longRunLatency))
                }
            }
            guard afterLastCut, inFlight >= Int(size), size < Double(limit) else { return nil }
            size = min(Double(limit), size < threshold ? size + 1 : size + 1 / size)
            return nil
        }
    }

    private mutating func cut(_ reason: Cut) -> Cut {
        size = max(floor, size * min(max(policy.decreaseFactor, 0.05), 0.99))
        threshold = size
        lastCutAfter = issued
        cuts += 1
        if case .latency = reason { longRunLatency = recentLatency }  // a lasting change becomes the new normal
        return reason
    }
}

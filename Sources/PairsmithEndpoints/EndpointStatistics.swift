/// Whether an endpoint takes requests now.
public enum EndpointHealth: Sendable, Hashable, CustomStringConvertible {
    /// Taking requests.
    case healthy
    /// Set aside after repeated failures (or a 429); one probe goes through after `secondsLeft`.
    case coolingDown(secondsLeft: Double)
    /// A probe request is deciding whether the endpoint is back.
    case probing

    public var description: String {
        switch self {
        case .healthy: "healthy"
        case .coolingDown(let left): "cooling down (\(Int(left.rounded(.up))) s left)"
        case .probing: "probing"
        }
    }
}

/// Accounting for one endpoint since the client started.
public struct EndpointStatistics: Sendable, Hashable {
    /// The endpoint's name.
    public var name: String
    /// The endpoint's model.
    public var model: String
    /// Whether it takes requests now.
    public var health: EndpointHealth
    /// The response format it is asked for now.
    public var format: ResponseFormatMode
    /// Requests in flight now.
    public var inFlight = 0
    /// Its concurrency limit.
    public var maxConcurrentRequests: Int
    /// The requests it may have in flight now: its adaptive (AIMD) window, at most the limit; 0 while a Retry-After lasts.
    public var window = 0
    /// Times the window was cut (429, 5xx, timeouts, rising latency).
    public var windowCuts = 0
    /// Whether the window adapts (false: it stays at the limit).
    public var adaptive = false
    /// Attempts sent to it.
    public var attempts = 0
    /// Attempts that were retries of an earlier failed attempt.
    public var retries = 0
    /// Attempts that got a chat completion back (whatever the answer's quality).
    public var answered = 0
    /// Answers that were cut off, not JSON or broke the schema.
    public var contentFaults = 0
    /// Connection failures (refused, reset, closed early).
    public var transportFailures = 0
    /// Connect, read or total timeouts.
    public var timeouts = 0
    /// 429 replies.
    public var rateLimited = 0
    /// 5xx (and 408) replies, and replies that were not chat completions.
    public var serverErrors = 0
    /// Other 4xx replies.
    public var clientErrors = 0
    /// Times it was set aside.
    public var timesSetAside = 0
    /// Prompt tokens reported in `usage`.
    public var promptTokens = 0
    /// Completion tokens reported in `usage`.
    public var completionTokens = 0
    /// Summed latency of answered attempts, in seconds.
    public var totalLatencySeconds = 0.0

    /// Mean latency of answered attempts, in seconds (0 before the first).
    public var meanLatencySeconds: Double { answered == 0 ? 0 : totalLatencySeconds / Double(answered) }
}

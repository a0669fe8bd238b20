/// How failed attempts are retried: bounded attempts, exponential back-off with full jitter.
public struct RetryPolicy: Sendable, Hashable {
    /// The most attempts per request that may fail with a retryable fault (transport, timeout, 429, 5xx).
    public var maxAttempts: Int
    /// The back-off ceiling of the first retry; it doubles with each further one.
    public var baseDelay: Duration
    /// The largest back-off ceiling.
    public var maxDelay: Duration
    /// The longest Retry-After honoured; longer ones are cut to this.
    public var maxRetryAfter: Duration
    /// The most HTTP 429 replies per request from endpoints whose window adapts (those 429s pace the window and do
    /// not count against ``maxAttempts``).
    public var maxRateLimitedAttempts: Int

    /// Creates a policy.
    public init(
        maxAttempts: Int = 6, baseDelay: Duration = .milliseconds(250), maxDelay: Duration = .seconds(20),
        maxRetryAfter: Duration = .seconds(120), maxRateLimitedAttempts: Int = 100
    ) {
        self.maxRateLimitedAttempts = maxRateLimitedAttempts
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// The delay before retry number `retry` (1 = first retry): uniform in [0, min(maxDelay, base·2^(retry-1))].
    public func backoff(retry: Int, random: Double) -> Duration {
        let ceiling = min(seconds(maxDelay), seconds(baseDelay) * pow2(max(0, retry - 1)))
        return .seconds(ceiling * min(max(random, 0), 1))
    }

    private func pow2(_ n: Int) -> Double { n >= 60 ? .greatestFiniteMagnitude : Double(UInt64(1) << UInt64(n)) }
}

/// When an endpoint is set aside and for how long.
public struct HealthPolicy: Sendable, Hashable {
    /// Consecutive failed attempts after which the endpoint is set aside.
    public var failureThreshold: Int
    /// How long a set-aside endpoint rests before one probe request is let through.
    public var coolingPeriod: Duration

    /// Creates a policy.
    public init(failureThreshold: Int = 3, coolingPeriod: Duration = .seconds(10)) {
        self.failureThreshold = failureThreshold
        self.coolingPeriod = coolingPeriod
    }
}

/// Connection, read and whole-request time limits.
public struct EndpointTimeouts: Sendable, Hashable {
    /// Time to open a connection.
    public var connect: Duration
    /// The longest silence while waiting for bytes of the answer.
    public var read: Duration
    /// The whole request, from sending to the last byte of the answer.
    public var total: Duration

    /// Creates limits.
    public init(connect: Duration = .seconds(5), read: Duration = .seconds(300), total: Duration = .seconds(600)) {
        self.connect = connect
        self.read = read
        self.total = total
    }
}

/// Seconds in a Duration, as a Double.
func seconds(_ duration: Duration) -> Double {
    let (s, atto) = duration.components
    return Double(s) + Double(atto) * 1e-18
}

/// What both clients need: the endpoints, the retry and health policies, time limits, the injectable clock, status
/// callbacks and the reply size bound (the embeddings client adds its own settings around it).
public struct EndpointClientConfiguration: Sendable {
    /// The servers to spread requests over.
    public var endpoints: [EndpointConfiguration]
    /// Retry bounds and back-off.
    public var retry: RetryPolicy
    /// When endpoints are set aside.
    public var health: HealthPolicy
    /// Connect, read and total time limits.
    public var timeouts: EndpointTimeouts
    /// Clock, sleeper and randomness (``EndpointEnvironment/system`` outside tests).
    public var environment: EndpointEnvironment
    /// Called (from the router) when an endpoint is set aside or back, or all are down.
    public var onStatus: @Sendable (EndpointStatusEvent) -> Void
    /// The largest reply body accepted.
    public var maxResponseBytes: Int

    /// Creates a configuration.
    public init(
        endpoints: [EndpointConfiguration], retry: RetryPolicy = RetryPolicy(), health: HealthPolicy = HealthPolicy(),
        timeouts: EndpointTimeouts = EndpointTimeouts(), environment: EndpointEnvironment = .system,
        onStatus: @escaping @Sendable (EndpointStatusEvent) -> Void = { _ in }, maxResponseBytes: Int = 16 << 20
    ) {
        self.endpoints = endpoints
        self.retry = retry
        self.health = health
        self.timeouts = timeouts
        self.environment = environment
        self.onStatus = onStatus
        self.maxResponseBytes = maxResponseBytes
    }

    /// Checks limits and the URLs requests go to (`url`); `kind` names the endpoints in messages. Throws
    /// ``EndpointConfigurationError``.
    func validate(url: (EndpointConfiguration) -> String, kind: String) throws(EndpointConfigurationError) {
        guard !endpoints.isEmpty else { throw .noEndpoints }
        for endpoint in endpoints {
            let target = url(endpoint)
            guard target.hasPrefix("http://") || target.hasPrefix("https://") else { throw .invalidURL(endpoint.url) }
            guard endpoint.maxConcurrentRequests >= 1 else {
                throw .invalidValue("\(kind) endpoint \(endpoint.name): maxConcurrentRequests must be at least 1")
            }
            guard !endpoint.model.isEmpty else { throw .invalidValue("\(kind) endpoint \(endpoint.name): the model name is empty") }
        }
        guard retry.maxAttempts >= 1 else { throw .invalidValue("retry.maxAttempts must be at least 1") }
        guard health.failureThreshold >= 1 else { throw .invalidValue("health.failureThreshold must be at least 1") }
    }
}

/// Everything a ``ChatClient`` needs: the shared endpoint settings, nothing more.
public typealias ChatClientConfiguration = EndpointClientConfiguration

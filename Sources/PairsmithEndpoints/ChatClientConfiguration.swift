import Logging

/// Everything a ``ChatClient`` needs: the endpoints, the retry and health policies, time limits, and the
/// injectable clock.
public struct ChatClientConfiguration: Sendable {
    /// The chat servers to spread requests over.
    public var endpoints: [EndpointConfiguration]
    /// Retry bounds and back-off.
    public var retry: RetryPolicy
    /// When endpoints are set aside.
    public var health: HealthPolicy
    /// Connect, read and total time limits.
    public var timeouts: ChatTimeouts
    /// Clock, sleeper and randomness (``ChatEnvironment/system`` outside tests).
    public var environment: ChatEnvironment
    /// Called (from the router) when an endpoint is set aside or back, or all are down.
    public var onStatus: @Sendable (ChatStatusEvent) -> Void
    /// The largest reply body accepted.
    public var maxResponseBytes: Int

    /// Creates a configuration.
    public init(
        endpoints: [EndpointConfiguration], retry: RetryPolicy = RetryPolicy(), health: HealthPolicy = HealthPolicy(),
        timeouts: ChatTimeouts = ChatTimeouts(), environment: ChatEnvironment = .system,
        onStatus: @escaping @Sendable (ChatStatusEvent) -> Void = { _ in }, maxResponseBytes: Int = 16 << 20
    ) {
        self.endpoints = endpoints
        self.retry = retry
        self.health = health
        self.timeouts = timeouts
        self.environment = environment
        self.onStatus = onStatus
        self.maxResponseBytes = maxResponseBytes
    }

    /// Checks limits and URLs; throws ``ChatConfigurationError``.
    func validate() throws(ChatConfigurationError) {
        guard !endpoints.isEmpty else { throw .noEndpoints }
        for endpoint in endpoints {
            let url = endpoint.chatCompletionsURL
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else { throw .invalidURL(endpoint.url) }
            guard endpoint.maxConcurrentRequests >= 1 else {
                throw .invalidValue("endpoint \(endpoint.name): maxConcurrentRequests must be at least 1")
            }
            guard !endpoint.model.isEmpty else { throw .invalidValue("endpoint \(endpoint.name): the model name is empty") }
        }
        guard retry.maxAttempts >= 1 else { throw .invalidValue("retry.maxAttempts must be at least 1") }
        guard health.failureThreshold >= 1 else { throw .invalidValue("health.failureThreshold must be at least 1") }
    }
}

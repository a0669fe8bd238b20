import Logging

/// How vectors travel in `/v1/embeddings` answers.
public enum EmbeddingEncoding: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// JSON arrays of numbers.
    case float
    /// Base64 strings of little-endian float32 values (a quarter of the bytes; faster to read).
    case base64

    public var description: String { rawValue }
}

/// Everything an ``EmbeddingClient`` needs: the endpoints, batch size, wire encoding, output dimensions, and the
/// same retry, health and time-limit policies as the chat client.
public struct EmbeddingClientConfiguration: Sendable {
    /// The embedding servers to spread batches over (their `url` is the base URL; `model` is sent with each batch).
    public var endpoints: [EndpointConfiguration]
    /// Texts per request (`input` list).
    public var batchSize: Int
    /// The encoding asked for first; an endpoint that rejects base64 is asked for floats from then on.
    public var encoding: EmbeddingEncoding
    /// Output dimensions (MRL). Sent as `dimensions`; an endpoint that rejects it or returns the full size gets
    /// its vectors sliced and renormalised here instead. Nil keeps the model's full size.
    public var dimensions: Int?
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
        endpoints: [EndpointConfiguration], batchSize: Int = 32, encoding: EmbeddingEncoding = .base64,
        dimensions: Int? = nil, retry: RetryPolicy = RetryPolicy(), health: HealthPolicy = HealthPolicy(),
        timeouts: ChatTimeouts = ChatTimeouts(), environment: ChatEnvironment = .system,
        onStatus: @escaping @Sendable (ChatStatusEvent) -> Void = { _ in }, maxResponseBytes: Int = 256 << 20
    ) {
        self.endpoints = endpoints
        self.batchSize = batchSize
        self.encoding = encoding
        self.dimensions = dimensions
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
            let url = endpoint.embeddingsURL
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else { throw .invalidURL(endpoint.url) }
            guard endpoint.maxConcurrentRequests >= 1 else {
                throw .invalidValue("embedding endpoint \(endpoint.name): maxConcurrentRequests must be at least 1")
            }
            guard !endpoint.model.isEmpty else {
                throw .invalidValue("embedding endpoint \(endpoint.name): the model name is empty")
            }
        }
        guard batchSize >= 1 else { throw .invalidValue("embedding batchSize must be at least 1 (got \(batchSize))") }
        if let dimensions, dimensions < 1 {
            throw .invalidValue("embedding dimensions must be at least 1 (got \(dimensions))")
        }
        guard retry.maxAttempts >= 1 else { throw .invalidValue("retry.maxAttempts must be at least 1") }
        guard health.failureThreshold >= 1 else { throw .invalidValue("health.failureThreshold must be at least 1") }
    }
}

extension EndpointConfiguration {
    /// The `/v1/embeddings` URL derived from ``url`` (a base URL, `…/v1`, or the full `…/v1/embeddings`).
    public var embeddingsURL: String {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/embeddings") { return base }
        if base.hasSuffix("/v1") { return base + "/embeddings" }
        return base + "/v1/embeddings"
    }
}

import Logging

/// How vectors travel in `/v1/embeddings` answers.
public enum EmbeddingEncoding: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// JSON arrays of numbers.
    case float
    /// Base64 strings of little-endian float32 values (a quarter of the bytes; faster to read).
    case base64

    public var description: String { rawValue }
}

/// Everything an ``EmbeddingClient`` needs: the shared endpoint settings (read and set through this value, e.g.
/// `configuration.retry`) plus batch size, wire encoding and output dimensions.
@dynamicMemberLookup
public struct EmbeddingClientConfiguration: Sendable {
    /// The endpoints (their `url` is the base URL; `model` is sent with each batch), policies, limits and clock.
    public var transport: EndpointClientConfiguration
    /// Texts per request (`input` list).
    public var batchSize: Int
    /// The encoding asked for first; an endpoint that rejects base64 is asked for floats from then on.
    public var encoding: EmbeddingEncoding
    /// Output dimensions (MRL). Sent as `dimensions`; an endpoint that rejects it or returns the full size gets
    /// its vectors sliced and renormalised here instead. Nil keeps the model's full size.
    public var dimensions: Int?

    /// Creates a configuration.
    public init(
        endpoints: [EndpointConfiguration], batchSize: Int = 32, encoding: EmbeddingEncoding = .base64,
        dimensions: Int? = nil, retry: RetryPolicy = RetryPolicy(), health: HealthPolicy = HealthPolicy(),
        timeouts: EndpointTimeouts = EndpointTimeouts(), environment: EndpointEnvironment = .system,
        onStatus: @escaping @Sendable (EndpointStatusEvent) -> Void = { _ in }, maxResponseBytes: Int = 256 << 20
    ) {
        transport = EndpointClientConfiguration(
            endpoints: endpoints, retry: retry, health: health, timeouts: timeouts, environment: environment,
            onStatus: onStatus, maxResponseBytes: maxResponseBytes)
        self.batchSize = batchSize
        self.encoding = encoding
        self.dimensions = dimensions
    }

    /// A shared setting (``EndpointClientConfiguration``), read or set.
    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<EndpointClientConfiguration, Value>) -> Value {
        get { transport[keyPath: keyPath] }
        set { transport[keyPath: keyPath] = newValue }
    }

    /// Checks limits and URLs; throws ``EndpointConfigurationError``.
    func validate() throws(EndpointConfigurationError) {
        try transport.validate(url: \.embeddingsURL, kind: "embedding")
        guard batchSize >= 1 else { throw .invalidValue("embedding batchSize must be at least 1 (got \(batchSize))") }
        if let dimensions, dimensions < 1 {
            throw .invalidValue("embedding dimensions must be at least 1 (got \(dimensions))")
        }
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

import Foundation

/// One chat server: where it is, which model it serves, its key and how many requests it takes at once.
public struct EndpointConfiguration: Sendable, Hashable, CustomStringConvertible {
    /// A short name for logs and statistics (defaults to the URL's host and port).
    public var name: String
    /// The server's base URL (`http://host:port`, `…/v1` or the full `…/v1/chat/completions`).
    public var url: String
    /// The model name sent in each request.
    public var model: String
    /// Where the bearer key comes from.
    public var apiKey: APIKeySource
    /// The most requests this endpoint gets at once.
    public var maxConcurrentRequests: Int
    /// Whether to send `chat_template_kwargs: {"enable_thinking": false}`; nil means "yes for Qwen3 models".
    public var disableThinking: Bool?
    /// How the concurrency window adapts below ``maxConcurrentRequests`` (AIMD; ``AdaptiveConcurrency/fixed`` to keep it there).
    public var adaptive = AdaptiveConcurrency()

    /// Creates an endpoint description.
    public init(
        url: String, model: String, apiKey: APIKeySource = .none, maxConcurrentRequests: Int = 16,
        disableThinking: Bool? = nil, name: String? = nil, adaptive: AdaptiveConcurrency = AdaptiveConcurrency()
    ) {
        self.adaptive = adaptive
        self.url = url
        self.model = model
        self.apiKey = apiKey
        self.maxConcurrentRequests = maxConcurrentRequests
        self.disableThinking = disableThinking
        self.name = name ?? URL(string: url).map { "\($0.host ?? "?"):\($0.port.map(String.init) ?? "-")" } ?? url
    }

    /// The `/v1/chat/completions` URL derived from ``url``.
    public var chatCompletionsURL: String {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/chat/completions") { return base }
        if base.hasSuffix("/v1") { return base + "/chat/completions" }
        return base + "/v1/chat/completions"
    }

    /// Whether requests carry `enable_thinking: false` (explicit setting, else true for Qwen3 models).
    public var sendsDisableThinking: Bool { disableThinking ?? model.lowercased().contains("qwen3") }

    public var description: String {
        "\(name) (\(chatCompletionsURL), model \(model), key \(apiKey), \(maxConcurrentRequests) at once)"
    }
}

/// A configuration problem found before any request is sent.
public enum EndpointConfigurationError: Error, Sendable, CustomStringConvertible {
    /// No endpoints were given.
    case noEndpoints
    /// An endpoint's URL does not parse or is not http(s).
    case invalidURL(String)
    /// A concurrency limit or policy value is out of range.
    case invalidValue(String)
    /// The bearer key could not be read.
    case missingKey(String)

    public var description: String {
        switch self {
        case .noEndpoints: "no endpoints configured; give at least one URL and model"
        case .invalidURL(let url): "endpoint URL '\(url)' is not a valid http(s) URL, e.g. http://127.0.0.1:8080/v1"
        case .invalidValue(let what): "invalid endpoint client setting: \(what)"
        case .missingKey(let what): "endpoint key: \(what)"
        }
    }
}

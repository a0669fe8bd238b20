import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PairsmithJSON

/// An OpenAI-compatible `/v1/chat/completions` client for many concurrent callers: one shared instance,
/// pooled keep-alive connections, retries, several endpoints, strict JSON answers.
///
/// ```swift
/// try await ChatClient.withClient(configuration) { client in
///     let result = try await client.complete(request, as: Config.self)
/// }
/// ```
public final class ChatClient: Sendable {
    private let configuration: ChatClientConfiguration
    private let tokens: [BearerToken?]
    private let prepared: [PreparedEndpoint]
    private let http: HTTPClient
    private let router: EndpointRouter
    private let logger: Logger

    /// Creates a client; reads each endpoint's key now. Call ``shutdown()`` when done (or use ``withClient(_:logger:_:)``).
    public init(_ configuration: ChatClientConfiguration, logger: Logger = Logger(label: "pairsmith.chat")) throws {
        try configuration.validate()
        self.configuration = configuration
        self.tokens = try configuration.endpoints.map { try $0.apiKey.resolve() }
        self.prepared = configuration.endpoints.map(PreparedEndpoint.init)
        self.logger = logger
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: Self.httpConfiguration(for: configuration))
        self.router = EndpointRouter(
            endpoints: configuration.endpoints, health: configuration.health, now: configuration.environment.now,
            onStatus: configuration.onStatus, logger: logger)
    }

    /// The AsyncHTTPClient settings for `configuration`: pooled keep-alive connections, and per host (a host
    /// and port) as many as the endpoints there may have requests in flight, so the pool never queues a
    /// request the router let through (AsyncHTTPClient's default of 8 would cap the throughput).
    static func httpConfiguration(for configuration: ChatClientConfiguration) -> HTTPClient.Configuration {
        var http = HTTPClient.Configuration()
        http.timeout = .init(
            connect: .nanoseconds(Int64(seconds(configuration.timeouts.connect) * 1e9)),
            read: .nanoseconds(Int64(seconds(configuration.timeouts.read) * 1e9)))
        var perHost: [String: Int] = [:]
        for endpoint in configuration.endpoints {
            perHost[PreparedEndpoint.hostKey(endpoint.chatCompletionsURL), default: 0] += endpoint.maxConcurrentRequests
        }
        http.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, perHost.values.max() ?? 8))
        http.decompression = .disabled
        return http
    }

    /// Runs `body` with a new client and shuts it down afterwards, also when `body` throws.
    @discardableResult
    public static func withClient<R: Sendable>(
        _ configuration: ChatClientConfiguration, logger: Logger = Logger(label: "pairsmith.chat"),
        _ body: (ChatClient) async throws -> R
    ) async throws -> R {
        let client = try ChatClient(configuration, logger: logger)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Closes the pooled connections. The client takes no requests afterwards.
    public func shutdown() async throws { try await http.shutdown() }

    /// Per-endpoint accounting: tokens, latency, retries, failures by class, health now.
    public func statistics() async -> [EndpointStatistics] { await router.snapshot() }

    /// The storage key of `request` (see ``RequestHash``), using the first endpoint's model name.
    public func hash(of request: ChatRequest) -> String {
        request.hash(model: configuration.endpoints.first?.model ?? "")
    }

    // MARK: Completing

    /// Sends `request`, retrying transport faults, and returns the answer decoded as `T` once it is valid JSON
    /// that meets the request's schema. Throws ``ChatError`` (or `CancellationError`).
    public func complete<T: Decodable & Sendable>(_ request: ChatRequest, as type: T.Type) async throws -> ChatResult<T> {
        let result = try await completeJSON(request)
        if let value = result.json as? T { return result.with(value) }
        do {
            let value = try JSONDecoder().decode(T.self, from: Data(AnswerParser.clean(result.rawContent).utf8))
            return result.with(value)
        } catch {
            throw ChatError.decoding(endpoint: result.endpoint, type: String(describing: T.self),
                                     reason: AnswerParser.describe(error), raw: result.rawContent)
        }
    }

    /// Sends `request` and returns the answer as a validated JSON value.
    public func completeJSON(_ request: ChatRequest) async throws -> ChatResult<JSONValue> {
        var failures = 0
        var attempts = 0
        var lastError: ChatError?
        while true {
            let lease = try await EndpointExchange.acquire(router, isRetry: attempts > 0, environment: configuration.environment)
            attempts += 1
            switch await attempt(request, on: lease) {
            case .success(let result, let outcome):
                await router.finish(lease, outcome: outcome)
                var result = result
                result.attempts = attempts
                return result
            case .contentFault(let error, let outcome), .fatal(let error, let outcome):
                await router.finish(lease, outcome: outcome)
                throw error
            case .formatRejected(let mode, let message):
                await router.finish(lease, outcome: .formatRejected(mode, message: message))
                attempts -= 1  // a format fallback spends no attempt
            case .cancelled:
                await router.finish(lease, outcome: .cancelled)
                throw CancellationError()
            case .retryable(let error, let outcome):
                let resting = await router.finish(lease, outcome: outcome)
                failures += 1
                lastError = error
                logger.debug("chat attempt failed; retrying",
                             metadata: ["endpoint": "\(configuration.endpoints[lease.index].name)", "error": "\(error)",
                                        "attempt": "\(failures)"])
                guard failures < configuration.retry.maxAttempts else {
                    throw ChatError.attemptsExhausted(attempts: failures, last: lastError ?? error)
                }
                if resting { continue }  // the endpoint rests (429 or set aside): acquire waits or goes elsewhere
                try await configuration.environment.sleep(
                    configuration.retry.backoff(retry: failures, random: configuration.environment.random()))
            }
        }
    }

    // MARK: One attempt

    private enum AttemptResult {
        case success(ChatResult<JSONValue>, EndpointRouter.Outcome)
        case contentFault(ChatError, EndpointRouter.Outcome)
        case fatal(ChatError, EndpointRouter.Outcome)
        case retryable(ChatError, EndpointRouter.Outcome)
        case formatRejected(ResponseFormatMode, message: String)
        case cancelled
    }

    private func attempt(_ request: ChatRequest, on lease: EndpointRouter.Lease) async -> AttemptResult {
        let endpoint = configuration.endpoints[lease.index]
        let target = prepared[lease.index]
        var httpRequest = HTTPClientRequest(url: target.url)
        httpRequest.method = .POST
        httpRequest.headers = target.headers
        if let token = tokens[lease.index] { httpRequest.headers.add(name: "Authorization", value: token.headerValue) }
        httpRequest.body = .bytes(WireFormat.requestBody(request, model: target.model, disableThinking: target.disableThinking, mode: lease.format))

        let status: Int
        let headers: HTTPHeaders
        let body: [UInt8]
        let elapsed: Duration
        switch await EndpointExchange.post(
            httpRequest, with: http, total: configuration.timeouts.total, maxResponseBytes: configuration.maxResponseBytes)
        {
        case .reply(let reply):
            (status, headers, body, elapsed) = (reply.status, reply.headers, Array(reply.body.readableBytesView), reply.latency)
        case .cancelled:
            return .cancelled
        case .transportFailure(let timedOut, let reason):
            return .retryable(ChatError.transport(endpoint: endpoint.name, reason: reason, timedOut: timedOut),
                              .transport(timedOut: timedOut, reason: reason))
        }
        let latency = elapsed

        guard (200..<300).contains(status) else {
            let message = WireFormat.errorMessage(from: body)
            let error = ChatError.httpStatus(endpoint: endpoint.name, status: status, message: message)
            if status == 429 {
                let retryAfter = WireFormat.retryAfter(headers.first(name: "Retry-After"), now: configuration.environment.wallClock())
                let wait = min(retryAfter ?? 0, seconds(configuration.retry.maxRetryAfter))
                return .retryable(error, .rateLimited(seconds: wait))
            }
            if error.isRetryable { return .retryable(error, .serverError(reason: "HTTP \(status): \(message)")) }
            if request.schema != nil, lease.format.fallback != nil, WireFormat.rejectsResponseFormat(status: status, message: message) {
                return .formatRejected(lease.format, message: message)
            }
            return .fatal(error, .clientError)
        }

        let completion: WireFormat.Completion
        do { completion = try WireFormat.Completion(parsing: body) } catch {
            let reason = "\(AnswerParser.describe(error)); body: \(preview(String(decoding: body, as: UTF8.self)))"
            return .retryable(.malformedResponse(endpoint: endpoint.name, reason: reason), .serverError(reason: reason))
        }
        let choice = completion.choice
        let usage = completion.usage
        let content = choice.content
        let latencySeconds = seconds(latency)
        if choice.finishReason == "length" {
            return .contentFault(.truncated(endpoint: endpoint.name, raw: content),
                                 .answered(usage: usage, latency: latencySeconds, contentFault: true))
        }
        let json: JSONValue
        do { json = try AnswerParser.parse(content, schema: request.schema, endpoint: endpoint.name) } catch {
            return .contentFault(error, .answered(usage: usage, latency: latencySeconds, contentFault: true))
        }
        let result = ChatResult(
            value: json, json: json, rawContent: content, endpoint: endpoint.name, model: endpoint.model, usage: usage,
            latency: latency, attempts: 1, format: lease.format, finishReason: choice.finishReason)
        return .success(result, .answered(usage: usage, latency: latencySeconds, contentFault: false))
    }
}

extension ChatResult {
    /// The same result carrying another value.
    func with<U: Sendable>(_ value: U) -> ChatResult<U> {
        ChatResult<U>(
            value: value, json: json, rawContent: rawContent, endpoint: endpoint, model: model, usage: usage,
            latency: latency, attempts: attempts, format: format, finishReason: finishReason)
    }
}

/// What every request to one endpoint shares, worked out once when the client is made.
struct PreparedEndpoint: Sendable {
    /// The `/v1/chat/completions` URL.
    var url: String
    /// The model name sent.
    var model: String
    /// Whether requests carry `enable_thinking: false`.
    var disableThinking: Bool
    /// `Content-Type` and `Accept`.
    var headers: HTTPHeaders

    init(_ endpoint: EndpointConfiguration) {
        url = endpoint.chatCompletionsURL
        model = endpoint.model
        disableThinking = endpoint.sendsDisableThinking
        headers = HTTPHeaders([("Content-Type", "application/json"), ("Accept", "application/json")])
    }

    /// `scheme://host:port` of `url`: the key AsyncHTTPClient pools connections under.
    static func hostKey(_ url: String) -> String {
        guard let parsed = URL(string: url) else { return url }
        return "\(parsed.scheme ?? "")://\(parsed.host ?? ""):\(parsed.port ?? (parsed.scheme == "https" ? 443 : 80))"
    }
}

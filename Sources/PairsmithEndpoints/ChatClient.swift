import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import PairsmithJSON

/// An OpenAI-compatible `/v1/chat/completions` client for many concurrent callers: one shared instance,
/// pooled keep-alive connections, retries, several endpoints, strict JSON answers.
///
/// ```swift
/// try await ChatClient.withClient(configuration) { client in
///     let result = try await client.complete(request, as: Config.self)
/// }
/// ```
public final class ChatClient: ClosingClient, Sendable {
    private let transport: EndpointTransport
    private let prepared: [PreparedEndpoint]
    private var configuration: ChatClientConfiguration { transport.configuration }

    /// Creates a client; reads each endpoint's key now. Call ``shutdown()`` when done (or use ``withClient(_:logger:_:)``).
    public init(_ configuration: ChatClientConfiguration, logger: Logger = Logger(label: "pairsmith.chat")) throws {
        try configuration.validate(url: \.chatCompletionsURL, kind: "chat")
        transport = try EndpointTransport(configuration, kind: "chat", url: \.chatCompletionsURL, logger: logger)
        prepared = configuration.endpoints.map(PreparedEndpoint.init)
    }

    /// The AsyncHTTPClient settings for `configuration` (see ``EndpointTransport/httpConfiguration(for:url:)``).
    static func httpConfiguration(for configuration: ChatClientConfiguration) -> HTTPClient.Configuration {
        EndpointTransport.httpConfiguration(for: configuration, url: \.chatCompletionsURL)
    }

    /// Runs `body` with a new client and shuts it down afterwards, also when `body` throws.
    @discardableResult
    public static func withClient<R: Sendable>(
        _ configuration: ChatClientConfiguration, logger: Logger = Logger(label: "pairsmith.chat"),
        _ body: (ChatClient) async throws -> R
    ) async throws -> R {
        try await ChatClient(configuration, logger: logger).closing(after: body)
    }

    /// How many AsyncHTTPClient connection pools the client's requests take turns on (each holds connections to
    /// every endpoint host; one per started 256 connections of the busiest host).
    public var connectionPoolCount: Int { transport.poolCount }

    /// Closes the pooled connections. The client takes no requests afterwards.
    public func shutdown() async throws { try await transport.shutdown() }

    /// Per-endpoint accounting: tokens, latency, retries, failures by class, health now.
    public func statistics() async -> [EndpointStatistics] { await transport.router.snapshot() }

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
            throw ChatError.decoding(
                endpoint: result.endpoint, type: String(describing: T.self),
                reason: AnswerParser.describe(error), raw: result.rawContent)
        }
    }

    /// Sends `request` and returns the answer as a validated JSON value.
    public func completeJSON(_ request: ChatRequest) async throws -> ChatResult<JSONValue> {
        var (result, attempts) = try await transport.send { lease in await attempt(request, on: lease) }
        result.attempts = attempts
        return result
    }

    // MARK: One attempt

    private func attempt(
        _ request: ChatRequest, on lease: EndpointRouter.Lease
    ) async -> EndpointTransport.Attempt<ChatResult<JSONValue>, ChatError> {
        let endpoint = configuration.endpoints[lease.index]
        let target = prepared[lease.index]
        let requestBody = WireFormat.requestBody(request, model: target.model, disableThinking: target.disableThinking, mode: lease.format)
        let body: [UInt8]
        let latency: Duration
        switch await transport.post(ByteBuffer(bytes: requestBody), to: target.url, on: lease)
            as EndpointTransport.Posted<ChatResult<JSONValue>, ChatError>
        {
        case .ended(let attempt):
            return attempt
        case .refused(let error, let status, let message):
            if request.schema != nil, lease.format.fallback != nil, WireFormat.rejectsResponseFormat(status: status, message: message) {
                return .again(.formatRejected(lease.format, message: message))  // a format fallback spends no attempt
            }
            return .fatal(error, .clientError)
        case .reply(let reply, let elapsed):
            (body, latency) = (Array(reply.readableBytesView), elapsed)
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
            return .fatal(
                .truncated(endpoint: endpoint.name, raw: content),
                .answered(usage: usage, latency: latencySeconds, contentFault: true))
        }
        let json: JSONValue
        do { json = try AnswerParser.parse(content, schema: request.schema, endpoint: endpoint.name) } catch {
            return .fatal(error, .answered(usage: usage, latency: latencySeconds, contentFault: true))
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
    init(_ endpoint: EndpointConfiguration) {
        url = endpoint.chatCompletionsURL
        model = endpoint.model
        disableThinking = endpoint.sendsDisableThinking
    }

}

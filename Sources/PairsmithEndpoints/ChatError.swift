/// Why a chat request failed; every case names the endpoint and says what went wrong.
public indirect enum ChatError: Error, Sendable, CustomStringConvertible {
    /// The connection failed: refused, reset, closed early, or a timeout (`timedOut` says which).
    case transport(endpoint: String, reason: String, timedOut: Bool)
    /// The server answered with an HTTP error status and this message.
    case httpStatus(endpoint: String, status: Int, message: String)
    /// The answer was cut off (`finish_reason: length`); raise max_tokens or shorten the prompt.
    case truncated(endpoint: String, raw: String)
    /// The answer is not a JSON document (after removing `<think>` and code fences).
    case notJSON(endpoint: String, reason: String, raw: String)
    /// The answer is JSON but breaks the schema.
    case schemaViolation(endpoint: String, violations: [SchemaViolation], raw: String)
    /// The answer meets the schema but does not decode into the caller's type.
    case decoding(endpoint: String, type: String, reason: String, raw: String)
    /// The server's reply is not an OpenAI-compatible chat completion.
    case malformedResponse(endpoint: String, reason: String)
    /// Every allowed attempt failed with a retryable fault; `last` is the final one.
    case attemptsExhausted(attempts: Int, last: ChatError)

    /// Whether another attempt may succeed (transport faults, 429, 5xx, malformed replies).
    public var isRetryable: Bool {
        switch self {
        case .transport, .malformedResponse: true
        case .httpStatus(_, let status, _): status == 429 || status == 408 || status >= 500
        default: false
        }
    }

    /// The answer text as the server sent it, for content faults (kept with the reject reason).
    public var rawAnswer: String? {
        switch self {
        case .truncated(_, let raw), .notJSON(_, _, let raw), .schemaViolation(_, _, let raw), .decoding(_, _, _, let raw): raw
        case .attemptsExhausted(_, let last): last.rawAnswer
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .transport(let endpoint, let reason, let timedOut):
            EndpointTransport.describeTransportFailure(endpoint: endpoint, reason: reason, timedOut: timedOut)
        case .httpStatus(let endpoint, let status, let message):
            EndpointTransport.describeStatus(endpoint: endpoint, status: status, message: message)
        case .truncated(let endpoint, _):
            "\(endpoint): the answer was cut off at max_tokens (finish_reason length); raise max_tokens"
        case .notJSON(let endpoint, let reason, let raw):
            "\(endpoint): the answer is not JSON (\(reason)): \(preview(raw))"
        case .schemaViolation(let endpoint, let violations, _):
            "\(endpoint): the answer breaks the schema: \(violations.map(\.description).joined(separator: "; "))"
        case .decoding(let endpoint, let type, let reason, _):
            "\(endpoint): the answer does not decode as \(type): \(reason)"
        case .malformedResponse(let endpoint, let reason):
            "\(endpoint): not an OpenAI-compatible chat completion: \(reason)"
        case .attemptsExhausted(let attempts, let last):
            "gave up after \(attempts) attempts; last: \(last)"
        }
    }
}

/// The first 200 characters of `text`, for messages.
func preview(_ text: String, limit: Int = 200) -> String {
    text.count <= limit ? text : String(text.prefix(limit)) + "…"
}

import PairsmithJSON

/// Token counts the server reported in `usage`.
public struct TokenUsage: Sendable, Hashable, Codable {
    /// Tokens in the prompt.
    public var promptTokens: Int
    /// Tokens in the answer.
    public var completionTokens: Int

    /// Creates counts.
    public init(promptTokens: Int = 0, completionTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}

/// How a request asked for JSON: the best form the endpoint accepts is remembered per endpoint.
public enum ResponseFormatMode: Int, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// `{"type":"json_schema","json_schema":{"name","schema","strict":true}}`.
    case jsonSchema
    /// `{"type":"json_object","schema":…}`.
    case jsonObject
    /// No `response_format`; the schema is described in a system message.
    case plainText

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .jsonSchema: "json_schema"
        case .jsonObject: "json_object"
        case .plainText: "plain text"
        }
    }

    /// The next weaker form, or nil after plain text.
    var fallback: ResponseFormatMode? { ResponseFormatMode(rawValue: rawValue + 1) }
}

/// A successful answer: the typed value plus what it cost.
public struct ChatResult<Value: Sendable>: Sendable {
    /// The answer decoded into the caller's type.
    public var value: Value
    /// The answer as a JSON value (validated against the schema).
    public var json: JSONValue
    /// The answer text as the server sent it.
    public var rawContent: String
    /// The endpoint that answered.
    public var endpoint: String
    /// The model name the endpoint was asked for.
    public var model: String
    /// Token counts from `usage`.
    public var usage: TokenUsage
    /// Time from sending the successful attempt to its last byte.
    public var latency: Duration
    /// Attempts made, including failed ones (1 when the first succeeded).
    public var attempts: Int
    /// The response format the successful attempt used.
    public var format: ResponseFormatMode
    /// `finish_reason` as sent (`stop` usually).
    public var finishReason: String?
}

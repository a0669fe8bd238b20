/// One chat message: a role (`system`, `user`, `assistant`) and its text.
public struct ChatMessage: Sendable, Hashable, Codable {
    /// `system`, `user` or `assistant`.
    public var role: String
    /// The message text.
    public var content: String

    /// Creates a message.
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    /// A system message.
    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: "system", content: content) }
    /// A user message.
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: "user", content: content) }
    /// An assistant message.
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: "assistant", content: content) }
}

/// What to ask: the messages, the sampling parameters and the JSON schema the answer must meet.
///
/// The model is not part of the request: each endpoint names its own (see ``EndpointConfiguration``).
public struct ChatRequest: Sendable, Hashable {
    /// The conversation, oldest first.
    public var messages: [ChatMessage]
    /// Sampling temperature, or nil for the server's default.
    public var temperature: Double?
    /// Nucleus sampling mass, or nil for the server's default.
    public var topP: Double?
    /// The most tokens the answer may have, or nil for the server's default.
    public var maxTokens: Int?
    /// The sampling seed, or nil for none.
    public var seed: Int?
    /// The schema the answer must meet, or nil for any JSON value.
    public var schema: JSONSchema?
    /// The schema's name, as `response_format.json_schema.name` sends it.
    public var schemaName: String

    /// Creates a request.
    public init(
        messages: [ChatMessage], temperature: Double? = nil, topP: Double? = nil, maxTokens: Int? = nil,
        seed: Int? = nil, schema: JSONSchema? = nil, schemaName: String = "answer"
    ) {
        self.messages = messages
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
        self.seed = seed
        self.schema = schema
        self.schemaName = schemaName
    }
}

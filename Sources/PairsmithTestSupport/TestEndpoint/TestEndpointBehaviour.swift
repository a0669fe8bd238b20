/// A fault the test endpoint can inject into a reply.
public enum TestFault: String, Sendable, CaseIterable, Hashable {
    /// HTTP 500 with an OpenAI-style error body.
    case serverError
    /// HTTP 429 with a Retry-After header (see ``TestEndpointBehaviour/retryAfter``).
    case rateLimited
    /// The connection is closed without a reply.
    case dropConnection
    /// The reply comes after ``TestEndpointBehaviour/slowDelay`` (use a shorter client read timeout).
    case slowAnswer
    /// The reply announces its full length but stops halfway and the connection closes.
    case truncatedBody
    /// The answer text is prose, not JSON.
    case notJSON
    /// The answer starts with a `<think>…</think>` block (the JSON after it is valid).
    case thinkPrefix
    /// The answer is wrapped in a ```json code fence (the JSON inside is valid).
    case codeFences
    /// The answer is JSON that breaks the request's schema.
    case wrongSchema
    /// The answer is cut in half with `finish_reason: length`.
    case lengthCut
    /// HTTP 400 with a message about the context length (not a format problem).
    case badRequest
}

/// How Retry-After is written on 429 replies.
public enum RetryAfterStyle: Sendable, Hashable {
    /// `Retry-After: N` (delta seconds).
    case seconds(Int)
    /// `Retry-After: <IMF-fixdate N seconds from now>`.
    case httpDate(secondsFromNow: Int)
}

/// How the test endpoint behaves: latency, fault rates, format support.
public struct TestEndpointBehaviour: Sendable {
    /// Fixed delay before every reply.
    public var latency: Duration
    /// The chance (0…1) of each fault per request; the draw is seeded by the request's content and how
    /// often that content was seen, so a retried request can succeed and every run is the same.
    public var faultRates: [TestFault: Double]
    /// Extra delay of ``TestFault/slowAnswer``.
    public var slowDelay: Duration
    /// Retry-After of ``TestFault/rateLimited``.
    public var retryAfter: RetryAfterStyle
    /// Reject `response_format` type `json_schema` with HTTP 400.
    public var rejectJSONSchema: Bool
    /// Reject `response_format` type `json_object` with HTTP 400.
    public var rejectJSONObject: Bool
    /// The model name `/v1/models` lists.
    public var model: String
    /// If set, requests must carry `Authorization: Bearer <this>` or get HTTP 401.
    public var requiredKey: String?
    /// Keep every request body for ``TestEndpoint/recordedRequests()`` (off for benchmarks).
    public var recordRequests: Bool
    /// How `/v1/embeddings` answers (vector length, rejected options, order).
    public var embedding = TestEmbeddingBehaviour()
    /// If set, a chat request that arrives while this many are being served already gets HTTP 429 at once, without
    /// Retry-After (a server with a fixed capacity); see ``TestEndpoint/inFlightCounts()``.
    public var maxInFlight: Int?

    /// Counts a chat request's prompt tokens from its messages as a real server does (e.g. ``qwen3ChatPrompt(_:)``
    /// tokenized with the model's tokenizer); nil: characters / 4.
    public var promptTokenCounter: (@Sendable (_ messages: [(role: String, content: String)]) -> Int)? = nil

    /// The text a Qwen3 server (vLLM, SGLang, llama.cpp with the model's template) tokenizes for `messages`: its chat
    /// template with the generation prompt and thinking off (`enable_thinking: false` adds the empty think block).
    public static func qwen3ChatPrompt(_ messages: [(role: String, content: String)]) -> String {
        var text = ""
        for message in messages { text += "<|im_start|>" + message.role + "\n" + message.content + "<|im_end|>\n" }
        return text + "<|im_start|>assistant\n<think>\n\n</think>\n\n"
    }

    /// Creates a behaviour; the default is a fast, faultless endpoint.
    public init(
        latency: Duration = .zero, faultRates: [TestFault: Double] = [:], slowDelay: Duration = .seconds(2),
        retryAfter: RetryAfterStyle = .seconds(1), rejectJSONSchema: Bool = false, rejectJSONObject: Bool = false,
        model: String = "test-model", requiredKey: String? = nil, recordRequests: Bool = true
    ) {
        self.latency = latency
        self.faultRates = faultRates
        self.slowDelay = slowDelay
        self.retryAfter = retryAfter
        self.rejectJSONSchema = rejectJSONSchema
        self.rejectJSONObject = rejectJSONObject
        self.model = model
        self.requiredKey = requiredKey
        self.recordRequests = recordRequests
    }
}

/// One request as the test endpoint saw it.
public struct RecordedRequest: Sendable {
    /// The raw JSON body.
    public var body: String
    /// The `Authorization` header, if any.
    public var authorization: String?
    /// The fault injected into the reply, if any.
    public var fault: TestFault?
}

import Foundation
import Hummingbird
import NIOCore

/// How the test endpoint's `/v1/embeddings` route behaves (see ``TestEndpointBehaviour/embedding``).
///
/// The chat faults map onto embedding replies: `serverError` 500, `rateLimited` 429 + Retry-After,
/// `dropConnection`, `slowAnswer`, `truncatedBody` and `badRequest` as for chat; `notJSON` a body that is not
/// JSON; `wrongSchema` one embedding too few; `lengthCut` one embedding shorter than the others; `thinkPrefix`
/// two embeddings with the same index; `codeFences` a value that is not finite. Latency and the API key apply too.
public struct TestEmbeddingBehaviour: Sendable, Hashable {
    /// The model's full vector length.
    public var dimension: Int
    /// Answer HTTP 400 to `encoding_format: base64`.
    public var rejectBase64: Bool
    /// Answer HTTP 400 to any `dimensions` (as vLLM does for models without MRL).
    public var rejectDimensions: Bool
    /// Take `dimensions` but answer full-size vectors anyway (as llama.cpp does).
    public var ignoreDimensions: Bool
    /// List `data` in reverse order (each item keeps its right `index`).
    public var reverseOrder: Bool

    /// Creates a behaviour; the default takes everything and answers 32-dimensional vectors in order.
    public init(
        dimension: Int = 32, rejectBase64: Bool = false, rejectDimensions: Bool = false, ignoreDimensions: Bool = false,
        reverseOrder: Bool = false
    ) {
        self.dimension = dimension
        self.rejectBase64 = rejectBase64
        self.rejectDimensions = rejectDimensions
        self.ignoreDimensions = ignoreDimensions
        self.reverseOrder = reverseOrder
    }
}

extension TestEndpoint {
    /// The full-size vector the test endpoint answers for `text` (a seeded draw from the text's FNV-1a hash,
    /// deliberately not unit length), so tests can compute what a client must return.
    public static func embeddingVector(for text: String, dimension: Int) -> [Float] {
        var random = SeededRandom(seed: SeededRandom.fnv1a(text.utf8))
        return (0..<dimension).map { _ in Float(random.unit() * 4 - 2) }
    }

    /// Adds `POST /v1/embeddings` to `router`.
    static func addEmbeddingsRoute(to router: Router<TestEndpointContext>, state: TestEndpointState) {
        router.post("/v1/embeddings") { request, context in
            let buffer = try await request.body.collect(upTo: 64 << 20)
            let body = Data(buffer.readableBytesView)
            let contentHash = SeededRandom.fnv1a(buffer.readableBytesView)
            let authorization = request.headers[.authorization]
            let (behaviour, fault) = state.admit(contentHash: contentHash)
            if behaviour.recordRequests {
                state.record(RecordedRequest(body: String(decoding: body, as: UTF8.self), authorization: authorization, fault: fault))
            }
            if let key = behaviour.requiredKey, authorization != "Bearer \(key)" {
                return embeddingResponse(TestEndpointReply.error(401, "invalid or missing API key", type: "authentication_error"))
            }
            if behaviour.latency > .zero { try await Task.sleep(for: behaviour.latency) }
            if fault == .slowAnswer { try await Task.sleep(for: behaviour.slowDelay) }
            let reply = embeddings(body: body, behaviour: behaviour, fault: fault, now: Date())
            if case .drop = reply {
                try? await context.channel.close()
                throw TestEndpointDropped()
            }
            return embeddingResponse(reply)
        }
    }

    /// The reply to a `/v1/embeddings` request body under `behaviour` with `fault` (pure).
    static func embeddings(body: Data, behaviour: TestEndpointBehaviour, fault: TestFault?, now: Date) -> TestEndpointReply {
        let settings = behaviour.embedding
        guard let request = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            return TestEndpointReply.error(400, "the request body is not a JSON object", type: "invalid_request_error")
        }
        let texts: [String]
        if let list = request["input"] as? [String], !list.isEmpty {
            texts = list
        } else if let single = request["input"] as? String {
            texts = [single]
        } else {
            return TestEndpointReply.error(400, "'input' must be a string or a non-empty list of strings", type: "invalid_request_error")
        }
        let encoding = (request["encoding_format"] as? String) ?? "float"
        guard encoding == "float" || encoding == "base64" else {
            return TestEndpointReply.error(400, "unknown encoding_format '\(encoding)'", type: "invalid_request_error")
        }
        if encoding == "base64", settings.rejectBase64 {
            return TestEndpointReply.error(400, "encoding_format 'base64' is not supported by this server", type: "invalid_request_error")
        }
        var width = settings.dimension
        if let requested = request["dimensions"] {
            if settings.rejectDimensions {
                return TestEndpointReply.error(
                    400, "Model does not support matryoshka representation, changing output dimensions will lead to poor results.",
                    type: "invalid_request_error")
            }
            guard let d = requested as? Int, (1...settings.dimension).contains(d) else {
                return TestEndpointReply.error(400, "dimensions must be an integer in 1...\(settings.dimension)", type: "invalid_request_error")
            }
            if !settings.ignoreDimensions { width = d }
        }

        switch fault {
        case .serverError: return TestEndpointReply.error(500, "injected internal server error", type: "server_error")
        case .badRequest: return TestEndpointReply.error(400, "injected: the input exceeds the context length", type: "invalid_request_error")
        case .rateLimited:
            let value: String
            switch behaviour.retryAfter {
            case .seconds(let s): value = String(s)
            case .httpDate(let s): value = TestEndpointReply.httpDate(now.addingTimeInterval(Double(s)))
            }
            let reply = TestEndpointReply.error(429, "injected rate limit; retry later", type: "rate_limit_error")
            if case .http(let status, let body, _) = reply { return .http(status: status, body: body, headers: ["Retry-After": value]) }
            return reply
        case .dropConnection: return .drop
        case .notJSON: return .http(status: 200, body: "embeddings are on their way", headers: [:])
        default: break
        }

        var vectors: [[Float]] = texts.map { text in
            let full = embeddingVector(for: text, dimension: settings.dimension)
            guard width < full.count else { return full }
            let slice = Array(full.prefix(width))
            let norm = slice.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            return slice.map { Float(Double($0) / norm) }
        }
        var indices = Array(vectors.indices)
        switch fault {
        case .wrongSchema: vectors.removeLast(); indices.removeLast()
        case .lengthCut: vectors[vectors.count - 1].removeLast()
        case .thinkPrefix: indices[indices.count - 1] = 0
        case .codeFences: vectors[0][0] = encoding == "base64" ? .nan : .infinity
        default: break
        }
        var items: [String] = zip(indices, vectors).map { index, vector in
            let value: String
            if encoding == "base64" {
                var data = Data(capacity: vector.count * 4)
                for x in vector { withUnsafeBytes(of: x.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
                value = "\"" + data.base64EncodedString() + "\""
            } else {
                value = "[" + vector.map { $0.isFinite ? "\($0)" : "1e39" }.joined(separator: ",") + "]"
            }
            return "{\"embedding\":\(value),\"index\":\(index),\"object\":\"embedding\"}"
        }
        if settings.reverseOrder { items.reverse() }
        let tokens = texts.reduce(0) { $0 + max(1, $1.utf8.count / 4) }
        let model = TestEndpointReply.text(of: (request["model"] as? String) ?? behaviour.model)
        let reply = "{\"data\":[\(items.joined(separator: ","))],\"model\":\(model),\"object\":\"list\","
            + "\"usage\":{\"prompt_tokens\":\(tokens),\"total_tokens\":\(tokens)}}"
        if fault == .truncatedBody { return .truncated(body: reply) }
        return .http(status: 200, body: reply, headers: [:])
    }

    private static func embeddingResponse(_ reply: TestEndpointReply) -> Response {
        switch reply {
        case .http(let status, let body, let headers):
            var response = Response(status: .init(code: status), headers: [.contentType: "application/json"],
                                    body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
            if let retryAfter = headers["Retry-After"] { response.headers[.retryAfter] = retryAfter }
            return response
        case .truncated(let body):
            let bytes = ByteBuffer(string: body)
            let half = bytes.getSlice(at: 0, length: bytes.readableBytes / 2) ?? bytes
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(contentLength: bytes.readableBytes) { writer in
                    try await writer.write(half)
                    throw TestEndpointDropped()
                })
        case .drop:
            return Response(status: .internalServerError, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: "{}")))
        }
    }
}

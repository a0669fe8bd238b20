import Foundation
import Hummingbird
import NIOCore

extension TestEndpoint {
    /// The relevance the test endpoint answers for a query and a document: the FNV-1a 64 hash of the UTF-8 of
    /// `query + "\n" + document`, its top 53 bits over 2^53 (in [0, 1)), so a test (or a Python script) can compute
    /// what a client must return.
    public static func rerankScore(query: String, document: String) -> Double {
        Double(SeededRandom.fnv1a("\(query)\n\(document)".utf8) >> 11) * 0x1.0p-53
    }

    /// The rerank APIs the test endpoint answers, as the servers shape them.
    enum RerankAPI {
        /// vLLM's and llama.cpp's `/v1/rerank` (Jina/Cohere style): `{query, documents}` → `{results: [{index,
        /// relevance_score}]}`, best first.
        case rerank
        /// TEI's `/rerank`: `{query, texts}` → `[{index, score}]`, best first.
        case tei
        /// vLLM's `/score`: `{text_1, text_2: [..]}` → `{data: [{index, score}]}`, in input order.
        case score
    }

    /// Adds `POST /v1/rerank`, `/rerank`, `/score` and `/v1/score` to `router`; faults and latency as for embeddings
    /// (`wrongSchema`: one result too few; `thinkPrefix`: a repeated index; `codeFences`: a score that is not a number).
    static func addRerankRoutes(to router: Router<TestEndpointContext>, state: TestEndpointState) {
        for (path, api) in [("/v1/rerank", RerankAPI.rerank), ("/rerank", .tei), ("/score", .score), ("/v1/score", .score)] {
            router.post(RouterPath(path)) { request, context in
                let buffer = try await request.body.collect(upTo: 64 << 20)
                let body = Data(buffer.readableBytesView)
                let authorization = request.headers[.authorization]
                let (behaviour, fault) = state.admit(contentHash: SeededRandom.fnv1a(buffer.readableBytesView))
                if behaviour.recordRequests {
                    state.record(RecordedRequest(body: String(decoding: body, as: UTF8.self), authorization: authorization, fault: fault))
                }
                if let key = behaviour.requiredKey, authorization != "Bearer \(key)" {
                    return rerankResponse(TestEndpointReply.error(401, "invalid or missing API key", type: "authentication_error"))
                }
                if behaviour.latency > .zero { try await Task.sleep(for: behaviour.latency) }
                if fault == .slowAnswer { try await Task.sleep(for: behaviour.slowDelay) }
                let reply = rerank(body: body, api: api, fault: fault)
                if case .drop = reply {
                    try? await context.channel.close()
                    throw TestEndpointDropped()
                }
                return rerankResponse(reply)
            }
        }
    }

    /// The reply to a rerank request body (pure).
    static func rerank(body: Data, api: RerankAPI, fault: TestFault?) -> TestEndpointReply {
        guard let request = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            return TestEndpointReply.error(400, "the request body is not a JSON object", type: "invalid_request_error")
        }
        let query: String?
        let documents: [String]?
        switch api {
        case .rerank: (query, documents) = (request["query"] as? String, request["documents"] as? [String])
        case .tei: (query, documents) = (request["query"] as? String, request["texts"] as? [String])
        case .score: (query, documents) = (request["text_1"] as? String, request["text_2"] as? [String])
        }
        guard let query, let documents, !documents.isEmpty else {
            return TestEndpointReply.error(400, "a query and a non-empty list of documents are required", type: "invalid_request_error")
        }
        switch fault {
        case .serverError: return TestEndpointReply.error(500, "injected internal server error", type: "server_error")
        case .badRequest: return TestEndpointReply.error(400, "injected: the input exceeds the context length", type: "invalid_request_error")
        case .rateLimited:
            return .http(
                status: 429, body: #"{"error":{"message":"injected rate limit; retry later","type":"rate_limit_error"}}"#,
                headers: ["Retry-After": "0"])
        case .dropConnection: return .drop
        case .notJSON: return .http(status: 200, body: "scores are on their way", headers: [:])
        default: break
        }
        var items = documents.enumerated().map { (index: $0.offset, score: rerankScore(query: query, document: $0.element)) }
        if api != .score { items.sort { $0.score > $1.score || ($0.score == $1.score && $0.index < $1.index) } }
        if fault == .wrongSchema { items.removeLast() }
        if fault == .thinkPrefix, items.count > 1 { items[items.count - 1].index = items[0].index }
        func number(_ value: Double, _ position: Int) -> String {
            fault == .codeFences && position == 0 ? "\"high\"" : "\(value)"
        }
        let reply: String
        switch api {
        case .rerank:
            let results = items.enumerated().map { position, item in
                "{\"index\":\(item.index),\"relevance_score\":\(number(item.score, position))}"
            }
            reply =
                "{\"id\":\"rerank-test\",\"model\":\(TestEndpointReply.text(of: (request["model"] as? String) ?? "test-reranker")),"
                + "\"results\":[\(results.joined(separator: ","))],\"usage\":{\"total_tokens\":\(documents.count)}}"
        case .tei:
            reply =
                "["
                + items.enumerated().map { position, item in
                    "{\"index\":\(item.index),\"score\":\(number(item.score, position))}"
                }.joined(separator: ",") + "]"
        case .score:
            let data = items.enumerated().map { position, item in
                "{\"index\":\(item.index),\"object\":\"score\",\"score\":\(number(item.score, position))}"
            }
            reply = "{\"id\":\"score-test\",\"object\":\"list\",\"data\":[\(data.joined(separator: ","))]}"
        }
        if fault == .truncatedBody { return .truncated(body: reply) }
        return .http(status: 200, body: reply, headers: [:])
    }

    private static func rerankResponse(_ reply: TestEndpointReply) -> Response {
        switch reply {
        case .http(let status, let body, let headers):
            var response = Response(
                status: .init(code: status), headers: [.contentType: "application/json"],
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
            return Response(
                status: .internalServerError, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "{}")))
        }
    }
}

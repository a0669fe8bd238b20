import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import PairsmithJSON
import PairsmithText

/// The rerank APIs a ``RerankClient`` speaks, chosen per endpoint from its URL.
public enum RerankAPI: String, Sendable, Hashable, CaseIterable {
    /// vLLM's and llama.cpp's `/v1/rerank` (Jina/Cohere style): `{model, query, documents}` → `{results: [{index,
    /// relevance_score}]}`. A base URL or one ending in `/v1` or `/v1/rerank` means this.
    case rerank
    /// TEI's `/rerank`: `{query, texts}` → `[{index, score}]`. A URL ending in `/rerank` without `/v1` means this.
    case tei
    /// vLLM's `/score`: `{model, text_1, text_2: [...]}` → `{data: [{index, score}]}`. A URL ending in `/score`.
    case score

    /// The API a URL names, and the URL requests go to.
    public static func resolve(_ url: String) -> (api: RerankAPI, url: String) {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        if base.hasSuffix("/score") { return (.score, base) }
        if base.hasSuffix("/v1/rerank") { return (.rerank, base) }
        if base.hasSuffix("/rerank") { return (.tei, base) }
        if base.hasSuffix("/v1") { return (.rerank, base + "/rerank") }
        return (.rerank, base + "/v1/rerank")
    }
}

extension EndpointConfiguration {
    /// The rerank URL derived from ``url`` (see ``RerankAPI/resolve(_:)``).
    public var rerankURL: String { RerankAPI.resolve(url).url }
}

/// Who writes the Qwen3-Reranker prompt around a query and its documents.
public enum RerankPromptFormat: String, Sendable, Hashable, CaseIterable {
    /// The client (the default): the query goes as `{prefix}<Instruct>: {instruction}\n<Query>: {query}\n` and each
    /// document as `<Document>: {document}{suffix}`, the templates vLLM's Qwen3-Reranker examples send to a model
    /// served as `Qwen3ForSequenceClassification` (`--hf_overrides`), and what sequence-classification conversions
    /// served by TEI read; joined they are the model card's prompt.
    case client
    /// The server (vLLM with a Qwen3-Reranker `--chat-template`, llama.cpp with a Qwen3-Reranker GGUF, which carries
    /// its rerank template): the query goes as `<Instruct>: {instruction}\n<Query>: {query}`, documents bare.
    case server
}

/// Everything a ``RerankClient`` needs: the shared endpoint settings plus documents per request and how the
/// instruction travels.
@dynamicMemberLookup
public struct RerankClientConfiguration: Sendable {
    /// The endpoints, policies, limits and clock.
    public var transport: EndpointClientConfiguration
    /// Documents per request (one query each).
    public var batchSize: Int
    /// Who writes the Qwen3-Reranker prompt.
    public var promptFormat: RerankPromptFormat = .client

    /// Creates a configuration.
    public init(
        endpoints: [EndpointConfiguration], batchSize: Int = 32, retry: RetryPolicy = RetryPolicy(),
        health: HealthPolicy = HealthPolicy(), timeouts: EndpointTimeouts = EndpointTimeouts(),
        environment: EndpointEnvironment = .system, onStatus: @escaping @Sendable (EndpointStatusEvent) -> Void = { _ in },
        maxResponseBytes: Int = 64 << 20
    ) {
        transport = EndpointClientConfiguration(
            endpoints: endpoints, retry: retry, health: health, timeouts: timeouts, environment: environment,
            onStatus: onStatus, maxResponseBytes: maxResponseBytes)
        self.batchSize = batchSize
    }

    /// A shared setting, read or set.
    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<EndpointClientConfiguration, Value>) -> Value {
        get { transport[keyPath: keyPath] }
        set { transport[keyPath: keyPath] = newValue }
    }

    func validate() throws(EndpointConfigurationError) {
        try transport.validate(url: \.rerankURL, kind: "rerank")
        guard batchSize >= 1 else { throw .invalidValue("rerank batchSize must be at least 1 (got \(batchSize))") }
    }
}

/// Why a rerank request failed; every case names the endpoint.
public indirect enum RerankError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The connection failed or timed out.
    case transport(endpoint: String, reason: String, timedOut: Bool)
    /// A non-2xx answer.
    case httpStatus(endpoint: String, status: Int, message: String)
    /// The body is not the API's reply shape.
    case malformedResponse(endpoint: String, reason: String)
    /// Every allowed attempt failed with a retryable fault.
    case attemptsExhausted(attempts: Int, last: RerankError)

    /// Whether another attempt may succeed.
    public var isRetryable: Bool {
        switch self {
        case .transport, .malformedResponse: true
        case .httpStatus(_, let status, _): status == 429 || status == 408 || status >= 500
        case .attemptsExhausted: false
        }
    }

    public var description: String {
        switch self {
        case .transport(let endpoint, let reason, let timedOut):
            EndpointTransport.describeTransportFailure(endpoint: endpoint, reason: reason, timedOut: timedOut)
        case .httpStatus(let endpoint, let status, let message):
            EndpointTransport.describeStatus(endpoint: endpoint, status: status, message: message)
        case .malformedResponse(let endpoint, let reason):
            "\(endpoint): not a rerank reply (vLLM /v1/rerank or /score, TEI /rerank, llama.cpp /v1/rerank): \(reason)"
        case .attemptsExhausted(let attempts, let last): "gave up after \(attempts) attempts; last: \(last)"
        }
    }
}

extension RerankError: EndpointFailure {}

/// A rerank client for vLLM (`/v1/rerank`, `/score`), TEI (`/rerank`) and llama.cpp (`/v1/rerank`): splits the
/// documents of one query into requests of ``RerankClientConfiguration/batchSize``, spreads them over the endpoints
/// (fewest in flight first), retries like the embedding client (back-off, Retry-After, endpoints set aside), checks
/// every answer (one finite score per document, each index once) and hands back the scores in input order.
///
/// The Qwen3-Reranker instruction travels in the query, as the model card's prompt has it; the fixed prefix and
/// suffix are added by the client or left to the server (``RerankPromptFormat``).
public final class RerankClient: ClosingClient, Sendable {
    private let configuration: RerankClientConfiguration
    private let transport: EndpointTransport

    /// Creates a client; with `sharedConnections` it uses the process-wide HTTP client and needs no shutdown.
    public init(
        _ configuration: RerankClientConfiguration, logger: Logger = Logger(label: "pairsmith.rerank"),
        sharedConnections: Bool = false
    ) throws {
        try configuration.validate()
        self.configuration = configuration
        transport = try EndpointTransport(
            configuration.transport, kind: "rerank", url: \.rerankURL, sharedConnections: sharedConnections, logger: logger)
    }

    /// Runs `body` with a new client and shuts it down afterwards.
    @discardableResult
    public static func withClient<R: Sendable>(
        _ configuration: RerankClientConfiguration, logger: Logger = Logger(label: "pairsmith.rerank"),
        _ body: (RerankClient) async throws -> R
    ) async throws -> R {
        try await RerankClient(configuration, logger: logger).closing(after: body)
    }

    /// Closes the pooled connections (not the shared ones).
    public func shutdown() async throws { try await transport.shutdown() }

    /// Per-endpoint accounting.
    public func statistics() async -> [EndpointStatistics] { await transport.router.snapshot() }

    /// The query as sent: `<Instruct>: {instruction}\n<Query>: {query}` (the model card's default instruction when
    /// none is given), with the prefix and a closing newline when the client writes the prompt.
    public static func query(_ query: String, instruction: String?, format: RerankPromptFormat = .server) -> String {
        let instructed = RerankerPrompt.instructedQuery(
            query, instruction: instruction.flatMap { $0.isEmpty ? nil : $0 } ?? RerankerPrompt.defaultInstruction)
        switch format {
        case .client: return RerankerPrompt.prefix + instructed + "\n"
        case .server: return instructed
        }
    }

    /// A document as sent: `<Document>: {document}{suffix}` when the client writes the prompt, else bare.
    public static func document(_ document: String, format: RerankPromptFormat) -> String {
        switch format {
        case .client: "<Document>: \(document)" + RerankerPrompt.suffix
        case .server: document
        }
    }

    /// The relevance of each (query, document) pair, in input order. Pairs of the same query share requests.
    public func score(_ pairs: [(query: String, document: String)], instruction: String?) async throws -> [Double] {
        guard !pairs.isEmpty else { return [] }
        var byQuery: [String: [Int]] = [:]
        var order: [String] = []
        for (index, pair) in pairs.enumerated() {
            if byQuery[pair.query] == nil { order.append(pair.query) }
            byQuery[pair.query, default: []].append(index)
        }
        var requests: [(query: String, positions: [Int])] = []
        for query in order {
            let positions = byQuery[query] ?? []
            for start in stride(from: 0, to: positions.count, by: configuration.batchSize) {
                requests.append((query, Array(positions[start..<min(start + configuration.batchSize, positions.count)])))
            }
        }
        var scores = [Double](repeating: 0, count: pairs.count)
        let window = max(1, configuration.endpoints.reduce(0) { $0 + $1.maxConcurrentRequests })
        try await withThrowingTaskGroup(of: ([Int], [Double]).self) { group in
            var next = 0
            func launch() {
                let request = requests[next]
                let format = configuration.promptFormat
                let sent = Self.query(request.query, instruction: instruction, format: format)
                let documents = request.positions.map { Self.document(pairs[$0].document, format: format) }
                group.addTask {
                    (request.positions, try await self.transport.send { lease in await self.attempt(sent, documents, on: lease) }.value)
                }
                next += 1
            }
            while next < requests.count, next < window { launch() }
            while let (positions, values) = try await group.next() {
                for (position, value) in zip(positions, values) { scores[position] = value }
                if next < requests.count { launch() }
            }
        }
        return scores
    }

    private func attempt(
        _ query: String, _ documents: [String], on lease: EndpointRouter.Lease
    ) async
        -> EndpointTransport.Attempt<[Double], RerankError>
    {
        let endpoint = configuration.endpoints[lease.index]
        let (api, url) = RerankAPI.resolve(endpoint.url)
        let body = Self.requestBody(api: api, model: endpoint.model, query: query, documents: documents)
        switch await transport.post(ByteBuffer(string: body), to: url, on: lease) as EndpointTransport.Posted<[Double], RerankError> {
        case .ended(let attempt):
            return attempt
        case .refused(let error, _, _):
            return .fatal(error, .clientError)
        case .reply(let answer, let elapsed):
            let text = String(decoding: answer.readableBytesView, as: UTF8.self)
            do {
                let scores = try Self.parse(text, api: api, count: documents.count, endpoint: endpoint.name)
                return .success(scores, .answered(usage: TokenUsage(), latency: seconds(elapsed), contentFault: false))
            } catch {
                return .retryable(error, .serverError(reason: error.description))
            }
        }
    }

    /// The request body of `api`.
    static func requestBody(api: RerankAPI, model: String, query: String, documents: [String]) -> String {
        let docs = JSONValue.array(documents.map { .string($0) })
        let object: JSONValue
        switch api {
        case .rerank:
            object = .object([("model", .string(model)), ("query", .string(query)), ("documents", docs)])
        case .tei:
            object = .object([("query", .string(query)), ("texts", docs), ("raw_scores", .bool(false))])
        case .score:
            object = .object([("model", .string(model)), ("text_1", .string(query)), ("text_2", docs)])
        }
        return object.canonicalText
    }

    /// The scores of a reply, in input order; throws for a wrong count, a repeated or out-of-range index, or a score
    /// that is not a finite number.
    static func parse(_ text: String, api: RerankAPI, count: Int, endpoint: String) throws(RerankError) -> [Double] {
        guard let reply = try? JSONValue.parse(text) else {
            throw .malformedResponse(endpoint: endpoint, reason: "not JSON: \(preview(text))")
        }
        let items: [JSONValue]?
        let key: String
        switch api {
        case .rerank: (items, key) = (reply["results"]?.arrayValue, "relevance_score")
        case .tei: (items, key) = (reply.arrayValue, "score")
        case .score: (items, key) = (reply["data"]?.arrayValue, "score")
        }
        guard let items else { throw .malformedResponse(endpoint: endpoint, reason: "no result list: \(preview(text))") }
        guard items.count == count else {
            throw .malformedResponse(endpoint: endpoint, reason: "sent \(count) documents but got \(items.count) scores back")
        }
        var scores = [Double?](repeating: nil, count: count)
        for (position, item) in items.enumerated() {
            let index = item["index"]?.intValue ?? position
            guard (0..<count).contains(index) else {
                throw .malformedResponse(endpoint: endpoint, reason: "index \(index) is outside 0..<\(count)")
            }
            guard scores[index] == nil else { throw .malformedResponse(endpoint: endpoint, reason: "index \(index) appears twice") }
            guard let score = item[key]?.doubleValue, score.isFinite else {
                throw .malformedResponse(endpoint: endpoint, reason: "result \(position) has no finite '\(key)'")
            }
            scores[index] = score
        }
        return scores.map { $0 ?? 0 }
    }
}

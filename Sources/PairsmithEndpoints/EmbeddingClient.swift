import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import PairsmithText

/// An OpenAI-compatible `/v1/embeddings` client (vLLM, TEI, llama.cpp): batches texts into `input` lists, spreads
/// the batches over several endpoints (fewest in flight first), retries like ``ChatClient``, checks every answer,
/// and hands back L2-normalised vectors in input order.
///
/// ```swift
/// try await EmbeddingClient.withClient(configuration) { client in
///     let vectors = try await client.embed(queries, instruction: "Given a web search query, …")
/// }
/// ```
public final class EmbeddingClient: ClosingClient, Sendable {
    private let configuration: EmbeddingClientConfiguration
    private let transport: EndpointTransport
    private let modes: EmbeddingEndpointModes
    private var logger: Logger { transport.logger }

    /// Creates a client; reads each endpoint's key now. Call ``shutdown()`` when done (or use ``withClient(_:logger:_:)``).
    /// With `sharedConnections` it uses the process-wide HTTP client (default connection settings) and needs no
    /// shutdown, for callers that keep it until the process ends.
    public init(
        _ configuration: EmbeddingClientConfiguration, logger: Logger = Logger(label: "pairsmith.embeddings"),
        sharedConnections: Bool = false
    ) throws {
        try configuration.validate()
        self.configuration = configuration
        transport = try EndpointTransport(
            configuration.transport, kind: "embedding", url: \.embeddingsURL, sharedConnections: sharedConnections, logger: logger)
        modes = EmbeddingEndpointModes(endpoints: configuration.endpoints, encoding: configuration.encoding, dimensions: configuration.dimensions)
    }

    /// Runs `body` with a new client and shuts it down afterwards, also when `body` throws.
    @discardableResult
    public static func withClient<R: Sendable>(
        _ configuration: EmbeddingClientConfiguration, logger: Logger = Logger(label: "pairsmith.embeddings"),
        _ body: (EmbeddingClient) async throws -> R
    ) async throws -> R {
        try await EmbeddingClient(configuration, logger: logger).closing(after: body)
    }

    /// Closes the pooled connections (not the shared ones). The client takes no requests afterwards.
    public func shutdown() async throws { try await transport.shutdown() }

    /// Per-endpoint accounting: prompt tokens, latency, retries, failures by class, health now.
    public func statistics() async -> [EndpointStatistics] { await transport.router.snapshot() }

    /// What each endpoint is asked for now, after the base64 and `dimensions` fallbacks it needed.
    public func endpointModes() async -> [EmbeddingEndpointMode] { await modes.all() }

    /// The query form of `text` (`Instruct: {instruction}\nQuery:{text}`), as the local engine writes it; servers
    /// add no instruction themselves.
    public static func query(_ text: String, instruction: String) -> String {
        QueryInstruction.format(text, instruction: instruction)
    }

    // MARK: Embedding

    /// L2-normalised embeddings of `texts`, in order; with `instruction` the texts are embedded as queries.
    /// Throws ``EmbeddingError`` (or `CancellationError`).
    public func embed(_ texts: [String], instruction: String? = nil) async throws -> [[Float]] {
        let inputs = instruction.map { task in texts.map { Self.query($0, instruction: task) } } ?? texts
        guard !inputs.isEmpty else { return [] }
        let size = configuration.batchSize
        let starts = Array(stride(from: 0, to: inputs.count, by: size))
        let window = max(1, configuration.endpoints.reduce(0) { $0 + $1.maxConcurrentRequests })
        var vectors = [[Float]](repeating: [], count: inputs.count)
        try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { group in
            var next = 0
            func launch() {
                let start = starts[next]
                let batch = Array(inputs[start..<min(start + size, inputs.count)])
                group.addTask { (start, try await self.embedBatch(batch)) }
                next += 1
            }
            while next < starts.count, next < window { launch() }
            while let (start, batch) = try await group.next() {
                vectors.replaceSubrange(start..<start + batch.count, with: batch)
                if next < starts.count { launch() }
            }
        }
        return vectors
    }

    /// One `input` list, sent with retries; its vectors in input order.
    private func embedBatch(_ texts: [String]) async throws -> [[Float]] {
        try await transport.send { lease in await attempt(texts, on: lease) }.value
    }

    // MARK: One attempt

    private func attempt(_ texts: [String], on lease: EndpointRouter.Lease) async -> EndpointTransport.Attempt<[[Float]], EmbeddingError> {
        let endpoint = configuration.endpoints[lease.index]
        let mode = await modes.mode(lease.index)
        let requested = configuration.dimensions
        let body = EmbeddingWire.requestBody(
            model: endpoint.model, texts: texts, encoding: mode.encoding, dimensions: mode.sendsDimensions ? requested : nil)
        let reply: Data
        let latency: Double
        switch await transport.post(ByteBuffer(string: body), to: endpoint.embeddingsURL, on: lease)
            as EndpointTransport.Posted<[[Float]], EmbeddingError>
        {
        case .ended(let attempt):
            return attempt
        case .refused(let error, let status, let message):
            if mode.sendsDimensions, EmbeddingWire.rejectsDimensions(status: status, message: message) {
                await fallBack(lease.index, endpoint: endpoint, dimensions: true, message: message)
                return .again(.clientError)  // a fallback spends no attempt
            }
            if mode.encoding == .base64, EmbeddingWire.rejectsBase64(status: status, message: message) {
                await fallBack(lease.index, endpoint: endpoint, dimensions: false, message: message)
                return .again(.clientError)
            }
            return .fatal(error, .clientError)
        case .reply(let answer, let elapsed):
            (reply, latency) = (Data(answer.readableBytesView), seconds(elapsed))
        }

        do {
            let parsed = try EmbeddingWire.Reply(parsing: reply)
            let vectors = try await check(
                parsed, count: texts.count, endpoint: endpoint, index: lease.index,
                sentDimensions: mode.sendsDimensions)
            let usage = TokenUsage(promptTokens: parsed.promptTokens)
            return .success(vectors, .answered(usage: usage, latency: latency, contentFault: false))
        } catch let error as EmbeddingError {
            if error.isRetryable { return .retryable(error, .serverError(reason: error.description)) }
            return .fatal(error, .clientError)
        } catch {
            let reason = "\(AnswerParser.describe(error)); body: \(preview(String(decoding: reply, as: UTF8.self)))"
            return .retryable(.malformedResponse(endpoint: endpoint.name, reason: reason), .serverError(reason: reason))
        }
    }

    /// The reply's vectors in input order, sliced to the requested dimensions and L2-normalised; throws
    /// ``EmbeddingError`` for a wrong count, bad indices, unequal lengths, non-finite values too few dimensions, or a length unlike earlier answers.
    private func check(
        _ reply: EmbeddingWire.Reply, count: Int, endpoint: EndpointConfiguration, index: Int, sentDimensions: Bool
    ) async throws(EmbeddingError) -> [[Float]] {
        let name = endpoint.name
        guard reply.items.count == count else { throw .wrongCount(endpoint: name, expected: count, got: reply.items.count) }
        var ordered = [[Float]?](repeating: nil, count: count)
        let indexed = reply.items.filter { $0.index != nil }.count
        guard indexed == 0 || indexed == count else {
            throw .badIndices(endpoint: name, reason: "\(indexed) of \(count) embeddings carry an index")
        }
        for (position, item) in reply.items.enumerated() {
            let slot = item.index ?? position
            guard (0..<count).contains(slot) else {
                throw .badIndices(endpoint: name, reason: "index \(slot) is outside 0..<\(count)")
            }
            guard ordered[slot] == nil else { throw .badIndices(endpoint: name, reason: "index \(slot) appears twice") }
            ordered[slot] = item.vector
        }
        let vectors = ordered.map { $0 ?? [] }
        let length = vectors[0].count
        guard length > 0 else { throw .malformedResponse(endpoint: name, reason: "embedding 0 is empty") }
        for (i, vector) in vectors.enumerated() {
            guard vector.count == length else { throw .unequalDimensions(endpoint: name, expected: length, got: vector.count) }
            guard vector.allSatisfy(\.isFinite) else { throw .nonFinite(endpoint: name, index: i) }
        }
        var width = length
        if let requested = configuration.dimensions {
            guard length >= requested else { throw .tooFewDimensions(endpoint: name, requested: requested, got: length) }
            if length > requested, sentDimensions, await modes.sliceLocally(index) {
                logger.warning(
                    "embedding endpoint ignores 'dimensions'; slicing and renormalising here",
                    metadata: ["endpoint": "\(name)", "returned": "\(length)", "requested": "\(requested)"])
            }
            width = requested
        }
        let agreed = await modes.agree(on: width)
        guard agreed == width else { throw .modelMismatch(endpoint: name, expected: agreed, got: width) }
        return vectors.map { EmbeddingWire.normalize($0, dimensions: configuration.dimensions) }
    }

    /// Records that endpoint `index` rejected `dimensions` (or base64) and says so once.
    private func fallBack(_ index: Int, endpoint: EndpointConfiguration, dimensions: Bool, message: String) async {
        let changed = dimensions ? await modes.sliceLocally(index) : await modes.useFloat(index)
        guard changed else { return }
        logger.warning(
            dimensions
                ? "embedding endpoint rejects 'dimensions'; slicing and renormalising here"
                : "embedding endpoint rejects base64; asking for floats",
            metadata: ["endpoint": "\(endpoint.name)", "message": "\(message)"])
    }
}

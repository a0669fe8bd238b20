import Foundation
import Logging
import PairsmithEndpoints
import PairsmithEngine
import PairsmithSelection

/// The reranker a run or `pairsmith select` uses: the local Qwen3-Reranker engine on a model folder, or rerank
/// servers (vLLM `/v1/rerank` or `/score`, TEI `/rerank`, llama.cpp `/v1/rerank`). Either way it gives a
/// ``RerankScorer`` keyed by the model's name.
public final class RerankBackend: Sendable {
    private enum Backend {
        case local(Reranker)
        case remote(RerankClient)
    }

    private let backend: Backend
    /// The model's name: the key its scores are stored under (the folder path, `#bf16` appended in bf16; or the
    /// served model's name).
    public let name: String

    /// A local engine on `folder` in `precision`.
    public init(folder: URL, precision: Precision = .fp32) throws {
        let reranker = try Reranker(folder: folder, precision: precision)
        backend = .local(reranker)
        name = EmbeddingBackend.key(folder: folder, precision: reranker.model.precision)
    }

    /// Remote servers on `urls` serving `model` (batches go to the endpoint with the fewest in flight).
    public init(
        urls: [String], model: String, apiKeyEnvironment: String? = nil, batchSize: Int = 32, concurrency: Int = 4,
        promptFormat: RerankPromptFormat = .client, logger: Logger = Logger(label: "pairsmith.rerank")
    ) throws {
        let endpoints = urls.map { url in
            EndpointConfiguration(
                url: url, model: model, apiKey: apiKeyEnvironment.map { .environment($0) } ?? .none,
                maxConcurrentRequests: concurrency)
        }
        var configuration = RerankClientConfiguration(endpoints: endpoints, batchSize: batchSize)
        configuration.promptFormat = promptFormat
        backend = .remote(try RerankClient(configuration, logger: logger, sharedConnections: true))
        name = model
    }

    /// For `pairsmith run` and `select`: the `urls` servers (serving `model`, default `reranker`), else the local
    /// folder `model`; nil when neither is given.
    public static func make(
        model: String?, urls: [String], apiKeyEnvironment: String?, precision: Precision = .fp32,
        promptFormat: RerankPromptFormat = .client, logger: Logger = Logger(label: "pairsmith.rerank")
    ) throws -> RerankBackend? {
        if !urls.isEmpty {
            return try RerankBackend(
                urls: urls, model: model ?? "reranker", apiKeyEnvironment: apiKeyEnvironment, promptFormat: promptFormat, logger: logger)
        }
        guard let model else { return nil }
        return try RerankBackend(folder: URL(fileURLWithPath: model), precision: precision)
    }

    /// The relevance of each pair under `instruction`, in input order.
    public func score(_ pairs: [RerankInput], instruction: String) async throws -> [Double] {
        switch backend {
        case .local(let reranker):
            let scores = try await reranker.score(
                pairs.map { RerankPair(query: $0.query, document: $0.document) }, instruction: instruction.isEmpty ? nil : instruction)
            return scores.map(Double.init)
        case .remote(let client):
            return try await client.score(pairs.map { ($0.query, $0.document) }, instruction: instruction)
        }
    }

    /// The scorer the filters use, with `instruction` for examples that store none.
    public func scorer(instruction: String) -> RerankScorer {
        RerankScorer(model: name, instruction: instruction) { [self] pairs, instruction in
            try await self.score(pairs, instruction: instruction)
        }
    }
}

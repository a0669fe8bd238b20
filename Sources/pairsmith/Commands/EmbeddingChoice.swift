import ArgumentParser
import Foundation
import PairsmithEndpoints
import PairsmithEngine
import PairsmithPipeline

/// The embedder a command uses: the local engine on a model folder, or a remote `/v1/embeddings` endpoint.
/// Either way `embed` hands back L2-normalised vectors, so it fits wherever the pipeline takes ``EmbedTexts``.
final class EmbeddingChoice: Sendable {
    private enum Backend {
        case local(Embedder)
        case remote(EmbeddingClient)
    }

    private let backend: Backend
    private let instruction: String?
    /// The model's name: the key its vectors and scores are stored under (the folder path, with `#bf16` appended
    /// when the local engine computes in bf16, so the two precisions never mix; or the served model name).
    let name: String

    /// A local engine on `folder` in `precision`.
    init(folder: URL, precision: Precision = .fp32) throws {
        let embedder = try Embedder(folder: folder, precision: precision)
        backend = .local(embedder)
        name = Self.key(folder: folder, precision: embedder.model.precision)
        instruction = nil
    }

    /// The key vectors and scores of a local model are stored under: the folder path for fp32 (as databases
    /// written before precisions were recorded have it), `<path>#bf16` for bf16.
    static func key(folder: URL, precision: ComputePrecision) -> String {
        let path = folder.standardizedFileURL.path
        return precision == .fp32 ? path : "\(path)#\(precision.rawValue)"
    }

    /// The local model, when the engine is local.
    var localModel: QwenModel? {
        if case .local(let embedder) = backend { return embedder.model }
        return nil
    }

    /// A remote client on `urls` (batches go to the endpoint with the fewest in flight) serving `model`; it lives
    /// as long as the process (shared connections). With `instruction`, every text is embedded as a query
    /// (`Instruct: …\nQuery:…`, formatted here).
    init(urls: [String], model: String, apiKeyEnvironment: String? = nil, batchSize: Int = 32, dimensions: Int? = nil,
         instruction: String? = nil, concurrency: Int = 4) throws {
        let endpoints = urls.map { url in
            EndpointConfiguration(
                url: url, model: model, apiKey: apiKeyEnvironment.map { .environment($0) } ?? .none,
                maxConcurrentRequests: concurrency)
        }
        let configuration = EmbeddingClientConfiguration(endpoints: endpoints, batchSize: batchSize, dimensions: dimensions)
        backend = .remote(try EmbeddingClient(configuration, sharedConnections: true))
        name = model
        self.instruction = instruction
    }

    /// For `pairsmith run`: the `--embedding-url` servers (serving `--embedding-model` or the pipeline's
    /// `embedding.model` name; key from `apiKeyEnvironment`), else the local folder `--embedding-model`, else the
    /// pipeline's `embedding.model` when it is a folder.
    /// A local engine computes in `precision`.
    convenience init(model: String?, urls: [String], apiKeyEnvironment: String?, pipeline configuration: PipelineConfiguration,
                     precision: Precision = .fp32) throws {
        if !urls.isEmpty {
            try self.init(urls: urls, model: model ?? configuration.embedding.model, apiKeyEnvironment: apiKeyEnvironment,
                          batchSize: max(1, configuration.embedding.batchSize))
            return
        }
        if apiKeyEnvironment != nil {
            throw ValidationError("--embedding-api-key-env goes with --embedding-url (the local engine needs no key)")
        }
        if let model {
            try self.init(folder: URL(fileURLWithPath: model), precision: precision)
            return
        }
        let named = URL(fileURLWithPath: configuration.embedding.model, relativeTo: configuration.file.deletingLastPathComponent())
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: named.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError(
                "the pipeline's embedding model \"\(configuration.embedding.model)\" is not a folder here; give a local "
                    + "Qwen3 embedding model folder with --embedding-model DIR (see `pairsmith models pull`) or a "
                    + "/v1/embeddings server with --embedding-url URL")
        }
        try self.init(folder: named, precision: precision)
    }

    /// L2-normalised embeddings of `texts`, in order (queries carry their instruction already).
    func embed(_ texts: [String]) async throws -> [[Float]] {
        switch backend {
        case .local(let embedder): try await embedder.embed(texts)
        case .remote(let client): try await client.embed(texts, instruction: instruction)
        }
    }
}

import Foundation
import Logging
import PairsmithConfiguration
import PairsmithEndpoints
import PairsmithEngine

/// The embedder a run or a command uses: the local engine on a model folder, or remote `/v1/embeddings` servers.
/// Either way ``embed(_:)`` hands back L2-normalised vectors, so it fits wherever the stages take `EmbedTexts`.
public final class EmbeddingBackend: Sendable {
    private enum Backend {
        case local(Embedder)
        case remote(EmbeddingClient)
    }

    private let backend: Backend
    private let instruction: String?
    /// The model's name: the key its vectors and scores are stored under (the folder path, with `#bf16` appended
    /// when the local engine computes in bf16, so the two precisions never mix; or the served model name).
    public let name: String

    /// A local engine on `folder` in `precision`.
    public init(folder: URL, precision: Precision = .fp32) throws {
        let embedder = try Embedder(folder: folder, precision: precision)
        backend = .local(embedder)
        name = Self.key(folder: folder, precision: embedder.model.precision)
        instruction = nil
    }

    /// The key vectors and scores of a local model are stored under: the folder path for fp32 (as databases
    /// written before precisions were recorded have it), `<path>#bf16` for bf16.
    public static func key(folder: URL, precision: ComputePrecision) -> String {
        let path = folder.standardizedFileURL.path
        return precision == .fp32 ? path : "\(path)#\(precision.rawValue)"
    }

    /// The local model, when the engine is local.
    public var localModel: QwenModel? {
        if case .local(let embedder) = backend { return embedder.model }
        return nil
    }

    /// A remote client on `urls` (batches go to the endpoint with the fewest in flight) serving `model`; it lives
    /// as long as the process (shared connections). With `instruction`, every text is embedded as a query
    /// (`Instruct: …\nQuery:…`).
    public init(
        urls: [String], model: String, apiKeyEnvironment: String? = nil, batchSize: Int = 32, dimensions: Int? = nil,
        instruction: String? = nil, concurrency: Int = 4, logger: Logger = Logger(label: "pairsmith.embeddings")
    ) throws {
        let endpoints = urls.map { url in
            EndpointConfiguration(
                url: url, model: model, apiKey: apiKeyEnvironment.map { .environment($0) } ?? .none,
                maxConcurrentRequests: concurrency)
        }
        let configuration = EmbeddingClientConfiguration(endpoints: endpoints, batchSize: batchSize, dimensions: dimensions)
        backend = .remote(try EmbeddingClient(configuration, logger: logger, sharedConnections: true))
        name = model
        self.instruction = instruction
    }

    /// For `pairsmith run`: the `urls` servers (serving `model` or the pipeline's `embedding.model` name; key from
    /// `apiKeyEnvironment`), else the local folder `model`, else the pipeline's `embedding.model` when it is a folder.
    /// A local engine computes in `precision`.
    public convenience init(
        model: String?, urls: [String], apiKeyEnvironment: String?, pipeline configuration: PipelineConfiguration,
        precision: Precision = .fp32, logger: Logger = Logger(label: "pairsmith.embeddings")
    ) throws {
        if !urls.isEmpty {
            try self.init(
                urls: urls, model: model ?? configuration.embedding.model, apiKeyEnvironment: apiKeyEnvironment,
                batchSize: max(1, configuration.embedding.batchSize), logger: logger)
            return
        }
        if apiKeyEnvironment != nil { throw EmbeddingBackendError.keyWithoutServer }
        if let model {
            try self.init(folder: URL(fileURLWithPath: model), precision: precision)
            return
        }
        let named = URL(fileURLWithPath: configuration.embedding.model, relativeTo: configuration.file.deletingLastPathComponent())
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: named.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw EmbeddingBackendError.noModelFolder(named: configuration.embedding.model)
        }
        try self.init(folder: named, precision: precision)
    }

    /// L2-normalised embeddings of `texts`, in order (queries carry their instruction already, unless the backend
    /// was made with one).
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        switch backend {
        case .local(let embedder): try await embedder.embed(texts)
        case .remote(let client): try await client.embed(texts, instruction: instruction)
        }
    }
}

/// Why no embedder could be chosen for a run.
public enum EmbeddingBackendError: Error, CustomStringConvertible, Equatable {
    /// An API key variable was given without a server to send it to.
    case keyWithoutServer
    /// Neither a folder nor a server was given, and the pipeline's model name is not a folder here.
    case noModelFolder(named: String)

    public var description: String {
        switch self {
        case .keyWithoutServer:
            "--embedding-api-key-env goes with --embedding-url (the local engine needs no key)"
        case .noModelFolder(let named):
            "the pipeline's embedding model \"\(named)\" is not a folder here; give a local Qwen3 embedding model "
                + "folder with --embedding-model DIR (see `pairsmith models pull`) or a /v1/embeddings server with "
                + "--embedding-url URL"
        }
    }
}

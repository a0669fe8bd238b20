import Foundation

extension PipelineConfiguration {
    /// The pipeline's `reranker:` block: the Qwen3-Reranker that scores every example in the rerank stage (and
    /// guards hard negatives by its scores). `pairsmith run --reranker-model/--reranker-url` replace it.
    public struct RerankerSettings: Sendable, Hashable {
        /// A local model folder (resolved against the pipeline file's folder), or the served model's name with `urls`.
        public var model: String?
        /// Rerank servers (vLLM `/v1/rerank` or `/score`, TEI `/rerank`, llama.cpp `/v1/rerank`).
        public var urls: [String]
        /// The environment variable that holds the servers' API key.
        public var keyEnvironment: String?
        /// Who writes the Qwen3-Reranker prompt for servers: `client` (the default) or `server`.
        public var prompt: String?

        /// Creates settings.
        public init(model: String? = nil, urls: [String] = [], keyEnvironment: String? = nil, prompt: String? = nil) {
            self.model = model
            self.urls = urls
            self.keyEnvironment = keyEnvironment
            self.prompt = prompt
        }
    }

    /// Parses `reranker: {model, urls, key_env, prompt}`: a local folder (`model` alone) or servers (`urls`, with `model`
    /// naming the served model).
    static func parseReranker(_ node: ConfigNode?, folder: URL) throws -> RerankerSettings? {
        guard let node else { return nil }
        let fields = try node.mapping(allowed: ["model", "urls", "key_env", "prompt"])
        var settings = RerankerSettings()
        if let urlsNode = fields.optional("urls") {
            let items = try urlsNode.sequence()
            guard !items.isEmpty else { throw urlsNode.error("must list at least one rerank server URL, or be left out") }
            settings.urls = try items.map { item in
                let url = try item.string()
                guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                    throw item.error("must be an http:// or https:// URL such as http://127.0.0.1:8001/v1, found \"\(url)\"")
                }
                return url
            }
        }
        if let modelNode = fields.optional("model") {
            let model = try modelNode.string()
            // A local folder resolves like every other path of the file; a served model's name stays as written.
            settings.model = settings.urls.isEmpty ? resolve(model, folder: folder).path : model
        }
        settings.keyEnvironment = try fields.optional("key_env").map { try parseKeyEnvironment($0, example: "RERANK_API_KEY") }
        if let promptNode = fields.optional("prompt") {
            let prompt = try promptNode.string()
            guard ["client", "server"].contains(prompt) else {
                throw promptNode.error(
                    "must be client (pairsmith writes the Qwen3-Reranker prompt, as vLLM's examples do) or server (the server's rerank template does), found \"\(prompt)\""
                )
            }
            settings.prompt = prompt
        }
        guard settings.model != nil || !settings.urls.isEmpty else {
            throw node.error("needs `model` (a local Qwen3-Reranker folder) or `urls` (rerank servers)")
        }
        return settings
    }
}

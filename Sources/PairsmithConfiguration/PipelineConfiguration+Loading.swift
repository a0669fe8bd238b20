import Foundation
import PairsmithText
import Yams

extension PipelineConfiguration {
    /// Reads and validates the pipeline file at `url`; relative paths in it are resolved against its folder.
    public static func load(from url: URL) throws -> PipelineConfiguration {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ConfigurationError(
                file: url.path, line: nil, field: "",
                message: "cannot read the pipeline file (\(error.localizedDescription)); pass a path such as pipelines/retrieval.yaml")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigurationError(file: url.path, line: nil, field: "", message: "the pipeline file is not valid UTF-8")
        }
        return try parse(yaml: text, file: url, sha256: ContentHash.sha256(data))
    }

    /// Parses and validates pipeline YAML as if read from `file`.
    public static func parse(yaml: String, file: URL, sha256: String? = nil) throws -> PipelineConfiguration {
        let path = file.path
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ConfigurationError(file: path, line: nil, field: "", message: "the pipeline file is empty")
            }
            root = node
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError(file: path, line: nil, field: "", message: "not valid YAML: \(error)")
        }
        let folder = file.deletingLastPathComponent()
        let topNode = ConfigNode(node: root, path: "", file: path)
        let legacy = topNode.keys.contains("prompts") && !topNode.keys.contains("stages")
        let top = try topNode.mapping(
            allowed: legacy
                ? [
                    "name", "prompts", "endpoints", "sampling", "personas", "embedding", "samples_per_passage", "query",
                    "concurrency", "retries", "validation", "selection", "chunking", "pricing", "reranker",
                ]
                : [
                    "name", "task", "endpoints", "sampling", "personas", "embedding", "samples_per_passage", "chunking",
                    "lists", "stages", "example", "retries", "selection", "pricing", "samples_share_sentence", "reranker",
                ])
        if !legacy && top.optional("stages") == nil {
            throw ConfigurationError(
                file: path, line: nil, field: "stages",
                message: "is required: list the LLM stages (name, template, schema, inputs, rules), as pipelines/retrieval.yaml does")
        }

        let nameNode = try top.required("name")
        let name = try nameNode.string()
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw nameNode.error("must use only ASCII letters, digits, '-', '_' and '.', found \"\(name)\"")
        }

        let selection = try parseSelectionSettings(try top.required("selection"))
        let sampling = try parseSampling(try top.required("sampling"))
        let personas = try parsePersonas(top.optional("personas"), folder: folder)
        let embeddingNode = try top.required("embedding")
        var embedding = try parseEmbedding(embeddingNode, legacy: legacy)
        let lists: [String: [ListItem]]
        let stages: [StageDeclaration]
        let example: ExampleDeclaration
        let task: String
        if legacy {
            (lists, stages, example) = try LegacyRetrievalFormat.translate(
                top: top, folder: folder, sampling: sampling, queryInstruction: embedding.queryInstruction)
            task = "retrieval"
        } else {
            let taskNode = try top.required("task")
            task = try taskNode.string()
            try checkName(task, node: taskNode, what: "a task name")
            lists = try parseLists(top.optional("lists"), folder: folder)
            var scope = Scope(lists: lists, personas: personas.match)
            stages = try parseStages(try top.required("stages"), folder: folder, sampling: sampling, scope: &scope)
            example = try parseExample(try top.required("example"), task: task, scope: scope)
            embedding.queryInstruction = example.anchorInstruction ?? ""
        }
        var configuration = PipelineConfiguration(
            name: name, file: file, fileSHA256: sha256 ?? ContentHash.sha256(yaml), task: task,
            endpoints: try parseEndpoints(try top.required("endpoints")), sampling: sampling, personas: personas,
            embedding: embedding,
            samplesPerPassage: try top.optional("samples_per_passage")?.integer(in: 1...100) ?? 1, lists: lists,
            stages: stages, example: example, retries: try parseRetries(top.optional("retries")),
            similarityThreshold: selection.similarityThreshold, selection: selection,
            stored: StoredPipeline(text: yaml, root: root, file: path, selection: selection),
            chunking: try parseChunking(top.optional("chunking"), folder: folder))
        configuration.isLegacyFormat = legacy
        configuration.pricing = try top.optional("pricing").map(PriceTable.parse)
        configuration.samplesShareSentence = try top.optional("samples_share_sentence")?.bool() ?? false
        configuration.reranker = try parseReranker(top.optional("reranker"), folder: folder)
        return configuration
    }

    /// A `key_env` value: the name of the environment variable that holds an API key (never the key itself).
    static func parseKeyEnvironment(_ node: ConfigNode, example: String) throws -> String {
        let key = try node.string()
        guard key.first.map({ $0 == "_" || ($0.isASCII && $0.isUppercase) }) == true,
            key.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isUppercase || $0.isNumber)) })
        else { throw node.error("must be an environment variable name such as \(example), found \"\(key)\"") }
        return key
    }

    private static func parseEndpoints(_ node: ConfigNode) throws -> [ChatEndpoint] {
        let items = try node.sequence()
        guard !items.isEmpty else { throw node.error("must list at least one endpoint (url, model, concurrency)") }
        return try items.map { item in
            let fields = try item.mapping(allowed: [
                "url", "model", "key_env", "concurrency", "adaptive", "min_concurrency", "initial_concurrency", "latency_tolerance",
            ])
            let urlNode = try fields.required("url")
            let url = try urlNode.string()
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw urlNode.error("must be an http:// or https:// URL such as http://127.0.0.1:8080/v1, found \"\(url)\"")
            }
            let keyEnvironment = try fields.optional("key_env").map { try parseKeyEnvironment($0, example: "OPENAI_API_KEY") }
            var endpoint = ChatEndpoint(
                url: url, model: try fields.required("model").string(), keyEnvironment: keyEnvironment,
                concurrency: try fields.optional("concurrency")?.integer(in: 1...4_096) ?? 8)
            try parseAdaptiveWindow(fields, into: &endpoint)
            return endpoint
        }
    }

    /// An endpoint's adaptive-window keys: `adaptive`, `min_concurrency`, `initial_concurrency` (both at most
    /// `concurrency`) and `latency_tolerance`.
    private static func parseAdaptiveWindow(_ fields: ConfigMapping, into endpoint: inout ChatEndpoint) throws {
        endpoint.adaptive = try fields.optional("adaptive")?.bool() ?? true
        let limit = endpoint.concurrency
        if let node = fields.optional("min_concurrency") {
            endpoint.minimumConcurrency = try node.integer(in: 1...limit)
        }
        if let node = fields.optional("initial_concurrency") {
            let initial = try node.integer(in: 1...limit)
            guard initial >= endpoint.minimumConcurrency else {
                throw node.error("must be at least min_concurrency (\(endpoint.minimumConcurrency)), found \(initial)")
            }
            endpoint.initialConcurrency = initial
        }
        if let node = fields.optional("latency_tolerance") {
            let tolerance = try node.number(in: 0...1_000, describing: "0 (off) or more than 1, such as 3")
            guard tolerance == 0 || tolerance > 1 else { throw node.error("must be 0 (off) or more than 1, such as 3, found \(tolerance)") }
            endpoint.latencyTolerance = tolerance
        }
    }

    private static func parseSampling(_ node: ConfigNode) throws -> Sampling {
        let fields = try node.mapping(allowed: ["temperature", "top_p", "max_tokens"])
        let topPNode = try fields.required("top_p")
        let topP = try topPNode.number(in: 0...1, describing: "greater than 0 and at most 1")
        guard topP > 0 else { throw topPNode.error("must be greater than 0 and at most 1, found 0") }
        return Sampling(
            temperature: try fields.required("temperature").number(in: 0...2),
            topP: topP, maxTokens: try fields.required("max_tokens").integer(in: 1...131_072))
    }

    private static func parsePersonas(_ node: ConfigNode?, folder: URL) throws -> PersonaSettings {
        let fields = try node?.mapping(allowed: ["library", "candidates", "match"])
        let library = try fields?.optional("library").map { try $0.string() } ?? "../personas/personas.jsonl"
        return PersonaSettings(
            library: resolve(library, folder: folder),
            candidates: try fields?.optional("candidates")?.integer(in: 1...50) ?? 5,
            match: try fields?.optional("match")?.bool() ?? true)
    }

    private static func parseEmbedding(_ node: ConfigNode, legacy: Bool) throws -> EmbeddingSettings {
        let fields = try node.mapping(
            allowed: legacy ? ["model", "query_instruction", "batch_size", "precision"] : ["model", "batch_size", "precision"])
        var precision = "auto"
        if let field = fields.optional("precision") {
            precision = try field.string()
            guard EmbeddingSettings.precisions.contains(precision) else {
                throw field.error("precision must be one of \(EmbeddingSettings.precisions.joined(separator: ", ")), not \"\(precision)\"")
            }
        }
        return EmbeddingSettings(
            model: try fields.required("model").string(),
            queryInstruction: legacy ? try fields.required("query_instruction").string() : "",
            batchSize: try fields.optional("batch_size")?.integer(in: 1...4_096) ?? 16,
            precision: precision)
    }

    private static func parseRetries(_ node: ConfigNode?) throws -> RetrySettings {
        let fields = try node?.mapping(allowed: [
            "answer_attempts", "transport_attempts", "initial_backoff_seconds", "max_backoff_seconds",
        ])
        let initial = try fields?.optional("initial_backoff_seconds")?.number(in: 0...3_600) ?? 0.5
        let maxNode = fields?.optional("max_backoff_seconds")
        let maximum = try maxNode?.number(in: 0...86_400) ?? 30
        if let maxNode, maximum < initial {
            throw maxNode.error("must be at least initial_backoff_seconds (\(initial)), found \(maximum)")
        }
        return RetrySettings(
            answerAttempts: try fields?.optional("answer_attempts")?.integer(in: 1...20) ?? 3,
            transportAttempts: try fields?.optional("transport_attempts")?.integer(in: 1...50) ?? 6,
            initialBackoffSeconds: initial, maxBackoffSeconds: maximum)
    }
}

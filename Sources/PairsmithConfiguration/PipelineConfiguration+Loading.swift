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
        let top = try ConfigNode(node: root, path: "", file: path).mapping(allowed: [
            "name", "prompts", "endpoints", "sampling", "personas", "embedding", "samples_per_passage", "query",
            "concurrency", "retries", "validation", "selection", "chunking",
        ])

        let nameNode = try top.required("name")
        let name = try nameNode.string()
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw nameNode.error("must use only ASCII letters, digits, '-', '_' and '.', found \"\(name)\"")
        }

        let selection = try parseSelectionSettings(try top.required("selection"))
        return PipelineConfiguration(
            name: name, file: file, fileSHA256: sha256 ?? ContentHash.sha256(yaml),
            prompts: try parsePrompts(try top.required("prompts"), folder: folder),
            endpoints: try parseEndpoints(try top.required("endpoints")),
            sampling: try parseSampling(try top.required("sampling")),
            personas: try parsePersonas(top.optional("personas"), folder: folder),
            embedding: try parseEmbedding(try top.required("embedding")),
            samplesPerPassage: try top.optional("samples_per_passage")?.integer(in: 1...100) ?? 1,
            query: try parseQuery(try top.required("query")),
            concurrency: try parseConcurrency(top.optional("concurrency")),
            retries: try parseRetries(top.optional("retries")),
            validation: try parseValidation(top.optional("validation")),
            similarityThreshold: selection.similarityThreshold, selection: selection,
            stored: StoredPipeline(text: yaml, root: root, file: path, selection: selection),
            chunking: try parseChunking(top.optional("chunking"), folder: folder))
    }

    private static func parsePrompts(_ node: ConfigNode, folder: URL) throws -> PromptFiles {
        let fields = try node.mapping(allowed: ["directory", "configure", "configure_schema", "generate", "generate_schema"])
        let directory = try fields.optional("directory").map { folder.appendingPathComponent(try $0.string()) } ?? folder
        func file(_ key: String) throws -> URL {
            let field = try fields.required(key)
            let url = directory.appendingPathComponent(try field.string()).standardizedFileURL
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw field.error("the file \(url.path) does not exist; name a file in \(directory.standardizedFileURL.path)")
            }
            return url
        }
        return PromptFiles(
            configure: try file("configure"), configureSchema: try file("configure_schema"),
            generate: try file("generate"), generateSchema: try file("generate_schema"))
    }

    private static func parseEndpoints(_ node: ConfigNode) throws -> [ChatEndpoint] {
        let items = try node.sequence()
        guard !items.isEmpty else { throw node.error("must list at least one endpoint (url, model, concurrency)") }
        return try items.map { item in
            let fields = try item.mapping(allowed: ["url", "model", "key_env", "concurrency"])
            let urlNode = try fields.required("url")
            let url = try urlNode.string()
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw urlNode.error("must be an http:// or https:// URL such as http://127.0.0.1:8080/v1, found \"\(url)\"")
            }
            var keyEnvironment: String?
            if let keyNode = fields.optional("key_env") {
                let key = try keyNode.string()
                guard key.first.map({ $0 == "_" || ($0.isASCII && $0.isUppercase) }) == true,
                    key.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isUppercase || $0.isNumber)) })
                else { throw keyNode.error("must be an environment variable name such as OPENAI_API_KEY, found \"\(key)\"") }
                keyEnvironment = key
            }
            return ChatEndpoint(
                url: url, model: try fields.required("model").string(), keyEnvironment: keyEnvironment,
                concurrency: try fields.optional("concurrency")?.integer(in: 1...4_096) ?? 8)
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
        let fields = try node?.mapping(allowed: ["library", "candidates"])
        let library = try fields?.optional("library").map { try $0.string() } ?? "../personas/personas.jsonl"
        return PersonaSettings(
            library: folder.appendingPathComponent(library).standardizedFileURL,
            candidates: try fields?.optional("candidates")?.integer(in: 1...50) ?? 5)
    }

    private static func parseEmbedding(_ node: ConfigNode) throws -> EmbeddingSettings {
        let fields = try node.mapping(allowed: ["model", "query_instruction", "batch_size", "precision"])
        var precision = "auto"
        if let field = fields.optional("precision") {
            precision = try field.string()
            guard EmbeddingSettings.precisions.contains(precision) else {
                throw field.error("precision must be one of \(EmbeddingSettings.precisions.joined(separator: ", ")), not \"\(precision)\"")
            }
        }
        return EmbeddingSettings(
            model: try fields.required("model").string(),
            queryInstruction: try fields.required("query_instruction").string(),
            batchSize: try fields.optional("batch_size")?.integer(in: 1...4_096) ?? 16,
            precision: precision)
    }

    private static func parseQuery(_ node: ConfigNode) throws -> QueryPlanSettings {
        let fields = try node.mapping(allowed: ["length", "language"])
        let lengthNode = try fields.required("length")
        let buckets = try lengthNode.sequence().map { item in
            let bucket = try item.mapping(allowed: ["min", "max", "weight"])
            let minimum = try bucket.required("min").integer(in: 1...1_000)
            let maxNode = try bucket.required("max")
            let maximum = try maxNode.integer(in: 1...1_000)
            guard maximum >= minimum else { throw maxNode.error("must be at least min (\(minimum)), found \(maximum)") }
            let weightNode = try bucket.required("weight")
            let weight = try weightNode.number(in: 0...Double.greatestFiniteMagnitude, describing: "greater than 0")
            guard weight > 0 else { throw weightNode.error("must be greater than 0, found 0") }
            return LengthBucket(minWords: minimum, maxWords: maximum, weight: weight)
        }
        guard !buckets.isEmpty else { throw lengthNode.error("must list at least one bucket {min, max, weight}") }

        let language = try fields.required("language").mapping(allowed: ["cross_lingual_share", "cross_lingual"])
        let share = try language.required("cross_lingual_share").number(in: 0...1)
        var targets: [WeightedLanguage] = []
        if let targetsNode = language.optional("cross_lingual") {
            let mapping = try targetsNode.mapping(allowed: Languages.names.keys.sorted())
            for (code, weightNode) in mapping.children.sorted(by: { $0.key < $1.key }) {
                let weight = try weightNode.number(in: 0...Double.greatestFiniteMagnitude, describing: "greater than 0")
                guard weight > 0 else { throw weightNode.error("must be greater than 0, found 0") }
                targets.append(WeightedLanguage(code: code, weight: weight))
            }
        }
        if share > 0 && targets.isEmpty {
            throw fields.parent.error("language.cross_lingual must list target languages (for example en: 1.0) when cross_lingual_share is above 0")
        }
        return QueryPlanSettings(length: buckets, crossLingualShare: share, crossLingualTargets: targets)
    }

    private static func parseConcurrency(_ node: ConfigNode?) throws -> StageConcurrency {
        let fields = try node?.mapping(allowed: ["configure", "generate"])
        return StageConcurrency(
            configure: try fields?.optional("configure")?.integer(in: 1...4_096) ?? 32,
            generate: try fields?.optional("generate")?.integer(in: 1...4_096) ?? 32)
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

    private static func parseValidation(_ node: ConfigNode?) throws -> ValidationSettings {
        let fields = try node?.mapping(allowed: ["length_ratio_min", "length_ratio_max", "max_passage_overlap"])
        return ValidationSettings(
            lengthRatioMin: try fields?.optional("length_ratio_min")?.number(in: 0...1) ?? 0.5,
            lengthRatioMax: try fields?.optional("length_ratio_max")?.number(in: 1...100) ?? 2.0,
            maxPassageOverlap: try fields?.optional("max_passage_overlap")?.number(in: 0...1) ?? 0.8)
    }
}

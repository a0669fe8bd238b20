import Yams

/// What an export needs from a run's stored configuration (the pipeline file's text, YAML or JSON): the query
/// instruction and the chat models. Read leniently: the prompt files the pipeline names need not exist where the
/// export runs, so the full ``PipelineConfiguration`` loader is not used.
struct RunConfigurationFacts: Sendable, Hashable {
    /// `embedding.query_instruction`, when the configuration has one.
    var queryInstruction: String?
    /// `embedding.model`, when given.
    var embeddingModel: String?
    /// The models of the `endpoints` list, in file order, without repeats.
    var chatModels: [String]

    /// Reads the facts from `text`; text that does not parse gives no facts (the export then says what is missing).
    init(configuration text: String) {
        let root = (try? Yams.compose(yaml: text)) ?? nil
        let embedding = root.flatMap { Self.member($0, "embedding") }
        queryInstruction = embedding.flatMap { Self.member($0, "query_instruction") ?? Self.member($0, "queryInstruction") }?
            .scalar?.string
        embeddingModel = embedding.flatMap { Self.member($0, "model") }?.scalar?.string
        var models: [String] = []
        for endpoint in root.flatMap({ Self.member($0, "endpoints") })?.sequence ?? [] {
            if let model = Self.member(endpoint, "model")?.scalar?.string, !models.contains(model) { models.append(model) }
        }
        chatModels = models
    }

    private static func member(_ node: Node, _ key: String) -> Node? {
        guard let mapping = node.mapping else { return nil }
        return mapping.first { pair in pair.key.scalar?.string == key }?.value
    }
}

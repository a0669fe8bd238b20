import Yams

/// A pipeline file's text as its run stores it (`runs.configuration`, the bytes ``PipelineConfiguration/fileSHA256``
/// hashes), read once into what the commands after a run need from it: the export's query instruction and models,
/// `pairsmith select`'s selection settings.
///
/// Read leniently, unlike ``PipelineConfiguration/load(from:)``: the prompt files the pipeline names need not exist
/// where the database is read, and a database may hold text an older pairsmith wrote. Text that does not parse gives
/// no facts (the export then says what is missing) and the default selection settings.
public struct StoredPipeline: Sendable, Hashable {
    /// The text, exactly as stored (the export manifest quotes it).
    public let text: String
    /// The anchor side's default instruction: `example.anchor_instruction`, or a legacy file's
    /// `embedding.query_instruction` (or `queryInstruction`), when the text has one.
    public let queryInstruction: String?
    /// `embedding.model`, when given.
    public let embeddingModel: String?
    /// The models of the `endpoints` list, in file order, without repeats.
    public let chatModels: [String]
    /// The names of the declared stages in order (`configure`, `generate` for files in the format before `stages:`).
    public let stageNames: [String]
    /// The task family (`retrieval` for files in the format before `task:`).
    public let task: String
    /// The `selection:` block as parsed (defaults when the text has none), or what is wrong with it.
    private let selection: Result<PipelineConfiguration.SelectionSettings, ConfigurationError>

    /// Reads `text`, the stored pipeline file `file` (a path, named in errors).
    public init(text: String, file: String) {
        self.init(text: text, root: (try? Yams.compose(yaml: text)) ?? nil, file: file)
    }

    /// Reads `text` whose YAML tree is `root` (nil when it does not parse); `selection` when the caller has parsed
    /// the `selection:` block already (the strict loader).
    init(text: String, root: Node?, file: String, selection: PipelineConfiguration.SelectionSettings? = nil) {
        self.text = text
        let embedding = root.flatMap { Self.member($0, "embedding") }
        queryInstruction =
            embedding.flatMap { node in
                Self.member(node, "query_instruction") ?? Self.member(node, "queryInstruction")
            }?.scalar?.string
            ?? root.flatMap { Self.member($0, "example") }.flatMap { Self.member($0, "anchor_instruction") }?.scalar?.string
        embeddingModel = embedding.flatMap { Self.member($0, "model") }?.scalar?.string
        var models: [String] = []
        for endpoint in root.flatMap({ Self.member($0, "endpoints") })?.sequence ?? [] {
            if let model = Self.member(endpoint, "model")?.scalar?.string, !models.contains(model) {
                models.append(model)
            }
        }
        chatModels = models
        if let stages = root.flatMap({ Self.member($0, "stages") })?.sequence {
            stageNames = stages.compactMap { Self.member($0, "name")?.scalar?.string }
        } else {
            stageNames = ["configure", "generate"]
        }
        task = root.flatMap { Self.member($0, "task") }?.scalar?.string ?? "retrieval"
        if let selection {
            self.selection = .success(selection)
        } else {
            self.selection = Self.readSelection(root, file: file)
        }
    }

    /// The settings of the stored `selection:` block (defaults when there is none).
    /// - Throws: the ``ConfigurationError`` that says what is wrong with the block.
    public func selectionSettings() throws(ConfigurationError) -> PipelineConfiguration.SelectionSettings {
        try selection.get()
    }

    /// The `selection:` block of `root`, read without the rest of the file (whose prompt paths may no longer
    /// resolve); defaults when there is none.
    private static func readSelection(
        _ root: Node?, file: String
    ) -> Result<PipelineConfiguration.SelectionSettings, ConfigurationError> {
        let defaults = PipelineConfiguration.SelectionSettings()
        guard let root, let mapping = root.mapping, mapping["selection"] != nil else { return .success(defaults) }
        do {
            let top = ConfigNode(node: root, path: "", file: file)
            let fields = try top.mapping(allowed: mapping.keys.compactMap { $0.scalar?.string })
            guard let selection = fields.optional("selection") else { return .success(defaults) }
            return .success(try PipelineConfiguration.parseSelectionSettings(selection))
        } catch let error as ConfigurationError {
            return .failure(error)
        } catch {
            return .failure(
                ConfigurationError(file: file, line: nil, field: "selection", message: String(describing: error)))
        }
    }

    private static func member(_ node: Node, _ key: String) -> Node? {
        guard let mapping = node.mapping else { return nil }
        return mapping.first { pair in pair.key.scalar?.string == key }?.value
    }
}

import Foundation
import Yams

extension PipelineConfiguration {
    /// The `selection:` block of a pipeline file's text as stored with its run (`runs.configuration`), read without
    /// the rest of the file (whose prompt paths may no longer resolve); defaults when the text has none.
    public static func selectionSettings(storedYAML yaml: String, file: String) throws -> SelectionSettings {
        guard let root = try? Yams.compose(yaml: yaml) else { return SelectionSettings() }
        let top = ConfigNode(node: root, path: "", file: file)
        guard let mapping = root.mapping, mapping["selection"] != nil else { return SelectionSettings() }
        let fields = try top.mapping(allowed: mapping.keys.compactMap { $0.scalar?.string })
        guard let selection = fields.optional("selection") else { return SelectionSettings() }
        return try parseSelectionSettings(selection)
    }
}

import Foundation
import Yams

/// A label taxonomy kept in its own YAML file (`pipelines/taxonomies/topics.yaml`): `task` (the task description,
/// the instruction a classification example carries) and `labels` (`{name, description}` items). A pipeline reads one
/// as a list: `lists: {labels: {file: taxonomies/topics.yaml}}`.
enum TaxonomyFile {
    /// The `labels` node of the taxonomy file `listNode` names (`{file: PATH}`), with errors naming that file's lines.
    static func items(of listNode: ConfigNode, folder: URL) throws -> ConfigNode {
        let fields = try listNode.mapping(allowed: ["file"])
        let fileNode = try fields.required("file")
        let url = try PipelineConfiguration.existingFile(fileNode, folder: folder)
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw fileNode.error("cannot read the taxonomy file \(url.path) as UTF-8 (\(error.localizedDescription))")
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw fileNode.error("the taxonomy file \(url.path) is empty; give `task:` and `labels: [{name, description}]`")
            }
            root = node
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw fileNode.error("the taxonomy file \(url.path) is not valid YAML: \(error)")
        }
        let top = try ConfigNode(node: root, path: "", file: url.path).mapping(allowed: ["task", "labels"])
        _ = try top.required("task").string()
        let labels = try top.required("labels")
        for item in try labels.sequence() {
            let entry = try item.mapping(allowed: ["name", "description"])
            _ = try entry.required("name").string()
            _ = try entry.required("description").string()
        }
        return labels
    }

    /// The `task` description of the taxonomy file at `url` (the instruction its classification examples carry).
    static func task(at url: URL) throws -> String {
        let text = try String(contentsOf: url, encoding: .utf8)
        guard let root = try Yams.compose(yaml: text) else { return "" }
        return try ConfigNode(node: root, path: "", file: url.path).mapping(allowed: ["task", "labels"]).required("task").string()
    }
}

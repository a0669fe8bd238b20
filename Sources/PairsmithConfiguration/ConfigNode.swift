import Foundation
import Yams

/// A YAML node with its field path, read with typed accessors whose errors name the file, line and field.
struct ConfigNode {
    let node: Node
    let path: String
    let file: String

    private var line: Int? { node.mark?.line }

    /// Where the node is, for errors found after loading.
    var location: DeclarationLocation { DeclarationLocation(file: file, line: line, field: path) }

    /// True when the node is a mapping.
    var isMapping: Bool { node.mapping != nil }

    /// True when the node is a list.
    var isSequence: Bool { node.sequence != nil }

    /// The node's mapping keys in file order (empty when it is not a mapping).
    var keys: [String] { node.mapping?.keys.compactMap { $0.scalar?.string } ?? [] }

    /// A boolean (`true`/`false`).
    func bool() throws -> Bool {
        switch node.scalar?.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error("must be true or false, found \(found)")
        }
    }

    /// True when the node is YAML's null (`null`, `~` or nothing).
    var isNull: Bool { node.scalar.map { ["null", "~", ""].contains($0.string) && $0.style == .plain } ?? false }

    func error(_ message: String) -> ConfigurationError {
        ConfigurationError(file: file, line: line, field: path, message: message)
    }

    private func child(_ node: Node, _ key: String) -> ConfigNode {
        ConfigNode(node: node, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    /// The node as a mapping whose keys must all be in `allowed`; unknown keys are errors that list the allowed ones.
    func mapping(allowed: [String]) throws -> ConfigMapping {
        guard let mapping = node.mapping else { throw error("must be a mapping of \(allowed.joined(separator: ", "))") }
        var children: [String: ConfigNode] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else { throw error("keys must be plain names") }
            guard allowed.contains(name) else {
                throw ConfigurationError(
                    file: file, line: key.mark?.line, field: path.isEmpty ? name : "\(path).\(name)",
                    message: "unknown field; allowed here: \(allowed.joined(separator: ", "))")
            }
            children[name] = child(value, name)
        }
        return ConfigMapping(parent: self, children: children)
    }

    /// The node as a list.
    func sequence() throws -> [ConfigNode] {
        guard let sequence = node.sequence else { throw error("must be a list") }
        return sequence.enumerated().map { ConfigNode(node: $1, path: "\(path)[\($0)]", file: file) }
    }

    /// A non-empty string.
    func string() throws -> String {
        guard let scalar = node.scalar, !scalar.string.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw error("must be a non-empty string")
        }
        return scalar.string
    }

    /// An integer within `range`.
    func integer(in range: ClosedRange<Int>) throws -> Int {
        guard let text = node.scalar?.string, let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            throw error("must be an integer from \(range.lowerBound) to \(range.upperBound), found \(found)")
        }
        guard range.contains(value) else {
            throw error("must be from \(range.lowerBound) to \(range.upperBound), found \(value)")
        }
        return value
    }

    /// A number within `range`.
    func number(in range: ClosedRange<Double>, describing bounds: String? = nil) throws -> Double {
        let allowed = bounds ?? "from \(range.lowerBound) to \(range.upperBound)"
        guard let text = node.scalar?.string, let value = Double(text), value.isFinite else {
            throw error("must be a number \(allowed), found \(found)")
        }
        guard range.contains(value) else { throw error("must be \(allowed), found \(text)") }
        return value
    }

    /// The node's text for messages.
    private var found: String {
        if let scalar = node.scalar { return "\"\(scalar.string)\"" }
        if node.mapping != nil { return "a mapping" }
        return "a list"
    }
}

/// The fields of a mapping node, looked up by name.
struct ConfigMapping {
    let parent: ConfigNode
    let children: [String: ConfigNode]

    /// The field `key`, or an error saying it is required.
    func required(_ key: String) throws -> ConfigNode {
        guard let node = children[key] else {
            throw ConfigurationError(
                file: parent.file, line: parent.node.mark?.line,
                field: parent.path.isEmpty ? key : "\(parent.path).\(key)", message: "is required")
        }
        return node
    }

    /// The field `key`, if present.
    func optional(_ key: String) -> ConfigNode? { children[key] }
}

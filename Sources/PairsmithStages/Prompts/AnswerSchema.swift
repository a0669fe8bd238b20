import Foundation
import PairsmithEndpoints
import PairsmithJSON

/// A JSON schema file for a stage's answer. Properties marked `"x-pairsmith-enum": "NAME"` get their `enum` filled
/// at run time (the configure schema's `character` gets the five candidates of each passage), followed by any values
/// the schema's own `enum` lists (a classification label's `none`).
public struct AnswerSchema: Sendable, Hashable {
    /// The file it came from.
    public let file: URL
    /// The schema's name (the file name without `.schema.json`), as sent in `response_format`.
    public let name: String
    /// The schema as canonical JSON text (sorted keys).
    public let template: String
    /// The schema as a JSON value, parsed once (``instantiatedValue(enums:)`` fills it without re-reading text).
    public let value: JSONValue

    /// Reads the schema at `file`.
    public init(file: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            throw PromptError.unreadable(path: file.path, reason: error.localizedDescription)
        }
        try self.init(data: data, file: file)
    }

    /// Parses schema JSON (for tests); `file` is used in messages and for the name.
    public init(data: Data, file: URL) throws {
        self.file = file
        name = file.lastPathComponent.replacingOccurrences(of: ".schema.json", with: "")
            .replacingOccurrences(of: ".json", with: "")
        guard let object = try? JSONSerialization.jsonObject(with: data), object is [String: Any] else {
            throw PromptError.invalidSchema(path: file.path, reason: "the file must hold one JSON object")
        }
        template = try Self.canonical(object, file: file)
        do {
            value = try JSONValue.parse(template)
        } catch {
            throw PromptError.invalidSchema(path: file.path, reason: String(describing: error))
        }
    }

    /// The names of the run-time enums the schema asks for.
    public var enumNames: Set<String> {
        var names = Set<String>()
        func walk(_ value: Any) {
            if let object = value as? [String: Any] {
                if let name = object["x-pairsmith-enum"] as? String { names.insert(name) }
                object.values.forEach(walk)
            } else if let array = value as? [Any] {
                array.forEach(walk)
            }
        }
        if let object = try? JSONSerialization.jsonObject(with: Data(template.utf8)) { walk(object) }
        return names
    }

    /// The schema with every run-time enum filled from `enums`, as canonical JSON text.
    public func instantiate(enums: [String: [String]] = [:]) throws -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(template.utf8)) else {
            throw PromptError.invalidSchema(path: file.path, reason: "the schema could not be re-read")
        }
        return try Self.canonical(try fill(object, enums), file: file)
    }

    /// The schema with every run-time enum filled from `enums`, as a JSON value (the same value
    /// ``instantiate(enums:)`` writes as text; this is the one a request carries, made without any JSON text).
    public func instantiatedValue(enums: [String: [String]] = [:]) throws -> JSONValue {
        try fill(value, enums)
    }

    private func fill(_ value: JSONValue, _ enums: [String: [String]]) throws -> JSONValue {
        switch value {
        case .object(var object):
            if case .string(let name)? = object["x-pairsmith-enum"] {
                guard let values = enums[name] else { throw PromptError.missingEnum(path: file.path, name: name) }
                // Values the schema lists itself (`"enum": ["none"]`) follow the list's.
                var filled = values.map { JSONValue.string($0) }
                if case .array(let fixed)? = object["enum"] { filled += fixed.filter { !filled.contains($0) } }
                object["enum"] = .array(filled)
                object.removeValue(forKey: "x-pairsmith-enum")
            }
            for (key, child) in object where Self.needsFilling(child) { object[key] = try fill(child, enums) }
            return .object(object)
        case .array(let array):
            return .array(try array.map { try fill($0, enums) })
        default:
            return value
        }
    }

    /// True when `value` holds an `x-pairsmith-enum` somewhere (other members are kept as they are).
    private static func needsFilling(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let object): object["x-pairsmith-enum"] != nil || object.values.contains(where: needsFilling)
        case .array(let array): array.contains(where: needsFilling)
        default: false
        }
    }

    private func fill(_ value: Any, _ enums: [String: [String]]) throws -> Any {
        if var object = value as? [String: Any] {
            if let name = object["x-pairsmith-enum"] as? String {
                guard let values = enums[name] else { throw PromptError.missingEnum(path: file.path, name: name) }
                object["enum"] = values
                object.removeValue(forKey: "x-pairsmith-enum")
            }
            for (key, child) in object { object[key] = try fill(child, enums) }
            return object
        }
        if let array = value as? [Any] { return try array.map { try fill($0, enums) } }
        return value
    }

    private static func canonical(_ object: Any, file: URL) throws -> String {
        do {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            return String(decoding: data, as: UTF8.self)
        } catch {
            throw PromptError.invalidSchema(path: file.path, reason: error.localizedDescription)
        }
    }
}

import PairsmithJSON

/// One way an answer breaks its schema, with the JSON path where it happens (`$.query`, `$.items[2]`).
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// Where in the answer: `$` is the root.
    public var path: String
    /// What is wrong there.
    public var message: String

    /// Creates a violation at `path`.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// Checks a JSON value against a ``JSONSchema`` (the subset that schema documents; other keywords are ignored).
public enum SchemaValidator {
    /// Every violation of `schema` by `value`; empty when the value is valid.
    public static func violations(of schema: JSONSchema, by value: JSONValue) -> [SchemaViolation] {
        var found: [SchemaViolation] = []
        check(value, against: schema.value, path: "$", into: &found)
        return found
    }

    private static func check(_ value: JSONValue, against schema: JSONValue, path: String, into found: inout [SchemaViolation]) {
        guard case .object(let keywords) = schema else { return }  // `true`/`{}`: anything goes
        if let expected = keywords["type"] {
            let allowed = expected.arrayValue?.compactMap(\.stringValue) ?? [expected.stringValue].compactMap { $0 }
            if !allowed.isEmpty, !allowed.contains(where: { matches(value, type: $0) }) {
                found.append(.init(path: path, message: "expected \(allowed.joined(separator: " or ")), found \(value.typeName)"))
                return
            }
        }
        if let options = keywords["enum"]?.arrayValue, !options.contains(where: { equalJSON($0, value) }) {
            let list = options.map(\.canonicalText).joined(separator: ", ")
            found.append(.init(path: path, message: "\(value.canonicalText) is not one of [\(list)]"))
        }
        switch value {
        case .string(let s):
            let length = s.count
            if let min = keywords["minLength"]?.intValue, length < min {
                found.append(.init(path: path, message: "string has \(length) characters, fewer than minLength \(min)"))
            }
            if let max = keywords["maxLength"]?.intValue, length > max {
                found.append(.init(path: path, message: "string has \(length) characters, more than maxLength \(max)"))
            }
        case .integer, .number:
            let number = value.doubleValue ?? 0
            if let min = keywords["minimum"]?.doubleValue, number < min {
                found.append(.init(path: path, message: "\(value.canonicalText) is below minimum \(JSONValue.number(min).canonicalText)"))
            }
            if let max = keywords["maximum"]?.doubleValue, number > max {
                found.append(.init(path: path, message: "\(value.canonicalText) is above maximum \(JSONValue.number(max).canonicalText)"))
            }
        case .array(let elements):
            if let min = keywords["minItems"]?.intValue, elements.count < min {
                found.append(.init(path: path, message: "array has \(elements.count) items, fewer than minItems \(min)"))
            }
            if let max = keywords["maxItems"]?.intValue, elements.count > max {
                found.append(.init(path: path, message: "array has \(elements.count) items, more than maxItems \(max)"))
            }
            if let items = keywords["items"] {
                for (i, element) in elements.enumerated() { check(element, against: items, path: "\(path)[\(i)]", into: &found) }
            }
        case .object(let members):
            let properties = keywords["properties"]?.objectValue ?? [:]
            for name in keywords["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
                found.append(.init(path: path, message: "required property '\(name)' is missing"))
            }
            for name in members.keys.sorted() {
                let member = members[name] ?? .null
                if let sub = properties[name] {
                    check(member, against: sub, path: "\(path).\(name)", into: &found)
                } else if case .bool(false) = keywords["additionalProperties"] {
                    found.append(.init(path: path, message: "property '\(name)' is not allowed (additionalProperties is false)"))
                } else if let sub = keywords["additionalProperties"], case .object = sub {
                    check(member, against: sub, path: "\(path).\(name)", into: &found)
                }
            }
        case .null, .bool:
            break
        }
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null): true
        case ("number", .integer), ("number", .number): true
        case ("integer", .integer): true
        case ("integer", .number(let d)): d.isFinite && d.rounded() == d
        default: false
        }
    }

    /// JSON equality where 1 and 1.0 are the same number.
    private static func equalJSON(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if let x = a.doubleValue, let y = b.doubleValue { return x == y }
        return a == b
    }
}

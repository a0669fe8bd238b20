/// Pairsmith's strict subset of JSON Schema draft 2020-12: checks that a schema stays inside it
/// (``validateSchema(_:)``) and checks values against such a schema (``violations(of:against:structuralOnly:)``).
///
/// The subset: `type`, `properties`, `required`, `additionalProperties`, `items`, `prefixItems`, `minItems`,
/// `maxItems`, `uniqueItems`, `enum`, `const`, `minLength`, `maxLength`, `pattern`, `minimum`, `maximum`,
/// `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`, `anyOf`, `oneOf`, `allOf`, the annotations `$schema`,
/// `$id`, `title`, `description`, `default`, `examples`, `$comment`, and extension keywords that start with `x-`
/// (`x-pairsmith-enum: NAME` asks for an `enum` filled at run time). Every keyword has the meaning 2020-12 gives it.
public enum JSONSchemaCheck {
    /// The `$schema` URI of draft 2020-12, the only draft a schema may declare.
    public static let draft202012 = "https://json-schema.org/draft/2020-12/schema"

    /// The extension keyword naming a list whose values pairsmith puts in the schema's `enum` at run time.
    public static let runtimeEnumKeyword = "x-pairsmith-enum"

    /// The seven JSON Schema types, in the order messages list them.
    public static let typeNames = ["string", "integer", "number", "boolean", "object", "array", "null"]

    /// Every keyword of the subset (extension keywords `x-…` aside).
    public static let supportedKeywords: [String] = assertions + applicators + annotations

    /// Keywords that assert something of the value itself.
    static let assertions = [
        "type", "required", "minItems", "maxItems", "uniqueItems", "enum", "const", "minLength", "maxLength",
        "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
    ]

    /// Keywords that apply subschemas.
    static let applicators = ["properties", "additionalProperties", "items", "prefixItems", "anyOf", "oneOf", "allOf"]

    /// Keywords that only annotate.
    static let annotations = ["$schema", "$id", "title", "description", "default", "examples", "$comment"]

    /// The value keywords that ``violations(of:against:structuralOnly:)`` skips when checking structure only: the
    /// ones pairsmith's answer rules judge themselves, after trimming.
    public static let valueKeywords: Set<String> = [
        "enum", "const", "minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "multipleOf",
    ]

    /// Draft 2020-12 keywords (and a few older drafts') outside the subset, so messages can say "not supported"
    /// rather than "unknown".
    static let unsupportedKeywords: Set<String> = [
        "$ref", "$defs", "definitions", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary", "$recursiveRef",
        "$recursiveAnchor", "not", "if", "then", "else", "dependentSchemas", "dependentRequired", "dependencies",
        "patternProperties", "propertyNames", "unevaluatedProperties", "unevaluatedItems", "additionalItems",
        "contains", "minContains", "maxContains", "minProperties", "maxProperties", "format", "contentEncoding",
        "contentMediaType", "contentSchema", "deprecated", "readOnly", "writeOnly",
    ]

    /// The types a keyword constrains (nil: any value), for the check that it fits the schema's declared `type`.
    static func appliesTo(_ keyword: String) -> (types: Set<String>, noun: String)? {
        switch keyword {
        case "minLength", "maxLength", "pattern": (["string"], "strings")
        case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf": (["number", "integer"], "numbers")
        case "items", "prefixItems", "minItems", "maxItems", "uniqueItems": (["array"], "arrays")
        case "properties", "required", "additionalProperties": (["object"], "objects")
        default: nil
        }
    }

    /// True when `value` is an instance of JSON Schema type `type` (`integer`: any number with no fractional part,
    /// `1.0` included, as 2020-12 defines it).
    public static func value(_ value: JSONValue, isOfType type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): true
        case ("number", .integer), ("number", .number), ("integer", .integer): true
        case ("integer", .number(let d)): d.isFinite && d.rounded(.towardZero) == d
        default: false
        }
    }

    /// JSON Schema equality (for `enum`, `const`, `uniqueItems`): numbers by value (`1 == 1.0`), booleans apart from
    /// numbers, arrays element by element, objects by members in any order.
    public static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.integer(let i), .number(let d)), (.number(let d), .integer(let i)): Int(exactly: d) == i
        case (.array(let x), .array(let y)): x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            x.count == y.count && x.allSatisfy { member in y[member.key].map { equal(member.value, $0) } ?? false }
        default: a == b
        }
    }

    /// `a string`, `an integer`, `null`…: a type name with its article, for messages.
    static func article(_ type: String) -> String {
        switch type {
        case "null": "null"
        case "integer", "object", "array": "an \(type)"
        default: "a \(type)"
        }
    }
}

/// A schema outside pairsmith's JSON Schema subset: where (a JSON pointer into the schema) and what would be valid.
public struct JSONSchemaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The JSON pointer of the offending keyword or value, e.g. `/properties/query/minLength` (`""`: the schema itself).
    public var pointer: String
    /// What is wrong and what would be valid.
    public var message: String

    /// Makes an error at `pointer`.
    public init(pointer: String, message: String) {
        self.pointer = pointer
        self.message = message
    }

    /// `pointer: message` (`(root)` for the schema itself).
    public var description: String { "\(pointer.isEmpty ? "(root)" : pointer): \(message)" }
}

/// One way a value fails a schema: where in the value, which keyword, and why.
public struct JSONSchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// The JSON pointer of the offending value inside the checked instance, e.g. `/query` (`""`: the instance itself).
    public var instancePath: String
    /// The JSON pointer of the keyword in the schema, e.g. `/properties/query/minLength`.
    public var schemaPath: String
    /// The keyword that failed (`type`, `required`, …; `false` for a `false` schema).
    public var keyword: String
    /// What is wrong, e.g. `must be a string, found 3`.
    public var message: String

    /// Makes a violation.
    public init(instancePath: String, schemaPath: String, keyword: String, message: String) {
        self.instancePath = instancePath
        self.schemaPath = schemaPath
        self.keyword = keyword
        self.message = message
    }

    /// `instancePath: message` (`(root)` for the instance itself).
    public var description: String { "\(instancePath.isEmpty ? "(root)" : instancePath): \(message)" }
}

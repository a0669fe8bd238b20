import PairsmithJSON

/// A JSON Schema in the subset pairsmith uses, kept as its JSON text so it can be sent and hashed as is.
///
/// The subset: `type` object/string/integer/number/boolean/array, `properties`, `required`, `enum`,
/// `additionalProperties: false`, `minLength`/`maxLength`, `minItems`/`maxItems`, `items`,
/// `minimum`/`maximum`. ``SchemaValidator`` checks answers against it.
public struct JSONSchema: Sendable, Hashable, CustomStringConvertible {
    /// The schema document.
    public var value: JSONValue { didSet { canonicalBytes = value.canonicalBytes } }

    /// The schema's canonical JSON bytes, written once: every request body carries them.
    private(set) var canonicalBytes: [UInt8]

    /// Wraps a schema document.
    public init(_ value: JSONValue) {
        self.value = value
        self.canonicalBytes = value.canonicalBytes
    }

    /// The schema as compact JSON text.
    public var description: String { String(decoding: canonicalBytes, as: UTF8.self) }

    public static func == (a: JSONSchema, b: JSONSchema) -> Bool { a.canonicalBytes == b.canonicalBytes }

    public func hash(into hasher: inout Hasher) { hasher.combine(canonicalBytes) }

    /// An object with these properties; all are required unless `required` says otherwise; no other members.
    public static func object(
        _ properties: [String: JSONSchema], required: [String]? = nil, additionalProperties: Bool = false
    ) -> JSONSchema {
        var members: [String: JSONValue] = [
            "type": "object",
            "properties": .object(properties.mapValues(\.value)),
            "required": .array((required ?? properties.keys.sorted()).map(JSONValue.string)),
        ]
        if !additionalProperties { members["additionalProperties"] = false }
        return JSONSchema(.object(members))
    }

    /// A string, optionally one of `oneOf` and within length bounds (in characters).
    public static func string(enum values: [String]? = nil, minLength: Int? = nil, maxLength: Int? = nil) -> JSONSchema {
        var members: [String: JSONValue] = ["type": "string"]
        if let values { members["enum"] = .array(values.map(JSONValue.string)) }
        if let minLength { members["minLength"] = .integer(minLength) }
        if let maxLength { members["maxLength"] = .integer(maxLength) }
        return JSONSchema(.object(members))
    }

    /// A whole number, optionally within bounds.
    public static func integer(minimum: Int? = nil, maximum: Int? = nil) -> JSONSchema {
        var members: [String: JSONValue] = ["type": "integer"]
        if let minimum { members["minimum"] = .integer(minimum) }
        if let maximum { members["maximum"] = .integer(maximum) }
        return JSONSchema(.object(members))
    }

    /// Any number.
    public static var number: JSONSchema { JSONSchema(["type": "number"]) }

    /// `true` or `false`.
    public static var boolean: JSONSchema { JSONSchema(["type": "boolean"]) }

    /// An array of `items`, optionally with bounds on its length.
    public static func array(of items: JSONSchema, minItems: Int? = nil, maxItems: Int? = nil) -> JSONSchema {
        var members: [String: JSONValue] = ["type": "array", "items": items.value]
        if let minItems { members["minItems"] = .integer(minItems) }
        if let maxItems { members["maxItems"] = .integer(maxItems) }
        return JSONSchema(.object(members))
    }
}

/// One top-level property of an object schema, with what the schema declares about its value.
public struct JSONSchemaProperty: Sendable, Hashable {
    /// The member name.
    public var name: String
    /// The declared types (`type` as a list; empty when the property declares none).
    public var types: [String]
    /// The `enum` values, as declared (nil when there is none, or when it is the empty placeholder that
    /// ``runtimeEnum`` fills).
    public var enumValues: [JSONValue]?
    /// The `x-pairsmith-enum` list name whose values fill `enum` at run time, or nil.
    public var runtimeEnum: String?
    /// The `const` value, or nil.
    public var constValue: JSONValue?
    /// `minLength` (characters), or nil.
    public var minLength: Int?
    /// `maxLength` (characters), or nil.
    public var maxLength: Int?
    /// `pattern`, or nil.
    public var pattern: String?
    /// `minimum`, or nil.
    public var minimum: Double?
    /// `maximum`, or nil.
    public var maximum: Double?
    /// `exclusiveMinimum`, or nil.
    public var exclusiveMinimum: Double?
    /// `exclusiveMaximum`, or nil.
    public var exclusiveMaximum: Double?
    /// `multipleOf`, or nil.
    public var multipleOf: Double?
    /// `minItems`, or nil.
    public var minItems: Int?
    /// `maxItems`, or nil.
    public var maxItems: Int?
    /// `description`, or nil.
    public var description: String?
    /// True when the object schema's `required` lists the name.
    public var required: Bool

    /// The only declared type (`string`, `integer`…), or nil when the property declares none or several.
    public var type: String? { types.count == 1 ? types[0] : nil }

    /// The `enum` values when all are strings, or nil.
    public var enumStrings: [String]? {
        guard let enumValues else { return nil }
        let strings = enumValues.compactMap(\.stringValue)
        return strings.count == enumValues.count ? strings : nil
    }
}

/// The top-level properties of an object schema.
public enum JSONSchemaProperties {
    /// The members of `schema`'s `properties` in their order, each with its declared type, enum and value
    /// constraints; `[]` when `schema` has no `properties` object. Only the property's own keywords are read (not
    /// constraints that `allOf`, `anyOf` or `oneOf` add); a property schema `true` or `false` declares nothing.
    public static func of(_ schema: JSONValue) -> [JSONSchemaProperty] {
        guard case .object(let properties)? = schema["properties"] else { return [] }
        let required = Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        return properties.members.map { name, subschema in
            let declared = subschema.objectValue ?? JSONObject()
            let runtimeEnum = declared[JSONSchemaCheck.runtimeEnumKeyword]?.stringValue
            var enumValues = declared["enum"]?.arrayValue
            if runtimeEnum != nil, enumValues?.isEmpty == true { enumValues = nil }
            let types: [String] =
                switch declared["type"] {
                case .string(let type)?: [type]
                case .array(let types)?: types.compactMap(\.stringValue)
                default: []
                }
            return JSONSchemaProperty(
                name: name, types: types, enumValues: enumValues, runtimeEnum: runtimeEnum, constValue: declared["const"],
                minLength: declared["minLength"]?.intValue, maxLength: declared["maxLength"]?.intValue,
                pattern: declared["pattern"]?.stringValue, minimum: declared["minimum"]?.doubleValue,
                maximum: declared["maximum"]?.doubleValue, exclusiveMinimum: declared["exclusiveMinimum"]?.doubleValue,
                exclusiveMaximum: declared["exclusiveMaximum"]?.doubleValue, multipleOf: declared["multipleOf"]?.doubleValue,
                minItems: declared["minItems"]?.intValue, maxItems: declared["maxItems"]?.intValue,
                description: declared["description"]?.stringValue, required: required.contains(name))
        }
    }
}

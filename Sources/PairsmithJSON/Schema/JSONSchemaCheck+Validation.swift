import Foundation

extension JSONSchemaCheck {
    /// Throws the first way `schema` falls outside pairsmith's JSON Schema subset (``problems(in:)`` lists them all).
    ///
    /// Beyond what the 2020-12 meta-schema demands, the subset refuses: keywords it does not know (with a
    /// did-you-mean), an empty `enum` (unless `x-pairsmith-enum` fills it at run time), repeated `enum` values,
    /// `enum`/`const` values the declared `type` rules out, keywords for another type than the declared one
    /// (`minLength` on an integer), bounds no value can meet (`minLength` above `maxLength`, `minimum` above
    /// `maximum`), `required` names missing from `properties` when `additionalProperties` is false, a `$schema`
    /// other than draft 2020-12's or below the root, and `items` in its pre-2020 array form.
    public static func validateSchema(_ schema: JSONValue) throws(JSONSchemaError) {
        if let first = problems(in: schema).first { throw first }
    }

    /// Every way `schema` falls outside pairsmith's JSON Schema subset, in document order; empty for a valid schema.
    public static func problems(in schema: JSONValue) -> [JSONSchemaError] {
        var checker = SchemaChecker()
        checker.schema(schema, at: "")
        return checker.problems
    }

    /// The keyword of the subset closest to `name` by edit distance (letter case ignored), or nil when none is close.
    public static func suggestion(for name: String) -> String? {
        let candidates = supportedKeywords + [runtimeEnumKeyword]
        let limit = name.count <= 4 ? 1 : 2
        let scored = candidates.map { (keyword: $0, distance: editDistance(name.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.distance < $1.distance }), best.distance <= limit else { return nil }
        return best.keyword
    }

    /// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of neighbours cost 1.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}

/// Walks a schema and collects every problem, each at the JSON pointer of what is wrong.
private struct SchemaChecker {
    var problems: [JSONSchemaError] = []

    mutating func fail(_ pointer: String, _ message: String) {
        problems.append(JSONSchemaError(pointer: pointer, message: message))
    }

    mutating func schema(_ value: JSONValue, at pointer: String) {
        switch value {
        case .bool: return
        case .object(let object): keywords(of: object, at: pointer)
        default: fail(pointer, "must be a schema (an object, or true or false), found \(value.brief)")
        }
    }

    private mutating func keywords(of object: JSONObject, at pointer: String) {
        let types = Self.declaredTypes(object["type"])
        for (key, value) in object.members {
            let at = JSONPointer.appending(pointer, key)
            switch key {
            case "type": type(value, at: at)
            case "properties":
                guard case .object(let properties) = value else {
                    fail(at, "must be an object mapping member names to schemas, found \(value.brief)")
                    continue
                }
                for (name, subschema) in properties.members { schema(subschema, at: JSONPointer.appending(at, name)) }
            case "required": required(value, at: at)
            case "additionalProperties": schema(value, at: at)
            case "items":
                if case .array = value {
                    fail(
                        at,
                        "must be one schema that every element matches (an object, or true or false); the array form "
                            + "is from drafts before 2020-12: write prefixItems for per-position schemas")
                } else {
                    schema(value, at: at)
                }
            case "prefixItems", "anyOf", "oneOf", "allOf": schemaArray(value, at: at)
            case "minItems", "maxItems", "minLength", "maxLength": _ = nonNegativeInteger(value, at: at)
            case "uniqueItems":
                if value.boolValue == nil { fail(at, "must be true or false, found \(value.brief)") }
            case "enum": enumeration(value, in: object, types: types, at: at)
            case "const":
                if let types, !Self.fits(value, types) {
                    fail(at, "\(value.brief) is not \(Self.describe(types)), as type requires: no value can match")
                }
            case "default": break
            case "examples":
                if value.arrayValue == nil { fail(at, "must be an array of example values, found \(value.brief)") }
            case "pattern": pattern(value, at: at)
            case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
                if case .bool = value, key.hasPrefix("exclusive") {
                    fail(
                        at,
                        "must be a number: in 2020-12 \(key) is the bound itself (the boolean form is draft 4's), "
                            + "found \(value.brief)")
                } else if value.doubleValue == nil {
                    fail(at, "must be a number, found \(value.brief)")
                }
            case "multipleOf":
                if let divisor = value.doubleValue {
                    if !(divisor > 0) { fail(at, "must be a number above 0, found \(value.brief)") }
                } else {
                    fail(at, "must be a number above 0, found \(value.brief)")
                }
            case "$schema":
                if !pointer.isEmpty {
                    fail(at, "only the root schema may declare $schema; remove it here")
                } else if value != .string(JSONSchemaCheck.draft202012), value != .string(JSONSchemaCheck.draft202012 + "#") {
                    fail(at, "must be \"\(JSONSchemaCheck.draft202012)\" (pairsmith reads draft 2020-12 only), found \(value.brief)")
                }
            case "$id", "title", "description", "$comment":
                if value.stringValue == nil { fail(at, "must be a string, found \(value.brief)") }
            case JSONSchemaCheck.runtimeEnumKeyword:
                if let name = value.stringValue, !name.isEmpty {
                    if let types, !types.contains("string") {
                        fail(at, "fills enum with strings, but type is \(Self.describe(types)); declare \"type\": \"string\"")
                    }
                } else {
                    fail(at, "must name the list whose values fill enum at run time (a non-empty string), found \(value.brief)")
                }
            default:
                if key.hasPrefix("x-") { continue }
                unknown(key, at: at)
                continue
            }
            if let types, let scope = JSONSchemaCheck.appliesTo(key), types.isDisjoint(with: scope.types) {
                fail(at, "applies to \(scope.noun) only, but type is \(Self.describe(types)); remove \(key) or change type")
            }
        }
        crossChecks(object, at: pointer)
    }

    // MARK: - Keywords

    private mutating func type(_ value: JSONValue, at pointer: String) {
        switch value {
        case .string(let name):
            typeName(name, at: pointer)
        case .array(let names):
            if names.isEmpty { fail(pointer, "must list at least one type (or be one type name), found []") }
            var seen = Set<String>()
            for (index, element) in names.enumerated() {
                let at = JSONPointer.appending(pointer, index)
                guard let name = element.stringValue else {
                    fail(at, "must be a type name (\(JSONSchemaCheck.typeNames.joined(separator: ", "))), found \(element.brief)")
                    continue
                }
                typeName(name, at: at)
                if !seen.insert(name).inserted { fail(at, "\"\(name)\" is listed twice; list each type once") }
            }
        default:
            fail(pointer, "must be a type name or an array of them (\(JSONSchemaCheck.typeNames.joined(separator: ", "))), found \(value.brief)")
        }
    }

    private mutating func typeName(_ name: String, at pointer: String) {
        guard !JSONSchemaCheck.typeNames.contains(name) else { return }
        let aliases = [
            "int": "integer", "bool": "boolean", "float": "number", "double": "number", "str": "string", "text": "string",
            "list": "array", "dict": "object", "map": "object", "none": "null", "nil": "null",
        ]
        let hint =
            aliases[name.lowercased()]
            ?? JSONSchemaCheck.typeNames.first { JSONSchemaCheck.editDistance(name.lowercased(), $0) <= 2 }
        fail(
            pointer,
            "\(JSONValue.string(name).brief) is not a JSON Schema type"
                + (hint.map { "; did you mean \($0)?" } ?? "; valid: \(JSONSchemaCheck.typeNames.joined(separator: ", "))"))
    }

    private mutating func required(_ value: JSONValue, at pointer: String) {
        guard case .array(let names) = value else {
            fail(pointer, "must be an array of member names, found \(value.brief)")
            return
        }
        var seen = Set<String>()
        for (index, element) in names.enumerated() {
            let at = JSONPointer.appending(pointer, index)
            guard let name = element.stringValue else {
                fail(at, "must be a member name (a string), found \(element.brief)")
                continue
            }
            if !seen.insert(name).inserted { fail(at, "\(element.brief) is listed twice; list each name once") }
        }
    }

    private mutating func schemaArray(_ value: JSONValue, at pointer: String) {
        guard case .array(let schemas) = value, !schemas.isEmpty else {
            fail(pointer, "must be a non-empty array of schemas, found \(value.brief == "an array" ? "[]" : value.brief)")
            return
        }
        for (index, subschema) in schemas.enumerated() { schema(subschema, at: JSONPointer.appending(pointer, index)) }
    }

    private mutating func nonNegativeInteger(_ value: JSONValue, at pointer: String) -> Int? {
        if let count = value.intValue, count >= 0, JSONSchemaCheck.value(value, isOfType: "integer") { return count }
        fail(pointer, "must be a non-negative integer, found \(value.brief)")
        return nil
    }

    private mutating func enumeration(_ value: JSONValue, in object: JSONObject, types: Set<String>?, at pointer: String) {
        guard case .array(let values) = value else {
            fail(pointer, "must be an array of the allowed values, found \(value.brief)")
            return
        }
        if values.isEmpty, object[JSONSchemaCheck.runtimeEnumKeyword] == nil {
            fail(
                pointer,
                "must list at least one value (an empty enum accepts nothing); only an enum that "
                    + "\(JSONSchemaCheck.runtimeEnumKeyword) fills at run time may be empty")
        }
        for (index, element) in values.enumerated() {
            let at = JSONPointer.appending(pointer, index)
            if values[..<index].contains(where: { JSONSchemaCheck.equal($0, element) }) {
                fail(at, "\(element.brief) is listed twice; list each value once")
            } else if let types, !Self.fits(element, types) {
                fail(at, "\(element.brief) is not \(Self.describe(types)), as type requires: no answer can take it")
            }
        }
    }

    private mutating func pattern(_ value: JSONValue, at pointer: String) {
        guard let text = value.stringValue else {
            fail(pointer, "must be a regular expression (a string), found \(value.brief)")
            return
        }
        do {
            _ = try NSRegularExpression(pattern: text)
        } catch {
            fail(pointer, "\(value.brief) is not a valid regular expression (NSRegularExpression's ICU syntax)")
        }
    }

    private mutating func unknown(_ key: String, at pointer: String) {
        if JSONSchemaCheck.unsupportedKeywords.contains(key) {
            let hint =
                switch key {
                case "$ref", "$defs", "definitions": "; write the subschema in place"
                case "format": "; use pattern, or a stage rule"
                case "minProperties", "maxProperties": "; use required"
                default: "; express it with the supported keywords or a stage rule"
                }
            fail(
                pointer,
                "JSON Schema keyword outside pairsmith's subset\(hint) (supported: \(JSONSchemaCheck.supportedKeywords.joined(separator: ", ")))")
        } else if let near = JSONSchemaCheck.suggestion(for: key) {
            fail(pointer, "unknown keyword; did you mean \(near)?")
        } else {
            fail(
                pointer,
                "unknown keyword; pairsmith's JSON Schema subset has \(JSONSchemaCheck.supportedKeywords.joined(separator: ", ")), "
                    + "and extension keywords that start with x-")
        }
    }

    // MARK: - Checks across keywords

    private mutating func crossChecks(_ object: JSONObject, at pointer: String) {
        if object["additionalProperties"] == .bool(false), case .array(let names)? = object["required"] {
            let declared = object["properties"]?.objectValue.map { Set($0.keys) } ?? []
            for (index, name) in names.enumerated() {
                guard let name = name.stringValue, !declared.contains(name) else { continue }
                fail(
                    JSONPointer.appending(JSONPointer.appending(pointer, "required"), index),
                    "\(JSONValue.string(name).brief) is required but not in properties, and additionalProperties is false: "
                        + "no object can satisfy both; add it to properties or remove it from required")
            }
        }
        for (low, high, noun) in [("minLength", "maxLength", "string"), ("minItems", "maxItems", "array")] {
            if let lower = object[low]?.intValue, let upper = object[high]?.intValue, lower > upper {
                fail(JSONPointer.appending(pointer, low), "\(lower) is above \(high) \(upper): no \(noun) can satisfy both")
            }
        }
        for low in ["minimum", "exclusiveMinimum"] {
            for high in ["maximum", "exclusiveMaximum"] {
                guard let lowValue = object[low], let highValue = object[high], let lower = lowValue.doubleValue,
                    let upper = highValue.doubleValue
                else { continue }
                let exclusive = low.hasPrefix("exclusive") || high.hasPrefix("exclusive")
                if lower > upper || (lower == upper && exclusive) {
                    fail(
                        JSONPointer.appending(pointer, low),
                        "\(lowValue.brief) and \(high) \(highValue.brief) leave no number between them; lower \(low) or raise \(high)")
                }
            }
        }
    }

    // MARK: - Helpers

    /// The declared types when `type` is valid, else nil (its problem is reported on its own).
    private static func declaredTypes(_ value: JSONValue?) -> Set<String>? {
        switch value {
        case .string(let name)? where JSONSchemaCheck.typeNames.contains(name): [name]
        case .array(let names)? where !names.isEmpty:
            names.allSatisfy { $0.stringValue.map(JSONSchemaCheck.typeNames.contains) ?? false }
                ? Set(names.compactMap(\.stringValue)) : nil
        default: nil
        }
    }

    private static func fits(_ value: JSONValue, _ types: Set<String>) -> Bool {
        types.contains { JSONSchemaCheck.value(value, isOfType: $0) }
    }

    /// `a string`, `a string or null`: the declared types in the order ``JSONSchemaCheck/typeNames`` lists them.
    private static func describe(_ types: Set<String>) -> String {
        JSONSchemaCheck.typeNames.filter(types.contains).map(JSONSchemaCheck.article).joined(separator: " or ")
    }
}

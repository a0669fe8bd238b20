import Foundation

extension JSONSchemaCheck {
    /// Every way `instance` fails `schema` under draft 2020-12's rules, in the schema's keyword order; empty when it
    /// conforms. Check the schema first with ``validateSchema(_:)``: what is not a valid keyword here is ignored.
    ///
    /// With `structuralOnly`, the value keywords (``valueKeywords``: `enum`, `const`, `minLength`, `maxLength`,
    /// `pattern`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `multipleOf`) are skipped at every
    /// depth, and `oneOf` reads as `anyOf` (without those keywords its alternatives may not be told apart); `type`,
    /// `properties`, `required`, `additionalProperties`, `items`, `prefixItems`, `minItems`, `maxItems`,
    /// `uniqueItems`, `anyOf` and `allOf` are checked.
    public static func violations(
        of instance: JSONValue, against schema: JSONValue, structuralOnly: Bool = false
    )
        -> [JSONSchemaViolation]
    {
        var checker = InstanceChecker(structuralOnly: structuralOnly)
        checker.check(instance, schema, path: "", schemaPath: "")
        return checker.violations
    }

    /// True when `instance` conforms to `schema` (``violations(of:against:structuralOnly:)`` is empty).
    public static func isValid(_ instance: JSONValue, against schema: JSONValue, structuralOnly: Bool = false) -> Bool {
        violations(of: instance, against: schema, structuralOnly: structuralOnly).isEmpty
    }
}

/// Checks one instance against one schema, collecting violations.
private struct InstanceChecker {
    let structuralOnly: Bool
    var violations: [JSONSchemaViolation] = []

    private mutating func fail(_ path: String, _ schemaPath: String, _ keyword: String, _ message: String) {
        violations.append(JSONSchemaViolation(instancePath: path, schemaPath: schemaPath, keyword: keyword, message: message))
    }

    mutating func check(_ instance: JSONValue, _ schema: JSONValue, path: String, schemaPath: String) {
        switch schema {
        case .bool(false): fail(path, schemaPath, "false", "no value is allowed here, found \(instance.brief)")
        case .object(let object):
            for (key, value) in object.members where !(structuralOnly && JSONSchemaCheck.valueKeywords.contains(key)) {
                keyword(key, value, in: object, instance: instance, path: path, schemaPath: JSONPointer.appending(schemaPath, key))
            }
        default: return
        }
    }

    private mutating func keyword(
        _ key: String, _ value: JSONValue, in schema: JSONObject, instance: JSONValue, path: String, schemaPath at: String
    ) {
        switch (key, instance) {
        case ("type", _):
            let types = value.stringValue.map { [$0] } ?? value.arrayValue?.compactMap(\.stringValue) ?? []
            if !types.isEmpty, !types.contains(where: { JSONSchemaCheck.value(instance, isOfType: $0) }) {
                fail(path, at, key, "must be \(types.map(JSONSchemaCheck.article).joined(separator: " or ")), found \(instance.brief)")
            }
        case ("properties", .object(let members)):
            guard case .object(let properties) = value else { return }
            for (name, subschema) in properties.members {
                guard let member = members[name] else { continue }
                check(member, subschema, path: JSONPointer.appending(path, name), schemaPath: JSONPointer.appending(at, name))
            }
        case ("additionalProperties", .object(let members)):
            let declared = schema["properties"]?.objectValue?.keys ?? []
            for member in members where !declared.contains(member.key) {
                if value == .bool(false) {
                    let allowed = declared.isEmpty ? "the object must be empty" : "allowed: \(declared.joined(separator: ", "))"
                    fail(path, at, key, "member \(JSONValue.string(member.key).brief) is not allowed; \(allowed)")
                } else {
                    check(member.value, value, path: JSONPointer.appending(path, member.key), schemaPath: at)
                }
            }
        case ("required", .object(let members)):
            for name in value.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
                fail(path, at, key, "missing required member \(JSONValue.string(name).brief)")
            }
        case ("prefixItems", .array(let elements)):
            for (index, (element, subschema)) in zip(elements, value.arrayValue ?? []).enumerated() {
                check(element, subschema, path: JSONPointer.appending(path, index), schemaPath: JSONPointer.appending(at, index))
            }
        case ("items", .array(let elements)):
            let start = schema["prefixItems"]?.arrayValue?.count ?? 0
            if value == .bool(false) {
                if elements.count > start {
                    let allowed = start == 0 ? "must be empty" : "must hold at most \(Self.count(start, "element")) (the prefixItems)"
                    fail(path, at, key, "\(allowed), found \(elements.count)")
                }
                return
            }
            for index in elements.indices where index >= start {
                check(elements[index], value, path: JSONPointer.appending(path, index), schemaPath: at)
            }
        case ("minItems", .array(let elements)):
            if let least = value.intValue, elements.count < least {
                fail(path, at, key, "must hold at least \(Self.count(least, "element")), found \(elements.count)")
            }
        case ("maxItems", .array(let elements)):
            if let most = value.intValue, elements.count > most {
                fail(path, at, key, "must hold at most \(Self.count(most, "element")), found \(elements.count)")
            }
        case ("uniqueItems", .array(let elements)):
            guard value == .bool(true) else { return }
            for j in elements.indices {
                if let i = elements[..<j].firstIndex(where: { JSONSchemaCheck.equal($0, elements[j]) }) {
                    fail(path, at, key, "must not repeat elements; elements \(i) and \(j) are equal (\(elements[j].brief))")
                    return
                }
            }
        case ("enum", _):
            let allowed = value.arrayValue ?? []
            if !allowed.contains(where: { JSONSchemaCheck.equal($0, instance) }) {
                let listed = allowed.prefix(12).map(\.brief).joined(separator: ", ") + (allowed.count > 12 ? ", …" : "")
                fail(
                    path, at, key,
                    allowed.isEmpty
                        ? "no value is allowed (the enum is empty), found \(instance.brief)"
                        : "must be one of \(listed), found \(instance.brief)")
            }
        case ("const", _):
            if !JSONSchemaCheck.equal(value, instance) { fail(path, at, key, "must be \(value.brief), found \(instance.brief)") }
        case ("minLength", .string(let text)):
            let length = text.unicodeScalars.count
            if let least = value.intValue, length < least {
                fail(path, at, key, "must be at least \(Self.count(least, "character")) long, found \(length)")
            }
        case ("maxLength", .string(let text)):
            let length = text.unicodeScalars.count
            if let most = value.intValue, length > most {
                fail(path, at, key, "must be at most \(Self.count(most, "character")) long, found \(length)")
            }
        case ("pattern", .string(let text)):
            guard let pattern = value.stringValue else { return }
            guard let expression = try? NSRegularExpression(pattern: pattern) else {
                fail(path, at, key, "cannot be checked: the schema's pattern \(value.brief) does not compile")
                return
            }
            let range = NSRange(text.startIndex..<text.endIndex, in: text)
            if expression.firstMatch(in: text, range: range) == nil {
                fail(path, at, key, "must match the pattern \(value.brief), found \(instance.brief)")
            }
        case ("minimum", .integer), ("minimum", .number):
            if let order = Self.compare(instance, value), order < 0 {
                fail(path, at, key, "must be at least \(value.brief), found \(instance.brief)")
            }
        case ("exclusiveMinimum", .integer), ("exclusiveMinimum", .number):
            if let order = Self.compare(instance, value), order <= 0 { fail(path, at, key, "must be above \(value.brief), found \(instance.brief)") }
        case ("maximum", .integer), ("maximum", .number):
            if let order = Self.compare(instance, value), order > 0 { fail(path, at, key, "must be at most \(value.brief), found \(instance.brief)") }
        case ("exclusiveMaximum", .integer), ("exclusiveMaximum", .number):
            if let order = Self.compare(instance, value), order >= 0 { fail(path, at, key, "must be below \(value.brief), found \(instance.brief)") }
        case ("multipleOf", .integer), ("multipleOf", .number):
            if !Self.isMultiple(instance, of: value) { fail(path, at, key, "must be a multiple of \(value.brief), found \(instance.brief)") }
        case ("allOf", _):
            for (index, subschema) in (value.arrayValue ?? []).enumerated() {
                check(instance, subschema, path: path, schemaPath: JSONPointer.appending(at, index))
            }
        case ("anyOf", _), ("oneOf", _):
            let alternatives = value.arrayValue ?? []
            let outcomes = alternatives.enumerated().map { index, subschema in
                var branch = InstanceChecker(structuralOnly: structuralOnly)
                branch.check(instance, subschema, path: path, schemaPath: JSONPointer.appending(at, index))
                return branch.violations
            }
            let matching = outcomes.indices.filter { outcomes[$0].isEmpty }
            if matching.isEmpty {
                let reasons = outcomes.enumerated().compactMap { index, found in found.first.map { "\(index): \($0)" } }
                fail(path, at, key, "matches none of the \(alternatives.count) alternatives of \(key) (\(reasons.joined(separator: "; ")))")
            } else if key == "oneOf", !structuralOnly, matching.count > 1 {
                let listed = matching.map(String.init).joined(separator: ", ")
                fail(path, at, key, "matches \(matching.count) alternatives of oneOf (\(listed)); exactly one must match")
            }
        default: return
        }
    }

    /// The sign of `value - bound` (exact for two integers), or nil when the bound is not a number.
    private static func compare(_ value: JSONValue, _ bound: JSONValue) -> Int? {
        if case .integer(let x) = value, case .integer(let y) = bound { return x < y ? -1 : (x == y ? 0 : 1) }
        guard let x = value.doubleValue, let y = bound.doubleValue else { return nil }
        return x < y ? -1 : (x == y ? 0 : 1)
    }

    /// `multipleOf` as jsonschema computes it: exact for integers, else a quotient with no fractional part (or, for an
    /// integer divisor, no remainder).
    private static func isMultiple(_ value: JSONValue, of divisor: JSONValue) -> Bool {
        switch (value, divisor) {
        case (.integer(let x), .integer(let m)): return m == 0 || x % m == 0
        case (_, .integer(let m)):
            guard let x = value.doubleValue, m != 0 else { return true }
            return fmod(x, Double(m)) == 0
        default:
            guard let x = value.doubleValue, let m = divisor.doubleValue, m != 0 else { return true }
            let quotient = x / m
            guard quotient.isFinite else { return fmod(x, m) == 0 }
            return quotient.rounded(.towardZero) == quotient
        }
    }

    /// `1 element`, `3 elements`.
    private static func count(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }
}

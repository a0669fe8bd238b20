/// A JSON document as a value: objects keep their members in order, integers stay apart from other numbers.
///
/// Integers without a fraction or exponent that fit `Int` are ``integer(_:)``; every other number is ``number(_:)``
/// (so `1.0`, `1e2` and integers beyond `Int` are doubles). Two objects are equal when they hold the same members,
/// in any order, as JSON defines it; the order is kept for writing (export rows, pretty files).
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// An object from a dictionary, its members in sorted key order (deterministic text).
    public static func object(_ members: [String: JSONValue]) -> JSONValue { .object(JSONObject(members)) }

    /// An object whose members are `members`, in that order.
    public static func object(_ members: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(members)) }

    /// A number, or null when `value` is nil.
    public static func number(_ value: Double?) -> JSONValue { value.map { .number($0) } ?? .null }

    /// An array of strings.
    public static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }

    /// The member `key` of an object, or nil.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// True for JSON null.
    public var isNull: Bool { if case .null = self { true } else { false } }

    /// The boolean payload, or nil.
    public var boolValue: Bool? { if case .bool(let b) = self { b } else { nil } }

    /// The string payload, or nil.
    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }

    /// The array payload, or nil.
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }

    /// The object payload, or nil.
    public var objectValue: JSONObject? { if case .object(let o) = self { o } else { nil } }

    /// An integer payload (also a number with no fractional part below 9e15), or nil.
    @inlinable public var intValue: Int? {
        switch self {
        case .integer(let i): i
        case .number(let d) where d.rounded() == d && abs(d) < 9.0e15: Int(d)
        default: nil
        }
    }

    /// A numeric payload as a Double, or nil.
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): Double(i)
        case .number(let d): d
        default: nil
        }
    }

    /// The JSON type name as JSON Schema spells it (`integer` for whole numbers).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .integer: "integer"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The kind of value with its article, for messages: `null`, `a boolean`, `a number` (integers too), `a string`,
    /// `an array`, `an object`.
    package var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// A short rendering for error messages: scalars as JSON text (long strings cut), containers by kind.
    package var brief: String {
        switch self {
        case .null, .bool, .integer, .number: canonicalText
        case .string(let text):
            JSONValue.string(text.count > 40 ? String(text.prefix(40)) + "…" : text).canonicalText
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The same value with every object's members in sorted key order (the order ``canonicalText`` writes).
    package func sortingKeys() -> JSONValue {
        switch self {
        case .array(let elements): .array(elements.map { $0.sortingKeys() })
        case .object(let members):
            .object(JSONObject(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value.sortingKeys()) }))
        default: self
        }
    }
}

/// The members of a JSON object, in order; keys are unique in parsed objects, and lookups find the last one.
public struct JSONObject: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    /// One member.
    public typealias Element = (key: String, value: JSONValue)

    /// The members in order.
    public private(set) var members: [Element]

    /// An empty object.
    public init() { members = [] }

    /// An object holding `members` in that order.
    public init(_ members: [(String, JSONValue)]) { self.members = members.map { (key: $0.0, value: $0.1) } }

    /// An object holding a dictionary's members in sorted key order.
    public init(_ members: [String: JSONValue]) {
        self.members = members.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
    }

    /// An object from a literal, its members in the literal's order (a repeated key keeps its last value).
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = []
        for (key, value) in elements { self[key] = value }
    }

    init(unchecked members: [Element]) { self.members = members }

    @inlinable public var startIndex: Int { members.startIndex }
    @inlinable public var endIndex: Int { members.endIndex }
    @inlinable public subscript(position: Int) -> Element { members[position] }

    /// The value of member `key` (nil when absent); setting replaces it in place, appends it, or removes it (nil).
    public subscript(key: String) -> JSONValue? {
        get { members.last { $0.key == key }?.value }
        set {
            if let index = members.lastIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append((key: key, value: newValue))
            }
        }
    }

    /// Removes member `key` and returns its value, or nil when absent.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let index = members.lastIndex(where: { $0.key == key }) else { return nil }
        return members.remove(at: index).value
    }

    /// The keys in order.
    public var keys: [String] { members.map(\.key) }

    /// The values in order.
    public var values: [JSONValue] { members.map(\.value) }

    /// The members as a dictionary (a repeated key keeps its last value).
    public var dictionary: [String: JSONValue] {
        Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    /// Same members with the same values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        if lhs.members.count <= 8 {
            return lhs.members.allSatisfy { member in rhs[member.key] == member.value }
        }
        return lhs.dictionary == rhs.dictionary
    }

    /// A hash that does not depend on the members' order.
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for member in members {
            var one = Hasher()
            one.combine(member.key)
            one.combine(member.value)
            combined = combined &+ one.finalize()
        }
        hasher.combine(members.count)
        hasher.combine(combined)
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var object = JSONObject()
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON text with sorted keys.
    public var description: String { canonicalText }
}

/// Typed reads of an object's members whose errors name the member's path, e.g. `model.vocab["x y"]: expected
/// an integer, found "3"`.
package struct JSONFieldReader: Sendable {
    /// The object's members.
    package let members: JSONObject
    /// Its path in the document (`""` for the top level), e.g. `model` or `pre_tokenizer.pretokenizers[0]`.
    package let path: String

    /// Wraps `value` found at `path`, which must be a JSON object.
    package init(_ value: JSONValue?, path: String) throws(JSONFieldError) {
        guard case .object(let members)? = value else { throw JSONFieldError(path: path, expected: "an object", found: value) }
        self.members = members
        self.path = path
    }

    /// The path of member `key`: `path.key` for plain names, `path["key"]` for others.
    package func path(_ key: String) -> String { Self.path(path, member: key) }

    /// The path of member `key` of a map-like object (a vocabulary, a weight map): always `path["key"]`.
    package func keyPath(_ key: String) -> String { "\(path)[\(JSONValue.string(key).canonicalText)]" }

    /// The path of member `key` inside `parent`.
    package static func path(_ parent: String, member key: String) -> String {
        let plain =
            !key.isEmpty
            && key.utf8.allSatisfy { byte in
                byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || (0x30...0x39).contains(byte)
                    || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            }
        if plain { return parent.isEmpty ? key : "\(parent).\(key)" }
        return "\(parent)[\(JSONValue.string(key).canonicalText)]"
    }

    /// The path of element `index` of the array at `parent`.
    package static func path(_ parent: String, index: Int) -> String { "\(parent)[\(index)]" }

    /// A member's value, or nil when absent.
    package func member(_ key: String) -> JSONValue? { members[key] }

    /// True when the member is absent or JSON null.
    package func isNull(_ key: String) -> Bool { member(key)?.isNull ?? true }

    /// A required string member.
    package func string(_ key: String) throws(JSONFieldError) -> String {
        guard case .string(let value)? = member(key) else { throw mismatch(key, "a string") }
        return value
    }

    /// An optional string member (absent or null: nil).
    package func optionalString(_ key: String) throws(JSONFieldError) -> String? {
        isNull(key) ? nil : try string(key)
    }

    /// A boolean member, `fallback` when absent or null.
    package func bool(_ key: String, default fallback: Bool) throws(JSONFieldError) -> Bool {
        switch member(key) {
        case nil, .null?: return fallback
        case .bool(let value)?: return value
        default: throw mismatch(key, "a boolean")
        }
    }

    /// A required integer member (a whole number written as a double counts).
    package func int(_ key: String) throws(JSONFieldError) -> Int {
        guard let value = member(key)?.intValue else { throw mismatch(key, "an integer") }
        return value
    }

    /// An optional integer member (absent or null: nil).
    package func optionalInt(_ key: String) throws(JSONFieldError) -> Int? {
        isNull(key) ? nil : try int(key)
    }

    /// A required number member.
    package func number(_ key: String) throws(JSONFieldError) -> Double {
        guard let value = member(key)?.doubleValue else { throw mismatch(key, "a number") }
        return value
    }

    /// A required array member.
    package func array(_ key: String) throws(JSONFieldError) -> [JSONValue] {
        guard case .array(let value)? = member(key) else { throw mismatch(key, "an array") }
        return value
    }

    /// A required object member.
    package func object(_ key: String) throws(JSONFieldError) -> JSONFieldReader {
        try JSONFieldReader(member(key), path: path(key))
    }

    /// The component's `type` string.
    package func type() throws(JSONFieldError) -> String { try string("type") }

    private func mismatch(_ key: String, _ expected: String) -> JSONFieldError {
        JSONFieldError(path: path(key), expected: expected, found: member(key))
    }
}

/// A member that is missing or of the wrong type, named by its path.
package struct JSONFieldError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where in the document, e.g. `model.vocab["x"]` (empty for the top level).
    package var path: String
    /// What was expected, e.g. `an integer`.
    package var expected: String
    /// What was found (``JSONValue/brief``), nil when the member is absent.
    package var found: String?

    /// An error for `path`, which held `value` (nil: absent).
    package init(path: String, expected: String, found value: JSONValue?) {
        self.path = path
        self.expected = expected
        self.found = value?.brief
    }

    /// `path: expected …, found …` (or `is missing`).
    package var description: String {
        let place = path.isEmpty ? "the top level" : path
        guard let found else { return "\(place): expected \(expected), but it is missing" }
        return "\(place): expected \(expected), found \(found)"
    }
}

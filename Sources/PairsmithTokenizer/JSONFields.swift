/// Typed access to the members of a JSON object, with errors naming the field path.
struct JSONFields {
    /// The object's members.
    let members: [(key: String, value: JSONValue)]
    /// Its path in the file, e.g. `model` or `pre_tokenizer.pretokenizers[0]`.
    let path: String

    /// Wraps `value` found at `path`, which must be a JSON object.
    init(_ value: JSONValue?, path: String) throws(TokenizerError) {
        guard case .object(let members)? = value else { throw TokenizerError.invalidField(path: path, expected: "an object") }
        self.members = members
        self.path = path
    }

    /// The full path of a member.
    func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// A member's value (the last one if repeated), or nil when absent.
    func member(_ key: String) -> JSONValue? { members.last { $0.key == key }?.value }

    /// True when the member is absent or JSON null.
    func isNull(_ key: String) -> Bool { member(key)?.isNull ?? true }

    /// A required string member.
    func string(_ key: String) throws(TokenizerError) -> String {
        guard case .string(let value)? = member(key) else { throw TokenizerError.invalidField(path: path(key), expected: "a string") }
        return value
    }

    /// An optional string member (absent or null: nil).
    func optionalString(_ key: String) throws(TokenizerError) -> String? {
        if isNull(key) { return nil }
        return try string(key)
    }

    /// A boolean member, `fallback` when absent or null.
    func bool(_ key: String, default fallback: Bool) throws(TokenizerError) -> Bool {
        switch member(key) {
        case nil, .null?: return fallback
        case .bool(let value)?: return value
        default: throw TokenizerError.invalidField(path: path(key), expected: "a boolean")
        }
    }

    /// A required integer member.
    func int(_ key: String) throws(TokenizerError) -> Int {
        guard let value = Self.int(member(key)) else { throw TokenizerError.invalidField(path: path(key), expected: "an integer") }
        return value
    }

    /// An integer from a JSON number, if it is one.
    static func int(_ value: JSONValue?) -> Int? {
        guard case .number(_, let integer?)? = value else { return nil }
        return integer
    }

    /// A required array member.
    func array(_ key: String) throws(TokenizerError) -> [JSONValue] {
        guard case .array(let value)? = member(key) else { throw TokenizerError.invalidField(path: path(key), expected: "an array") }
        return value
    }

    /// A required object member.
    func object(_ key: String) throws(TokenizerError) -> JSONFields { try JSONFields(member(key), path: path(key)) }

    /// The component's `type` string.
    func type() throws(TokenizerError) -> String { try string("type") }
}

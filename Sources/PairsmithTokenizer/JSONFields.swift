import Foundation

/// Typed access to the untyped values `JSONSerialization` returns, with errors naming the field path.
struct JSONFields {
    /// The object being read.
    let object: [String: Any]
    /// Its path in the file, e.g. `model` or `pre_tokenizer.pretokenizers[0]`.
    let path: String

    /// Wraps `value` found at `path`, which must be a JSON object.
    init(_ value: Any?, path: String) throws {
        guard let object = value as? [String: Any] else { throw TokenizerError.invalidField(path: path, expected: "an object") }
        self.object = object
        self.path = path
    }

    /// The full path of a member.
    func path(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// True when the member is absent or JSON null.
    func isNull(_ key: String) -> Bool { object[key] == nil || object[key] is NSNull }

    /// A required string member.
    func string(_ key: String) throws -> String {
        guard let value = object[key] as? String else { throw TokenizerError.invalidField(path: path(key), expected: "a string") }
        return value
    }

    /// An optional string member (absent or null: nil).
    func optionalString(_ key: String) throws -> String? {
        if isNull(key) { return nil }
        return try string(key)
    }

    /// A boolean member, `fallback` when absent or null.
    func bool(_ key: String, default fallback: Bool) throws -> Bool {
        if isNull(key) { return fallback }
        if let value = object[key] as? Bool { return value }
        if let value = object[key] as? NSNumber { return value.boolValue }
        throw TokenizerError.invalidField(path: path(key), expected: "a boolean")
    }

    /// A required integer member.
    func int(_ key: String) throws -> Int {
        guard let value = Self.int(object[key]) else { throw TokenizerError.invalidField(path: path(key), expected: "an integer") }
        return value
    }

    /// An integer from a JSON number, if it is one.
    static func int(_ value: Any?) -> Int? {
        if let value = value as? Int { return value }
        if let value = value as? NSNumber, !(value is Bool) { return value.intValue }
        return nil
    }

    /// A required array member.
    func array(_ key: String) throws -> [Any] {
        guard let value = object[key] as? [Any] else { throw TokenizerError.invalidField(path: path(key), expected: "an array") }
        return value
    }

    /// A required object member.
    func object(_ key: String) throws -> JSONFields { try JSONFields(object[key], path: path(key)) }

    /// The component's `type` string.
    func type() throws -> String { try string("type") }
}

import Foundation

extension JSONValue {
    /// Compact JSON text with object keys sorted: the same value always gives the same bytes.
    public var canonicalText: String { String(decoding: canonicalBytes, as: UTF8.self) }

    /// ``canonicalText`` as UTF-8 bytes.
    public var canonicalBytes: [UInt8] {
        var writer = JSONBytesWriter()
        writer.value(self)
        return writer.bytes
    }

    /// Parses `text` strictly as one JSON document (RFC 8259: no comments, trailing commas, duplicate keys
    /// or trailing text).
    public static func parse(_ text: String) throws -> JSONValue {
        try JSONParser.parse(text)
    }

    /// Parses `data` strictly as one JSON document (see ``parse(_:)-(String)``).
    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONParser.parse(Array(data))
    }

    /// Parses UTF-8 `bytes` strictly as one JSON document (see ``parse(_:)-(String)``).
    public static func parse(bytes: [UInt8]) throws -> JSONValue {
        try JSONParser.parse(bytes)
    }
}

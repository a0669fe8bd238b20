import Foundation

/// What the parser does with an object that names a member twice.
public enum JSONDuplicateKeys: Sendable {
    /// Fail: the strict reading, for model answers and files pairsmith writes.
    case reject
    /// Keep the last value at the first member's place, as Python's `json` and serde do; for formats that allow it
    /// (`tokenizer.json`, `config.json`, corpus lines).
    case lastWins
    /// Keep the first value and ignore later ones, as Foundation's `JSONDecoder` does; for corpus and persona
    /// lines, which were read that way before.
    case firstWins
    /// Keep every member as written (lookups find the last); no duplicate check at all. The fast path for large
    /// maps that the reader folds into its own dictionary anyway (the 151 643-entry vocabulary of a
    /// `tokenizer.json`, where it saves hashing every key twice).
    case keepAll
}

/// Where and why a JSON document was rejected.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset of the problem in the document.
    public var offset: Int
    /// What was wrong.
    public var reason: String

    /// `reason at byte offset`.
    public var description: String { "\(reason) at byte \(offset)" }
}

extension JSONValue {
    /// Parses `text` strictly as one JSON document (RFC 8259: no comments, trailing commas, single quotes,
    /// unpaired surrogates, non-finite numbers or trailing text).
    public static func parse(_ text: String, duplicateKeys: JSONDuplicateKeys = .reject) throws(JSONParseError) -> JSONValue {
        var text = text
        let result: Result<JSONValue, JSONParseError> = text.withUTF8 { buffer in
            Result { () throws(JSONParseError) in try parse(buffer: buffer, duplicateKeys: duplicateKeys) }
        }
        return try result.get()
    }

    /// Parses `data` strictly as one JSON document (see ``parse(_:duplicateKeys:)-(String,_)``).
    public static func parse(_ data: Data, duplicateKeys: JSONDuplicateKeys = .reject) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = data.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) in try parse(buffer: raw.bindMemory(to: UInt8.self), duplicateKeys: duplicateKeys) }
        }
        return try result.get()
    }

    /// Parses UTF-8 `bytes` strictly as one JSON document (see ``parse(_:duplicateKeys:)-(String,_)``).
    public static func parse(bytes: [UInt8], duplicateKeys: JSONDuplicateKeys = .reject) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) in try parse(buffer: buffer, duplicateKeys: duplicateKeys) }
        }
        return try result.get()
    }

    /// Parses the UTF-8 bytes in `buffer` (read only during the call) strictly as one JSON document.
    public static func parse(
        buffer: UnsafeBufferPointer<UInt8>, duplicateKeys: JSONDuplicateKeys = .reject
    ) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: buffer, duplicateKeys: duplicateKeys)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == buffer.count else { throw parser.fail("unexpected text after the JSON value") }
        return value
    }
}

/// A strict recursive-descent RFC 8259 parser over UTF-8 bytes (ill-formed UTF-8 inside strings reads as U+FFFD,
/// as `String(decoding:as:)` does; callers that must reject it check the bytes first, as corpus ingestion does).
struct JSONParser {
    /// The deepest nesting of arrays and objects accepted.
    static let maximumDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private let duplicateKeys: JSONDuplicateKeys
    private(set) var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>, duplicateKeys: JSONDuplicateKeys) {
        self.bytes = bytes
        self.duplicateKeys = duplicateKeys
    }

    func fail(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? index, reason: reason)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw fail("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case let byte where byte < 0x80: throw fail("unexpected character '\(Character(Unicode.Scalar(byte)))'")
        default: throw fail("unexpected byte 0x\(String(bytes[index], radix: 16))")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let start = index
        let count = word.utf8CodeUnitCount
        for k in 0..<count {
            guard index < bytes.count, bytes[index] == word.utf8Start[k] else {
                throw fail("invalid literal, expected \(word)", at: start)
            }
            index += 1
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= Self.maximumDepth else { throw fail("nesting deeper than \(Self.maximumDepth)") }
        index += 1
        var members: [JSONObject.Element] = []
        var positions: [UInt64: Int]?  // key hash → member index, built once an object outgrows a linear search
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(JSONObject(unchecked: members))
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a member name in quotes") }
            let keyStart = index
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':' after a member name") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            var existing: Int?
            if duplicateKeys == .keepAll {
                existing = nil
            } else if members.count < 16 {
                existing = members.firstIndex { $0.key.utf8.elementsEqual(key.utf8) }
            } else {
                existing = Self.find(key, in: members, positions: &positions)
            }
            if let existing {
                switch duplicateKeys {
                case .reject: throw fail("duplicate member \"\(key)\"", at: keyStart)
                case .lastWins: members[existing].value = value
                case .firstWins, .keepAll: break
                }
            } else {
                if positions != nil { positions?[Self.hash(key)] = members.count }
                members.append((key: key, value: value))
            }
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input in an object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "}") else { throw fail("expected ',' or '}' in an object") }
            index += 1
            return .object(JSONObject(unchecked: members))
        }
    }

    /// The index of the member named `key` (compared as code points, as Python does), using and keeping up to date
    /// a table from key hashes to member indices.
    private static func find(_ key: String, in members: [JSONObject.Element], positions: inout [UInt64: Int]?) -> Int? {
        if positions == nil {
            var built = [UInt64: Int](minimumCapacity: 64)
            for (position, member) in members.enumerated() { built[hash(member.key)] = position }
            positions = built
        }
        guard let candidate = positions?[hash(key)] else { return nil }
        if members[candidate].key.utf8.elementsEqual(key.utf8) { return candidate }
        return members.firstIndex { $0.key.utf8.elementsEqual(key.utf8) }  // two keys with one hash: look at all
    }

    /// FNV-1a over the key's UTF-8 bytes (much cheaper than `String`'s own hashing, which normalises).
    private static func hash(_ key: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= Self.maximumDepth else { throw fail("nesting deeper than \(Self.maximumDepth)") }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input in an array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "]") else { throw fail("expected ',' or ']' in an array") }
            index += 1
            return .array(elements)
        }
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        index += 1  // the opening quote
        let start = index
        // The common case: no escape, one copy straight from the input.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw fail("control character in a string") }
            index += 1
        }
        var utf8 = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while true {
            guard index < bytes.count else { throw fail("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: utf8, as: UTF8.self)
            }
            if byte < 0x20 { throw fail("control character in a string") }
            if byte != UInt8(ascii: "\\") {
                utf8.append(byte)
                index += 1
                continue
            }
            let escapeStart = index
            index += 1
            guard index < bytes.count else { throw fail("unterminated escape") }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): utf8.append(0x22)
            case UInt8(ascii: "\\"): utf8.append(0x5C)
            case UInt8(ascii: "/"): utf8.append(0x2F)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if (0xD800..<0xDC00).contains(code) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw fail("unpaired surrogate", at: escapeStart)
                    }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate", at: escapeStart) }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(code) {
                    throw fail("unpaired surrogate", at: escapeStart)
                }
                guard let scalar = Unicode.Scalar(code) else { throw fail("invalid \\u escape", at: escapeStart) }
                utf8.append(contentsOf: UTF8.encode(scalar)!)
            default:
                throw fail("invalid escape", at: escapeStart)
            }
        }
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[index]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw fail("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw fail("invalid number", at: start) }
        // Integer digits, accumulated as we go (negative, so Int.min fits) until they overflow.
        var magnitude = 0
        var fits = true
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw fail("leading zero in a number", at: start) }
        } else {
            while index < bytes.count, isDigit(bytes[index]) {
                if fits {
                    let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
                    let (next, o2) = times10.subtractingReportingOverflow(Int(bytes[index] &- UInt8(ascii: "0")))
                    if o1 || o2 { fits = false } else { magnitude = next }
                }
                index += 1
            }
        }
        var integral = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("digits expected after '.'") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            integral = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw fail("digits expected in the exponent") }
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
        if integral, fits {
            if negative { return .integer(magnitude) }
            if magnitude != Int.min { return .integer(-magnitude) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw fail("number out of range", at: start) }
        return .number(value)
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
}

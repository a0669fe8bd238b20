/// Appends JSON text to a byte array, in one of three styles; also writes documents field by field (request bodies)
/// without building a ``JSONValue`` first.
package struct JSONWriter: Sendable {
    /// How values are laid out.
    package struct Style: Sendable, Equatable {
        /// Object members in sorted key order (else in their own order).
        package var sortsKeys: Bool
        /// Spaces per nesting level, each member on its own line; nil: compact, no whitespace.
        package var indent: Int?
        /// Whole doubles below 1e15 written as integers (`1.0` as `1`); else Swift's shortest round-trip form (`1.0`).
        package var wholeNumbersAsIntegers: Bool
        /// U+2028 and U+2029 written as `\u2028`/`\u2029` (JavaScript readers choke on them raw).
        package var escapesLineSeparators: Bool

        /// Compact with sorted keys: the same value always gives the same bytes (request hashes, schemas).
        package static let canonical = Style(sortsKeys: true, indent: nil, wholeNumbersAsIntegers: true, escapesLineSeparators: false)
        /// Compact in member order, numbers as they round-trip: one JSONL row.
        package static let compact = Style(sortsKeys: false, indent: nil, wholeNumbersAsIntegers: false, escapesLineSeparators: true)
        /// Two-space indentation in member order: files people read (`manifest.json`).
        package static let pretty = Style(sortsKeys: false, indent: 2, wholeNumbersAsIntegers: false, escapesLineSeparators: true)
    }

    /// The bytes written so far.
    package private(set) var bytes: [UInt8]
    /// The layout ``value(_:)`` uses.
    package let style: Style

    /// An empty writer in `style` with room for `capacity` bytes.
    package init(style: Style = .canonical, capacity: Int = 256) {
        self.style = style
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// A writer that appends to `bytes` (take them back with ``bytes``).
    package init(style: Style, appendingTo bytes: [UInt8]) {
        self.style = style
        self.bytes = bytes
    }

    /// Appends `text` as is (a literal piece of JSON such as `{"model":`).
    package mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends already-encoded JSON bytes as is.
    package mutating func raw(_ encoded: [UInt8]) { bytes.append(contentsOf: encoded) }

    /// Appends an integer.
    package mutating func integer(_ value: Int) {
        if value >= 0, value < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(value))
        } else {
            bytes.append(contentsOf: String(value).utf8)
        }
    }

    /// Appends a number in the style's form; non-finite values (which JSON cannot carry) as `null`.
    package mutating func number(_ value: Double) {
        if !value.isFinite {
            raw("null")
        } else if style.wholeNumbersAsIntegers, value.rounded() == value, abs(value) < 1e15 {
            integer(Int(value))
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    /// Appends `text` as a JSON string: `"`, `\` and control characters escaped (`\n`, `\r`, `\t`, else `\u00XX`),
    /// everything else copied as UTF-8 in runs.
    package mutating func string(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        let separators = style.escapesLineSeparators
        text.withUTF8 { utf8 in
            let count = utf8.count
            var runStart = 0
            var i = 0
            while i < count {
                let byte = utf8[i]
                if byte >= 0x20, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte != 0xE2 || !separators {
                    i += 1  // the common case: copied later as part of the run
                    continue
                }
                if byte == 0xE2 {
                    guard i + 2 < count, utf8[i + 1] == 0x80, utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9 else {
                        i += 1
                        continue
                    }
                    if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
                    if utf8[i + 2] == 0xA8 { raw("\\u2028") } else { raw("\\u2029") }
                    i += 3
                    runStart = i
                    continue
                }
                if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
                escape(byte)
                i += 1
                runStart = i
            }
            if runStart < count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): raw("\\\"")
        case UInt8(ascii: "\\"): raw("\\\\")
        case UInt8(ascii: "\n"): raw("\\n")
        case UInt8(ascii: "\r"): raw("\\r")
        case UInt8(ascii: "\t"): raw("\\t")
        default:
            raw("\\u00")
            bytes.append(Self.hexDigit(byte >> 4))
            bytes.append(Self.hexDigit(byte & 0x0F))
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    /// Appends `value` in the writer's style.
    package mutating func value(_ value: JSONValue) { write(value, depth: 0) }

    private mutating func write(_ value: JSONValue, depth: Int) {
        switch value {
        case .null: raw("null")
        case .bool(let b): if b { raw("true") } else { raw("false") }
        case .integer(let i): integer(i)
        case .number(let d): number(d)
        case .string(let s): string(s)
        case .array(let elements):
            guard !elements.isEmpty else { raw("[]"); return }
            bytes.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                write(element, depth: depth + 1)
            }
            newline(depth)
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            guard !object.isEmpty else { raw("{}"); return }
            bytes.append(UInt8(ascii: "{"))
            let members = style.sortsKeys ? object.members.sorted { $0.key < $1.key } : object.members
            for (i, member) in members.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                newline(depth + 1)
                string(member.key)
                bytes.append(UInt8(ascii: ":"))
                if style.indent != nil { bytes.append(UInt8(ascii: " ")) }
                write(member.value, depth: depth + 1)
            }
            newline(depth)
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private mutating func newline(_ depth: Int) {
        guard let indent = style.indent else { return }
        bytes.append(UInt8(ascii: "\n"))
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * depth))
    }
}

extension JSONValue {
    /// Compact JSON text with object keys sorted: the same value always gives the same bytes.
    public var canonicalText: String { String(decoding: canonicalBytes, as: UTF8.self) }

    /// ``canonicalText`` as UTF-8 bytes.
    public var canonicalBytes: [UInt8] { bytes(.canonical) }

    /// Compact text on one line in member order (a JSONL row), numbers as they round-trip, non-ASCII as UTF-8.
    package var compactText: String { String(decoding: bytes(.compact), as: UTF8.self) }

    /// Indented text (two spaces per level) in member order, with a final newline.
    package var prettyText: String { String(decoding: bytes(.pretty) + [UInt8(ascii: "\n")], as: UTF8.self) }

    /// The text in `style` as UTF-8 bytes.
    package func bytes(_ style: JSONWriter.Style) -> [UInt8] {
        var writer = JSONWriter(style: style)
        writer.value(self)
        return writer.bytes
    }

    /// Appends the ``compactText`` bytes to `out` (what shards are made of, without a String in between).
    package func writeCompact(into out: inout [UInt8]) {
        var writer = JSONWriter(style: .compact, appendingTo: out)
        out = []
        writer.value(self)
        out = writer.bytes
    }
}

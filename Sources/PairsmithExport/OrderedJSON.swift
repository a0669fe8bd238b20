import PairsmithEndpoints

/// A JSON value whose object members keep the order they were given in: training rows need it (sentence-transformers
/// reads columns by position: anchor, positive, negative_1, …), and a fixed order keeps exports byte-for-byte
/// deterministic.
public indirect enum OrderedJSON: Sendable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([OrderedJSON])
    case object([(String, OrderedJSON)])

    /// A parsed value, objects in sorted key order.
    public init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .integer(let i): self = .integer(i)
        case .number(let d): self = .number(d)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a.map(OrderedJSON.init))
        case .object(let o): self = .object(o.keys.sorted().map { ($0, OrderedJSON(o[$0] ?? .null)) })
        }
    }

    /// A number or null.
    public static func number(_ value: Double?) -> OrderedJSON { value.map { .number($0) } ?? .null }

    /// An array of strings.
    public static func strings(_ values: [String]) -> OrderedJSON { .array(values.map { .string($0) }) }

    /// Compact text on one line (a JSONL row): no spaces, members in order, non-ASCII kept as UTF-8.
    public var compactText: String {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        write(into: &out, indent: nil, depth: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// Indented text (two spaces per level) with a final newline, for `manifest.json`.
    public var prettyText: String {
        var out: [UInt8] = []
        write(into: &out, indent: Array("  ".utf8), depth: 0)
        out.append(UInt8(ascii: "\n"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the compact UTF-8 text to `out` (what shards are made of, without a String in between).
    public func writeCompact(into out: inout [UInt8]) {
        write(into: &out, indent: nil, depth: 0)
    }

    private func write(into out: inout [UInt8], indent: [UInt8]?, depth: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .integer(let i): out.append(contentsOf: String(i).utf8)
        case .number(let d): out.append(contentsOf: Self.numberText(d).utf8)
        case .string(let s): Self.writeString(s, into: &out)
        case .array(let items):
            guard !items.isEmpty else { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.newline(&out, indent: indent, depth: depth + 1)
                item.write(into: &out, indent: indent, depth: depth + 1)
            }
            Self.newline(&out, indent: indent, depth: depth)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.newline(&out, indent: indent, depth: depth + 1)
                Self.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(UInt8(ascii: " ")) }
                value.write(into: &out, indent: indent, depth: depth + 1)
            }
            Self.newline(&out, indent: indent, depth: depth)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ out: inout [UInt8], indent: [UInt8]?, depth: Int) {
        guard let indent else { return }
        out.append(UInt8(ascii: "\n"))
        for _ in 0..<depth { out.append(contentsOf: indent) }
    }

    /// The shortest text that reads back as the same Double (Swift's `description`: `0.7`, `1.0`, `1e-05`, all
    /// valid JSON); non-finite values (never stored by pairsmith) as null, which JSON can carry.
    static func numberText(_ value: Double) -> String {
        value.isFinite ? value.description : "null"
    }

    /// A JSON string: quote and backslash escaped, control characters as `\n`, `\t`, `\r` or `\u00XX`, and U+2028 and
    /// U+2029 as `\u2028`/`\u2029` (JavaScript readers choke on them raw); everything else copied as UTF-8 in runs.
    private static func writeString(_ string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            let count = bytes.count
            var runStart = 0
            var index = 0
            while index < count {
                let byte = bytes[index]
                if byte >= 0x20, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte != 0xE2 {
                    index += 1  // the common case: copied later as part of the run
                    continue
                }
                var escape: [UInt8]?
                var width = 1
                switch byte {
                case UInt8(ascii: "\""): escape = Array(#"\""#.utf8)
                case UInt8(ascii: "\\"): escape = Array(#"\\"#.utf8)
                case UInt8(ascii: "\n"): escape = Array(#"\n"#.utf8)
                case UInt8(ascii: "\r"): escape = Array(#"\r"#.utf8)
                case UInt8(ascii: "\t"): escape = Array(#"\t"#.utf8)
                case 0..<0x20: escape = Array("\\u00".utf8) + [hexDigit(byte >> 4), hexDigit(byte & 0x0F)]
                case 0xE2 where index + 2 < count && bytes[index + 1] == 0x80 && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
                    escape = Array((bytes[index + 2] == 0xA8 ? #"\u2028"# : #"\u2029"#).utf8)
                    width = 3
                default: break
                }
                if let escape {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                    out.append(contentsOf: escape)
                    runStart = index + width
                }
                index += width
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}

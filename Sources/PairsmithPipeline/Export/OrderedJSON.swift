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
        var out = ""
        out.reserveCapacity(512)
        write(into: &out, indent: nil, depth: 0)
        return out
    }

    /// Indented text (two spaces per level) with a final newline, for `manifest.json`.
    public var prettyText: String {
        var out = ""
        write(into: &out, indent: "  ", depth: 0)
        out += "\n"
        return out
    }

    private func write(into out: inout String, indent: String?, depth: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += String(i)
        case .number(let d): out += Self.numberText(d)
        case .string(let s): Self.writeString(s, into: &out)
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                Self.newline(&out, indent: indent, depth: depth + 1)
                item.write(into: &out, indent: indent, depth: depth + 1)
            }
            Self.newline(&out, indent: indent, depth: depth)
            out += "]"
        case .object(let members):
            guard !members.isEmpty else { out += "{}"; return }
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += "," }
                Self.newline(&out, indent: indent, depth: depth + 1)
                Self.writeString(key, into: &out)
                out += indent == nil ? ":" : ": "
                value.write(into: &out, indent: indent, depth: depth + 1)
            }
            Self.newline(&out, indent: indent, depth: depth)
            out += "}"
        }
    }

    private static func newline(_ out: inout String, indent: String?, depth: Int) {
        guard let indent else { return }
        out += "\n"
        for _ in 0..<depth { out += indent }
    }

    /// The shortest text that reads back as the same Double (Swift's `description`: `0.7`, `1.0`, `1e-05`, all
    /// valid JSON); non-finite values (never stored by pairsmith) as null, which JSON can carry.
    static func numberText(_ value: Double) -> String {
        value.isFinite ? value.description : "null"
    }

    private static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            case let c where c.value < 0x20:
                let hex = String(c.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

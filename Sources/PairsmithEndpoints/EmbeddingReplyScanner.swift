import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fast reader for the common shape of `/v1/embeddings` replies: float arrays go straight into `[Float]`
/// without building a JSON tree (a reply of 32 × 1024 numbers is 32k tree nodes otherwise). It returns nil
/// whenever anything is unexpected; the caller then parses generically and reports what is wrong.
struct EmbeddingReplyScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0

    /// The reply's items and prompt tokens, or nil when the bytes are not a plain embeddings reply.
    static func scan(_ body: Data) -> EmbeddingWire.Reply? {
        body.withUnsafeBytes { raw in
            raw.withMemoryRebound(to: UInt8.self) { buffer in
                var scanner = EmbeddingReplyScanner(bytes: buffer)
                return scanner.reply()
            }
        }
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private mutating func reply() -> EmbeddingWire.Reply? {
        var items: [EmbeddingWire.Item]?
        var promptTokens = 0
        guard eachMember({ scanner, key in
            switch key {
            case "data": items = scanner.dataList()
            case "usage":
                guard scanner.peek() == UInt8(ascii: "{") else { return scanner.skipValue() }
                return scanner.eachMember { scanner, key in
                    if key == "prompt_tokens", let n = scanner.integer() {
                        promptTokens = n
                        return true
                    }
                    return scanner.skipValue()
                }
            default: return scanner.skipValue()
            }
            return items != nil
        }) else { return nil }
        skipWhitespace()
        guard i == bytes.count, let items else { return nil }
        return EmbeddingWire.Reply(items: items, promptTokens: promptTokens)
    }

    private mutating func dataList() -> [EmbeddingWire.Item]? {
        var items: [EmbeddingWire.Item] = []
        let ok = eachElement { scanner in
            var index: Int?
            var vector: [Float]?
            guard scanner.eachMember({ scanner, key in
                switch key {
                case "index":
                    index = scanner.integer()
                    return index != nil
                case "embedding":
                    if scanner.peek() == UInt8(ascii: "\"") {
                        guard let text = scanner.plainString() else { return false }
                        vector = EmbeddingWire.decodeBase64(text)
                    } else {
                        vector = scanner.floats()
                    }
                    return vector != nil
                default:
                    return scanner.skipValue()
                }
            }), let vector else { return false }
            items.append(EmbeddingWire.Item(index: index, vector: vector))
            return true
        }
        return ok ? items : nil
    }

    // MARK: Structure

    /// Calls `body` with each member's key, positioned at its value; `body` must consume the value.
    private mutating func eachMember(_ body: (inout EmbeddingReplyScanner, String) -> Bool) -> Bool {
        guard consume(UInt8(ascii: "{")) else { return false }
        if consume(UInt8(ascii: "}")) { return true }
        while true {
            guard let key = plainString(), consume(UInt8(ascii: ":")) else { return false }
            skipWhitespace()
            guard body(&self, key) else { return false }
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "}"))
        }
    }

    /// Calls `body` positioned at each element of an array; `body` must consume it.
    private mutating func eachElement(_ body: (inout EmbeddingReplyScanner) -> Bool) -> Bool {
        guard consume(UInt8(ascii: "[")) else { return false }
        if consume(UInt8(ascii: "]")) { return true }
        while true {
            skipWhitespace()
            guard body(&self) else { return false }
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "]"))
        }
    }

    /// Skips any JSON value (loosely: strings must be plain, numbers well-formed).
    private mutating func skipValue() -> Bool {
        switch peek() {
        case UInt8(ascii: "{"): return eachMember { scanner, _ in scanner.skipValue() }
        case UInt8(ascii: "["): return eachElement { scanner in scanner.skipValue() }
        case UInt8(ascii: "\""): return skipString()
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return numberSpan() != nil
        }
    }

    // MARK: Scalars

    /// A string without escapes (keys, base64); nil for anything else.
    private mutating func plainString() -> String? {
        skipWhitespace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
        let start = i + 1
        var j = start
        while j < bytes.count, bytes[j] != UInt8(ascii: "\"") {
            if bytes[j] == UInt8(ascii: "\\") || bytes[j] < 0x20 { return nil }
            j += 1
        }
        guard j < bytes.count else { return nil }
        i = j + 1
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<j]), as: UTF8.self)
    }

    /// Skips a string, escapes included.
    private mutating func skipString() -> Bool {
        guard consume(UInt8(ascii: "\"")) else { return false }
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\""):
                i += 1
                return true
            case UInt8(ascii: "\\"): i += 2
            case 0..<0x20: return false
            default: i += 1
            }
        }
        return false
    }

    private mutating func integer() -> Int? {
        guard let span = numberSpan(), !span.fractional else { return nil }
        var value = 0
        var k = span.start
        let negative = bytes[k] == UInt8(ascii: "-")
        if negative { k += 1 }
        guard span.end - k <= 18 else { return nil }
        while k < span.end {
            value = value * 10 + Int(bytes[k] - UInt8(ascii: "0"))
            k += 1
        }
        return negative ? -value : value
    }

    /// An array of JSON numbers as floats (out-of-range values become infinities, which the client rejects).
    private mutating func floats() -> [Float]? {
        var values: [Float] = []
        values.reserveCapacity(1024)
        let ok = eachElement { scanner in
            guard let span = scanner.numberSpan(), let value = scanner.double(span) else { return false }
            values.append(Float(value))
            return true
        }
        return ok ? values : nil
    }

    /// The extent of a number that follows JSON's grammar exactly, consumed.
    private mutating func numberSpan() -> (start: Int, end: Int, fractional: Bool)? {
        skipWhitespace()
        let start = i
        var j = i
        if j < bytes.count, bytes[j] == UInt8(ascii: "-") { j += 1 }
        guard j < bytes.count, isDigit(bytes[j]) else { return nil }
        if bytes[j] == UInt8(ascii: "0") {
            j += 1
        } else {
            while j < bytes.count, isDigit(bytes[j]) { j += 1 }
        }
        var fractional = false
        if j < bytes.count, bytes[j] == UInt8(ascii: ".") {
            fractional = true
            j += 1
            guard j < bytes.count, isDigit(bytes[j]) else { return nil }
            while j < bytes.count, isDigit(bytes[j]) { j += 1 }
        }
        if j < bytes.count, bytes[j] == UInt8(ascii: "e") || bytes[j] == UInt8(ascii: "E") {
            fractional = true
            j += 1
            if j < bytes.count, bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: "-") { j += 1 }
            guard j < bytes.count, isDigit(bytes[j]) else { return nil }
            while j < bytes.count, isDigit(bytes[j]) { j += 1 }
        }
        // A number must be followed by a delimiter, so "01" or "1x" is refused.
        guard j < bytes.count, [UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), 0x20, 0x0A, 0x0D, 0x09].contains(bytes[j])
        else { return nil }
        i = j
        return (start, j, fractional)
    }

    /// The value of a validated number span: strtod (C locale) reads it in place, as the span is followed by a
    /// delimiter inside the buffer; nil when strtod does not stop exactly at the span's end.
    private func double(_ span: (start: Int, end: Int, fractional: Bool)) -> Double? {
        if let exact = exactDouble(span) { return exact }
        guard let base = bytes.baseAddress else { return nil }
        let start = UnsafeRawPointer(base + span.start).assumingMemoryBound(to: CChar.self)
        var end: UnsafeMutablePointer<CChar>?
        let value = strtod(start, &end)
        let expected = UnsafeRawPointer(base + span.end)
        guard let end, UnsafeRawPointer(end) == expected else { return nil }
        return value
    }

    private static let powersOfTen: [Double] = (0...22).map { (0..<$0).reduce(1.0) { value, _ in value * 10 } }

    /// The correctly rounded value when the digits fit in 2^53 and the decimal exponent in ±22 (both operands
    /// exact, one rounding: Clinger's fast path), else nil.
    private func exactDouble(_ span: (start: Int, end: Int, fractional: Bool)) -> Double? {
        var k = span.start
        let negative = bytes[k] == UInt8(ascii: "-")
        if negative { k += 1 }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var inFraction = false
        while k < span.end {
            let b = bytes[k]
            if b == UInt8(ascii: ".") {
                inFraction = true
            } else if b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
                break
            } else {
                if mantissa > 0 || b != UInt8(ascii: "0") { digits += 1 }
                guard digits <= 15 else { return nil }
                mantissa = mantissa * 10 + UInt64(b - UInt8(ascii: "0"))
                if inFraction { exponent -= 1 }
            }
            k += 1
        }
        if k < span.end {  // the exponent part
            k += 1
            var sign = 1
            if bytes[k] == UInt8(ascii: "+") || bytes[k] == UInt8(ascii: "-") {
                if bytes[k] == UInt8(ascii: "-") { sign = -1 }
                k += 1
            }
            var value = 0
            while k < span.end {
                value = value * 10 + Int(bytes[k] - UInt8(ascii: "0"))
                guard value <= 400 else { return nil }
                k += 1
            }
            exponent += sign * value
        }
        guard abs(exponent) <= 22 else { return nil }
        var result = Double(mantissa)
        result = exponent < 0 ? result / Self.powersOfTen[-exponent] : result * Self.powersOfTen[exponent]
        return negative ? -result : result
    }

    // MARK: Bytes

    private func peek() -> UInt8? { i < bytes.count ? bytes[i] : nil }

    private mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard i < bytes.count, bytes[i] == byte else { return false }
        i += 1
        return true
    }

    private mutating func literal(_ word: String) -> Bool {
        let utf8 = Array(word.utf8)
        guard i + utf8.count <= bytes.count else { return false }
        for k in 0..<utf8.count where bytes[i + k] != utf8[k] { return false }
        i += utf8.count
        return true
    }

    private mutating func skipWhitespace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
}

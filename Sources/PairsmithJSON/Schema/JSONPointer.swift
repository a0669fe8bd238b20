import Foundation

/// JSON pointers (RFC 6901): building them and finding where one points in a document's text.
public enum JSONPointer {
    /// `pointer` with one more reference token, escaped (`~` as `~0`, `/` as `~1`).
    public static func appending(_ pointer: String, _ token: String) -> String {
        pointer + "/" + token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    /// `pointer` with an array index appended.
    public static func appending(_ pointer: String, _ index: Int) -> String { pointer + "/\(index)" }

    /// The unescaped reference tokens of `pointer` (`[]` for `""`), or nil when it does not start with `/`.
    public static func tokens(_ pointer: String) -> [String]? {
        guard !pointer.isEmpty else { return [] }
        guard pointer.hasPrefix("/") else { return nil }
        return pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    /// The byte offset in JSON `text` where `pointer` points: the member's key for an object member, the element for
    /// an array element, 0 for `""`; nil when the text holds no such value (or is not JSON where the search walks).
    public static func byteOffset(of pointer: String, in text: String) -> Int? {
        guard let tokens = tokens(pointer) else { return nil }
        var scanner = Scanner(bytes: Array(text.utf8))
        return scanner.locate(tokens)
    }

    /// The 1-based line of JSON `text` where `pointer` points (see ``byteOffset(of:in:)``), for `file:line` messages.
    public static func line(of pointer: String, in text: String) -> Int? {
        guard let offset = byteOffset(of: pointer, in: text) else { return nil }
        return 1 + text.utf8.prefix(offset).reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }

    /// Walks JSON text without building values, skipping what the pointer does not enter.
    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        mutating func locate(_ tokens: [String]) -> Int? {
            skipWhitespace()
            var found = index
            for token in tokens {
                guard index < bytes.count else { return nil }
                switch bytes[index] {
                case UInt8(ascii: "{"):
                    guard let keyStart = enterMember(token) else { return nil }
                    found = keyStart
                case UInt8(ascii: "["):
                    guard let wanted = Int(token), String(wanted) == token, wanted >= 0,
                        let start = enterElement(wanted)
                    else { return nil }
                    found = start
                default: return nil
                }
            }
            return found
        }

        /// Moves to the value of member `key` of the object at `index`; returns the offset of its key.
        private mutating func enterMember(_ key: String) -> Int? {
            index += 1
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
                let keyStart = index
                guard skipString() else { return nil }
                let name = try? JSONValue.parse(bytes: Array(bytes[keyStart..<index]))
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                skipWhitespace()
                if name?.stringValue == key { return keyStart }
                guard skipValue(), separator(closing: UInt8(ascii: "}")) else { return nil }
            }
        }

        /// Moves to element `wanted` of the array at `index`; returns its offset.
        private mutating func enterElement(_ wanted: Int) -> Int? {
            index += 1
            var position = 0
            while true {
                skipWhitespace()
                guard index < bytes.count, bytes[index] != UInt8(ascii: "]") else { return nil }
                if position == wanted { return index }
                guard skipValue(), separator(closing: UInt8(ascii: "]")) else { return nil }
                position += 1
            }
        }

        /// Steps over the `,` after a member or element; false at the container's end or on anything else.
        private mutating func separator(closing: UInt8) -> Bool {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else { return false }
            index += 1
            return true
        }

        private mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[index]) { index += 1 }
        }

        /// Steps over the string at `index` (escapes included).
        private mutating func skipString() -> Bool {
            index += 1
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\\"): index += 2
                case UInt8(ascii: "\""):
                    index += 1
                    return true
                default: index += 1
                }
            }
            return false
        }

        /// Steps over one value of any kind.
        private mutating func skipValue() -> Bool {
            guard index < bytes.count else { return false }
            switch bytes[index] {
            case UInt8(ascii: "\""): return skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: "\""):
                        guard skipString() else { return false }
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 {
                            index += 1
                            return true
                        }
                    default: break
                    }
                    index += 1
                }
                return false
            default:
                let start = index
                while index < bytes.count, !",}] \n\r\t".utf8.contains(bytes[index]) { index += 1 }
                return index > start
            }
        }
    }
}

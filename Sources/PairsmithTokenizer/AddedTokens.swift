/// One entry of `added_tokens` in `tokenizer.json`.
struct AddedToken: Sendable {
    /// The token's id.
    var id: Int
    /// The literal text it matches.
    var content: String
    /// Whether it is a special token (skipped by `decode(skipSpecialTokens: true)`).
    var special: Bool
    /// Whether it matches only as a whole word.
    var singleWord: Bool
    /// Whether it swallows the whitespace on its left.
    var lstrip: Bool
    /// Whether it swallows the whitespace on its right.
    var rstrip: Bool
    /// Whether it matches the normalized text (true) or the raw text (false).
    var normalized: Bool
}

/// Finds added tokens in text: leftmost match, longest on ties (HF's Aho-Corasick `LeftmostLongest`),
/// with the `single_word`, `lstrip` and `rstrip` rules of HF's `AddedVocabulary::find_matches`.
struct AddedTokenMatcher: Sendable {
    /// A pattern: the token's UTF-8 bytes and its index in `tokens`.
    private struct Pattern: Sendable {
        var bytes: [UInt8]
        var token: Int
    }

    /// The tokens this matcher finds.
    let tokens: [AddedToken]
    /// Patterns grouped by first byte, longest first.
    private let byFirstByte: [[Pattern]]
    /// Whether any pattern starts with each byte (a cheap test before looking at the patterns).
    private let startsPattern: [Bool]
    /// Whether there is any pattern at all.
    let isEmpty: Bool

    /// A matcher over `tokens` (empty contents are ignored).
    init(_ tokens: [AddedToken]) {
        self.tokens = tokens
        var groups = [[Pattern]](repeating: [], count: 256)
        for (index, token) in tokens.enumerated() where !token.content.isEmpty {
            let bytes = Array(token.content.utf8)
            groups[Int(bytes[0])].append(Pattern(bytes: bytes, token: index))
        }
        for byte in 0..<256 { groups[byte].sort { $0.bytes.count > $1.bytes.count } }
        byFirstByte = groups
        startsPattern = groups.map { !$0.isEmpty }
        isEmpty = groups.allSatisfy(\.isEmpty)
    }

    /// A piece of the input: either plain text or an added token (by index into `tokens`).
    struct Split: Equatable {
        /// Byte range in the input.
        var range: Range<Int>
        /// The matched token's index into `tokens`, or nil for text between tokens.
        var token: Int?
    }

    /// Splits `text` (UTF-8) into plain pieces and added-token pieces covering it completely.
    func split(_ text: UnsafeBufferPointer<UInt8>) -> [Split] {
        let count = text.count
        if isEmpty || count == 0 { return [Split(range: 0..<count, token: nil)] }
        var splits: [Split] = []
        var startOffset = 0
        var position = 0
        while position < count {
            guard startsPattern[Int(text[position])], let (patternIndex, length) = longestMatch(in: text, at: position) else {
                position += 1
                continue
            }
            var start = position
            var stop = position + length
            let token = tokens[patternIndex]
            position = stop
            if token.singleWord {
                let startSpace = start == 0 || !endsWithWord(text, before: start)
                let stopSpace = stop == count || !startsWithWord(text, at: stop)
                if !startSpace || !stopSpace { continue }
            }
            if token.lstrip {
                start = max(leftmostSpace(text, before: start), startOffset)
            }
            if token.rstrip {
                stop = rightmostSpace(text, from: stop)
            }
            if startOffset < start { splits.append(Split(range: startOffset..<start, token: nil)) }
            splits.append(Split(range: start..<stop, token: patternIndex))
            startOffset = stop
        }
        if startOffset != count { splits.append(Split(range: startOffset..<count, token: nil)) }
        return splits
    }

    /// The longest pattern starting at `position`, as (token index, byte length).
    @inline(__always)
    private func longestMatch(in text: UnsafeBufferPointer<UInt8>, at position: Int) -> (Int, Int)? {
        let candidates = byFirstByte[Int(text[position])]
        if candidates.isEmpty { return nil }
        let remaining = text.count - position
        for pattern in candidates where pattern.bytes.count <= remaining {
            var matches = true
            for k in 1..<pattern.bytes.count where text[position + k] != pattern.bytes[k] {
                matches = false
                break
            }
            if matches { return (pattern.token, pattern.bytes.count) }
        }
        return nil
    }

    /// Scalars of `text[range]`, decoded.
    private func scalars(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> [(Unicode.Scalar, Int)] {
        var result: [(Unicode.Scalar, Int)] = []
        var offset = range.lowerBound
        var iterator = UnsafeBufferPointer(rebasing: text[range]).makeIterator()
        var decoder = UTF8()
        while case .scalarValue(let scalar) = decoder.decode(&iterator) {
            result.append((scalar, offset))
            offset += UTF8.width(scalar)
        }
        return result
    }

    /// `\w$`: the text before `index` ends with a word character.
    private func endsWithWord(_ text: UnsafeBufferPointer<UInt8>, before index: Int) -> Bool {
        guard let last = scalars(text, 0..<index).last else { return false }
        return isWordScalar(last.0)
    }

    /// `^\w`: the text from `index` starts with a word character.
    private func startsWithWord(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        guard let first = scalars(text, index..<text.count).first else { return false }
        return isWordScalar(first.0)
    }

    /// Start of the whitespace run that ends at `index` (`\s*$`).
    private func leftmostSpace(_ text: UnsafeBufferPointer<UInt8>, before index: Int) -> Int {
        var start = index
        for (scalar, offset) in scalars(text, 0..<index).reversed() {
            guard scalar.properties.isWhitespace else { break }
            start = offset
        }
        return start
    }

    /// End of the whitespace run that starts at `index` (`^\s*`).
    private func rightmostSpace(_ text: UnsafeBufferPointer<UInt8>, from index: Int) -> Int {
        var end = index
        for (scalar, offset) in scalars(text, index..<text.count) {
            guard scalar.properties.isWhitespace else { break }
            end = offset + UTF8.width(scalar)
        }
        return end
    }

    /// Rust regex `\w`: alphabetic, a digit/number mark, connector punctuation or a join control.
    private func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        let properties = scalar.properties
        if properties.isAlphabetic || properties.isJoinControl { return true }
        switch properties.generalCategory {
        case .decimalNumber, .spacingMark, .nonspacingMark, .enclosingMark, .connectorPunctuation: return true
        default: return false
        }
    }
}

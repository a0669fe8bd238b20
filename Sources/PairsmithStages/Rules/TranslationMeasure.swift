import PairsmithText

/// Measures for translations: a script-aware length (so a Chinese translation of an English sentence is not judged
/// by its character count) and the longest span a translation copies from its source.
public enum TranslationMeasure {
    /// How many Latin letters one letter of `scalar`'s script carries, roughly: a Han character about three (a
    /// Chinese sentence is about a third as many characters as its English translation has letters), a kana
    /// character under two, a Hangul syllable two and a half; alphabets and abugidas one.
    static func weight(_ scalar: Unicode.Scalar) -> Double? {
        if let script = Script.of(scalar) {
            switch script {
            case .han: return 3.0
            case .kana: return 1.8
            case .hangul: return 2.5
            default: return 1.0
            }
        }
        return scalar.properties.numericType != nil ? 1.0 : nil
    }

    /// The script-aware length of `text`: its letters and digits, each weighted by ``weight(_:)``.
    public static func units(_ text: String) -> Double {
        text.unicodeScalars.reduce(0) { $0 + (weight($1) ?? 0) }
    }

    /// `text`'s script-aware length over `source`'s, or nil when the source weighs less than `minUnits` (too short
    /// for a ratio to mean anything).
    public static func ratio(_ text: String, to source: String, minUnits: Int) -> Double? {
        let base = units(source)
        guard base >= Double(max(minUnits, 1)) else { return nil }
        return units(text) / base
    }

    /// A token of a text: a word of a spaced script (case folded), or one Han or kana character (half a word).
    struct Token: Hashable {
        var text: String
        var weight: Double
    }

    /// The tokens of `text`.
    static func tokens(_ text: String) -> [Token] {
        var result: [Token] = []
        var word = ""
        func flush() {
            if !word.isEmpty { result.append(Token(text: word.lowercased(), weight: 1)) }
            word = ""
        }
        for scalar in text.unicodeScalars {
            let script = Script.of(scalar)
            if script == .han || script == .kana {
                flush()
                result.append(Token(text: String(scalar), weight: 0.5))
            } else if script != nil || scalar.properties.numericType != nil || scalar.properties.isAlphabetic {
                word.unicodeScalars.append(scalar)
            } else {
                flush()
            }
        }
        flush()
        return result
    }

    /// The longest run of tokens `text` shares with `source`, when it weighs more than `maxWords` words; else nil.
    public static func copiedSpan(in text: String, from source: String, maxWords: Int) -> String? {
        let a = tokens(text), b = tokens(source)
        guard !a.isEmpty, !b.isEmpty else { return nil }
        // Longest common substring over tokens, by weight (dynamic programming over one row).
        var previous = [Double](repeating: 0, count: b.count + 1)
        var best = 0.0
        var bestEnd = 0
        var bestLength = 0
        var lengths = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            var current = [Double](repeating: 0, count: b.count + 1)
            var currentLengths = [Int](repeating: 0, count: b.count + 1)
            for j in 1...b.count where a[i - 1] == b[j - 1] {
                current[j] = previous[j - 1] + a[i - 1].weight
                currentLengths[j] = lengths[j - 1] + 1
                if current[j] > best {
                    best = current[j]
                    bestEnd = i
                    bestLength = currentLengths[j]
                }
            }
            previous = current
            lengths = currentLengths
        }
        guard best > Double(maxWords) else { return nil }
        let span = a[(bestEnd - bestLength)..<bestEnd]
        return span.map(\.text).joined(separator: span.allSatisfy { $0.weight < 1 } ? "" : " ")
    }
}

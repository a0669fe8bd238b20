import PairsmithText

/// Counts words the way a length requirement means them: space-separated words for scripts that use spaces, and
/// characters scaled to words for scripts that do not (Chinese about 1.5 characters a word, Japanese 2, Thai,
/// Lao, Khmer and Burmese about 4).
public enum WordCounter {
    /// The number of words in `text` (at least 1 for any text with a letter or digit).
    public static func count(_ text: String) -> Int {
        var spaced = 0
        var unspaced = 0.0
        var inWord = false
        for scalar in text.unicodeScalars {
            if let perWord = charactersPerWord(scalar) {
                unspaced += 1 / perWord
                if inWord { spaced += 1 }
                inWord = false
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                inWord = true
            } else if scalar.properties.isWhitespace || scalar == "/" || scalar == "—" {
                if inWord { spaced += 1 }
                inWord = false
            }
        }
        if inWord { spaced += 1 }
        let total = spaced + Int(unspaced.rounded())
        return total == 0 && unspaced > 0 ? 1 : total
    }

    private static func charactersPerWord(_ scalar: Unicode.Scalar) -> Double? {
        switch Script.of(scalar) {
        case .han: 1.5
        case .kana: 2
        case .thai, .lao, .khmer, .myanmar: 4
        default: nil
        }
    }
}

/// How much of a query is lifted from one sentence of its passage.
enum PassageOverlap {
    /// The largest share of the query's tokens found in a single passage sentence, and the query's token count.
    static func largestSentenceOverlap(query: String, passage: String) -> (share: Double, tokens: Int) {
        let queryTokens = tokens(query)
        guard !queryTokens.isEmpty else { return (0, 0) }
        var best = 0.0
        for sentence in passage.split(whereSeparator: isSentenceEnd) {
            let sentenceTokens = Set(tokens(String(sentence)))
            let shared = queryTokens.filter(sentenceTokens.contains).count
            best = max(best, Double(shared) / Double(queryTokens.count))
        }
        return (best, queryTokens.count)
    }

    /// True for the characters that end a sentence (a switch: `String.contains` per character was a visible cost).
    static func isSentenceEnd(_ character: Character) -> Bool {
        switch character {
        case ".", "!", "?", "。", "！", "？", "\n": true
        default: false
        }
    }

    /// Lower-cased words; each Han, kana or Thai-like character is a token of its own.
    static func tokens(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        for character in text.lowercased() {
            guard let scalar = character.unicodeScalars.first else { continue }
            if scalar.isASCII {
                // The common case, without the Unicode property look-ups (the text is already lower-cased).
                if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
                    current.append(character)
                } else if !current.isEmpty {
                    result.append(current)
                    current = ""
                }
                continue
            }
            let unspaced: Bool
            switch Script.of(scalar) {
            case .han?, .kana?, .thai?, .lao?, .khmer?, .myanmar?: unspaced = true
            default: unspaced = false
            }
            if unspaced {
                if !current.isEmpty { result.append(current); current = "" }
                result.append(String(character))
            } else if character.isLetter || character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                result.append(current)
                current = ""
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}

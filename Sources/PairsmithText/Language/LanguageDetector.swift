/// Detects a passage's language from its scripts (Unicode scalar ranges), letters peculiar to one language, and
/// common function words; good enough to tell the corpus languages apart, not a general-purpose identifier.
public struct LanguageDetector: Sendable {
    /// A detection: the language code (or `und`) and how sure the detector is, 0…1.
    public struct Detection: Sendable, Hashable {
        /// ISO 639-1 code, or `und` when there was no evidence.
        public var language: String
        /// The share of the evidence that pointed at `language`.
        public var confidence: Double
    }

    /// How many scalars of a long text are looked at (the start of a passage is enough).
    public var maxScalars: Int

    /// Creates a detector.
    public init(maxScalars: Int = 4_000) {
        self.maxScalars = maxScalars
    }

    /// The language of `text`.
    public func detect(_ text: String) -> Detection {
        var scriptCounts: [Script: Int] = [:]
        var letters = 0
        for scalar in text.unicodeScalars.prefix(maxScalars) {
            guard let script = Script.of(scalar) else { continue }
            scriptCounts[script, default: 0] += 1
            letters += 1
        }
        guard letters > 0, let (dominant, count) = scriptCounts.max(by: { $0.value < $1.value }) else {
            return Detection(language: Languages.undetermined, confidence: 0)
        }
        let share = Double(count) / Double(letters)
        // Chinese and Japanese share the Han characters: kana decide.
        let kana = scriptCounts[.kana, default: 0], han = scriptCounts[.han, default: 0]
        if dominant == .han || dominant == .kana {
            let cjk = Double(kana + han)
            return kana > 0 && Double(kana) / cjk >= 0.05
                ? Detection(language: "ja", confidence: cjk / Double(letters))
                : Detection(language: "zh", confidence: cjk / Double(letters))
        }
        if let language = dominant.soleLanguage { return Detection(language: language, confidence: share) }
        let sample = String(String.UnicodeScalarView(text.unicodeScalars.prefix(maxScalars)))
        switch dominant {
        case .arabic: return Detection(language: arabicScriptLanguage(sample), confidence: share)
        case .cyrillic: return byWords(sample, lists: CommonWords.cyrillic, bonus: Self.cyrillicLetters, share: share)
        default: return byWords(sample, lists: CommonWords.latin, bonus: Self.latinLetters, share: share)
        }
    }

    /// Letters that point strongly at one Latin-script language.
    private static let latinLetters: [Character: String] = {
        var table: [Character: String] = [:]
        for (letters, language) in [
            ("ơưđ", "vi"), ("ğış", "tr"), ("ąęłśźżń", "pl"), ("ßä", "de"), ("ñ¿¡", "es"), ("ãõ", "pt"),
            ("ěřů", "cs"), ("șțş", "ro"), ("œ", "fr"), ("ĳ", "nl"), ("å", "sv"),
        ] {
            for letter in letters { table[letter] = language }
        }
        return table
    }()

    /// Letters that point strongly at Russian or Ukrainian.
    private static let cyrillicLetters: [Character: String] = {
        var table: [Character: String] = [:]
        for letter in "ыэъё" { table[letter] = "ru" }
        for letter in "іїєґ" { table[letter] = "uk" }
        return table
    }()

    /// Scores languages by common-word hits plus peculiar letters (Vietnamese tone marks count as peculiar).
    private func byWords(_ text: String, lists: [String: Set<String>], bonus: [Character: String], share: Double) -> Detection {
        var scores: [String: Double] = [:]
        let lowered = text.lowercased()
        for word in lowered.split(whereSeparator: { !$0.isLetter && $0 != "'" }) {
            let token = String(word)
            for (language, list) in lists where list.contains(token) { scores[language, default: 0] += 1 }
        }
        for character in lowered {
            if let language = bonus[character] {
                scores[language, default: 0] += 0.5
            } else if let scalar = character.unicodeScalars.first, (0x1EA0...0x1EF9).contains(scalar.value) {
                scores["vi", default: 0] += 0.5
            }
        }
        let total = scores.values.reduce(0, +)
        // Deterministic winner: highest score, then the code, so ties never depend on dictionary order.
        guard total > 0, let best = scores.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) else {
            return Detection(language: Languages.undetermined, confidence: 0)
        }
        return Detection(language: best.key, confidence: share * best.value / total)
    }

    /// Arabic, Persian or Urdu, by the letters each adds to the Arabic alphabet.
    private func arabicScriptLanguage(_ text: String) -> String {
        var persian = 0, urdu = 0
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x679, 0x688, 0x691, 0x6BA, 0x6BE, 0x6C1, 0x6D2: urdu += 1
            case 0x67E, 0x686, 0x698, 0x6AF, 0x6A9, 0x6CC: persian += 1
            default: break
            }
        }
        if urdu > 0 && urdu >= persian / 2 { return "ur" }
        return persian > 2 ? "fa" : "ar"
    }
}

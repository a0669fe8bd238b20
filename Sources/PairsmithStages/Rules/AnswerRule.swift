import Foundation
import PairsmithConfiguration
import PairsmithJSON
import PairsmithText

/// Why an answer was rejected: the reason code stored in `rejects` and a sentence for people.
public struct RuleViolation: Error, Sendable, Hashable, CustomStringConvertible {
    /// The code stored in the `rejects` table (the rule's `reason`).
    public var reason: String
    /// What is wrong, in words.
    public var detail: String

    /// Creates a violation.
    public init(reason: String, detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason): \(detail)" }
}

/// What a rule that passed settles about the field: the value to store (a `one_of` rule stores the allowed value it
/// matched, copied exactly), and for a match against a list or the personas, which item.
public struct RulePass: Sendable, Hashable {
    /// The value to store.
    public var value: JSONValue
    /// The persona the value names, when it matched a candidate.
    public var personaID: Int64?
    /// The description of the list item it matched, when it matched a list.
    public var description: String?
}

/// One declared rule, ready to judge answers: the library's implementation of ``RuleDeclaration``.
public struct AnswerRule: Sendable {
    /// The declaration.
    public let declaration: RuleDeclaration
    /// The language detector.
    let detector: LanguageDetector
    /// What counts as a prompt echo for this stage.
    let echo: PromptEchoVocabulary

    /// Creates the rule.
    public init(
        _ declaration: RuleDeclaration, detector: LanguageDetector = LanguageDetector(),
        echo: PromptEchoVocabulary = PromptEchoVocabulary()
    ) {
        self.declaration = declaration
        self.detector = detector
        self.echo = echo
    }

    /// Judges `value` (the answer's field, strings already trimmed) in `context`.
    public func check(_ value: JSONValue, context: UnitContext) -> Result<RulePass, RuleViolation> {
        let field = declaration.field
        func fail(_ detail: String, _ reason: String? = nil) -> Result<RulePass, RuleViolation> {
            .failure(RuleViolation(reason: reason ?? declaration.reason, detail: detail))
        }
        let pass = Result<RulePass, RuleViolation>.success(RulePass(value: value))
        switch declaration.kind {
        case .oneOf(let among, let values, let matching):
            guard let text = value.stringValue ?? value.intValue.map(String.init) else {
                return fail("\(field) must be a string, found \(value.typeName)")
            }
            var allowed = values
            var candidates: [PersonaCandidate] = []
            var items: [ListItem] = []
            switch among {
            case .personas?:
                candidates = context.candidates
                allowed = candidates.map(\.text)
            case .list(let name)?:
                // Given values are allowed beside the list's names (`none`: no label of the list fits).
                items = context.lists[name] ?? []
                allowed = items.map(\.name) + values.filter { value in !items.contains { $0.name == value } }
            case let source?:
                if case .list(_, let listed)? = context.value(of: source) { allowed = listed }
            case nil:
                break
            }
            guard let index = Self.match(text, in: allowed, matching: matching) else {
                if case .personas? = among {
                    let count = allowed.count == 5 ? "five" : String(allowed.count)
                    return fail("the \(field) \"\(text.prefix(80))\" is not one of the \(count) candidates")
                }
                return fail("\(field) \"\(text.prefix(80))\" is not one of \(allowed.joined(separator: ", "))")
            }
            var result = RulePass(value: .string(allowed[index]))
            if !candidates.isEmpty { result.personaID = candidates[index].personaID }
            if index < items.count { result.description = items[index].description }
            return .success(result)

        case .notEmpty:
            switch value {
            case .string(let text) where text.isEmpty: return fail("the \(field) is empty")
            case .array(let items) where items.isEmpty: return fail("the \(field) is empty")
            case .null: return fail("the \(field) is empty")
            default: return pass
            }

        case .length(let unit, let target, let ratio, let minimum, let maximum):
            guard let text = value.stringValue else { return fail("\(field) must be a string, found \(value.typeName)") }
            let length = unit == .words ? WordCounter.count(text) : text.unicodeScalars.count
            var low = minimum ?? 0
            var high = maximum ?? Int.max
            if let target, let ratio, let requested = context.variables[target]?.number {
                let bounds = Self.lengthBounds(requested: requested, ratio: ratio)
                low = max(low, bounds.lowerBound)
                high = min(high, bounds.upperBound)
            }
            let what = unit.rawValue
            if length < low { return fail("the \(field) has \(length) \(what), fewer than the \(low) required") }
            if length > high {
                return fail("the \(field) has \(length) \(what), more than the \(high) allowed", declaration.reasonLong)
            }
            return pass

        case .language(let expectedSource):
            guard let text = value.stringValue else { return fail("\(field) must be a string, found \(value.typeName)") }
            guard let expected = context.value(of: expectedSource)?.text, expected != Languages.undetermined else { return pass }
            if let detected = languageMismatch(text, expected: expected) {
                let looks = detected == Languages.undetermined ? "written in another script" : Languages.name(of: detected)
                return fail("the \(field) looks \(looks), not \(Languages.name(of: expected)) as requested")
            }
            return pass

        case .notCopy(let source, let maxOverlap, let minWords):
            guard let text = value.stringValue, let original = context.value(of: source)?.text else { return pass }
            let overlap = PassageOverlap.largestSentenceOverlap(query: text, passage: original)
            if overlap.tokens >= minWords && overlap.share > maxOverlap {
                let what = source == .passage ? "the passage" : source.description
                return fail(
                    "the \(field) copies \(what) (\(Int((overlap.share * 100).rounded()))% of its words come from one sentence)")
            }
            return pass

        case .notPlaceholder:
            guard let text = value.stringValue else { return pass }
            if let why = PromptEcho.placeholder(text, vocabulary: echo) {
                return fail("the \(field) \"\(text.prefix(80))\" is a placeholder, not a \(field): \(why)")
            }
            return pass

        case .notPromptEcho:
            guard let text = value.stringValue else { return pass }
            if let why = PromptEcho.echo(text, vocabulary: echo) {
                return fail("the \(field) \"\(text.prefix(80))\" echoes the prompt: \(why)")
            }
            return pass

        case .notEqual(let other):
            guard let text = value.stringValue, let otherText = context.value(of: other)?.text else { return pass }
            if Self.folded(text) == Self.folded(otherText) { return fail("the \(field) is the same text as \(other)") }
            return pass

        case .range(let low, let high):
            guard let number = value.doubleValue ?? value.stringValue.flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) })
            else { return fail("\(field) must be a number, found \(value.typeName)") }
            if let low, number < low { return fail("\(field) is \(number), below the minimum \(low)") }
            if let high, number > high { return fail("\(field) is \(number), above the maximum \(high)") }
            return pass

        case .lengthRatio(let source, let low, let high, let minUnits):
            guard let text = value.stringValue, let original = context.value(of: source)?.text else { return pass }
            let ratio = TranslationMeasure.ratio(text, to: original, minUnits: minUnits)
            guard let ratio, ratio < low || ratio > high else { return pass }
            let what = ratio < low ? "short" : "long"
            return fail(
                "the \(field) is too \(what) for a translation of \(source): its script-aware length is "
                    + "\(String(format: "%.2f", ratio))× the source's, outside [\(low), \(high)]")

        case .noUntranslatedSpan(let source, let maxWords):
            guard let text = value.stringValue, let original = context.value(of: source)?.text else { return pass }
            if let span = TranslationMeasure.copiedSpan(in: text, from: original, maxWords: maxWords) {
                return fail("the \(field) leaves \"\(span.prefix(80))\" of \(source) untranslated (more than \(maxWords) words copied)")
            }
            return pass

        case .doesNotMention(let source):
            guard let text = value.stringValue, case .list(_, let names)? = context.value(of: source) else { return pass }
            let folded = " " + Self.folded(text.replacingOccurrences(of: "_", with: " ")) + " "
            for name in names {
                let needle = Self.folded(name.replacingOccurrences(of: "_", with: " "))
                guard !needle.isEmpty else { continue }
                if Self.mentions(folded, needle) { return fail("the \(field) names \"\(name)\" outright") }
            }
            return pass
        }
    }

    // MARK: Helpers

    /// The allowed lengths for a requested length: at least max(1, ⌊requested × low⌋), at most
    /// ⌈requested × high⌉ + 1 (never below the minimum).
    public static func lengthBounds(requested: Double, ratio: ClosedRange<Double>) -> ClosedRange<Int> {
        let minimum = max(1, Int((requested * ratio.lowerBound).rounded(.down)))
        let maximum = max(minimum, Int((requested * ratio.upperBound).rounded(.up)) + 1)
        return minimum...maximum
    }

    /// The index of the allowed value `text` matches, or nil.
    static func match(_ text: String, in allowed: [String], matching: RuleDeclaration.Matching) -> Int? {
        if let exact = allowed.firstIndex(of: text) { return exact }
        switch matching {
        case .exact:
            return nil
        case .caseInsensitive:
            let wanted = text.trimmingCharacters(in: .whitespaces).lowercased()
            return allowed.firstIndex { $0.lowercased() == wanted }
        case .loose:
            let wanted = loose(text)
            return allowed.firstIndex { loose($0) == wanted }
        }
    }

    private static func loose(_ text: String) -> String {
        text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
            .trimmingCharacters(in: CharacterSet(charactersIn: " .。!?\"'"))
    }

    private static func folded(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
            .split(whereSeparator: { $0.isWhitespace || $0.isPunctuation }).joined(separator: " ")
    }

    /// True when `needle` occurs in `haystack` as whole words (Latin-like scripts) or anywhere (scripts without
    /// spaces, where a word boundary cannot be seen).
    private static func mentions(_ haystack: String, _ needle: String) -> Bool {
        if needle.unicodeScalars.contains(where: { [.han, .kana, .thai, .lao, .khmer, .myanmar].contains(Script.of($0)) }) {
            return haystack.contains(needle)
        }
        return haystack.contains(" \(needle) ")
    }

    /// A different script is decisive even for short texts; within one script (say, French against Spanish), only
    /// texts long enough for the word lists to tell are judged. Returns the detected language when it is wrong.
    private func languageMismatch(_ text: String, expected: String) -> String? {
        Self.languageMismatch(text, expected: expected, detector: detector)
    }

    /// The `language` rule's verdict on `text` written for `expected`: the language detected when it is wrong, nil
    /// when it is right or too short to judge (the report's language check reads texts the same way).
    public static func languageMismatch(_ text: String, expected: String, detector: LanguageDetector) -> String? {
        let detection = detector.detect(text)
        if detection.language == Languages.undetermined {
            // No word list decides, but a text written in another script is still not in the requested language.
            guard let script = Self.dominantScriptFamily(text), script != Self.scriptFamily(of: expected) else { return nil }
            return Languages.undetermined
        }
        guard detection.language != expected else { return nil }
        if Self.scriptFamily(of: expected) != Self.scriptFamily(of: detection.language) { return detection.language }
        guard WordCounter.count(text) >= 6, detection.confidence >= 0.5 else { return nil }
        return detection.language
    }

    /// The script family most of `text`'s letters are written in (nil when it has no letters).
    static func dominantScriptFamily(_ text: String) -> String? {
        var counts: [String: Int] = [:]
        for scalar in text.unicodeScalars {
            guard let script = Script.of(scalar) else { continue }
            let family: String
            switch script {
            case .han, .kana: family = "cjk"
            case .latin: family = "latin"
            case .cyrillic: family = "cyrillic"
            case .arabic: family = "arabic"
            case .devanagari: family = "devanagari"
            case .hangul: family = "hangul"
            default: family = "\(script)"
            }
            counts[family, default: 0] += 1
        }
        return counts.max { $0.value < $1.value }?.key
    }

    /// The script family of a language, so that e.g. zh and ja (both Han) are not confused with Latin languages.
    static func scriptFamily(of language: String) -> String {
        switch language {
        case "zh", "ja": "cjk"
        case "ko": "hangul"
        case "ru", "uk", "bg", "sr", "mk", "be", "kk", "mn": "cyrillic"
        case "ar", "fa", "ur": "arabic"
        case "hi", "mr", "ne": "devanagari"
        case "he": "hebrew"
        case "el": "greek"
        case "th": "thai"
        case "bn": "bengali"
        case "pa": "gurmukhi"
        case "gu": "gujarati"
        case "ta": "tamil"
        case "te": "telugu"
        case "kn": "kannada"
        case "ml": "malayalam"
        case "si": "sinhala"
        case "lo": "lao"
        case "my": "myanmar"
        case "ka": "georgian"
        case "am": "ethiopic"
        case "km": "khmer"
        case "hy": "armenian"
        default: "latin"
        }
    }
}

import Foundation
import PairsmithConfiguration
import PairsmithText

/// A configure answer that passed the rules, with the character resolved to its candidate.
public struct CheckedConfiguration: Sendable, Hashable {
    /// The candidate's exact text.
    public var character: String
    /// The candidate's index among the five (0 = best match).
    public var candidateIndex: Int
    /// The question type.
    public var questionType: QuestionType
    /// The difficulty.
    public var difficulty: Difficulty
}

/// The retrieval task's rules for answers that already parsed as JSON and met their schema: the character must
/// be a candidate, enums must match, and the query must be non-empty, a real query (not a placeholder such as
/// `<the query>` or text echoed from the prompt), within the length bounds, not a copy of the passage and in the
/// requested language.
public struct AnswerRules: Sendable {
    /// The bounds from the pipeline file.
    public let settings: PipelineConfiguration.ValidationSettings
    /// The language detector used on queries.
    public let detector: LanguageDetector

    /// Creates the rules.
    public init(settings: PipelineConfiguration.ValidationSettings, detector: LanguageDetector = LanguageDetector()) {
        self.settings = settings
        self.detector = detector
    }

    /// Checks a configure answer against the passage's candidates. A character that differs from a candidate only
    /// in case, spacing or final punctuation is accepted as that candidate.
    public func check(
        character: String, questionType: String, difficulty: String, candidates: [String]
    ) -> Result<CheckedConfiguration, AnswerRejection> {
        var index = candidates.firstIndex(of: character)
        if index == nil {
            let wanted = Self.loose(character)
            index = candidates.firstIndex { Self.loose($0) == wanted }
        }
        guard let index else { return .failure(.characterNotCandidate(character)) }
        guard let type = QuestionType(rawValue: questionType.trimmingCharacters(in: .whitespaces).lowercased()) else {
            return .failure(.unknownQuestionType(questionType))
        }
        guard let level = Difficulty(rawValue: difficulty.trimmingCharacters(in: .whitespaces).lowercased()) else {
            return .failure(.unknownDifficulty(difficulty))
        }
        return .success(
            CheckedConfiguration(
                character: candidates[index], candidateIndex: index, questionType: type, difficulty: level))
    }

    /// The allowed query lengths, in words, for a requested length.
    public func lengthBounds(requested: Int) -> ClosedRange<Int> {
        let minimum = max(1, Int((Double(requested) * settings.lengthRatioMin).rounded(.down)))
        let maximum = max(minimum, Int((Double(requested) * settings.lengthRatioMax).rounded(.up)) + 1)
        return minimum...maximum
    }

    /// Checks a generated query against its plan and passage; returns the trimmed query.
    public func check(query: String, plan: QueryPlan, passage: String) -> Result<String, AnswerRejection> {
        let trimmed = query.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return .failure(.emptyQuery) }
        if let why = PromptEcho.placeholder(trimmed) { return .failure(.placeholderQuery(query: trimmed, why: why)) }
        if let why = PromptEcho.echo(trimmed) { return .failure(.echoesPrompt(query: trimmed, why: why)) }
        let words = WordCounter.count(trimmed)
        let bounds = lengthBounds(requested: plan.lengthWords)
        if words < bounds.lowerBound { return .failure(.tooShort(words: words, minimum: bounds.lowerBound)) }
        if words > bounds.upperBound { return .failure(.tooLong(words: words, maximum: bounds.upperBound)) }
        let overlap = PassageOverlap.largestSentenceOverlap(query: trimmed, passage: passage)
        if overlap.tokens >= 4 && overlap.share > settings.maxPassageOverlap {
            return .failure(.copiesPassage(overlap: overlap.share))
        }
        if let mismatch = languageMismatch(trimmed, expected: plan.language, words: words) { return .failure(mismatch) }
        return .success(trimmed)
    }

    /// A different script is decisive even for short queries; within one script (say, French against Spanish),
    /// only queries long enough for the word lists to tell are judged.
    private func languageMismatch(_ query: String, expected: String, words: Int) -> AnswerRejection? {
        guard expected != Languages.undetermined else { return nil }
        let detection = detector.detect(query)
        guard detection.language != Languages.undetermined, detection.language != expected else { return nil }
        let expectedScript = Self.scriptFamily(of: expected), detectedScript = Self.scriptFamily(of: detection.language)
        if expectedScript != detectedScript {
            // Technical terms and names in Latin letters inside a CJK query are common; judge by the dominant script.
            return .wrongLanguage(detected: detection.language, expected: expected)
        }
        guard words >= 6, detection.confidence >= 0.5 else { return nil }
        return .wrongLanguage(detected: detection.language, expected: expected)
    }

    /// The script family of a language, so that e.g. zh and ja (both Han) are not confused with Latin languages.
    static func scriptFamily(of language: String) -> String {
        switch language {
        case "zh", "ja": "cjk"
        case "ko": "hangul"
        case "ru", "uk", "bg", "sr", "mk", "be", "kk", "mn": "cyrillic"
        case "ar", "fa", "ur": "arabic"
        case "hi", "mr", "ne": "devanagari"
        case "he", "el", "th", "bn", "pa", "gu", "ta", "te", "kn", "ml", "si", "lo", "my", "ka", "am", "km", "hy": language
        default: "latin"
        }
    }

    private static func loose(_ text: String) -> String {
        text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
            .trimmingCharacters(in: CharacterSet(charactersIn: " .。!?\"'"))
    }
}

import PairsmithText

/// Why a parsed answer breaks the retrieval task's rules; `reason` is the code stored in `rejects`.
public enum AnswerRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// The chosen character is not one of the candidates.
    case characterNotCandidate(String)
    /// The question type is not one of the five.
    case unknownQuestionType(String)
    /// The difficulty is not one of the three.
    case unknownDifficulty(String)
    /// The query is empty or only whitespace.
    case emptyQuery
    /// The query is shorter than the requested length allows.
    case tooShort(words: Int, minimum: Int)
    /// The query is longer than the requested length allows.
    case tooLong(words: Int, maximum: Int)
    /// The query copies a sentence of the passage.
    case copiesPassage(overlap: Double)
    /// The query is not in the requested language.
    case wrongLanguage(detected: String, expected: String)
    /// The query is a placeholder (`<the query>`), a field name or a template tag, not a query.
    case placeholderQuery(query: String, why: String)
    /// The query echoes the prompt: a `query:` prefix, the requirement's text, the prompt's headings.
    case echoesPrompt(query: String, why: String)

    /// The reason code stored in the `rejects` table.
    public var reason: String {
        switch self {
        case .characterNotCandidate: "character_not_candidate"
        case .unknownQuestionType: "unknown_question_type"
        case .unknownDifficulty: "unknown_difficulty"
        case .emptyQuery: "empty_query"
        case .tooShort: "query_too_short"
        case .tooLong: "query_too_long"
        case .copiesPassage: "query_copies_passage"
        case .wrongLanguage: "query_wrong_language"
        case .placeholderQuery: "query_placeholder"
        case .echoesPrompt: "query_echoes_prompt"
        }
    }

    public var description: String {
        switch self {
        case .characterNotCandidate(let character): "the character \"\(character.prefix(80))\" is not one of the five candidates"
        case .unknownQuestionType(let value):
            "question_type \"\(value)\" is not one of \(QuestionType.allCases.map(\.rawValue).joined(separator: ", "))"
        case .unknownDifficulty(let value):
            "difficulty \"\(value)\" is not one of \(Difficulty.allCases.map(\.rawValue).joined(separator: ", "))"
        case .emptyQuery: "the query is empty"
        case .tooShort(let words, let minimum): "the query has \(words) words, fewer than the \(minimum) required"
        case .tooLong(let words, let maximum): "the query has \(words) words, more than the \(maximum) allowed"
        case .copiesPassage(let overlap):
            "the query copies the passage (\(Int((overlap * 100).rounded()))% of its words come from one sentence)"
        case .wrongLanguage(let detected, let expected):
            "the query looks \(Languages.name(of: detected)), not \(Languages.name(of: expected)) as requested"
        case .placeholderQuery(let query, let why): "the query \"\(query.prefix(80))\" is a placeholder, not a query: \(why)"
        case .echoesPrompt(let query, let why): "the query \"\(query.prefix(80))\" echoes the prompt: \(why)"
        }
    }
}

import Foundation
import PairsmithConfiguration

/// Recognises generated queries that are not queries: a placeholder copied from the prompt's answer shape (SmolLM2
/// answered `<the query>`), a schema field name, a template tag, or text echoed from the prompt (a `query:` prefix,
/// the requirement's lines, the taxonomy's names and explanations, the prompt's headings).
enum PromptEcho {
    /// Why a query is a placeholder, or nil.
    static func placeholder(_ query: String, vocabulary: PromptEchoVocabulary = PromptEchoVocabulary()) -> String? {
        let text = query.trimmingCharacters(in: .whitespacesAndNewlines)
        if let tag = firstMatch(of: templateTag, in: text) { return "it holds the template tag \(tag)" }
        if text.hasPrefix("<") && text.hasSuffix(">") && text.count >= 3 {
            return "the whole answer is wrapped in <…>, like the prompt's placeholder"
        }
        let plain = normalised(text)
        if placeholders.contains(plain) || vocabulary.fieldNames.contains(plain) {
            return "it is the placeholder or field name \"\(text.prefix(40))\""
        }
        return nil
    }

    /// Why a query echoes the prompt, or nil.
    static func echo(_ query: String, vocabulary: PromptEchoVocabulary = PromptEchoVocabulary()) -> String? {
        let lower = query.lowercased()
        // Markdown emphasis removed: `**Query**:` reads as `query:`.
        let stripped = lower.filter { $0 != "*" && $0 != "`" }.trimmingCharacters(in: CharacterSet(charactersIn: " \t\n\r\"'#-"))
        for prefix in echoPrefixes where stripped.hasPrefix(prefix) {
            return "it starts with \"\(prefix)\", echoing the prompt"
        }
        for marker in promptMarkers + vocabulary.markers where lower.contains(marker) {
            return "it repeats the prompt's \"\(marker)\""
        }
        let labels = requirementLabels.filter { lower.contains($0) }
        if labels.count >= 2 || requirementLabels.contains(where: { stripped.hasPrefix($0) }) {
            return "it repeats the requirement's labels (\(labels.joined(separator: " ")))"
        }
        if let words = firstMatch(of: lengthPhrase, in: lower) { return "it repeats the requirement \"\(words)\"" }
        let tokens = words(lower)
        if tokens.count >= explanationRun {
            for start in 0...(tokens.count - explanationRun) {
                let run = tokens[start..<(start + explanationRun)].joined(separator: " ")
                if vocabulary.explanationRuns.contains(run) { return "it repeats the requirement's explanation (\"\(run)…\")" }
            }
        }
        return nil
    }

    // MARK: Patterns

    /// A Mustache tag: `{{name}}`, `{{#name}}`, `{{/name}}`, `{{{name}}}`.
    private static let templateTag = try? NSRegularExpression(pattern: #"\{\{\{?\s*[#/^&!>]?\s*[A-Za-z_][A-Za-z0-9_. ]*\}?\}\}"#)
    /// The requirement's length line, e.g. `about 6 words`.
    private static let lengthPhrase = try? NSRegularExpression(pattern: #"\babout \d+ words\b"#)

    /// Whole answers that are a placeholder or a field name (compared lowercased, without brackets, quotes and
    /// surrounding punctuation).
    private static let placeholders: Set<String> = [
        "query", "the query", "a query", "your query", "my query", "search query", "the search query",
        "your search query", "query here", "your query here", "insert query here", "insert query", "search query here",
        "character", "question_type", "question type", "difficulty", "passage", "requirement", "json",
        "string", "text", "value", "example", "placeholder", "...", "…", "n/a", "none", "null", "todo", "tbd",
    ]

    /// Beginnings that echo the answer shape or the prompt.
    private static let echoPrefixes = [
        "query:", "query =", "query -", "search query:", "the query:", "q:", "{\"query\"", "\"query\":", "query\":",
        "here is the query", "here's the query", "here is a query", "here is my query", "sure, here",
    ]

    /// Text of the prompts that a query never contains.
    private static let promptMarkers = [
        "**passage**", "**character**", "**requirement**", "**characters**", "the passage is in ",
        "reply with a single json", "acquire_knowledge", "yes_or_no", "high_school", "question_type",
        "the query has to meet",
    ]

    /// The requirement's line labels.
    private static let requirementLabels = ["type:", "difficulty:", "length:", "language:"]

    /// Runs of this many words of a list item's description count as an echo.
    static let explanationRun = 6

    // MARK: Helpers

    static func words(_ text: String) -> [String] {
        text.split { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "'") }.map(String.init)
    }

    private static func normalised(_ text: String) -> String {
        let trimmed = text.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: " \t\n\r\"'`<>[](){}*:.?!"))
        return trimmed.isEmpty
            ? text.trimmingCharacters(in: .whitespaces)
            : trimmed.split(whereSeparator: \.isWhitespace)
                .joined(separator: " ")
    }

    private static func firstMatch(of pattern: NSRegularExpression?, in text: String) -> String? {
        guard let pattern,
            let match = pattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
            let range = Range(match.range, in: text)
        else { return nil }
        return String(text[range])
    }
}

/// What counts as an echo of one stage's prompt beyond the fixed patterns: runs of six words from the descriptions
/// of the lists the prompt shows, the lists' `snake_case` names, and the answer's field names as whole answers.
public struct PromptEchoVocabulary: Sendable, Hashable {
    /// Six-word runs of the descriptions, lowercased.
    var explanationRuns: Set<String> = []
    /// Names with an underscore that the prompt shows and an answer never contains.
    var markers: [String] = []
    /// Field names that are not an answer when they are the whole answer.
    var fieldNames: Set<String> = []

    /// An empty vocabulary (the fixed patterns only).
    public init() {}

    /// The vocabulary of a stage that shows `lists` and asks for `fields`.
    public init(lists: [[ListItem]], fields: [String]) {
        for item in lists.joined() {
            let tokens = PromptEcho.words(item.description.lowercased())
            if tokens.count >= PromptEcho.explanationRun {
                for start in 0...(tokens.count - PromptEcho.explanationRun) {
                    explanationRuns.insert(tokens[start..<(start + PromptEcho.explanationRun)].joined(separator: " "))
                }
            }
            if item.name.contains("_") { markers.append(item.name.lowercased()) }
        }
        fieldNames = Set(fields.map { $0.lowercased() } + fields.map { $0.lowercased().replacingOccurrences(of: "_", with: " ") })
    }
}

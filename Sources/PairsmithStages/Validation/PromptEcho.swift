import Foundation

/// Recognises generated queries that are not queries: a placeholder copied from the prompt's answer shape (SmolLM2
/// answered `<the query>`), a schema field name, a template tag, or text echoed from the prompt (a `query:` prefix,
/// the requirement's lines, the taxonomy's names and explanations, the prompt's headings).
enum PromptEcho {
    /// Why a query is a placeholder, or nil.
    static func placeholder(_ query: String) -> String? {
        let text = query.trimmingCharacters(in: .whitespacesAndNewlines)
        if let tag = firstMatch(of: templateTag, in: text) { return "it holds the template tag \(tag)" }
        if text.hasPrefix("<") && text.hasSuffix(">") && text.count >= 3 {
            return "the whole answer is wrapped in <…>, like the prompt's placeholder"
        }
        if placeholders.contains(normalised(text)) { return "it is the placeholder or field name \"\(text.prefix(40))\"" }
        return nil
    }

    /// Why a query echoes the prompt, or nil.
    static func echo(_ query: String) -> String? {
        let lower = query.lowercased()
        // Markdown emphasis removed: `**Query**:` reads as `query:`.
        let stripped = lower.filter { $0 != "*" && $0 != "`" }.trimmingCharacters(in: CharacterSet(charactersIn: " \t\n\r\"'#-"))
        for prefix in echoPrefixes where stripped.hasPrefix(prefix) {
            return "it starts with \"\(prefix)\", echoing the prompt"
        }
        for marker in promptMarkers where lower.contains(marker) { return "it repeats the prompt's \"\(marker)\"" }
        let labels = requirementLabels.filter { lower.contains($0) }
        if labels.count >= 2 || requirementLabels.contains(where: { stripped.hasPrefix($0) }) {
            return "it repeats the requirement's labels (\(labels.joined(separator: " ")))"
        }
        if let words = firstMatch(of: lengthPhrase, in: lower) { return "it repeats the requirement \"\(words)\"" }
        let tokens = words(lower)
        if tokens.count >= explanationRun {
            for start in 0...(tokens.count - explanationRun) {
                let run = tokens[start..<(start + explanationRun)].joined(separator: " ")
                if explanationRuns.contains(run) { return "it repeats the requirement's explanation (\"\(run)…\")" }
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

    /// Runs of this many words of a type's or level's explanation count as an echo.
    private static let explanationRun = 6
    private static let explanationRuns: Set<String> = {
        var runs = Set<String>()
        let texts = QuestionType.allCases.map(\.explanation) + Difficulty.allCases.map(\.explanation)
        for text in texts {
            let tokens = words(text.lowercased())
            guard tokens.count >= explanationRun else { continue }
            for start in 0...(tokens.count - explanationRun) {
                runs.insert(tokens[start..<(start + explanationRun)].joined(separator: " "))
            }
        }
        return runs
    }()

    // MARK: Helpers

    private static func words(_ text: String) -> [String] {
        text.split { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "'") }.map(String.init)
    }

    private static func normalised(_ text: String) -> String {
        let trimmed = text.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: " \t\n\r\"'`<>[](){}*:.?!"))
        return trimmed.isEmpty ? text.trimmingCharacters(in: .whitespaces) : trimmed.split(whereSeparator: \.isWhitespace)
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

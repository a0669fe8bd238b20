import Foundation
import PairsmithJSON

/// Turns an answer's text into a validated JSON value: drops a `<think>…</think>` block and code fences,
/// parses strictly, then checks the schema.
public enum AnswerParser {
    /// The answer text with a leading `<think>…</think>` block and surrounding code fences removed.
    public static func clean(_ text: String) -> String {
        var body = trimmed(Substring(text))
        if body.hasPrefix("<think>"), let close = body.range(of: "</think>") {
            body = trimmed(body[close.upperBound...])
        }
        if body.hasPrefix("```") {
            // Drop the opening fence line (```json) and a closing fence.
            if let newline = body.firstIndex(of: "\n") {
                body = body[body.index(after: newline)...]
            } else {
                body = body.dropFirst(3)
            }
            body = trimmed(body)
            if body.hasSuffix("```") { body = trimmed(body.dropLast(3)) }
        }
        return String(body)
    }

    /// `text` without leading and trailing whitespace.
    private static func trimmed(_ text: Substring) -> Substring {
        var start = text.startIndex, end = text.endIndex
        while start < end, text[start].isWhitespace { start = text.index(after: start) }
        while end > start, text[text.index(before: end)].isWhitespace { end = text.index(before: end) }
        return text[start..<end]
    }

    /// Parses and validates `text`; throws ``ChatError/notJSON(endpoint:reason:raw:)`` or
    /// ``ChatError/schemaViolation(endpoint:violations:raw:)``.
    public static func parse(_ text: String, schema: JSONSchema?, endpoint: String) throws(ChatError) -> JSONValue {
        let cleaned = clean(text)
        if cleaned.hasPrefix("<think>") {
            throw .notJSON(endpoint: endpoint, reason: "a <think> block is never closed", raw: text)
        }
        guard let first = cleaned.first, first == "{" || first == "[" else {
            let reason = cleaned.isEmpty ? "the answer is empty" : "it starts with '\(cleaned.prefix(12))', not { or ["
            throw .notJSON(endpoint: endpoint, reason: reason, raw: text)
        }
        let value: JSONValue
        do { value = try JSONValue.parse(cleaned) } catch {
            throw .notJSON(endpoint: endpoint, reason: "invalid JSON: \(describe(error))", raw: text)
        }
        if let schema {
            let violations = SchemaValidator.violations(of: schema, by: value)
            if !violations.isEmpty { throw .schemaViolation(endpoint: endpoint, violations: violations, raw: text) }
        }
        return value
    }

    /// A short description of a decoding error.
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context):
            context.underlyingError.map { "\(context.debugDescription) (\($0.localizedDescription))" } ?? context.debugDescription
        case DecodingError.keyNotFound(let key, let context):
            "missing key '\(key.stringValue)' at \(path(context))"
        case DecodingError.typeMismatch(let type, let context):
            "expected \(type) at \(path(context)): \(context.debugDescription)"
        case DecodingError.valueNotFound(let type, let context):
            "missing \(type) at \(path(context))"
        default:
            "\(error)"
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        "$" + context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}

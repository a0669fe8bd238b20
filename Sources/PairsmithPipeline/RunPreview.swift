import Foundation
import PairsmithStore

/// The text `pairsmith run --preview N` prints: per unit, the rendered prompt, each raw answer and its verdict, then
/// the examples made — read back from the throw-away store the preview ran in.
public enum RunPreview {
    /// The transcript of `run` in `store`.
    public static func describe(store: PairsmithStore, run: String) async throws -> String {
        let transcript = try await store.transcript(run: run)
        var lines: [String] = []
        var units: [String] = []
        var callsByUnit: [String: [LLMCallRecord]] = [:]
        for call in transcript.calls {
            let key = call.unitKey ?? "?"
            if callsByUnit[key] == nil { units.append(key) }
            callsByUnit[key, default: []].append(call)
        }
        for unit in units {
            lines.append("")
            lines.append("━━ unit \(unit)")
            let calls = callsByUnit[unit] ?? []
            if let first = calls.first {
                lines.append("── prompt")
                lines.append(prompt(of: first.request))
            }
            let rejects = transcript.rejects.filter { $0.location.hasPrefix(unit + " ") }
            for (index, call) in calls.enumerated() {
                lines.append(
                    "── answer \(index + 1) (\(call.status.rawValue), \(call.promptTokens) prompt + \(call.completionTokens) completion tokens)")
                lines.append(call.response ?? "(no answer)")
                let hash = call.requestHash
                if let output = transcript.outputs.first(where: { $0.requestHash == hash }) {
                    lines.append("   ✓ accepted: \(output.fields)")
                } else if index < rejects.count {
                    lines.append("   ✗ rejected (\(rejects[index].reason)): \(rejects[index].detail)")
                } else {
                    lines.append("   ✗ not accepted")
                }
            }
        }
        lines.append("")
        lines.append("━━ examples: \(transcript.examples.count)")
        for (example, passage, cosine) in transcript.examples {
            let score = cosine.map { String(format: " (cosine %.4f)", $0) } ?? ""
            lines.append("• [\(example.task), \(example.anchorLanguage)] \(example.anchor)\(score)")
            lines.append("    \(passage.count > 160 ? String(passage.prefix(159)) + "…" : passage)")
        }
        return lines.joined(separator: "\n")
    }

    /// The message texts of a stored request (its canonical JSON), or the request itself when it does not parse.
    static func prompt(of request: String) -> String {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(request.utf8))) as? [String: Any],
            let messages = object["messages"] as? [[String: Any]]
        else { return request }
        return messages.map { message in
            let role = message["role"] as? String ?? "?"
            return "[\(role)] " + (message["content"] as? String ?? "")
        }.joined(separator: "\n")
    }
}

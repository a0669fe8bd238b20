import Foundation
import PairsmithConfiguration
import PairsmithStore

/// Renders a store snapshot for `pairsmith status`: units per stage and state, rejects by reason, tokens and
/// throughput, as aligned plain text or as JSON.
public enum StatusText {
    /// The plain-text report; `stageOrder` gives each run's declared stages in pipeline order (others follow).
    public static func render(_ status: StoreStatus, stageOrder: [String: [String]] = [:]) -> String {
        var lines: [String] = []
        lines.append(
            "documents \(status.documents), personas \(status.personas), stage outputs \(status.stageOutputs), "
                + "examples \(status.examples), scores \(status.scores)")
        if status.duplicates > 0 || !status.selections.isEmpty || status.negativeSearches > 0 {
            lines.append(selectionLine(status))
        }
        let runs = Set(status.units.map(\.run)).sorted()
        for run in runs {
            lines.append("")
            lines.append("run \(run)")
            let states = UnitState.allCases
            lines.append(pad("stage", 12) + states.map { pad($0.rawValue, 10, right: true) }.joined() + pad("total", 10, right: true))
            let declared = stageOrder[run] ?? ["configure", "generate"]
            func order(_ stage: String) -> Int { declared.firstIndex(of: stage) ?? declared.count }
            let stages = Set(status.units.filter { $0.run == run }.map(\.stage)).sorted { (order($0), $0) < (order($1), $1) }
            for stage in stages {
                let counts = states.map { status.count(stage: stage, state: $0, run: run) }
                lines.append(
                    pad(stage, 12) + counts.map { pad(String($0), 10, right: true) }.joined()
                        + pad(String(counts.reduce(0, +)), 10, right: true))
            }
            if let family = status.taskFamilies?[run] { lines += TaskFamilyText.lines(family) }
        }
        if !status.rejects.isEmpty {
            lines.append("")
            lines.append("rejects")
            for reject in status.rejects {
                lines.append("  " + pad("\(reject.source)/\(reject.reason)", 40) + pad(String(reject.count), 8, right: true))
            }
        }
        lines.append("")
        var calls =
            "chat calls \(status.llmCalls) (\(status.llmCallsOK) ok), tokens \(status.promptTokens) in / "
            + "\(status.completionTokens) out"
        if status.llmCallsOK > 0 { calls += String(format: ", mean latency %.0f ms", status.meanLatencyMilliseconds) }
        if status.completionTokensPerSecond > 0 { calls += String(format: ", %.1f tokens/s out", status.completionTokensPerSecond) }
        lines.append(calls)
        if !status.endpointWindows.isEmpty { lines += windowLines(status.endpointWindows) }
        return lines.joined(separator: "\n")
    }

    /// Each chat endpoint's window: `run endpoint window/limit (adaptive, N cuts), 429s, 5xx, timeouts, answered`.
    private static func windowLines(_ windows: [EndpointWindowRecord]) -> [String] {
        var lines = ["", "chat endpoints (window = requests allowed in flight, as the run last reported)"]
        for window in windows {
            let mode = window.adaptive ? "adaptive, \(window.cuts) cuts" : "fixed"
            lines.append(
                "  " + pad("\(window.run) \(window.endpoint)", 40) + pad("\(window.window)/\(window.maxRequests)", 12, right: true)
                    + " (\(mode)), \(window.rateLimited) × 429, \(window.serverErrors) × 5xx, \(window.timeouts) timeouts, "
                    + "\(window.answered) answered")
        }
        return lines
    }

    /// Duplicates, the newest SFT and weak selections per run, and the hard-negative searches.
    private static func selectionLine(_ status: StoreStatus) -> String {
        var parts = ["duplicates \(status.duplicates)"]
        for selection in status.selections {
            var part = "\(selection.run) \(selection.set) \(selection.records)"
            if let low = selection.low {
                part += String(format: " (cosine > %.4f", low) + (selection.high.map { String(format: ", ≤ %.4f)", $0) } ?? ")")
            }
            if let criteria = selection.criteria {
                part += " [removed by " + criteria.map { "\($0.criterion) \($0.removed)" }.joined(separator: ", ") + "]"
            }
            parts.append(part)
        }
        parts.append("negative searches \(status.negativeSearches) (\(status.shortNegativeSearches) short)")
        return parts.joined(separator: ", ")
    }

    /// The plain-text report followed by each run's headline figures (the report's funnel, quality and spend).
    public static func render(_ status: StoreStatus, stageOrder: [String: [String]] = [:], reports: [RunReport]) -> String {
        var text = render(status, stageOrder: stageOrder)
        for report in reports { text += "\n\n" + report.headline.joined(separator: "\n") }
        return text
    }

    /// The status as JSON with each run's report figures under `reports` (keyed by run), the same numbers
    /// `pairsmith report` draws.
    public static func json(_ status: StoreStatus, reports: [RunReport]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        guard var object = try JSONSerialization.jsonObject(with: try encoder.encode(status)) as? [String: Any] else {
            return try json(status)
        }
        var byRun: [String: Any] = [:]
        for report in reports {
            var entry = try JSONSerialization.jsonObject(with: try encoder.encode(report)) as? [String: Any] ?? [:]
            entry["total_cost"] = report.totalCost
            byRun[report.figures.run] = entry
        }
        object["reports"] = byRun
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    /// The report as JSON (sorted keys, ISO 8601 dates).
    public static func json(_ status: StoreStatus) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(status), as: UTF8.self)
    }

    private static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let space = String(repeating: " ", count: max(0, width - text.count))
        return right ? space + text : text + space
    }
}

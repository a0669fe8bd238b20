import Foundation
import PairsmithStages

/// Renders a run's progress as one bar per LLM stage (done/total, percent, rate, ETA) plus a line of request counts,
/// for a terminal `width` columns wide. Pure: the CLI decides when and where to draw the lines (in place on a TTY).
public enum ProgressBars {
    /// The stages' bar lines and a totals line, each at most `width` characters (at least 20 are assumed).
    public static func render(_ progress: RunProgress, width: Int) -> [String] {
        let width = max(20, width)
        let label = max(9, progress.stages.map(\.name.count).max() ?? 0)
        let stages = figures(progress).map { name, figures in
            bar(name, stage: figures, elapsed: progress.elapsedSeconds, width: width, labelWidth: label)
        }
        let pairRate = progress.elapsedSeconds > 0 ? Double(progress.pairsMadeNow) / progress.elapsedSeconds : 0
        let totals =
            "requests \(progress.requestsSent) sent, \(progress.answersReused) reused · "
            + "\(formatRate(pairRate)) examples/s"
            + (progress.completionTokens > 0 ? " · \(formatRate(progress.completionTokensPerSecond)) tokens/s" : "")
            + (progress.spend.map { String(format: " · spend %.4f %@", $0, progress.currency ?? "") } ?? "")
            + " · \(formatDuration(progress.elapsedSeconds)) elapsed"
        let windows = progress.hasAdaptiveWindows ? [clip("windows " + progress.windowSummary, width)] : []
        return stages + [clip(totals, width)] + windows
    }

    /// The line printed under the bars once the stages have ended.
    public static func finalLine(_ progress: RunProgress, interrupted: Bool) -> String {
        let verb = interrupted ? "stopped" : "finished"
        let parts = figures(progress).map { name, figures in "\(name) \(figures.settled)/\(figures.total) (\(figures.failed) failed)" }
        return "\(verb) in \(formatDuration(progress.elapsedSeconds)): " + parts.joined(separator: ", ")
            + ", \(progress.pairsMadeNow) examples made, \(progress.requestsSent) requests"
    }

    /// The figures of one stage's bar.
    struct Figures: Equatable {
        /// Units done or failed.
        var settled: Int
        /// Units failed.
        var failed: Int
        /// Units expected in all.
        var total: Int
        /// Units settled by earlier processes (not counted in the rate).
        var settledBefore: Int
    }

    /// Each stage's figures. A stage's units appear as the stage before finishes its own; every unit of the stage
    /// before that did not fail will have one, so that is the least a later stage expects.
    static func figures(_ progress: RunProgress) -> [(String, Figures)] {
        var result: [(String, Figures)] = []
        var expectedFromBefore = 0
        for (index, stage) in progress.stages.enumerated() {
            let counts = stage.counts
            let total = index == 0 ? counts.total : max(counts.total, expectedFromBefore)
            result.append(
                (
                    stage.name,
                    Figures(
                        settled: counts.done + counts.failed, failed: counts.failed, total: total,
                        settledBefore: stage.settledAtStart)
                ))
            expectedFromBefore = total - counts.failed
        }
        return result
    }

    /// One stage line: `name [bar] settled/total pct rate ETA`, the bar taking the room the text leaves.
    static func bar(_ name: String, stage: Figures, elapsed: Double, width: Int, labelWidth: Int = 9) -> String {
        let fraction = stage.total > 0 ? min(1, Double(stage.settled) / Double(stage.total)) : 0
        let percent = stage.total > 0 ? String(format: "%3d%%", Int((fraction * 100).rounded(.down))) : "  -%"
        let madeNow = max(0, stage.settled - stage.settledBefore)
        let rate = elapsed > 0 ? Double(madeNow) / elapsed : 0
        let remaining = max(0, stage.total - stage.settled)
        let eta: String
        if remaining == 0 && stage.total > 0 {
            eta = "done"
        } else if rate > 0 {
            eta = "ETA " + formatDuration(Double(remaining) / rate)
        } else {
            eta = "ETA --"
        }
        var text = " \(stage.settled)/\(stage.total) \(percent) \(formatRate(rate))/s \(eta)"
        if stage.failed > 0 { text += " (\(stage.failed) failed)" }
        let label = name.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
        let room = width - label.count - text.count - 3  // " [" and "]"
        guard room >= 5 else { return clip(label + text, width) }
        let filled = Int((fraction * Double(room)).rounded(.down))
        return label + " [" + String(repeating: "█", count: filled) + String(repeating: "░", count: room - filled) + "]" + text
    }

    /// A rate with a precision that suits its size.
    static func formatRate(_ rate: Double) -> String {
        guard rate.isFinite, rate > 0 else { return "0" }
        return rate >= 100 ? String(format: "%.0f", rate) : String(format: "%.1f", rate)
    }

    /// A duration as `42s`, `3m05s` or `2h03m`.
    static func formatDuration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds > 0 else { return "0s" }
        let total = Int(min(seconds, 359_999).rounded())
        if total < 60 { return "\(total)s" }
        if total < 3_600 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return String(format: "%dh%02dm", total / 3_600, (total % 3_600) / 60)
    }

    private static func clip(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }
}

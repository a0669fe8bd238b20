import Foundation
import PairsmithReport
import PairsmithStages
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Shows a run's progress on stderr: bars redrawn in place when stderr is a terminal, otherwise one plain line per
/// report. The rendering is ``ProgressBars`` (library); this type only decides where the lines go.
final class RunProgressDisplay: Sendable {
    /// True when stderr is a terminal (and `TERM` is not `dumb`).
    let isTerminal: Bool
    /// How many lines the last redraw left on the terminal (to move back over them).
    private let linesDrawn = Mutex(0)

    /// Creates a display for the current stderr.
    init() {
        isTerminal = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    /// How often the run should report: twice a second for bars, every five seconds for plain lines.
    var interval: Duration { isTerminal ? .milliseconds(500) : .seconds(5) }

    /// Draws one report.
    func show(_ progress: RunProgress) {
        guard isTerminal else {
            Self.write(progress.description + "\n")
            return
        }
        redraw(ProgressBars.render(progress, width: Self.columns()))
    }

    /// Draws the final state and a closing line (bars only; the plain form prints nothing more).
    func finish(_ progress: RunProgress, interrupted: Bool) {
        guard isTerminal else { return }
        redraw(ProgressBars.render(progress, width: Self.columns()) + [ProgressBars.finalLine(progress, interrupted: interrupted)])
        linesDrawn.withLock { $0 = 0 }
    }

    /// A message printed above the bars (the bars are drawn again below it on the next report).
    func message(_ line: String) {
        linesDrawn.withLock { drawn in
            if isTerminal && drawn > 0 {
                Self.write("\u{1B}[\(drawn)F\u{1B}[J")
                drawn = 0
            }
            Self.write(line + "\n")
        }
    }

    private func redraw(_ lines: [String]) {
        linesDrawn.withLock { drawn in
            var text = drawn > 0 ? "\u{1B}[\(drawn)F" : ""
            for line in lines { text += "\r\u{1B}[2K" + line + "\n" }
            if lines.count < drawn { text += "\u{1B}[J" }
            Self.write(text)
            drawn = lines.count
        }
    }

    /// The terminal's width (from the terminal, else `COLUMNS`, else 80).
    private static func columns() -> Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let text = ProcessInfo.processInfo.environment["COLUMNS"], let value = Int(text), value > 0 { return value }
        return 80
    }

    private static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

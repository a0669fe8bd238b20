import PairsmithIngest
import PairsmithMatching
import PairsmithStages

/// What a run did.
public struct RunSummary: Sendable, Hashable, CustomStringConvertible {
    /// The run's name.
    public var run: String
    /// The corpus ingestion report.
    public var ingest: IngestReport
    /// The persona loading report.
    public var personas: IngestReport
    /// The persona matching report.
    public var matching: MatchReport
    /// The final counts.
    public var progress: RunProgress
    /// Pairs stored for the run.
    public var pairs: Int
    /// True when the run stopped on cancellation (a signal) before every unit was settled.
    public var interrupted: Bool

    /// True when every unit is done or recorded as failed.
    public var isComplete: Bool { progress.isSettled && !interrupted }

    public var description: String {
        var lines = [
            "corpus: \(ingest)",
            "personas: \(personas)",
            "matching: \(matching)",
            progress.description,
            "pairs stored for run \(run): \(pairs)",
        ]
        if interrupted { lines.append("interrupted: run the same command again to resume where it stopped") }
        return lines.joined(separator: "\n")
    }
}

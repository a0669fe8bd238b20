import ArgumentParser
import Foundation
import PairsmithReport
import PairsmithStore

extension PairsmithCommand {
    /// `pairsmith report`: one self-contained HTML page of a run's funnel, distributions, scores, cost and samples.
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an HTML report of a run: funnel, distributions, similarity, quality, cost, samples.",
            discussion: """
                The page is one file with inline CSS and SVG; it loads nothing from any network. The same figures \
                are in `pairsmith status --json` under "reports".
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: "The HTML file to write.")
        var out: String

        @Option(help: "The run to report on (default: the newest run in the database).")
        var run: String?

        @Option(help: "Rows of each sample table (accepted examples, rejected answers).")
        var samples = 12

        @Option(help: "The seed of the sample draw.")
        var seed: UInt64 = 1

        func validate() throws {
            if samples < 0 { throw ValidationError("--samples must be 0 or more") }
        }

        func run() async throws {
            let store = try database.openExisting()
            let report: RunReport
            do {
                report = try await RunReport.load(store: store, run: run, samples: samples, seed: seed)
            } catch let error as RunReportError {
                throw ValidationError(error.description)
            }
            let url = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(HTMLReport.render(report).utf8).write(to: url, options: .atomic)
            print("report of run \(report.figures.run): \(url.path)")
        }
    }
}

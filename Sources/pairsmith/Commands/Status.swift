import ArgumentParser
import Foundation
import PairsmithConfiguration
import PairsmithReport
import PairsmithStore

extension PairsmithCommand {
    /// `pairsmith status`: show the progress of a run kept in a database.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the progress of a run kept in a database.")

        @OptionGroup var database: DatabaseOptions

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() async throws {
            let store = try database.openForReading()
            let status = try await store.status()
            var stageOrder: [String: [String]] = [:]
            for run in Set(status.units.map(\.run)) {
                if let record = try await store.run(run) {
                    stageOrder[run] = StoredPipeline(text: record.configuration, file: record.pipelinePath).stageNames
                }
            }
            var reports: [RunReport] = []
            for run in try await store.runNames() { reports.append(try await RunReport.load(store: store, run: run, samples: 3)) }
            print(json ? try StatusText.json(status, reports: reports) : StatusText.render(status, stageOrder: stageOrder, reports: reports))
        }
    }
}

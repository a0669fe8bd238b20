import ArgumentParser
import Foundation
import PairsmithPipeline
import PairsmithStore

extension PairsmithCommand {
    /// `pairsmith status`: show the progress of a run kept in a database.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the progress of a run kept in a database.")

        @Option(help: "The run's SQLite database.")
        var db: String?

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func validate() throws {
            guard db != nil else { throw ValidationError("give the database with --db FILE") }
        }

        func run() async throws {
            guard let db else { throw ValidationError("give the database with --db FILE") }
            let store = try PairsmithStore.openExisting(url: URL(fileURLWithPath: db))
            let status = try await store.status()
            print(json ? try StatusText.json(status) : StatusText.render(status))
        }
    }
}

import ArgumentParser

extension PairsmithCommand {
    /// `pairsmith status`: show the progress of a run kept in a database.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the progress of a run kept in a database.")

        @Option(help: "The run's SQLite database.")
        var db: String?

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() async throws {
            throw NotAvailableYet(command: "pairsmith status")
        }
    }
}

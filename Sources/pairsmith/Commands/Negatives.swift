import ArgumentParser
import Foundation
import PairsmithSelection

extension PairsmithCommand {
    /// `pairsmith negatives`: mine hard negatives from stored vectors.
    struct Negatives: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mine hard negatives for the newest weak selection from stored vectors (nothing is embedded).",
            discussion: """
                For each selected pair whose positive is the passage: the passages of the whole database ranked by \
                cosine to the query, within the pipeline's rank range and guard. Pairs already searched with the same \
                parameters are skipped, so it resumes after a kill. Run it after `pairsmith merge` and `pairsmith \
                select` to mine over the whole corpus.
                """)

        @OptionGroup var database: DatabaseOptions

        @Option(help: "The run's name (default: the database's only run).")
        var run: String?

        @Option(help: "The embedding model whose vectors are searched (default: the only one with scores).")
        var model: String?

        func run() async throws {
            let store = try database.openExisting()
            let report = try await NegativeMining.execute(store: store, run: run, model: model)
            print(report.description)
        }
    }
}

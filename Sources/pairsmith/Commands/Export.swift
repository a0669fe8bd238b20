import ArgumentParser

extension PairsmithCommand {
    /// `pairsmith export`: export pairs as sharded training JSONL.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export pairs as sharded training JSONL.")

        @Option(help: "The run's SQLite database.")
        var db: String?

        @Option(help: "The output folder for the shards and manifest.json.")
        var out: String?

        @Option(help: "flagembedding, sentence-transformers or ms-swift.")
        var format: String?

        @Option(help: "sft (pairs above the similarity threshold) or weak (all valid pairs).")
        var set: String?

        @Option(help: "Rows per shard.")
        var shardSize: Int = 10_000

        func run() async throws {
            throw NotAvailableYet(command: "pairsmith export")
        }
    }
}

import ArgumentParser

extension PairsmithCommand {
    /// `pairsmith models`: manage local model folders.
    struct Models: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage local model folders.",
            subcommands: [Pull.self]
        )

        /// `pairsmith models pull`: download a model folder from the Hugging Face hub.
        struct Pull: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Download a model from the Hugging Face hub.")

            @Argument(help: "The repository id, e.g. Qwen/Qwen3-Embedding-0.6B.")
            var repository: String

            @Option(help: "The folder to download into (default: models/<name>).")
            var to: String?

            func run() async throws {
                throw NotAvailableYet(command: "pairsmith models pull")
            }
        }
    }
}

import ArgumentParser

extension PairsmithCommand {
    /// `pairsmith run`: generate query–passage pairs for a pipeline over a corpus.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate query–passage pairs for a pipeline over a corpus.")

        @Argument(help: "The pipeline file (YAML), e.g. pipelines/retrieval.yaml.")
        var pipeline: String

        @Option(help: "The corpus: JSONL lines {\"id\", \"text\", \"lang\"?}.")
        var corpus: String?

        @Option(help: "The SQLite database that keeps every step of the run.")
        var db: String?

        @Option(help: "The chat endpoint's base URL (overrides the pipeline file).")
        var chatURL: String?

        @Option(help: "The chat model name (overrides the pipeline file).")
        var chatModel: String?

        @Option(help: "A local Qwen3 embedding model folder.")
        var embeddingModel: String?

        @Option(help: "A remote /v1/embeddings endpoint's base URL.")
        var embeddingURL: String?

        @Option(help: "A persona library (JSONL) instead of the shipped one.")
        var personas: String?

        @Option(help: "Process at most this many passages.")
        var limit: Int?

        @Option(help: "Requests in flight per endpoint.")
        var concurrency: Int?

        func run() async throws {
            throw NotAvailableYet(command: "pairsmith run")
        }
    }
}

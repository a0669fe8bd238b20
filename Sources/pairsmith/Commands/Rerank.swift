import ArgumentParser

extension PairsmithCommand {
    /// `pairsmith rerank`: Score query–document pairs with a local Qwen3 reranker.
    struct Rerank: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Score query–document pairs with a local Qwen3 reranker.")

        func run() async throws {
            throw NotAvailableYet(command: "pairsmith rerank")
        }
    }
}

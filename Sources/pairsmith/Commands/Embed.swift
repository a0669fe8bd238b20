import ArgumentParser

extension PairsmithCommand {
    /// `pairsmith embed`: Embed texts with a local Qwen3 embedding model.
    struct Embed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Embed texts with a local Qwen3 embedding model.")

        func run() async throws {
            throw NotAvailableYet(command: "pairsmith embed")
        }
    }
}

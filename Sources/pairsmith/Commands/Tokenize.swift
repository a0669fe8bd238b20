import ArgumentParser

extension PairsmithCommand {
    /// `pairsmith tokenize`: Tokenize texts with a Hugging Face tokenizer.json.
    struct Tokenize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Tokenize texts with a Hugging Face tokenizer.json.")

        func run() async throws {
            throw NotAvailableYet(command: "pairsmith tokenize")
        }
    }
}

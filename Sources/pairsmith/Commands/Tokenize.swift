import ArgumentParser
import Foundation
import PairsmithTokenizer

extension PairsmithCommand {
    /// `pairsmith tokenize`: Tokenize texts with a Hugging Face tokenizer.json.
    struct Tokenize: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tokenize texts with a Hugging Face tokenizer.json.",
            discussion: """
                Reads JSON Lines {"text": ...} and writes {"ids": [...]} in the same order; with --decode, \
                reads {"ids": [...]} and writes {"text": ...}.
                """)

        @Option(help: "The tokenizer.json of a Qwen2/Qwen3 model.")
        var tokenizer: String

        @OptionGroup var files: JSONLinesOptions

        @Flag(help: "Decode {\"ids\"} lines to {\"text\"} instead of encoding.")
        var decode = false

        @Flag(help: "Encode: do not run the post-processor (no appended <|endoftext|>). Decode: drop special tokens.")
        var noSpecialTokens = false

        func run() async throws {
            let loaded = try PairsmithTokenizer.Tokenizer(contentsOf: URL(fileURLWithPath: tokenizer))
            let converter = TokenizeJSONLines(
                tokenizer: loaded, mode: decode ? .decode : .encode, specialTokens: !noSpecialTokens)
            try converter.run(input: files.inputURL, output: files.outputURL)
        }
    }
}

import ArgumentParser
import Foundation
import PairsmithBLAS
import PairsmithEngine

extension PairsmithCommand {
    /// `pairsmith embed`: Embed texts with a local Qwen3 embedding model.
    struct Embed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Embed texts with a local Qwen3 embedding model.",
            discussion: """
                Reads JSONL lines {"text": ...} and writes {"embedding": [...]} lines in the same order \
                (L2-normalised, last-token pooling). With --instruction the texts are queries \
                ("Instruct: {instruction}\\nQuery:{text}"); documents take no instruction.
                """)

        @Option(help: "Hugging Face model folder (config.json, tokenizer.json, model.safetensors).")
        var model: String
        @Option(help: "Input JSONL, one {\"text\": ...} per line.")
        var input: String
        @Option(help: "Output JSONL, one {\"embedding\": [...]} per input line.")
        var output: String
        @Option(help: "Task instruction: embed the texts as queries.")
        var instruction: String?
        @Option(help: "Output dimensions (MRL): 32 up to the model's hidden size.")
        var dimensions: Int?
        @Option(help: "Most tokens per text, <|endoftext|> included (longer texts are truncated).")
        var maxLength = 8192

        func run() async throws {
            BLAS.reexecWithBetterCoreIfNeeded()  // OpenBLAS 0.3.21 runs SSE3 kernels on recent Xeons
            let embedder = try Embedder(folder: URL(fileURLWithPath: model), maxLength: maxLength)
            _ = try await JSONLJobs.embed(embedder: embedder, input: URL(fileURLWithPath: input),
                                          output: URL(fileURLWithPath: output), instruction: instruction,
                                          dimensions: dimensions)
        }
    }
}

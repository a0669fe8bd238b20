import ArgumentParser
import Foundation
import PairsmithBLAS
import PairsmithEngine

extension PairsmithCommand {
    /// `pairsmith rerank`: Score query–document pairs with a local Qwen3 reranker.
    struct Rerank: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Score query–document pairs with a local Qwen3 reranker.",
            discussion: """
                Reads JSONL lines {"query": ..., "document": ...} and writes {"score": ...} lines in the same \
                order: the probability of "yes" against "no" under the Qwen3-Reranker prompt.
                """)

        @Option(help: "Hugging Face reranker folder (config.json, tokenizer.json, model.safetensors).")
        var model: String
        @OptionGroup var files: JSONLinesOptions
        @Option(help: "Task instruction (default: the model card's web-search instruction).")
        var instruction: String?
        @OptionGroup var engine: EngineOptions

        func run() async throws {
            BLAS.reexecWithBetterCoreIfNeeded()  // OpenBLAS 0.3.21 runs SSE3 kernels on recent Xeons
            let reranker = try Reranker(folder: URL(fileURLWithPath: model), maxLength: engine.maxLength, precision: engine.precision)
            printError(precisionLine(requested: engine.precision, model: reranker.model))
            _ = try await JSONLJobs.rerank(
                reranker: reranker, input: files.inputURL, output: files.outputURL, instruction: instruction)
        }
    }
}

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
        @Option(help: "Input JSONL, one {\"query\": ..., \"document\": ...} per line.")
        var input: String
        @Option(help: "Output JSONL, one {\"score\": ...} per input line.")
        var output: String
        @Option(help: "Task instruction (default: the model card's web-search instruction).")
        var instruction: String?
        @Option(help: "Most tokens per prompt (the document's tail is cut to fit).")
        var maxLength = 8192
        @Option(help: "Model arithmetic: auto (bf16 where this CPU runs it on AMX, else fp32), bf16 or fp32.")
        var precision: Precision = .auto

        func run() async throws {
            BLAS.reexecWithBetterCoreIfNeeded()  // OpenBLAS 0.3.21 runs SSE3 kernels on recent Xeons
            let reranker = try Reranker(folder: URL(fileURLWithPath: model), maxLength: maxLength, precision: precision)
            printError(precisionLine(requested: precision, model: reranker.model))
            _ = try await JSONLJobs.rerank(reranker: reranker, input: URL(fileURLWithPath: input),
                                           output: URL(fileURLWithPath: output), instruction: instruction)
        }
    }
}

import ArgumentParser
import Foundation
import PairsmithBLAS
import PairsmithEngine
import PairsmithPipeline

extension PairsmithCommand {
    /// `pairsmith embed`: Embed texts with a local Qwen3 embedding model or a remote /v1/embeddings server.
    struct Embed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Embed texts with a local Qwen3 embedding model or a /v1/embeddings server.",
            discussion: """
                Reads JSONL lines {"text": ...} and writes {"embedding": [...]} lines in the same order \
                (L2-normalised, last-token pooling). With --instruction the texts are queries \
                ("Instruct: {instruction}\\nQuery:{text}"); documents take no instruction.
                """)

        @Option(help: "Hugging Face model folder (config.json, tokenizer.json, model.safetensors); with --url, the served model's name.")
        var model: String?
        @Option(
            help:
                "A remote OpenAI-compatible /v1/embeddings server (vLLM, TEI, llama.cpp) instead of a local model; repeat it to spread the batches over several."
        )
        var url: [String] = []
        @Option(help: "With --url: the environment variable that holds the API key.")
        var apiKeyEnv: String?
        @Option(help: "With --url: texts per request.")
        var batchSize = 32
        @Option(help: "With --url: requests in flight per server.")
        var concurrency = 4
        @OptionGroup var files: JSONLinesOptions
        @Option(help: "Task instruction: embed the texts as queries.")
        var instruction: String?
        @Option(help: "Output dimensions (MRL): 32 up to the model's hidden size.")
        var dimensions: Int?
        @OptionGroup var engine: EngineOptions
        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            if url.isEmpty, model == nil { throw ValidationError("give a local model folder with --model DIR or a server with --url URL") }
            if url.isEmpty, apiKeyEnv != nil { throw ValidationError("--api-key-env needs --url") }
            if !url.isEmpty, engine.precision != .auto {
                throw ValidationError("--precision applies to a local --model, not to --url servers")
            }
            if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
            if concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        }

        func run() async throws {
            if !url.isEmpty {  // remote: the served model's name defaults to "default" (llama.cpp and TEI ignore it)
                let remote = try EmbeddingBackend(
                    urls: url, model: model ?? "default", apiKeyEnvironment: apiKeyEnv, batchSize: batchSize,
                    dimensions: dimensions, instruction: instruction, concurrency: concurrency,
                    logger: logging.logger("pairsmith.embeddings"))
                _ = try await JSONLJobs.embed(input: files.inputURL, output: files.outputURL, embed: remote.embed)
                return
            }
            guard let model else { throw ValidationError("give a local model folder with --model DIR") }
            BLAS.reexecWithBetterCoreIfNeeded()  // OpenBLAS 0.3.21 runs SSE3 kernels on recent Xeons
            let embedder = try Embedder(folder: URL(fileURLWithPath: model), maxLength: engine.maxLength, precision: engine.precision)
            printError(precisionLine(requested: engine.precision, model: embedder.model))
            _ = try await JSONLJobs.embed(
                embedder: embedder, input: files.inputURL, output: files.outputURL, instruction: instruction,
                dimensions: dimensions)
        }
    }
}

import ArgumentParser
import Foundation
import PairsmithBLAS
import PairsmithEndpoints
import PairsmithEngine
import PairsmithPipeline
import PairsmithStore

extension PairsmithCommand {
    /// `pairsmith run`: generate query–passage pairs for a pipeline over a corpus.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate query–passage pairs for a pipeline over a corpus.",
            discussion: """
                Every step is kept in the database: run the same command again after an interruption (Ctrl-C, a \
                crash, kill -9) and it resumes, asking nothing twice. The first Ctrl-C stops after committing what is \
                done; a second one exits at once. Exit status 0 when every unit is done or recorded as failed.
                """)

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

        @Option(help: "A local Qwen3 embedding model folder (with --embedding-url: the served model's name).")
        var embeddingModel: String?

        @Option(help: "A remote /v1/embeddings endpoint's base URL (repeat it for several servers).")
        var embeddingURL: [String] = []

        @Option(help: "The environment variable that holds the embedding servers' API key.")
        var embeddingAPIKeyEnv: String?

        @Option(help: "A persona library (JSONL) instead of the shipped one.")
        var personas: String?

        @Option(help: "Process at most this many passages.")
        var limit: Int?

        @Option(help: "Requests in flight per endpoint.")
        var concurrency: Int?

        func validate() throws {
            guard corpus != nil else { throw ValidationError("give the corpus with --corpus FILE") }
            guard db != nil else { throw ValidationError("give the database with --db FILE") }
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
            if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        }

        func run() async throws {
            BLAS.reexecWithBetterCoreIfNeeded()
            guard let corpus, let db else { throw ValidationError("give --corpus and --db") }
            let configuration = try PipelineConfiguration.load(from: URL(fileURLWithPath: pipeline))
                .overriding(chatURL: chatURL, chatModel: chatModel, concurrency: concurrency)
            let store = try PairsmithStore(path: db)
            let precision = try await Self.precision(store: store, run: configuration.name, pipeline: configuration)
            let embedder = try EmbeddingChoice(
                model: embeddingModel, urls: embeddingURL, apiKeyEnvironment: embeddingAPIKeyEnv, pipeline: configuration,
                precision: precision)
            if let model = embedder.localModel {  // recorded with the run: a resumed run keeps it
                try await store.recordPrecision(run: configuration.name, precision: model.precision.rawValue)
                Self.printError(precisionLine(requested: precision, model: model))
            }
            let display = RunProgressDisplay()
            let options = RetrievalRunOptions(
                corpus: URL(fileURLWithPath: corpus), personas: personas.map { URL(fileURLWithPath: $0) }, limit: limit,
                concurrency: concurrency, embeddingModel: embedder.name,
                progressInterval: display.interval)
            let chat = RetrievalRun.chatConfiguration(for: configuration)
            let summary: RunSummary
            do {
                summary = try await runPipeline(
                    chat: chat, configuration: configuration, store: store, embedder: embedder, options: options,
                    display: display)
            } catch is CancellationError {
                Self.printError("interrupted; run the same command again to resume where it stopped")
                throw ExitCode(130)
            }
            display.finish(summary.progress, interrupted: summary.interrupted)
            Self.printError(summary.description)
            if !summary.interrupted && summary.pairs > 0 {  // score → dedup → select (sft, weak) → hard negatives
                _ = try await SelectionJob(
                    configuration: configuration, store: store, model: options.embeddingModel,
                    embed: { texts in try await embedder.embed(texts) }, onProgress: { Self.printError($0) }
                ).execute()
            }
            print("pairs: \(summary.pairs) in \(db) (run \(summary.run)); see `pairsmith status --db \(db)`")
            if summary.interrupted { throw ExitCode(130) }
            if !summary.isComplete { throw ExitCode(1) }
        }

        /// The local engine's precision for `run`: the one recorded with it; fp32 for a run stored before precisions
        /// were recorded (its vectors and scores are fp32); else the pipeline's `embedding.precision`.
        static func precision(store: PairsmithStore, run: String, pipeline configuration: PipelineConfiguration) async throws -> Precision {
            if let recorded = try await store.recordedPrecision(run: run) {
                guard let precision = Precision(rawValue: recorded) else {
                    throw ValidationError("the database records precision \"\(recorded)\" for run \(run), which this pairsmith does not know")
                }
                if configuration.embedding.precision != "auto" && configuration.embedding.precision != recorded {
                    printError("run \(run) was scored in \(recorded): resuming in \(recorded), not \(configuration.embedding.precision)")
                }
                return precision
            }
            if try await store.run(run) != nil { return .fp32 }
            return Precision(rawValue: configuration.embedding.precision) ?? .auto
        }

        private func runPipeline(
            chat: ChatClientConfiguration, configuration: PipelineConfiguration, store: PairsmithStore, embedder: EmbeddingChoice,
            options: RetrievalRunOptions, display: RunProgressDisplay
        ) async throws -> RunSummary {
            try await ChatClient.withClient(chat) { client in
                let job = RetrievalRun(
                    configuration: configuration, store: store, client: client,
                    embed: { texts in try await embedder.embed(texts) }, options: options,
                    onProgress: { progress in display.show(progress) })
                return try await GracefulStop.run(onFirstSignal: { _ in
                    display.message("stopping: committing what is done (press Ctrl-C again to exit at once)")
                }) {
                    try await job.execute()
                }
            }
        }

        private static func printError(_ line: String) {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }
}

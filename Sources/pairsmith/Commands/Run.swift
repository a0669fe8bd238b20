import ArgumentParser
import Foundation
import PairsmithBLAS
import PairsmithConfiguration
import PairsmithEndpoints
import PairsmithEngine
import PairsmithPipeline
import PairsmithStages
import PairsmithStore
import PairsmithText

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

        @OptionGroup var database: DatabaseOptions

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

        @Option(
            help: ArgumentHelp(
                "A local Qwen3-Reranker model folder (with --reranker-url: the served model's name).",
                discussion: "Turns on the rerank stage (every example scored, stored per model) and reranker margins for negatives."))
        var rerankerModel: String?

        @Option(help: "A rerank server: vLLM /v1/rerank or /score, TEI /rerank, llama.cpp /v1/rerank (repeatable).")
        var rerankerURL: [String] = []

        @Option(help: "The environment variable that holds the rerank servers' API key.")
        var rerankerAPIKeyEnv: String?

        @Option(
            help: ArgumentHelp(
                "Who writes the Qwen3-Reranker prompt for --reranker-url servers: client or server.",
                discussion:
                    "client (default): the query and documents go wrapped in the model card's prompt, as vLLM's Qwen3-Reranker examples send them; server: bare, for servers whose rerank template wraps them (llama.cpp with a Qwen3-Reranker GGUF, vLLM with --chat-template)."
            ))
        var rerankerPrompt: String?

        @Option(help: "A persona library (JSONL) instead of the shipped one.")
        var personas: String?

        @Option(
            help: ArgumentHelp(
                "The Qwen3 tokenizer.json (or a model folder holding one) that chunking counts tokens with.",
                discussion: "Replaces the pipeline's chunking.tokenizer; needed with --embedding-url when the file names none."))
        var tokenizer: String?

        @Option(help: "Process at most this many passages.")
        var limit: Int?

        @Option(help: "Requests in flight per endpoint.")
        var concurrency: Int?

        @Option(
            help: ArgumentHelp(
                "Preview: take N passages through every stage in a throw-away database and print the prompts, answers, "
                    + "verdicts and examples; the --db is not opened."))
        var preview: Int?

        @OptionGroup var sharding: ShardOptions

        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            guard corpus != nil else { throw ValidationError("give the corpus with --corpus FILE") }
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
            if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
            if let preview, preview < 1 { throw ValidationError("--preview must be at least 1") }
        }

        /// The database path with `{shard}` filled in.
        private func databasePath(shard: ShardSpec?) throws -> String {
            guard database.path.contains("{shard}") else { return database.path }
            guard let shard else {
                throw ValidationError(
                    "--db \(database.path) holds {shard} but this run takes no shard; give --shard i/n (or --shards n under a scheduler)")
            }
            return shard.substitute(into: database.path)
        }

        func run() async throws {
            BLAS.reexecWithBetterCoreIfNeeded()
            guard let corpus else { throw ValidationError("give the corpus with --corpus FILE") }
            let logger = logging.logger("pairsmith.run")
            var configuration = try PipelineConfiguration.load(from: URL(fileURLWithPath: pipeline))
                .overriding(chatURL: chatURL, chatModel: chatModel, concurrency: concurrency)
            if let tokenizer, configuration.chunking != nil {
                let url = URL(fileURLWithPath: tokenizer)
                var isFolder: ObjCBool = false
                FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
                configuration.chunking?.tokenizer = isFolder.boolValue ? url.appendingPathComponent("tokenizer.json") : url
            }
            _ = try CompiledPipeline(configuration: configuration)  // templates, schemas, few-shot files: before any write
            let shard = try sharding.resolve()
            let databasePath = try databasePath(shard: shard)
            if preview == nil, let shard,
                let manifest = ShardManifest.finished(
                    database: URL(fileURLWithPath: databasePath), configuration: configuration, shard: shard)
            {
                print(
                    "shard \(shard) of run \(manifest.run) is already finished (\(manifest.counts.examples) examples, "
                        + "\(manifest.failures) failed units; \(ShardManifest.url(forDatabase: URL(fileURLWithPath: databasePath)).path)); nothing to do"
                )
                return
            }
            if preview == nil, let existing = try? PairsmithStore.openReadOnly(url: URL(fileURLWithPath: databasePath)) {
                // Refuse another shard's database before the read-write open below, which writes to its file (and
                // would leave its manifest's sha256 stale); a database too old to read so waits for that open.
                do {
                    try await GenerationRun.checkShard(store: existing, configuration: configuration, shard: shard)
                } catch let error as PipelineRunError {
                    throw ValidationError(error.description)
                }
                try existing.close()
            }
            let scratch = try preview.map { _ in try PreviewScratch() }
            defer { scratch?.remove() }
            let store = try scratch?.store() ?? PairsmithStore(path: databasePath)
            let limit = preview ?? self.limit
            do {
                try await GenerationRun.checkShard(store: store, configuration: configuration, shard: shard)
            } catch let error as PipelineRunError {
                throw ValidationError(error.description)
            }
            let precision: RunPrecision
            do {
                precision = try await RunPrecision.resolve(store: store, pipeline: configuration)
            } catch let error as RunPrecisionError {
                throw ValidationError(error.description)
            }
            if let note = precision.note { printError(note) }
            let embedder: EmbeddingBackend
            do {
                embedder = try EmbeddingBackend(
                    model: embeddingModel, urls: embeddingURL, apiKeyEnvironment: embeddingAPIKeyEnv,
                    pipeline: configuration, precision: precision.precision, logger: logging.logger("pairsmith.embeddings"))
            } catch let error as EmbeddingBackendError {
                throw ValidationError(error.description)
            }
            if let model = embedder.localModel { printError(precisionLine(requested: precision.precision, model: model)) }
            let display = RunProgressDisplay()
            var options = GenerationRunOptions(
                corpus: URL(fileURLWithPath: corpus), personas: personas.map { URL(fileURLWithPath: $0) }, limit: limit,
                concurrency: concurrency, embeddingModel: embedder.name, progressInterval: display.interval)
            options.shard = shard
            do {
                options.chunker = try .forPipeline(configuration, embeddingModelFolder: embedder.localModel?.folder)
            } catch {
                throw ValidationError(String(describing: error))
            }
            // The command line's reranker replaces the pipeline file's `reranker:` block.
            let fromFile = rerankerModel == nil && rerankerURL.isEmpty ? configuration.reranker : nil
            let reranker = try RerankBackend.make(
                model: rerankerModel ?? fromFile?.model, urls: rerankerURL.isEmpty ? fromFile?.urls ?? [] : rerankerURL,
                apiKeyEnvironment: rerankerAPIKeyEnv ?? fromFile?.keyEnvironment, precision: precision.precision,
                promptFormat: try Self.rerankPromptFormat(rerankerPrompt ?? configuration.reranker?.prompt),
                logger: logging.logger("pairsmith.rerank"))
            var job = PipelineRun(
                configuration: configuration, store: store, embedder: embedder, options: options, logger: logger,
                onProgress: { display.show($0) },
                onStagesFinished: { summary in
                    display.finish(summary.progress, interrupted: summary.interrupted)
                    display.message(summary.description)
                },
                onMessage: { display.message($0) })
            job.reranker = reranker
            let pipelineRun = job
            let outcome: PipelineRunOutcome
            do {
                outcome = try await GracefulStop.run(onFirstSignal: { _ in
                    display.message("stopping: committing what is done (press Ctrl-C again to exit at once)")
                }) {
                    try await pipelineRun.execute()
                }
            } catch is CancellationError {
                outcome = PipelineRunOutcome(summary: nil, selection: nil, interrupted: true)
            }
            guard let summary = outcome.summary else {
                display.message("interrupted; run the same command again to resume where it stopped")
                throw ExitCode(130)
            }
            if preview != nil {
                print(try await RunPreview.describe(store: store, run: summary.run))
                print("preview: \(summary.pairs) examples; nothing was stored in \(databasePath)")
                return
            }
            print("pairs: \(summary.pairs) in \(databasePath) (run \(summary.run)); see `pairsmith status --db \(databasePath)`")
            switch outcome.ending {
            case .complete:
                guard let shard else { return }
                let manifest = try await ShardManifest.write(store: store, configuration: configuration, shard: shard)
                print(
                    "shard \(shard) finished: \(manifest.counts.examples) examples, \(manifest.failures) failed units; manifest "
                        + ShardManifest.url(forDatabase: URL(fileURLWithPath: databasePath)).path)
            case .incomplete: throw ExitCode(1)
            case .interrupted: throw ExitCode(130)
            }
        }

        /// The `--reranker-prompt` (or the pipeline's `reranker.prompt`) value as a format.
        static func rerankPromptFormat(_ value: String?) throws -> RerankPromptFormat {
            guard let value else { return .client }
            guard let format = RerankPromptFormat(rawValue: value) else {
                throw ValidationError("--reranker-prompt must be client or server, got \"\(value)\"")
            }
            return format
        }
    }
}

import ArgumentParser
import Foundation
import PairsmithBLAS
import PairsmithConfiguration
import PairsmithEngine
import PairsmithMatching
import PairsmithSelection
import PairsmithStore
import PairsmithTestSupport
import PairsmithText
import PairsmithTokenizer

/// `pairsmith-bench selection`: pairs/s through score → dedup → select → hard negatives with the local engine on the
/// Qwen3-Embedding-0.6B-shaped random checkpoint, against the engine's own embedding throughput on the same texts.
///
/// A synthetic store of N pairs (N/2 passages from the engine benchmark's generator, two short queries each) is
/// built in a temporary folder. The reference embeds exactly the texts the score stage must embed (the instructed
/// queries and the passages) straight through `Embedder.embed`, before and after the stage (the mean is used, the
/// machine being shared); score/reference ≈ 1 means the stage adds nothing to the embedding cost. A second score
/// pass with the passage vectors already stored (as persona matching leaves them) is compared with embedding the
/// queries alone. Each phase is one function and prints its own timing, so later phases (export) slot in.
struct SelectionBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selection",
        abstract: "Pairs/s through score+dedup+select+negatives vs. the engine's own embedding throughput.")

    @Option(help: "The benchmark checkpoint folder (generated there if absent, as by `pairsmith-bench engine`).")
    var checkpoint = FileManager.default.homeDirectoryForCurrentUser
        .appendingPathComponent(".cache/pairsmith/bench/qwen3-embedding-0.6b-shape").path

    @Option(help: "Pairs in the synthetic store (two per passage).")
    var pairs = 48

    @Option(help: "Extra random document vectors stored for the hard-negative search (no embedding).")
    var extraDocuments = 20_000

    @Option(help: "Tokens per packed forward batch.")
    var tokenBudget = 2048

    @Option(help: "Texts per embedding call in the score stage.")
    var embedBatch = 64

    /// The texts and the store of one benchmark run.
    struct Workload {
        var passages: [String]
        var queries: [String]
        var folder: TemporaryDirectory
        var store: PairsmithStore
        var model: String
    }

    static let instruction = "Given a web search query, retrieve relevant passages that answer the query"

    func run() async throws {
        BLAS.reexecWithBetterCoreIfNeeded()
        let folder = URL(fileURLWithPath: checkpoint)
        try Self.ensureCheckpoint(folder)
        print("OpenBLAS: \(BLAS.configuration) (core \(BLAS.coreName), \(BLAS.threadCount) threads)")
        let embedder = try Embedder(folder: folder, tokenBudget: tokenBudget)
        let tokenizer = try Tokenizer(contentsOf: folder.appendingPathComponent("tokenizer.json"))
        var workload = try await makeWorkload(tokenizer: tokenizer, embedder: embedder)
        defer { workload.folder.remove() }
        _ = try await embedder.embed(Array(workload.passages.prefix(2)))  // warm-up (page-in, thread pool)

        let before = try await referenceEmbedding(embedder, workload, passages: true, label: "before")
        let cold = try await scorePhase(embedder, workload, label: "score (queries + passages)")
        let after = try await referenceEmbedding(embedder, workload, passages: true, label: "after")
        let reference = (before + after) / 2
        print(String(format: "→ score/reference (cold) = %.2f (1.00 = no overhead over embedding the same texts)", cold / reference))

        // Warm passages: drop the scores and query vectors, keep the passage vectors (as persona matching leaves them).
        try await workload.store.clearScores(run: "bench", model: workload.model)
        let queriesBefore = try await referenceEmbedding(embedder, workload, passages: false, label: "queries only, before")
        let warm = try await scorePhase(embedder, workload, label: "score (queries, passages stored)")
        let queriesAfter = try await referenceEmbedding(embedder, workload, passages: false, label: "queries only, after")
        print(String(format: "→ score/reference (warm passages) = %.2f", warm / ((queriesBefore + queriesAfter) / 2)))

        let dedup = try await dedupPhase(workload)
        let select = try await selectPhase(workload)
        try await addRandomDocuments(&workload, dimension: embedder.dimension)
        let negatives = try await negativesPhase(workload)
        let export = try await exportPhase(workload)  // SelectionBenchmark+Export.swift
        let total = warm + dedup + select + negatives + export
        print(String(format: "pipeline (warm score + dedup + select + negatives + export): %.2f s, %.2f pairs/s", total, Double(pairs) / total))
        print(String(format: "peak RSS: %.0f MiB", EngineBenchmark.residentMiB(peak: true)))
    }

    /// The synthetic store: passages from the engine benchmark's generator, two queries each, stored as one run.
    func makeWorkload(tokenizer: Tokenizer, embedder: Embedder) async throws -> Workload {
        let passageCount = max(1, (pairs + 1) / 2)
        let passages = EngineBenchmark.passages(count: passageCount, tokenizer: tokenizer)
        let queries = (0..<pairs).map { index -> String in
            let words = passages[index / 2].split(separator: " ")
            let start = (index * 7) % max(1, words.count - 8)
            return "what about " + words[start..<min(words.count, start + 4 + index % 9)].joined(separator: " ") + " \(index)"
        }
        let directory = try TemporaryDirectory(prefix: "pairsmith-bench-selection")
        let store = try PairsmithStore(url: directory.file("bench.sqlite"))
        let outcomes = try await store.insertDocuments(
            passages.enumerated().map { index, text in
                DocumentRecord(
                    key: String(format: "doc-%06d", index), sourceFile: "bench", sourceLine: index + 1, text: text,
                    lang: "en", langSource: "given", contentHash: ContentHash.sha256(text))
            })
        let ids = outcomes.map { outcome -> Int64 in if case .inserted(let id) = outcome { id } else { 0 } }
        try await store.insertExamples(
            queries.enumerated().map { index, query in
                ExampleRecord(
                    run: "bench", documentID: ids[index / 2], sample: index % 2, task: "retrieval", anchor: query,
                    anchorInstruction: nil, anchorLanguage: "en", positiveLanguage: "en",
                    lengthWords: query.split(separator: " ").count, requestHash: nil)
            })
        let queryTokens = queries.reduce(0) { $0 + embedder.tokens(for: $1, instruction: Self.instruction).count }
        let passageTokens = passages.reduce(0) { $0 + embedder.tokens(for: $1).count }
        print("workload: \(pairs) pairs, \(passages.count) passages (\(passageTokens) tokens), queries \(queryTokens) tokens with the instruction")
        return Workload(passages: passages, queries: queries, folder: directory, store: store, model: "bench-0.6b-shape")
    }

    /// The engine alone on the texts the score stage embeds; returns seconds.
    func referenceEmbedding(_ embedder: Embedder, _ workload: Workload, passages: Bool, label: String) async throws -> Double {
        let start = ContinuousClock.now
        _ = try await embedder.embed(workload.queries, instruction: Self.instruction)
        if passages { _ = try await embedder.embed(workload.passages) }
        let seconds = Self.seconds(since: start)
        let texts = workload.queries.count + (passages ? workload.passages.count : 0)
        print(String(format: "reference embed (%@): %d texts in %.2f s, %.1f texts/s", label, texts, seconds, Double(texts) / seconds))
        return seconds
    }

    /// The score stage over every pair of the run; returns seconds.
    func scorePhase(_ embedder: Embedder, _ workload: Workload, label: String) async throws -> Double {
        let stage = ScoreStage(
            store: workload.store, model: workload.model, instruction: Self.instruction, embedBatchSize: embedBatch,
            embed: { texts in try await embedder.embed(texts) })
        let start = ContinuousClock.now
        let report = try await stage.scoreAll(run: "bench")
        let seconds = Self.seconds(since: start)
        print(String(format: "%@: %.2f s, %.2f pairs/s (%@)", label, seconds, Double(report.scoredNow) / seconds, report.description))
        return seconds
    }

    /// Exact and near-duplicate detection; returns seconds.
    func dedupPhase(_ workload: Workload) async throws -> Double {
        let start = ContinuousClock.now
        let records = try await Deduplicator(store: workload.store, model: workload.model).deduplicate(run: "bench")
        let seconds = Self.seconds(since: start)
        print(String(format: "dedup: %.3f s (%d duplicates)", seconds, records.count))
        return seconds
    }

    /// Weak and SFT selection with a percentile lower bound; returns seconds.
    func selectPhase(_ workload: Workload) async throws -> Double {
        let start = ContinuousClock.now
        let outcome = try await Selector(store: workload.store, model: workload.model)
            .select(run: "bench", criteria: SelectionCriteria(lowPercentile: 30))
        let seconds = Self.seconds(since: start)
        print(String(format: "select: %.3f s (%@)", seconds, outcome.description))
        return seconds
    }

    /// Random unit document vectors (no text embedded) so the hard-negative search runs over a realistic corpus.
    func addRandomDocuments(_ workload: inout Workload, dimension: Int) async throws {
        guard extraDocuments > 0 else { return }
        var generator = Xoshiro256StarStar(seed: 7)
        let documents = (0..<extraDocuments).map { index in
            DocumentRecord(
                key: String(format: "extra-%07d", index), sourceFile: "bench", sourceLine: nil,
                text: "extra \(index)", lang: "en", langSource: "given", contentHash: "extra-\(index)")
        }
        for start in stride(from: 0, to: documents.count, by: 2_000) {
            let chunk = Array(documents[start..<min(start + 2_000, documents.count)])
            let outcomes = try await workload.store.insertDocuments(chunk)
            let vectors = outcomes.compactMap { outcome -> VectorRecord? in
                guard case .inserted(let id) = outcome else { return nil }
                let values = (0..<dimension).map { _ in Float(generator.unitInterval() * 2 - 1) }
                return VectorRecord(
                    ownerKind: .document, ownerID: id, model: workload.model, textHash: "extra-\(id)",
                    values: TopK.normalised(values))
            }
            try await workload.store.insertVectors(vectors)
        }
    }

    /// Hard negatives for the weak set over every stored document vector; returns seconds.
    func negativesPhase(_ workload: Workload) async throws -> Double {
        let documents = try await workload.store.documentVectorCount(model: workload.model)
        let start = ContinuousClock.now
        let report = try await HardNegativeMiner(
            store: workload.store, model: workload.model, settings: PipelineConfiguration.NegativeSettings()
        ).mine(run: "bench")
        let seconds = Self.seconds(since: start)
        print(String(format: "negatives: %.3f s over %d document vectors (%@)", seconds, documents, report.description))
        return seconds
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start) / .seconds(1)
    }

    /// Makes the 0.6B-shaped checkpoint with the engine benchmark's generator when absent.
    static func ensureCheckpoint(_ folder: URL) throws {
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("model.safetensors").path) { return }
        print("generating the benchmark checkpoint in \(folder.path) (once; about 1.2 GB)…")
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference/engine_make_checkpoint.py")
        let result = try ProcessRunner.run(try TestEnvironment.requirePython(), [script.path, "--bench", folder.path])
        guard result.status == 0 else {
            throw ValidationError("engine_make_checkpoint.py --bench failed (\(result.status)): \(result.stderr)")
        }
    }
}

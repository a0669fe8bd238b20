import Foundation
import PairsmithConfiguration
import PairsmithEndpoints
import PairsmithEngine
import PairsmithExport
import PairsmithPipeline
import PairsmithSelection
import PairsmithStore
import PairsmithTestSupport
import PairsmithText
import Testing

@Suite("Filters: rerank stage, remote rerankers and distillation scores")
struct FilterRerankTests {
    typealias F = SelectionFixtures

    /// 12 passages and 18 examples; examples 0–3 carry their own anchor instruction.
    static func examples(_ store: PairsmithStore) async throws -> [Int64] {
        let documentIDs = try await F.addDocuments(store, F.corpus(12))
        var records: [ExampleRecord] = []
        for index in 0..<18 {
            let query = F.queries(for: index % 12, count: 2)[index / 12]
            records.append(
                ExampleRecord(
                    run: "r", documentID: documentIDs[index % 12], sample: index / 12, task: "retrieval", anchor: query,
                    anchorInstruction: index < 4 ? "Given a question, find the passage that answers it" : nil,
                    anchorLanguage: "en", positiveLanguage: "en", lengthWords: query.split(separator: " ").count, requestHash: nil))
        }
        return try await store.insertExamples(records)
    }

    /// The (query, document, instruction) of every example as the rerank stage must score it.
    static func inputs(_ store: PairsmithStore, pairIDs: [Int64], defaultInstruction: String) async throws -> [[String: String]] {
        let candidates = try await store.rerankCandidates(run: "r", model: "-", after: 0, limit: 1_000)
        let byID = Dictionary(uniqueKeysWithValues: candidates.map { ($0.pairID, $0) })
        return pairIDs.compactMap { id in
            byID[id].map { ["query": $0.anchor, "document": $0.positive, "instruction": $0.anchorInstruction ?? defaultInstruction] }
        }
    }

    static func jsonl(_ items: [[String: String]]) throws -> Data {
        var data = Data()
        for item in items {
            data.append(try JSONSerialization.data(withJSONObject: item, options: [.sortedKeys]))
            data.append(0x0A)
        }
        return data
    }

    @Test("local engine: stored rerank scores equal transformers' Qwen3-Reranker yes/no probability within 1e-4; resumes; a new instruction rescores")
    func localParity() async throws {
        let folder = try EngineCheckpointSuite.checkpoint("rerank-bf16")
        let store = try PairsmithStore.inMemory()
        let pairIDs = try await Self.examples(store)
        let backend = try RerankBackend(folder: folder)
        let instruction = "Find it"
        let stage = RerankStage(store: store, reranker: backend.scorer(instruction: instruction), batchSize: 5)
        let report = try await stage.rerankAll(run: "r")
        #expect(report.scoredNow == 18 && report.alreadyScored == 0)

        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference/engine_reference.py")
        let python = try TestEnvironment.requirePython()
        let items = try await Self.inputs(store, pairIDs: pairIDs, defaultInstruction: instruction)
        let result = try ProcessRunner.run(python, [script.path, "rerank", "--model", folder.path], stdin: try Self.jsonl(items))
        #expect(result.status == 0, "\(result.stderr)")
        let expected = String(decoding: result.stdout, as: UTF8.self).split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["score"] as? Double
        }
        #expect(expected.count == 18)
        let stored = try await store.rerankScores(run: "r", model: backend.name)
        for (pairID, score) in zip(pairIDs, expected) {
            let mine = try #require(stored[pairID])
            #expect(abs(mine - score) <= 1e-4, "example \(pairID): \(mine) vs transformers \(score)")
        }
        #expect(Set(expected.map { ($0 * 1e4).rounded() }).count > 3, "the scores must differ between pairs")

        let again = try await stage.rerankAll(run: "r")
        #expect(again.scoredNow == 0 && again.alreadyScored == 18)
        let other = RerankStage(store: store, reranker: backend.scorer(instruction: "Another task"), batchSize: 5)
        let changed = try await other.rerankAll(run: "r")
        #expect(changed.scoredNow == 14 && changed.alreadyScored == 4, "only examples under the default instruction")
    }

    @Test("remote: vLLM /v1/rerank, TEI /rerank and vLLM /score answers, faults retried, equal the endpoint's formula computed in Python")
    func remoteMatchesFormula() async throws {
        try await TestEndpoint.withRunning { endpoint in
            let base = "http://127.0.0.1:\(endpoint.port)"
            for (url, api, format) in [
                (endpoint.url, RerankAPI.rerank, RerankPromptFormat.client), ("\(base)/rerank", .tei, .client),
                ("\(base)/score", .score, .client), (endpoint.url, .rerank, .server),
            ] {
                #expect(RerankAPI.resolve(url).api == api)
                let store = try PairsmithStore.inMemory()
                let pairIDs = try await Self.examples(store)
                let configuration = RerankClientConfiguration(
                    endpoints: [EndpointConfiguration(url: url, model: "test-reranker", maxConcurrentRequests: 2)], batchSize: 3,
                    retry: RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(5), maxDelay: .milliseconds(20)),
                    health: HealthPolicy(failureThreshold: 20, coolingPeriod: .milliseconds(10)))
                var configured = configuration
                configured.promptFormat = format
                try await RerankClient.withClient(configured) { client in
                    endpoint.script([.serverError, .wrongSchema, .rateLimited, .thinkPrefix, .codeFences, .notJSON, nil, .truncatedBody])
                    let scorer = RerankScorer(model: "remote-\(api.rawValue)", instruction: "Find it", callSize: 4) { pairs, instruction in
                        try await client.score(pairs.map { ($0.query, $0.document) }, instruction: instruction)
                    }
                    let report = try await RerankStage(store: store, reranker: scorer, batchSize: 7).rerankAll(run: "r")
                    #expect(report.scoredNow == 18)
                    let stats = await client.statistics()
                    #expect(stats.reduce(0) { $0 + $1.retries } >= 6, "the scripted faults must have been retried")
                }
                let items = try await Self.inputs(store, pairIDs: pairIDs, defaultInstruction: "Find it").map {
                    $0.merging(["format": format.rawValue]) { _, new in new }
                }
                let expected = try #require(try FilterFixtures.reference(["fnv-rerank"], stdin: try Self.jsonl(items))["scores"] as? [Double])
                let stored = try await store.rerankScores(run: "r", model: "remote-\(api.rawValue)")
                for (pairID, score) in zip(pairIDs, expected) {
                    #expect(abs((stored[pairID] ?? -1) - score) <= 1e-4, "\(api) \(format) example \(pairID)")
                }
            }
        }
    }

    @Test("export --scores writes pos_scores/neg_scores from the stored rerank or cosine scores; off by default")
    func distillationScores() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-scores")
        defer { directory.remove() }
        let store = try PairsmithStore(url: directory.file("db.sqlite"))
        let configuration = "name: r\nembedding:\n  query_instruction: Find it\n"
        _ = try await store.beginRun(
            RunRecord(
                id: "r", pipelinePath: "r.yaml", pipelineSHA256: ContentHash.sha256(configuration), configuration: configuration,
                pairsmithVersion: "0.1.0", createdAt: Date(), updatedAt: Date()))
        _ = try await Self.examples(store)
        let embedder = F.CountingEmbedder()
        _ = try await ScoreStage(store: store, model: "m", instruction: "Find it", embed: embedder.embed).scoreAll(run: "r")
        // A stand-in reranker with a score of its own per text (what it is does not matter here: the export must copy it).
        let scorer = RerankScorer(model: "rr", instruction: "Find it") { pairs, _ in
            pairs.map { Double(SeededRandom.fnv1a("\($0.query)|\($0.document)".utf8) % 1000) / 1000 }
        }
        var job = SelectionJob(
            store: store, run: "r", model: "m", instruction: "Find it",
            settings: PipelineConfiguration.SelectionSettings(
                similarityThreshold: 0, negatives: .init(count: 3, rankFrom: 1, rankTo: 11, guardFactor: 10, relativeMargin: 0)),
            embed: nil)
        job.rerank = scorer
        _ = try await job.execute()

        for kind in [ExportScores?.none, .rerank, .cosine] {
            var options = ExportOptions(output: directory.file("out-\(kind?.rawValue ?? "none")"), format: .flagEmbedding, set: .sft)
            options.scores = kind
            _ = try await Exporter(store: store, options: options).exportAll()
            let text = try String(contentsOf: directory.file("out-\(kind?.rawValue ?? "none")/part-00000.jsonl"), encoding: .utf8)
            let rows = text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(!rows.isEmpty)
            let pairs = try await store.scoredPairs(run: "r", model: "m")
            let rerank = try await store.rerankScores(run: "r", model: "rr")
            let documents = try await store.documents(ids: pairs.map(\.documentID))
            for row in rows {
                guard let kind else {
                    #expect(row["pos_scores"] == nil && row["neg_scores"] == nil)
                    continue
                }
                let query = row["query"] as? String
                let positiveText = (row["pos"] as? [String])?.first
                let pair = try #require(pairs.first { $0.anchor == query && documents[$0.documentID]?.text == positiveText })
                let negatives = try await store.negatives(pairID: pair.pairID)
                let texts = negatives.map { documents[$0.documentID]?.text ?? "" }
                #expect((row["neg"] as? [String]) == texts)
                let positive = kind == .rerank ? rerank[pair.pairID] : pair.cosine
                func close(_ a: [Double]?, _ b: [Double]) -> Bool {
                    guard let a, a.count == b.count else { return false }
                    return zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 }
                }
                #expect(close(row["pos_scores"] as? [Double], positive.map { [$0] } ?? []))
                let negativeScores = negatives.map { kind == .rerank ? $0.rerankScore ?? -1 : $0.score }
                #expect(close(row["neg_scores"] as? [Double], negativeScores))
                #expect(negativeScores.count == (row["neg"] as? [String])?.count)
            }
        }
        var bad = ExportOptions(output: directory.file("bad"), format: .sentenceTransformers, set: .sft)
        bad.scores = .cosine
        await #expect(throws: ExportError.scoresNeedFlagEmbedding(format: "sentence-transformers")) {
            try await Exporter(store: store, options: bad).exportAll()
        }
    }
}

import Foundation
import PairsmithConfiguration
import PairsmithEngine
import PairsmithMatching
import PairsmithSelection
import PairsmithStore
import PairsmithTestSupport
import PairsmithText
import Testing

@Suite("Selection: score stage")
struct SelectionScoreTests {
    typealias F = SelectionFixtures

    /// A store with `documents` passages and two uniquely worded queries per passage in run `r`.
    static func makeStore(_ directory: TemporaryDirectory, documents: Int) async throws -> (PairsmithStore, [Int64]) {
        let store = try PairsmithStore(url: directory.file("db.sqlite"))
        let corpus = F.corpus(documents)
        let ids = try await F.addDocuments(store, corpus)
        var pairs: [(documentID: Int64, sample: Int, query: String)] = []
        for (index, id) in ids.enumerated() {
            for (sample, query) in F.queries(for: index, count: 2).enumerated() {
                pairs.append((id, sample, "\(query) number \(index)"))
            }
        }
        try await F.addPairs(store, run: "r", pairs)
        return (store, ids)
    }

    @Test("stored cosines match numpy (from the texts and from the stored vectors); SFT is exactly cosine > 0.7")
    func scoresAndSFT() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-score")
        defer { directory.remove() }
        let (store, ids) = try await Self.makeStore(directory, documents: 24)
        let corpus = F.corpus(24)
        // Half the passages were embedded by persona matching already: those vectors must be reused.
        let preEmbedded = Array(ids.prefix(12))
        try await store.insertVectors(
            zip(preEmbedded, corpus).map { id, document in
                VectorRecord(
                    ownerKind: .document, ownerID: id, model: "bytes", textHash: ContentHash.sha256(document.text),
                    values: TopK.normalised(F.byteFeatures(document.text)))
            })
        let embedder = F.CountingEmbedder()
        var settings = PipelineConfiguration.SelectionSettings()
        settings.nearDuplicateCosine = 1.0  // byte features of distinct queries are never identical
        settings.negatives.count = 0
        let summary = try await SelectionJob(
            store: store, run: "r", model: "bytes", instruction: F.instruction, settings: settings, embedBatchSize: 5,
            embed: embedder.embed
        ).execute()
        #expect(summary.score?.scoredNow == 48)
        #expect(summary.score?.passagesEmbedded == 12 && summary.score?.passagesReused == 12)

        // Nothing embedded twice; the pre-embedded passages not at all; queries carry the instruction.
        let embedded = embedder.embedded
        #expect(Set(embedded).count == embedded.count)
        #expect(embedded.filter { $0.hasPrefix("Instruct: \(F.instruction)\nQuery:") }.count == 48)
        for document in corpus.prefix(12) { #expect(!embedded.contains(document.text)) }
        for document in corpus.dropFirst(12) { #expect(embedded.contains(document.text)) }

        // The reference: features of the instructed query and the passage, float64, from the texts alone.
        let pairs = try await store.scoredPairs(run: "r", model: "bytes")
        let documents = try await store.documents(ids: ids)
        let script =
            F.featuresPython + "\n" + """
                import json, sys
                data = json.load(sys.stdin)
                text = [float(features("Instruct: " + data["instruction"] + "\\nQuery:" + q) @ features(p))
                        for q, p in zip(data["queries"], data["passages"])]
                q = np.array(data["query_vectors"], dtype=np.float64)
                p = np.array(data["passage_vectors"], dtype=np.float64)
                stored = ((q * p).sum(1) / np.linalg.norm(q, axis=1) / np.linalg.norm(p, axis=1)).tolist()
                print(json.dumps({"text": text, "stored": stored}))
                """
        let queryVectors = try await store.queryVectors(run: "r", model: "bytes")
        let passageVectors = try await store.vectors(kind: .document, model: "bytes")
        let reference = try F.python(
            script,
            input: [
                "instruction": F.instruction, "queries": pairs.map(\.anchor),
                "passages": pairs.map { documents[$0.documentID]?.text ?? "" },
                "query_vectors": pairs.map { (queryVectors[$0.pairID] ?? []).map(Double.init) },
                "passage_vectors": pairs.map { (passageVectors[$0.documentID]?.values ?? []).map(Double.init) },
            ])
        let fromText = try #require(reference["text"] as? [Double])
        let fromVectors = try #require(reference["stored"] as? [Double])
        for (index, pair) in pairs.enumerated() {
            let cosine = try #require(pair.cosine)
            #expect(abs(cosine - fromText[index]) < 1e-5, "pair \(pair.pairID): stored \(cosine), numpy \(fromText[index])")
            #expect(abs(cosine - fromVectors[index]) < 1e-9, "pair \(pair.pairID): stored \(cosine), from vectors \(fromVectors[index])")
        }

        // SFT = exactly the pairs numpy puts above 0.7; weak = all pairs (no duplicates here).
        let expected = Set(pairs.indices.filter { fromText[$0] > 0.7 }.map { pairs[$0].pairID })
        #expect(!expected.isEmpty && expected.count < pairs.count, "the fixture must straddle the threshold")
        #expect(pairs.indices.allSatisfy { abs(fromText[$0] - 0.7) > 1e-5 })
        let sft = try #require(try await store.latestSelection(run: "r", set: .sft))
        let weak = try #require(try await store.latestSelection(run: "r", set: .weak))
        #expect(Set(try await store.selectedPairIDs(selectionID: sft.id!)) == expected)
        #expect(try await store.selectedPairIDs(selectionID: weak.id!) == pairs.map(\.pairID).sorted())
        #expect(sft.records == expected.count && sft.low == 0.7 && sft.high == nil && sft.model == "bytes")
        #expect(sft.parameters.contains("\"threshold\":0.7"))
    }

    @Test("a stage stopped mid-way continues without embedding the committed pairs again; a new instruction rescores")
    func resume() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-score-resume")
        defer { directory.remove() }
        let (store, _) = try await Self.makeStore(directory, documents: 20)
        let failing = F.CountingEmbedder(failAfter: 30)
        let first = ScoreStage(store: store, model: "bytes", instruction: F.instruction, batchSize: 8, embedBatchSize: 4, embed: failing.embed)
        await #expect(throws: CancellationError.self) { try await first.scoreAll(run: "r") }
        let scoredBefore = try await store.scoredPairs(run: "r", model: "bytes").filter { $0.cosine != nil }
        #expect(!scoredBefore.isEmpty && scoredBefore.count < 40)

        let counting = F.CountingEmbedder()
        let second = ScoreStage(store: store, model: "bytes", instruction: F.instruction, batchSize: 8, embedBatchSize: 4, embed: counting.embed)
        let report = try await second.scoreAll(run: "r")
        #expect(report.alreadyScored == scoredBefore.count)
        #expect(report.scoredNow == 40 - scoredBefore.count)
        let again = Set(counting.embedded)
        for pair in scoredBefore { #expect(!again.contains(second.instructed(pair.anchor)), "pair \(pair.pairID) was embedded again") }
        let after = try await store.scoredPairs(run: "r", model: "bytes")
        #expect(after.allSatisfy { $0.cosine != nil })
        // The resumed scores equal those of an uninterrupted pass over a fresh copy.
        let cleanDirectory = try TemporaryDirectory(prefix: "pairsmith-score-clean")
        defer { cleanDirectory.remove() }
        let (clean, _) = try await Self.makeStore(cleanDirectory, documents: 20)
        _ = try await ScoreStage(store: clean, model: "bytes", instruction: F.instruction, embed: F.CountingEmbedder().embed).scoreAll(run: "r")
        let cleanScores = try await clean.scoredPairs(run: "r", model: "bytes").map(\.cosine)
        #expect(after.map(\.cosine) == cleanScores)

        // Running again does nothing; a changed instruction rescores every pair, reusing the passage vectors.
        let idle = try await second.scoreAll(run: "r")
        #expect(idle.scoredNow == 0 && idle.alreadyScored == 40)
        let changed = F.CountingEmbedder()
        let rescored = try await ScoreStage(store: store, model: "bytes", instruction: "Another task", embed: changed.embed).scoreAll(run: "r")
        #expect(rescored.scoredNow == 40 && rescored.passagesEmbedded == 0)
        #expect(changed.embedded.allSatisfy { $0.hasPrefix("Instruct: Another task\nQuery:") })
    }

    @Test("with the engine: stored cosines equal the engine's own instruction-aware embeddings")
    func engine() async throws {
        let embedder = try Embedder(folder: try RunFixtures.embeddingModel.get())
        let directory = try TemporaryDirectory(prefix: "pairsmith-score-engine")
        defer { directory.remove() }
        let (store, ids) = try await Self.makeStore(directory, documents: 4)
        let instruction = "Given a web search query, retrieve relevant passages that answer the query"
        let stage = ScoreStage(store: store, model: "tiny", instruction: instruction, embed: { texts in try await embedder.embed(texts) })
        let report = try await stage.scoreAll(run: "r")
        #expect(report.scoredNow == 8 && report.passagesEmbedded == 4)
        let documents = try await store.documents(ids: ids)
        let queryVectors = try await store.vectors(kind: .query, model: "tiny")
        for pair in try await store.scoredPairs(run: "r", model: "tiny") {
            let query = try await embedder.embed([pair.anchor], instruction: instruction)[0]
            let passage = try await embedder.embed([documents[pair.documentID]?.text ?? ""])[0]
            let expected = zip(query, passage).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let cosine = try #require(pair.cosine)
            #expect(abs(cosine - expected) < 1e-5, "pair \(pair.pairID): stored \(cosine), engine \(expected)")
            #expect(queryVectors[pair.pairID]?.textHash == ContentHash.sha256(Embedder.query(pair.anchor, instruction: instruction)))
        }
    }
}

import Foundation
import PairsmithConfiguration
import PairsmithSelection
import PairsmithStore
import PairsmithTestSupport
import Testing

@Suite("Selection: hard negatives")
struct SelectionNegativeTests {
    typealias F = SelectionFixtures

    /// Clustered unit vectors from numpy (seeded): 240 passages around 8 topics, 48 queries near a passage each.
    static let generator = """
        import json
        import numpy as np
        rng = np.random.default_rng(1234)
        dim = 16
        centers = rng.normal(size=(8, dim))
        docs = centers[np.arange(240) % 8] + 0.55 * rng.normal(size=(240, dim))
        docs /= np.linalg.norm(docs, axis=1, keepdims=True)
        positives = rng.choice(240, size=48, replace=False)
        queries = docs[positives] + 0.45 * rng.normal(size=(48, dim))
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        print(json.dumps({"docs": docs.astype(np.float32).tolist(), "queries": queries.astype(np.float32).tolist(),
                          "positives": positives.tolist()}))
        """

    /// The brute-force reference: rank every passage but the positive by float64 cosine (ties to the lower
    /// index), keep ranks in [rank_from, rank_to] scoring at most guard x the stored positive score, first K.
    static let reference = """
        import json, sys
        import numpy as np
        data = json.load(sys.stdin)
        docs = np.array(data["docs"], dtype=np.float64)
        out = []
        for query, positive, pos_score in zip(data["queries"], data["positives"], data["positive_scores"]):
            scores = docs @ np.array(query, dtype=np.float64)
            order = [i for i in sorted(range(len(docs)), key=lambda i: (-scores[i], i)) if i != positive]
            chosen, skipped = [], 0
            for rank, i in enumerate(order, start=1):
                if rank < data["rank_from"]:
                    continue
                if rank > data["rank_to"] or len(chosen) == data["k"]:
                    break
                if scores[i] > data["guard"] * pos_score:
                    skipped += 1
                    continue
                chosen.append(i)
            out.append({"chosen": chosen, "skipped": skipped})
        print(json.dumps({"pairs": out}))
        """

    @Test("negatives are numpy's brute-force top-K within the rank range, never the positive nor above the guard; short searches say so")
    func bruteForce() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-negatives")
        defer { directory.remove() }
        let store = try PairsmithStore(url: directory.file("db.sqlite"))
        let data = try F.python(Self.generator, input: [String: Int]())
        let docs = try #require(data["docs"] as? [[Double]]).map { $0.map(Float.init) }
        let queries = try #require(data["queries"] as? [[Double]]).map { $0.map(Float.init) }
        let positives = try #require(data["positives"] as? [Int])

        let documentIDs = try await F.addDocuments(store, docs.indices.map { ("doc-\(String(format: "%03d", $0))", "passage \($0)") })
        let pairIDs = try await F.addPairs(store, run: "r", positives.enumerated().map { (documentIDs[$1], 0, "query \($0)") })
        try await store.insertVectors(
            zip(documentIDs, docs).map { id, values in
                VectorRecord(ownerKind: .document, ownerID: id, model: "m", textHash: "d\(id)", values: values)
            })
        var scores: [ScoreRecord] = []
        var vectors: [VectorRecord] = []
        for (index, pairID) in pairIDs.enumerated() {
            vectors.append(VectorRecord(ownerKind: .query, ownerID: pairID, model: "m", textHash: "q\(pairID)", values: queries[index]))
            scores.append(ScoreRecord(pairID: pairID, model: "m", cosine: Cosine.of(queries[index], docs[positives[index]])))
        }
        try await store.storeScores(scores, vectors: vectors)
        _ = try await Selector(store: store, model: "m").select(run: "r", criteria: SelectionCriteria())
        let indexOf = Dictionary(uniqueKeysWithValues: documentIDs.enumerated().map { ($1, $0) })

        for (settings, chunked) in [
            (PipelineConfiguration.NegativeSettings(count: 7, rankFrom: 1, rankTo: 100, guardFactor: 0.95), false),
            (PipelineConfiguration.NegativeSettings(count: 7, rankFrom: 3, rankTo: 9, guardFactor: 0.9), true),
        ] {
            let miner =
                chunked
                ? HardNegativeMiner(store: store, model: "m", settings: settings, queryBlock: 5, documentChunk: 37, residentFloats: 0)
                : HardNegativeMiner(store: store, model: "m", settings: settings)
            let report = try await miner.mine(run: "r")
            #expect(report.searchedNow == 48 && report.alreadySearched == 0)
            let expected = try F.python(
                Self.reference,
                input: [
                    "docs": docs.map { $0.map(Double.init) }, "queries": queries.map { $0.map(Double.init) },
                    "positives": positives, "positive_scores": scores.map(\.cosine), "k": settings.count,
                    "rank_from": settings.rankFrom, "rank_to": settings.rankTo, "guard": settings.guardFactor,
                ])
            let rows = try #require(expected["pairs"] as? [[String: Any]])
            var skippedByGuard = 0
            for (index, pairID) in pairIDs.enumerated() {
                let chosen = try #require(rows[index]["chosen"] as? [Int])
                skippedByGuard += rows[index]["skipped"] as? Int ?? 0
                let negatives = try await store.negatives(pairID: pairID)
                #expect(negatives.map { indexOf[$0.documentID] ?? -1 } == chosen, "pair \(index) with \(settings)")
                #expect(negatives.allSatisfy { $0.documentID != documentIDs[positives[index]] })
                #expect(negatives.allSatisfy { $0.score <= settings.guardFactor * scores[index].cosine + 1e-6 })
                #expect(negatives.map(\.rank) == Array(0..<negatives.count))
                let search = try #require(try await store.negativeSearch(pairID: pairID))
                #expect(search.found == chosen.count && search.requested == 7 && search.rankFrom == settings.rankFrom)
            }
            #expect(skippedByGuard > 0, "the fixture must exercise the guard")
            if chunked { #expect(report.short > 0, "rank range 3...9 with the guard must leave some pairs short") }
            let again = try await miner.mine(run: "r")
            #expect(again.searchedNow == 0 && again.alreadySearched == 48)
        }
    }
}

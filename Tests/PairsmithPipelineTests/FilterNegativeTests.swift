import Foundation
import PairsmithConfiguration
import PairsmithSelection
import PairsmithStore
import PairsmithTestSupport
import PairsmithText
import Testing

@Suite("Filters: round-trip ranks and false-negative guards")
struct FilterNegativeTests {
    typealias F = SelectionFixtures

    /// 160 clustered passages; 30 queries near a passage each; for 10 of those positives a near-duplicate passage
    /// (the positive plus a little noise); passages 0…11 are 4 records cut into 3 chunks each (the positives 0, 3, 6
    /// have sibling chunks close to them); queries 28 and 29 repeat the anchor of query 27 with other passages.
    static let generator = """
        import json
        import numpy as np
        rng = np.random.default_rng(16)
        dim = 16
        centers = rng.normal(size=(6, dim))
        n = 160
        docs = centers[np.arange(n) % 6] + 0.6 * rng.normal(size=(n, dim))
        for record in range(4):
            base = docs[3 * record]
            for k in (1, 2):
                docs[3 * record + k] = base + 0.15 * rng.normal(size=dim)
        positives = [0, 3, 6] + [int(x) for x in rng.choice(np.arange(12, 120), size=27, replace=False)]
        near = {}
        for j, p in enumerate(positives[3:13]):
            index = 120 + j
            docs[index] = docs[p] + 0.05 * rng.normal(size=dim)
            near[p] = index
        docs /= np.linalg.norm(docs, axis=1, keepdims=True)
        queries = docs[positives] + 0.35 * rng.normal(size=(len(positives), dim))
        queries[28] = queries[27]
        queries[29] = queries[27]
        queries /= np.linalg.norm(queries, axis=1, keepdims=True)
        print(json.dumps({"docs": docs.astype(np.float32).tolist(), "queries": queries.astype(np.float32).tolist(),
                          "positives": positives, "near": {str(k): v for k, v in near.items()}}))
        """

    /// The database of the fixture; returns document ids, example ids, positives and near duplicates (indices).
    static func fixture(_ store: PairsmithStore) async throws -> (documentIDs: [Int64], pairIDs: [Int64], positives: [Int], near: [Int: Int]) {
        let data = try F.python(Self.generator, input: [String: Int]())
        let docs = try #require(data["docs"] as? [[Double]]).map { $0.map(Float.init) }
        let queries = try #require(data["queries"] as? [[Double]]).map { $0.map(Float.init) }
        let positives = try #require(data["positives"] as? [Int])
        let near = Dictionary(uniqueKeysWithValues: try #require(data["near"] as? [String: Int]).map { (Int($0.key) ?? -1, $0.value) })
        let records = docs.indices.map { index -> DocumentRecord in
            let text = "passage \(index)"
            if index < 12 {
                return DocumentRecord(
                    key: "rec-\(index / 3)#\(index % 3)", sourceFile: "t.jsonl", sourceLine: index / 3 + 1, text: text, lang: "en",
                    langSource: "given", contentHash: ContentHash.sha256(text), parentKey: "rec-\(index / 3)", chunkIndex: index % 3,
                    charStart: 0, charEnd: text.unicodeScalars.count)
            }
            return DocumentRecord(
                key: String(format: "doc-%03d", index), sourceFile: "t.jsonl", sourceLine: index + 1, text: text, lang: "en",
                langSource: "given", contentHash: ContentHash.sha256(text))
        }
        let documentIDs = try await store.insertDocuments(records).map { outcome -> Int64 in
            switch outcome {
            case .inserted(let id), .alreadyPresent(let id): id
            default: -1
            }
        }
        let anchors = positives.indices.map { $0 >= 27 ? "the same question" : "query \($0)" }
        let pairIDs = try await F.addPairs(store, run: "r", positives.enumerated().map { (documentIDs[$1], $0, anchors[$0]) })
        try await store.insertVectors(
            zip(documentIDs, docs).map { VectorRecord(ownerKind: .document, ownerID: $0, model: "m", textHash: "d\($0)", values: $1) })
        var scores: [ScoreRecord] = []
        var vectors: [VectorRecord] = []
        for (index, pairID) in pairIDs.enumerated() {
            vectors.append(VectorRecord(ownerKind: .query, ownerID: pairID, model: "m", textHash: "q\(pairID)", values: queries[index]))
            scores.append(ScoreRecord(pairID: pairID, model: "m", cosine: Cosine.of(queries[index], docs[positives[index]])))
        }
        try await store.storeScores(scores, vectors: vectors)
        return (documentIDs, pairIDs, positives, near)
    }

    static func settingsJSON(_ settings: PipelineConfiguration.NegativeSettings) -> String {
        var object: [String: Any] = [
            "count": settings.count, "rank_from": settings.rankFrom, "rank_to": settings.rankTo, "guard": settings.guardFactor,
        ]
        object["absolute_margin"] = settings.absoluteMargin
        object["relative_margin"] = settings.relativeMargin
        return String(decoding: (try? JSONSerialization.data(withJSONObject: object)) ?? Data(), as: UTF8.self)
    }

    @Test("positive ranks equal a numpy brute force over every passage, from the negative search itself")
    func ranksMatchNumpy() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-ranks")
        defer { directory.remove() }
        let path = directory.file("db.sqlite")
        let store = try PairsmithStore(url: path)
        let fixture = try await Self.fixture(store)
        _ = try await Selector(store: store, model: "m").select(run: "r", criteria: SelectionCriteria(threshold: 0))
        // Blocks and chunks smaller than the data, documents streamed: the counts must add up across chunks.
        let miner = HardNegativeMiner(
            store: store, model: "m", settings: .init(count: 3, rankFrom: 1, rankTo: 20), queryBlock: 7, documentChunk: 23,
            residentFloats: 0)
        let report = try await miner.mine(run: "r")
        #expect(report.ranked == fixture.pairIDs.count)
        let expected = try #require(try FilterFixtures.reference(["ranks", path.path, "r", "m"])["ranks"] as? [String: Int])
        let ranks = try await store.positiveRanks(run: "r", model: "m")
        #expect(ranks.count == fixture.pairIDs.count)
        for pairID in fixture.pairIDs {
            #expect(ranks[pairID]?.rank == expected["\(pairID)"], "pair \(pairID)")
            #expect(ranks[pairID]?.passages == 160)
        }
        #expect(Set(ranks.values.map(\.rank)).count > 3, "the fixture must spread the ranks")
        #expect(ranks.values.contains { $0.rank == 1 } && ranks.values.contains { $0.rank > 1 })

        // Examples searched before ranks existed (no rank row) are searched again for their rank; then nothing.
        let again = try await miner.mine(run: "r")
        #expect(again.searchedNow == 0 && again.ranked == 0)

        // max_positive_rank reads them; the selection job ranks before it selects, and nothing is scored again.
        var criteria = SelectionCriteria(threshold: 0)
        criteria.filters = FilterCriteria(maxPositiveRank: 2)
        let outcome = try await Selector(store: store, model: "m").select(run: "r", criteria: criteria)
        let kept = fixture.pairIDs.filter { (expected["\($0)"] ?? 99) <= 2 }
        #expect(try await store.selectedPairIDs(selectionID: try #require(outcome.sft.id)) == kept)
        #expect(outcome.criteria.last?.failed == fixture.pairIDs.count - kept.count)
    }

    @Test("guards skip near duplicates by the margins and never take the positive's chunks or another positive of the same anchor, as numpy does")
    func guardsMatchNumpy() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-guards")
        defer { directory.remove() }
        let path = directory.file("db.sqlite")
        let store = try PairsmithStore(url: path)
        let fixture = try await Self.fixture(store)
        _ = try await Selector(store: store, model: "m").select(run: "r", criteria: SelectionCriteria(threshold: 0))
        let indexOf = Dictionary(uniqueKeysWithValues: fixture.documentIDs.enumerated().map { ($1, $0) })

        // Without guards (guard factor 10, no margins) the near duplicates come out as negatives: the fixture bites.
        let loose = PipelineConfiguration.NegativeSettings(count: 5, rankFrom: 1, rankTo: 40, guardFactor: 10)
        let unguarded = try #require(
            try FilterFixtures.reference(["negatives", path.path, "r", "m", Self.settingsJSON(loose)])["negatives"] as? [String: [Int]])
        let nearIDs = Set(fixture.near.values.map { fixture.documentIDs[$0] })
        let falseNegatives = unguarded.values.flatMap { $0 }.filter { nearIDs.contains(Int64($0)) }.count
        #expect(falseNegatives >= 8, "near duplicates must rank among the candidates, found \(falseNegatives)")

        for settings in [
            PipelineConfiguration.NegativeSettings(count: 5, rankFrom: 1, rankTo: 40, guardFactor: 10, absoluteMargin: 0.05),
            PipelineConfiguration.NegativeSettings(count: 5, rankFrom: 2, rankTo: 30, guardFactor: 0.97, relativeMargin: 0.08),
            PipelineConfiguration.NegativeSettings(
                count: 4, rankFrom: 1, rankTo: 25, guardFactor: 10, absoluteMargin: 0.02, relativeMargin: 0.05),
        ] {
            let report = try await HardNegativeMiner(store: store, model: "m", settings: settings).mine(run: "r")
            #expect(report.searchedNow == fixture.pairIDs.count)
            let expected = try #require(
                try FilterFixtures.reference(["negatives", path.path, "r", "m", Self.settingsJSON(settings)])["negatives"]
                    as? [String: [Int]])
            var skippedNear = 0
            for (index, pairID) in fixture.pairIDs.enumerated() {
                let negatives = try await store.negatives(pairID: pairID)
                #expect(negatives.map { Int($0.documentID) } == expected["\(pairID)"], "pair \(index), \(settings)")
                let positive = fixture.positives[index]
                let cosine = try #require(try await store.scoredPairs(run: "r", model: "m").first { $0.pairID == pairID }?.cosine)
                for negative in negatives {
                    let document = indexOf[negative.documentID] ?? -1
                    #expect(document != positive)
                    if positive < 12 { #expect(document / 3 != positive / 3 || document >= 12, "a chunk of the positive's record") }
                    if index >= 27 {
                        #expect(![27, 28, 29].map { fixture.positives[$0] }.contains(document), "another positive of the same anchor")
                    }
                    if let margin = settings.absoluteMargin { #expect(negative.score + margin <= cosine + 1e-6) }
                    if let margin = settings.relativeMargin { #expect(negative.score <= cosine * (1 - margin) + 1e-6) }
                }
                if let nearIndex = fixture.near[positive], !negatives.contains(where: { indexOf[$0.documentID] == nearIndex }) {
                    skippedNear += 1
                }
                let search = try #require(try await store.negativeSearch(pairID: pairID))
                #expect(search.absoluteMargin == settings.absoluteMargin && search.relativeMargin == settings.relativeMargin)
            }
            #expect(skippedNear == fixture.near.count)
        }
    }

    @Test("with a reranker the margins compare rerank scores, which are stored with the negatives")
    func rerankerMargins() async throws {
        let store = try PairsmithStore.inMemory()
        let fixture = try await Self.fixture(store)
        _ = try await Selector(store: store, model: "m").select(run: "r", criteria: SelectionCriteria(threshold: 0))
        // A stand-in reranker whose scores are known here: the positive 0.9, passage texts ending in 0–4 score 0.95
        // (false negatives by the reranker), others 0.3.
        let scorer = RerankScorer(model: "rr", instruction: "Find it", callSize: 7) { pairs, _ in
            pairs.map { pair in
                guard let last = pair.document.last, let digit = last.wholeNumberValue else { return 0.9 }
                return digit < 5 ? 0.95 : 0.3
            }
        }
        // The positive's rerank score from the rerank stage.
        let rerank = try await RerankStage(
            store: store,
            reranker: RerankScorer(model: "rr", instruction: "Find it") { pairs, _ in
                pairs.map { _ in 0.9 }
            }
        ).rerankAll(run: "r")
        #expect(rerank.scoredNow == fixture.pairIDs.count)
        let settings = PipelineConfiguration.NegativeSettings(count: 4, rankFrom: 1, rankTo: 40, guardFactor: 10, absoluteMargin: 0.1)
        let report = try await HardNegativeMiner(store: store, model: "m", settings: settings, rerank: scorer).mine(run: "r")
        #expect(report.searchedNow == fixture.pairIDs.count)
        let texts = try await store.documents(ids: fixture.documentIDs)
        let cosines = Dictionary(uniqueKeysWithValues: try await store.scoredPairs(run: "r", model: "m").map { ($0.pairID, $0.cosine ?? 0) })
        for pairID in fixture.pairIDs {
            let negatives = try await store.negatives(pairID: pairID)
            // The cosine guard still applies: guard × a negative positive cosine leaves nothing.
            let cosine = cosines[pairID] ?? 0
            if cosine > 0.1 { #expect(negatives.count == 4, "pair \(pairID)") }
            if cosine <= 0 { #expect(negatives.isEmpty, "pair \(pairID)") }
            for negative in negatives {
                let digit = texts[negative.documentID]?.text.last?.wholeNumberValue ?? -1
                #expect(digit >= 5, "a passage the reranker scores above the positive − margin")
                #expect(negative.rerankScore == 0.3)
            }
            #expect(try await store.negativeSearch(pairID: pairID)?.rerankModel == "rr")
        }
        #expect(cosines.values.filter { $0 > 0.1 }.count >= 25)
    }
}

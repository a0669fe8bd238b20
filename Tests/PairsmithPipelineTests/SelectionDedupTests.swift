import Foundation
import PairsmithMatching
import PairsmithSelection
import PairsmithStore
import PairsmithTestSupport
import Testing

@Suite("Selection: dedup")
struct SelectionDedupTests {
    typealias F = SelectionFixtures

    @Test("normalisation: NFKC, case folding, whitespace, trailing punctuation")
    func normalisation() {
        let same = ["What is a heat pump?", "what   is a\theat pump", "What is a heat pump？", "Ｗhat is a HEAT pump...", " what is a heat pump ! "]
        #expect(Set(same.map(QueryNormalizer.normalize)) == ["what is a heat pump"])
        #expect(QueryNormalizer.normalize("Straße") == QueryNormalizer.normalize("STRASSE"))
        #expect(QueryNormalizer.normalize("heat-pump cost") != QueryNormalizer.normalize("heat pump cost"))
        #expect(QueryNormalizer.normalize("¿qué es?") == "¿qué es")
    }

    @Test("exact duplicates across passages and near duplicates of the same passage; the lowest (document key, sample) is kept")
    func duplicates() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-dedup")
        defer { directory.remove() }
        let store = try PairsmithStore(url: directory.file("db.sqlite"))
        // doc-b is inserted first, so its pairs get the lower ids: the kept pair must not depend on that.
        let ids = try await F.addDocuments(store, [("doc-b", "Passage B about heat pumps."), ("doc-a", "Passage A about heat pumps.")])
        let (b, a) = (ids[0], ids[1])
        let pairIDs = try await F.addPairs(
            store, run: "r",
            [
                (b, 0, "What is a heat pump?"),  // exact duplicate of the doc-a pair below
                (a, 1, "what is a  heat pump"),  // kept (doc-a < doc-b)
                (a, 2, "price of heat pumps"),  // near duplicate of (a, 0)
                (a, 0, "heat pump cost"),  // kept: lowest sample of doc-a's near group
                (b, 1, "heat pump running cost"),  // as close to (a, 0) but another passage: kept
                (a, 3, "heat pump noise"),  // cosine 0.894 to (a, 0): kept
            ])
        func unit(_ values: [Float]) -> [Float] { TopK.normalised(values) }
        let base: [Float] = [1, 0, 0, 0]
        let vectors: [[Float]] = [
            [0, 0, 0, 1], [0, 0, 1, 0], unit([1, 0.25, 0, 0]), base, unit([1, 0.25, 0, 0]), unit([1, 0, 0.5, 0]),
        ]
        try await store.insertVectors(
            zip(pairIDs, vectors).map { id, values in
                VectorRecord(ownerKind: .query, ownerID: id, model: "m", textHash: "h\(id)", values: values)
            })
        let records = try await Deduplicator(store: store, model: "m", nearDuplicateCosine: 0.95).deduplicate(run: "r")
        #expect(records.count == 2)
        let exact = try #require(records.first { $0.pairID == pairIDs[0] })
        #expect(exact.kind == .exact && exact.duplicateOf == pairIDs[1] && exact.cosine == nil)
        let near = try #require(records.first { $0.pairID == pairIDs[2] })
        #expect(near.kind == .near && near.duplicateOf == pairIDs[3])
        #expect(abs((near.cosine ?? 0) - 1 / Double(1.0625).squareRoot()) < 1e-6)
        #expect(try await store.duplicates(run: "r").map { [$0.pairID, $0.duplicateOf] } == records.map { [$0.pairID, $0.duplicateOf] })

        // Running again replaces, never accumulates; the weak set leaves the duplicates out.
        try await Deduplicator(store: store, model: "m", nearDuplicateCosine: 0.95).deduplicate(run: "r")
        #expect(try await store.duplicates(run: "r").count == 2)
        let outcome = try await Selector(store: store, model: "m").select(run: "r", criteria: SelectionCriteria())
        #expect(try await store.selectedPairIDs(selectionID: outcome.weak.id!) == [pairIDs[1], pairIDs[3], pairIDs[4], pairIDs[5]].sorted())
        #expect(outcome.sft.records == 0 && outcome.unscored == 4 && outcome.duplicates == 2)

        // A lower threshold makes (a, 3) a near duplicate too.
        let looser = try await Deduplicator(store: store, model: "m", nearDuplicateCosine: 0.85).deduplicate(run: "r")
        #expect(looser.map(\.pairID) == [pairIDs[0], pairIDs[2], pairIDs[5]].sorted())
    }
}

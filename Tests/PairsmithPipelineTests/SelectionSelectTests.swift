import Foundation
import PairsmithSelection
import PairsmithStore
import PairsmithTestSupport
import PairsmithText
import Testing

@Suite("Selection: select")
struct SelectionSelectTests {
    typealias F = SelectionFixtures

    /// Two runs (`r1` 60 pairs, `r2` 40 pairs) with seeded pseudo-random scores under model `m`.
    static func makeStore(_ directory: TemporaryDirectory) async throws -> (PairsmithStore, [String: [ScoredPair]]) {
        let store = try PairsmithStore(url: directory.file("db.sqlite"))
        let ids = try await F.addDocuments(store, F.corpus(20))
        var generator = Xoshiro256StarStar(seed: 42)
        var result: [String: [ScoredPair]] = [:]
        for (run, count) in [("r1", 60), ("r2", 40)] {
            let pairIDs = try await F.addPairs(store, run: run, (0..<count).map { (ids[$0 % 20], $0 / 20, "\(run) query \($0)") })
            let scores = pairIDs.map { ScoreRecord(pairID: $0, model: "m", cosine: generator.unitInterval() * 1.2 - 0.2) }
            try await store.storeScores(scores, vectors: [])
            result[run] = try await store.scoredPairs(run: run, model: "m")
        }
        return (store, result)
    }

    @Test("percentile bounds equal numpy.percentile (linear) over every score in the database; band and threshold bounds")
    func percentiles() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-select")
        defer { directory.remove() }
        let (store, pairs) = try await Self.makeStore(directory)
        let all = (pairs["r1"]! + pairs["r2"]!).compactMap(\.cosine)
        let reference = try F.python(
            """
            import json, sys
            import numpy as np
            data = json.load(sys.stdin)
            s = np.array(data["scores"])
            print(json.dumps({"p": [float(np.percentile(s, q)) for q in data["q"]]}))
            """, input: ["scores": all, "q": [20, 90, 0, 100, 37.5]])
        let expected = try #require(reference["p"] as? [Double])
        let sorted = all.sorted()
        for (index, q) in [20.0, 90, 0, 100, 37.5].enumerated() {
            let value = try #require(Percentile.linear(sorted, q))
            #expect(abs(value - expected[index]) < 1e-12, "percentile \(q): \(value) vs numpy \(expected[index])")
        }

        let selector = Selector(store: store, model: "m")
        let outcome = try await selector.select(run: "r1", criteria: SelectionCriteria(lowPercentile: 20, highPercentile: 90))
        #expect(abs((outcome.sft.low ?? .nan) - expected[0]) < 1e-12 && abs((outcome.sft.high ?? .nan) - expected[1]) < 1e-12)
        #expect(outcome.bounds.scoreCount == 100)
        let inside = pairs["r1"]!.filter { ($0.cosine ?? 0) > expected[0] && ($0.cosine ?? 0) <= expected[1] }.map(\.pairID)
        #expect(try await store.selectedPairIDs(selectionID: outcome.sft.id!) == inside)
        #expect(
            outcome.sft.parameters.contains("\"low_percentile\":20") && outcome.sft.parameters.contains("\"percentile_interpolation\":\"linear\""))

        let band = try await selector.select(run: "r1", criteria: SelectionCriteria(band: (0.3, 0.6)))
        let inBand = pairs["r1"]!.filter { ($0.cosine ?? 0) > 0.3 && ($0.cosine ?? 0) <= 0.6 }.map(\.pairID)
        #expect(try await store.selectedPairIDs(selectionID: band.sft.id!) == inBand)
        #expect(band.sft.low == 0.3 && band.sft.high == 0.6)
        #expect(try await store.latestSelection(run: "r1", set: .sft)?.id == band.sft.id)

        await #expect(throws: SelectionError.self) {
            try await Selector(store: store, model: "other").select(run: "r1", criteria: SelectionCriteria(lowPercentile: 10))
        }
        await #expect(throws: SelectionError.self) {
            try await selector.select(run: "r1", criteria: SelectionCriteria(samplingRate: 0))
        }
    }

    @Test("seeded sampling matches a SHA-256 draw computed in Python; selections repeat exactly; another seed differs")
    func sampling() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-select-sampling")
        defer { directory.remove() }
        let (store, pairs) = try await Self.makeStore(directory)
        let selector = Selector(store: store, model: "m")
        let criteria = SelectionCriteria(threshold: 0.1, samplingRate: 0.5, seed: 7)
        let first = try await selector.select(run: "r1", criteria: criteria)
        let second = try await selector.select(run: "r1", criteria: criteria)
        let firstIDs = try await store.selectedPairIDs(selectionID: first.sft.id!)
        let secondIDs = try await store.selectedPairIDs(selectionID: second.sft.id!)
        #expect(firstIDs == secondIDs)
        #expect(second.sft.id == first.sft.id, "selecting again without a change stores nothing new")
        #expect(try await store.selections(run: "r1").count == 2)
        #expect(first.sft.parameters == second.sft.parameters)

        let r1 = pairs["r1"]!
        let documents = try await store.documents(ids: r1.map(\.documentID))
        let keys = r1.map { "r1/\(documents[$0.documentID]?.key ?? "")/\($0.sample)" }
        let reference = try F.python(
            """
            import hashlib, json, sys
            data = json.load(sys.stdin)
            draws = [(int.from_bytes(hashlib.sha256(f"{data['seed']}:{k}".encode()).digest()[:8], "big") >> 11) / 2**53
                     for k in data["keys"]]
            print(json.dumps({"draws": draws}))
            """, input: ["seed": 7, "keys": keys])
        let draws = try #require(reference["draws"] as? [Double])
        let expected = r1.indices.filter { draws[$0] < 0.5 && (r1[$0].cosine ?? 0) > 0.1 }.map { r1[$0].pairID }
        #expect(firstIDs == expected)
        #expect(firstIDs.count > 10 && firstIDs.count < 50)

        let other = try await selector.select(run: "r1", criteria: SelectionCriteria(threshold: 0.1, samplingRate: 0.5, seed: 8))
        #expect(try await store.selectedPairIDs(selectionID: other.sft.id!) != firstIDs)
        // The weak set is never sampled.
        #expect(other.weak.records == 60)
    }

    @Test("re-selection with overrides picks the only run and model and embeds nothing")
    func reselection() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-reselect")
        defer { directory.remove() }
        let (store, pairs) = try await Self.makeStore(directory)
        await #expect(throws: SelectionError.self) {
            try await Reselection.execute(store: store, run: nil, model: nil, overrides: SelectionOverrides(threshold: 0.5))
        }
        let summary = try await Reselection.execute(store: store, run: "r2", model: nil, overrides: SelectionOverrides(threshold: 0.5))
        #expect(summary.score == nil)
        let expected = pairs["r2"]!.filter { ($0.cosine ?? 0) > 0.5 }.map(\.pairID)
        #expect(summary.selection?.sft.records == expected.count)
        let criteria = SelectionOverrides(band: (0.2, 0.4)).applied(to: SelectionCriteria(lowPercentile: 10))
        #expect(criteria.band == [0.2, 0.4] && criteria.lowPercentile == nil)
    }
}

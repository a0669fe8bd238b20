import Foundation
import PairsmithConfiguration
import PairsmithSelection
import PairsmithStore
import PairsmithTestSupport
import Testing

@Suite("Filters: selection combines criteria")
struct FilterSelectionTests {
    typealias F = SelectionFixtures

    /// 80 examples over 40 passages: cosines, rerank scores (two models), judge ratings (three criteria, some
    /// missing), positive ranks (some missing) and a few duplicates, all seeded.
    static func fixture(_ store: PairsmithStore) async throws -> [Int64] {
        var random = FilterFixtures.Generator(state: 16)
        let documentIDs = try await F.addDocuments(store, F.corpus(40))
        let pairIDs = try await F.addPairs(
            store, run: "r", (0..<80).map { (documentIDs[$0 % 40], $0 / 40, "query number \($0) about topic \($0 % 7)") })
        try await store.storeScores(
            pairIDs.map { ScoreRecord(pairID: $0, model: "m", cosine: 0.4 + 0.55 * random.unit()) }, vectors: [])
        try await store.storeRerankScores(
            pairIDs.dropLast(3).map { RerankScoreRecord(pairID: $0, model: "rr", score: random.unit(), instructionHash: "h") })
        try await store.storeRerankScores(
            pairIDs.map { RerankScoreRecord(pairID: $0, model: "other", score: random.unit(), instructionHash: "h") })
        var ratings: [JudgeScoreRecord] = []
        for (index, pairID) in pairIDs.enumerated() where index % 11 != 5 {
            for criterion in ["relevance", "clarity", "overall"] {
                ratings.append(
                    JudgeScoreRecord(
                        pairID: pairID, judge: "judge", criterion: criterion, score: Double(1 + Int(random.unit() * 10)),
                        reason: "because"))
            }
        }
        try await store.storeJudgeScores(ratings)
        try await store.storePositiveRanks(
            pairIDs.enumerated().filter { $0.offset % 13 != 4 }.map { _, pairID in
                PositiveRankRecord(pairID: pairID, model: "m", rank: 1 + Int(random.unit() * random.unit() * 30), passages: 40, score: 0.5)
            })
        try await store.replaceDuplicates(
            run: "r",
            with: [
                DuplicateRecord(pairID: pairIDs[41], kind: .exact, duplicateOf: pairIDs[1]),
                DuplicateRecord(pairID: pairIDs[60], kind: .exact, duplicateOf: pairIDs[20]),
            ])
        return pairIDs
    }

    /// The criteria combinations, as Swift values and as the reference script's JSON.
    static var combinations: [(FilterCriteria?, SelectionCriteria, [String: Any])] {
        var list: [(FilterCriteria?, SelectionCriteria, [String: Any])] = []
        func add(
            _ filters: FilterCriteria?, threshold: Double = 0.7, band: (Double, Double)? = nil, low: Double? = nil,
            rate: Double = 1, json: [String: Any]
        ) {
            var criteria = SelectionCriteria(threshold: threshold, band: band, lowPercentile: low, samplingRate: rate, seed: 3)
            criteria.filters = filters
            var reference = json
            reference["threshold"] = threshold
            if let band { reference["band"] = [band.0, band.1] }
            if let low { reference["low_percentile"] = low }
            reference["sampling_rate"] = rate
            reference["seed"] = 3
            list.append((filters, criteria, reference))
        }
        add(nil, threshold: 0.6, json: [:])
        add(FilterCriteria(minRerank: 0.3, rerankModel: "rr"), threshold: 0.5, json: ["min_rerank": 0.3, "rerank_model": "rr"])
        add(FilterCriteria(minRerankPercentile: 40, rerankModel: "rr"), low: 10, json: ["min_rerank_percentile": 40, "rerank_model": "rr"])
        add(FilterCriteria(minJudge: ["overall": 5]), threshold: 0.45, json: ["min_judge": ["overall": 5]])
        add(
            FilterCriteria(minJudge: ["relevance": 4], minJudgePercentile: ["clarity": 30]), threshold: 0.45,
            json: ["min_judge": ["relevance": 4], "min_judge_percentile": ["clarity": 30]])
        add(FilterCriteria(maxPositiveRank: 5), threshold: 0.4, json: ["max_positive_rank": 5])
        add(FilterCriteria(maxPositiveRankPercentile: 60), band: (0.5, 0.9), json: ["max_positive_rank_percentile": 60])
        add(
            FilterCriteria(minRerank: 0.2, rerankModel: "rr", minJudge: ["overall": 3], maxPositiveRank: 12), threshold: 0.5,
            rate: 0.8, json: ["min_rerank": 0.2, "rerank_model": "rr", "min_judge": ["overall": 3], "max_positive_rank": 12])
        return list
    }

    @Test("each criterion combination selects what a Python script computes from SQLite, with the same per-criterion counts")
    func combinationsMatchPython() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-filters")
        defer { directory.remove() }
        let path = directory.file("db.sqlite")
        let store = try PairsmithStore(url: path)
        _ = try await Self.fixture(store)
        var removedSomewhere: Set<String> = []
        for (_, criteria, json) in Self.combinations {
            let outcome = try await Selector(store: store, model: "m").select(run: "r", criteria: criteria)
            let sftID = try #require(outcome.sft.id)
            let selected = try await store.selectedPairIDs(selectionID: sftID)
            let text = String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self)
            let expected = try FilterFixtures.reference(["select", path.path, "r", "m", text])
            let expectedIDs = try #require(expected["sft"] as? [Int]).map(Int64.init)
            #expect(selected == expectedIDs, "criteria \(text)")
            let counts = try #require(expected["criteria"] as? [[String: Any]])
            #expect(outcome.criteria.map(\.criterion) == counts.map { $0["criterion"] as? String ?? "" }, "criteria \(text)")
            for (mine, theirs) in zip(outcome.criteria, counts) {
                #expect(mine.failed == theirs["failed"] as? Int, "\(mine.criterion) failed, criteria \(text)")
                #expect(mine.missing == theirs["missing"] as? Int, "\(mine.criterion) missing, criteria \(text)")
                #expect(mine.removed == theirs["removed"] as? Int, "\(mine.criterion) removed, criteria \(text)")
                if mine.removed > 0 { removedSomewhere.insert(mine.criterion.hasPrefix("judge") ? "judge" : mine.criterion) }
            }
            // The stored selection records every criterion with its counts.
            let stored = try #require(try await store.latestSelection(run: "r", set: .sft))
            let parameters = try JSONDecoder().decode(SelectionParameters.self, from: Data(stored.parameters.utf8))
            #expect(parameters.criteriaApplied == outcome.criteria)
            #expect(outcome.sft.records == expectedIDs.count)
        }
        #expect(removedSomewhere == ["cosine", "rerank", "judge", "positive_rank"], "every criterion must remove something")
        // status shows the per-criterion counts of the newest SFT selection.
        let status = try await store.status()
        let sft = try #require(status.selections.first { $0.set == "sft" })
        #expect(sft.criteria?.map(\.criterion) == ["cosine", "rerank", "judge:overall", "positive_rank"])
    }

    @Test("re-selection with new filter flags embeds and reranks nothing and replaces only the named criterion")
    func reselectionOverrides() async throws {
        var base = SelectionCriteria(threshold: 0.5)
        base.filters = FilterCriteria(minRerank: 0.2, rerankModel: "rr", minJudge: ["overall": 3])
        var overrides = SelectionOverrides()
        overrides.filters = FilterCriteria(minJudgePercentile: ["overall": 50], maxPositiveRank: 4)
        let merged = overrides.applied(to: base)
        #expect(merged.threshold == 0.5)
        #expect(merged.filters?.minRerank == 0.2 && merged.filters?.rerankModel == "rr")
        #expect(merged.filters?.minJudge == nil && merged.filters?.minJudgePercentile == ["overall": 50])
        #expect(merged.filters?.maxPositiveRank == 4)

        let store = try PairsmithStore.inMemory()
        _ = try await Self.fixture(store)
        var criteria = SelectionCriteria(threshold: 0.5)
        criteria.filters = FilterCriteria(minRerank: 0.3)
        // Two reranker models and none named: the error says how to name one.
        await #expect(throws: SelectionError.noRerankScores(run: "r", models: ["other", "rr"])) {
            try await Selector(store: store, model: "m").select(run: "r", criteria: criteria)
        }
        criteria.filters = FilterCriteria(minRerank: 0.3, minRerankPercentile: 20)
        await #expect(throws: SelectionError.self) { try await Selector(store: store, model: "m").select(run: "r", criteria: criteria) }
    }

    @Test("the selection block's filter keys parse, and a bad one names its field")
    func configuration() throws {
        func parse(_ block: String) throws -> PipelineConfiguration.SelectionSettings {
            try StoredPipeline(text: "name: t\nselection:\n" + block, file: "p.yaml").selectionSettings()
        }
        let good = """
              similarity_threshold: 0.6
              min_rerank: 0.4
              rerank_model: rr
              min_judge: {relevance: 7, clarity: {percentile: 25}}
              max_positive_rank: 3
              negatives: {count: 4, absolute_margin: 0.05, relative_margin: 0.1}
            """
        let settings = try parse(good)
        #expect(settings.filters.minRerank == PipelineConfiguration.ScoreBound(value: 0.4))
        #expect(settings.filters.minJudge["relevance"] == PipelineConfiguration.ScoreBound(value: 7))
        #expect(settings.filters.minJudge["clarity"] == PipelineConfiguration.ScoreBound(percentile: 25))
        #expect(settings.filters.maxPositiveRank == PipelineConfiguration.ScoreBound(value: 3))
        #expect(settings.negatives.absoluteMargin == 0.05 && settings.negatives.relativeMargin == 0.1)
        let criteria = SelectionCriteria(settings: settings)
        #expect(criteria.filters?.minJudge == ["relevance": 7] && criteria.filters?.minJudgePercentile == ["clarity": 25])
        #expect(SelectionCriteria(settings: PipelineConfiguration.SelectionSettings()).filters == nil)

        let bad = "  similarity_threshold: 0.6\n  min_rerank: 0.4\n  min_rerank_percentile: 30\n"
        #expect {
            try parse(bad)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("p.yaml") && text.contains("min_rerank_percentile") && text.contains("not both")
        }
        let badRank = "  similarity_threshold: 0.6\n  max_positive_rank: 0\n"
        #expect {
            try parse(badRank)
        } throws: { error in String(describing: error).contains("max_positive_rank") }
    }

    @Test("the pipeline's reranker block loads (a local folder resolved against the file, or servers), and a bad one names its field")
    func rerankerBlock() throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-reranker-block")
        defer { directory.remove() }
        let shipped = try String(contentsOf: PipelineConfigurationTests.shipped, encoding: .utf8)
        let folder = PipelineConfigurationTests.shipped.deletingLastPathComponent()
        func load(_ block: String) throws -> PipelineConfiguration {
            let file = folder.appendingPathComponent("reranker-block-\(UUID().uuidString).yaml")
            try (shipped + "\n" + block).write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            return try PipelineConfiguration.load(from: file)
        }
        #expect(try PipelineConfiguration.load(from: PipelineConfigurationTests.shipped).reranker == nil)
        let local = try load("reranker:\n  model: ../models/Qwen3-Reranker-0.6B\n")
        #expect(
            local.reranker?.model == folder.deletingLastPathComponent().appendingPathComponent("models/Qwen3-Reranker-0.6B").standardizedFileURL.path)
        #expect(local.reranker?.urls == [])
        let served = try load("reranker:\n  model: Qwen/Qwen3-Reranker-4B\n  urls: [http://127.0.0.1:8001/v1]\n  key_env: RERANK_KEY\n")
        #expect(
            served.reranker
                == PipelineConfiguration.RerankerSettings(
                    model: "Qwen/Qwen3-Reranker-4B", urls: ["http://127.0.0.1:8001/v1"], keyEnvironment: "RERANK_KEY"))
        for (block, needle) in [
            ("reranker:\n  urls: [ftp://host/v1]\n", "reranker.urls"), ("reranker: {}\n", "needs `model`"),
            ("reranker:\n  model: m\n  key_env: lower\n", "key_env"), ("reranker:\n  model: m\n  batch: 3\n", "batch"),
        ] {
            #expect {
                try load(block)
            } throws: { error in
                let text = String(describing: error)
                return text.contains("reranker-block-") && text.contains(needle)
            }
        }
    }
}

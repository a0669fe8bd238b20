import Foundation
import PairsmithBLAS
import PairsmithConfiguration
import PairsmithStore

/// Mines hard negatives for the examples of a run's weak set whose positive is the passage (an example with a
/// generated positive gets none): for each, up to K passages of the corpus ranked by cosine to the anchor vector
/// (exact search, one sgemm per block of anchors and chunk of document vectors).
///
/// Ranks count every passage but the positive, its passage group (chunks of the same record) and the positives of
/// other examples with the same anchor, none of which is ever a negative (rank 1 = the closest other passage); only
/// ranks within [rankFrom, rankTo] are considered, and a candidate scoring above guard × the positive's score, or
/// outside the absolute and relative margins (on the reranker's scores when a reranker is given, else on the
/// cosines), is skipped (a likely false negative). The same search stores each positive's round-trip rank: 1 + the
/// passages scoring above it (ties within ``rankTolerance`` to the lower document id) among every passage vector. When fewer than K remain, fewer are stored and the search records how many were found;
/// nothing is padded. Vectors come from the store (`document` and `query` vectors under the model), so nothing is
/// embedded. Each block's negatives and searches are committed together; pairs already searched with the same
/// parameters are skipped, so a killed search resumes.
public struct HardNegativeMiner: Sendable {
    /// The store.
    public let store: PairsmithStore
    /// The embedding model whose vectors are searched.
    public let model: String
    /// K, the rank range and the guard.
    public let settings: PipelineConfiguration.NegativeSettings
    /// Queries per sgemm block (and per committed batch).
    public let queryBlock: Int
    /// Document vectors per chunk.
    public let documentChunk: Int
    /// Document vectors are kept in memory between blocks when they take at most this many floats.
    public let residentFloats: Int

    /// The reranker whose scores the margins compare (nil: the embedding's cosines).
    public let rerank: RerankScorer?
    /// Whether positive ranks are stored even when the negative search is off (`count: 0`).
    public let rankPositives: Bool

    /// Creates a miner.
    public init(
        store: PairsmithStore, model: String, settings: PipelineConfiguration.NegativeSettings, queryBlock: Int = 1_024,
        documentChunk: Int = 4_096, residentFloats: Int = 1 << 28, rerank: RerankScorer? = nil, rankPositives: Bool = false
    ) {
        self.store = store
        self.model = model
        self.settings = settings
        self.queryBlock = max(1, queryBlock)
        self.documentChunk = max(1, documentChunk)
        self.residentFloats = residentFloats
        self.rerank = rerank
        self.rankPositives = rankPositives
    }

    /// Scores within this of the positive's count as equal to it (the lower document id then ranks first): the
    /// rank is stable against the last-bit differences of summation orders.
    public static let rankTolerance = 1e-6

    /// Searches negatives (and the positives' round-trip ranks) for the pairs of the newest weak selection of `run`
    /// that have no search with these parameters, or no rank, yet.
    public func mine(run: String) async throws -> NegativeReport {
        var report = NegativeReport()
        guard settings.count > 0 || rankPositives, let weak = try await store.latestSelection(run: run, set: .weak),
            let weakID = weak.id
        else {
            return report
        }
        let selected = try await store.selectedPairIDs(selectionID: weakID)
        let generated = try await store.examplesWithGeneratedPositive(run: run)
        let pairIDs = generated.isEmpty ? selected : selected.filter { !generated.contains($0) }
        report.generatedPositives = selected.count - pairIDs.count
        let searched = try await store.negativeSearches(run: run)
        let ranked = try await store.positiveRanks(run: run, model: model)
        let pending = pairIDs.filter { id in
            let searchDone =
                settings.count == 0
                || (searched[id]?.matches(
                    model: model, requested: settings.count, rankFrom: settings.rankFrom, rankTo: settings.rankTo,
                    guardFactor: settings.guardFactor, absoluteMargin: settings.absoluteMargin,
                    relativeMargin: settings.relativeMargin, rerankModel: rerank?.model) ?? false)
            return !searchDone || ranked[id] == nil
        }
        report.alreadySearched = pairIDs.count - pending.count
        guard !pending.isEmpty else { return report }

        let allPairs = try await store.scoredPairs(run: run, model: model)
        let pairs = Dictionary(allPairs.map { ($0.pairID, $0) }, uniquingKeysWith: { a, _ in a })
        // Other positives of the same anchor: the passages of every example whose normalised anchor is the same.
        var anchorPositives: [String: Set<Int64>] = [:]
        for pair in allPairs where pair.positiveIsPassage {
            anchorPositives[QueryNormalizer.normalize(pair.anchor), default: []].insert(pair.documentID)
        }
        let ready = try await store.pairIDsWithVector(kind: .query, model: model, among: pending.filter { pairs[$0] != nil })
        report.withoutQueryVector = pending.count - ready.count
        guard let first = ready.first,
            let dimension = try await store.vectors(kind: .query, model: model, ownerIDs: [first])[first]?.dimension
        else { return report }

        let corpus = try await DocumentVectors.load(
            store: store, model: model, dimension: dimension, chunk: documentChunk, residentFloats: residentFloats)
        let passageCount = try await store.documentVectorCount(model: model)
        var rerankInputs: [Int64: RerankCandidate] = [:]
        var positiveRerank: [Int64: Double] = [:]
        if let rerank {
            let candidates = try await store.rerankCandidates(run: run, model: rerank.model, after: 0, limit: Int.max)
            rerankInputs = Dictionary(candidates.map { ($0.pairID, $0) }, uniquingKeysWith: { a, _ in a })
            positiveRerank = try await store.rerankScores(run: run, model: rerank.model)
        }
        for start in stride(from: 0, to: ready.count, by: queryBlock) {
            try Task.checkCancellation()
            let block = Array(ready[start..<min(start + queryBlock, ready.count)])
            let queryVectors = try await store.vectors(kind: .query, model: model, ownerIDs: block).mapValues(\.values)
            var queries: [Float] = []
            queries.reserveCapacity(block.count * dimension)
            for id in block {
                let vector = queryVectors[id] ?? []
                guard vector.count == dimension else {
                    throw SelectionError.dimensionMismatch(pairID: id, query: vector.count, passage: dimension)
                }
                queries.append(contentsOf: vector)
            }
            // What each row must never take as a negative: its passage, the passages of its passage group (chunks of
            // the same record) and the positives of other examples with the same anchor.
            let positiveDocuments = block.map { pairs[$0]?.documentID ?? 0 }
            let groupOf = try await store.passageGroups(documentIDs: positiveDocuments)
            let members = try await store.documentIDs(passageGroups: Array(Set(groupOf.values)))
            let excluded: [Set<Int64>] = block.enumerated().map { row, pairID in
                var set: Set<Int64> = [positiveDocuments[row]]
                if let group = groupOf[positiveDocuments[row]] { set.formUnion(members[group] ?? []) }
                if let pair = pairs[pairID] { set.formUnion(anchorPositives[QueryNormalizer.normalize(pair.anchor)] ?? []) }
                return set
            }
            let positiveVectors = try await store.vectors(kind: .document, model: model, ownerIDs: positiveDocuments)
            let positiveScores: [Double?] = block.indices.map { row in
                guard let values = positiveVectors[positiveDocuments[row]]?.values, values.count == dimension else { return nil }
                var dot = 0.0
                for index in 0..<dimension { dot += Double(queries[row * dimension + index]) * Double(values[index]) }
                return dot
            }
            let keep = settings.rankTo + (excluded.map(\.count).max() ?? 1)
            var best = Array(repeating: RankedList(capacity: keep), count: block.count)
            var before = Array(repeating: 0, count: block.count)
            try await corpus.forEachChunk { ids, matrix in
                let scores = BLAS.linear(queries, matrix, rows: block.count, inFeatures: dimension, outFeatures: ids.count)
                for row in 0..<block.count {
                    let base = row * ids.count
                    let positiveID = positiveDocuments[row]
                    let positive = positiveScores[row]
                    for column in 0..<ids.count {
                        let score = scores[base + column]
                        best[row].offer(score: score, documentID: ids[column])
                        if let positive, ids[column] != positiveID {
                            let value = Double(score)
                            if value > positive + Self.rankTolerance
                                || (abs(value - positive) <= Self.rankTolerance && ids[column] < positiveID)
                            {
                                before[row] += 1
                            }
                        }
                    }
                }
            }
            var searches: [NegativeSearchRecord] = []
            var negatives: [NegativeRecord] = []
            var ranks: [PositiveRankRecord] = []
            var rows: [MiningRow] = []
            for (row, pairID) in block.enumerated() {
                guard let pair = pairs[pairID] else { continue }
                if let positive = positiveScores[row] {
                    ranks.append(
                        PositiveRankRecord(
                            pairID: pairID, model: model, rank: before[row] + 1, passages: passageCount, score: positive))
                }
                guard settings.count > 0 else { continue }
                let eligible = best[row].sorted().filter { !excluded[row].contains($0.documentID) }
                let inRange = Array(eligible.dropFirst(settings.rankFrom - 1).prefix(settings.rankTo - settings.rankFrom + 1))
                let cosine =
                    pair.cosine
                    ?? best[row].sorted().first { $0.documentID == pair.documentID }.map { Double($0.score) }
                    ?? 1
                rows.append(MiningRow(pairID: pairID, candidates: inRange, positiveCosine: cosine))
            }
            if let rerank {
                try await chooseReranked(&rows, rerank: rerank, inputs: rerankInputs, positives: &positiveRerank)
            } else {
                for index in rows.indices { Self.choose(&rows[index], settings: settings) }
            }
            for item in rows {
                for (rank, choice) in item.chosen.enumerated() {
                    negatives.append(
                        NegativeRecord(
                            pairID: item.pairID, documentID: choice.entry.documentID, rank: rank,
                            score: Double(choice.entry.score), rerankScore: choice.rerank))
                }
                searches.append(
                    NegativeSearchRecord(
                        pairID: item.pairID, model: model, requested: settings.count, found: item.chosen.count,
                        rankFrom: settings.rankFrom, rankTo: settings.rankTo, guardFactor: settings.guardFactor,
                        absoluteMargin: settings.absoluteMargin, relativeMargin: settings.relativeMargin,
                        rerankModel: rerank?.model))
                report.searchedNow += 1
                report.negatives += item.chosen.count
                if item.chosen.count < settings.count { report.short += 1 }
            }
            report.ranked += ranks.count
            try await store.storeNegatives(searches: searches, negatives: negatives)
            try await store.storePositiveRanks(ranks)
        }
        return report
    }

    /// Takes the negatives of `row` by the embedding's cosines: ranks within the range (already cut), cosine at most
    /// guard × the positive's, within both margins of the positive's cosine, the first K of them.
    static func choose(_ row: inout MiningRow, settings: PipelineConfiguration.NegativeSettings) {
        while row.cursor < row.candidates.count, row.chosen.count < settings.count {
            let candidate = row.candidates[row.cursor]
            row.cursor += 1
            let score = Double(candidate.score)
            guard score <= settings.guardFactor * row.positiveCosine,
                Self.withinMargins(score, positive: row.positiveCosine, settings: settings)
            else { continue }
            row.chosen.append((candidate, nil))
        }
    }

    /// Whether a candidate scoring `score` keeps sentence-transformers' margins from the positive's `positive`:
    /// score + absolute_margin ≤ positive and score ≤ positive × (1 − relative_margin).
    public static func withinMargins(_ score: Double, positive: Double, settings: PipelineConfiguration.NegativeSettings) -> Bool {
        if let margin = settings.absoluteMargin, score + margin > positive { return false }
        if let margin = settings.relativeMargin, score > positive * (1 - margin) { return false }
        return true
    }

    /// Takes the negatives of every row by the reranker's scores: candidates are reranked in windows (a few more
    /// than still needed, all rows' windows in one call per instruction) until K pass or the range is spent; the
    /// cosine guard still applies, the margins compare rerank scores with the positive's rerank score (stored by
    /// the rerank stage, else scored now).
    private func chooseReranked(
        _ rows: inout [MiningRow], rerank: RerankScorer, inputs: [Int64: RerankCandidate], positives: inout [Int64: Double]
    ) async throws {
        let missing = rows.filter { positives[$0.pairID] == nil }.compactMap { inputs[$0.pairID] }
        for (instruction, group) in Dictionary(grouping: missing, by: { $0.anchorInstruction ?? rerank.instruction }) {
            let scores = try await rerank.scoreAll(group.map { RerankInput(query: $0.anchor, document: $0.positive) }, instruction: instruction)
            for (candidate, score) in zip(group, scores) { positives[candidate.pairID] = score }
        }
        while true {
            try Task.checkCancellation()
            var windows: [(row: Int, entries: [RankedList.Entry])] = []
            for index in rows.indices {
                var item = rows[index]
                var window: [RankedList.Entry] = []
                let want = settings.count - item.chosen.count + 2
                while item.cursor < item.candidates.count, window.count < want {
                    let candidate = item.candidates[item.cursor]
                    item.cursor += 1
                    if Double(candidate.score) > settings.guardFactor * item.positiveCosine { continue }
                    window.append(candidate)
                }
                rows[index].cursor = item.cursor
                if item.chosen.count < settings.count, !window.isEmpty { windows.append((index, window)) }
            }
            guard !windows.isEmpty else { return }
            let texts = try await store.documents(ids: windows.flatMap { $0.entries.map(\.documentID) })
            var byInstruction: [String: [(row: Int, entry: RankedList.Entry)]] = [:]
            for window in windows {
                let input = inputs[rows[window.row].pairID]
                for entry in window.entries {
                    byInstruction[input?.anchorInstruction ?? rerank.instruction, default: []].append((window.row, entry))
                }
            }
            var scored: [Int: [Int64: Double]] = [:]
            for (instruction, items) in byInstruction {
                let pairs = items.map { item in
                    RerankInput(
                        query: inputs[rows[item.row].pairID]?.anchor ?? "", document: texts[item.entry.documentID]?.text ?? "")
                }
                let scores = try await rerank.scoreAll(pairs, instruction: instruction)
                for (item, score) in zip(items, scores) { scored[item.row, default: [:]][item.entry.documentID] = score }
            }
            for window in windows {
                let positive = positives[rows[window.row].pairID] ?? 1
                for entry in window.entries where rows[window.row].chosen.count < settings.count {
                    guard let score = scored[window.row]?[entry.documentID],
                        Self.withinMargins(score, positive: positive, settings: settings)
                    else { continue }
                    rows[window.row].chosen.append((entry, score))
                }
            }
        }
    }
}

/// One pair's negative search in progress: its candidates within the rank range (best first, exclusions removed),
/// how far they have been read, and what was taken (with the rerank score when a reranker judged it).
struct MiningRow: Sendable {
    var pairID: Int64
    var candidates: [RankedList.Entry]
    var positiveCosine: Double
    var cursor = 0
    var chosen: [(entry: RankedList.Entry, rerank: Double?)] = []
}

/// The best `capacity` (score, document id) entries offered, best first; ties go to the lower document id.
struct RankedList: Sendable {
    /// One entry.
    struct Entry: Sendable, Hashable {
        var score: Float
        var documentID: Int64
    }

    let capacity: Int
    private var entries: [Entry] = []

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        entries.reserveCapacity(self.capacity + 1)
    }

    /// Whether `a` ranks before `b`.
    private static func before(_ a: Entry, _ b: Entry) -> Bool {
        a.score > b.score || (a.score == b.score && a.documentID < b.documentID)
    }

    mutating func offer(score: Float, documentID: Int64) {
        let entry = Entry(score: score, documentID: documentID)
        if entries.count == capacity, let last = entries.last, !Self.before(entry, last) { return }
        var position = entries.count
        while position > 0 && Self.before(entry, entries[position - 1]) { position -= 1 }
        entries.insert(entry, at: position)
        if entries.count > capacity { entries.removeLast() }
    }

    func sorted() -> [Entry] { entries }
}

/// The corpus's document vectors under a model, kept in memory when small enough, else streamed from the store.
struct DocumentVectors: Sendable {
    let store: PairsmithStore
    let model: String
    let dimension: Int
    let chunk: Int
    let resident: [(ids: [Int64], matrix: [Float])]?

    static func load(store: PairsmithStore, model: String, dimension: Int, chunk: Int, residentFloats: Int) async throws -> DocumentVectors {
        let count = try await store.documentVectorCount(model: model)
        var streamer = DocumentVectors(store: store, model: model, dimension: dimension, chunk: chunk, resident: nil)
        guard count * dimension <= residentFloats else { return streamer }
        var chunks: [(ids: [Int64], matrix: [Float])] = []
        try await streamer.forEachChunk { ids, matrix in chunks.append((ids, matrix)) }
        streamer = DocumentVectors(store: store, model: model, dimension: dimension, chunk: chunk, resident: chunks)
        return streamer
    }

    /// Calls `body` with each chunk's document ids and its row-major `[ids.count × dimension]` matrix.
    func forEachChunk(_ body: (_ ids: [Int64], _ matrix: [Float]) throws -> Void) async throws {
        if let resident {
            for part in resident { try body(part.ids, part.matrix) }
            return
        }
        var after: Int64 = 0
        while true {
            let records = try await store.documentVectors(model: model, after: after, limit: chunk)
            guard let last = records.last else { return }
            after = last.ownerID
            var ids: [Int64] = []
            var matrix: [Float] = []
            ids.reserveCapacity(records.count)
            matrix.reserveCapacity(records.count * dimension)
            for record in records {
                let values = record.values
                guard values.count == dimension else {
                    throw SelectionError.dimensionMismatch(pairID: 0, query: dimension, passage: values.count)
                }
                ids.append(record.ownerID)
                matrix.append(contentsOf: values)
            }
            try body(ids, matrix)
        }
    }
}

/// What a hard-negative search did.
public struct NegativeReport: Sendable, Hashable, CustomStringConvertible {
    /// Pairs searched now.
    public var searchedNow = 0
    /// Pairs skipped because they were searched with the same parameters.
    public var alreadySearched = 0
    /// Pairs skipped for want of a query vector (not scored).
    public var withoutQueryVector = 0
    /// Selected examples not searched because their positive is generated, not the passage.
    public var generatedPositives = 0
    /// Negatives stored now.
    public var negatives = 0
    /// Pairs searched now that got fewer than K negatives.
    public var short = 0
    /// Positive round-trip ranks stored now.
    public var ranked = 0

    /// Creates an empty report.
    public init() {}

    public var description: String {
        "hard negatives: searched \(searchedNow) pairs (\(alreadySearched) already searched), stored \(negatives) negatives, "
            + "\(short) pairs with fewer than asked" + (withoutQueryVector > 0 ? ", \(withoutQueryVector) without a query vector" : "")
            + (generatedPositives > 0 ? ", \(generatedPositives) with a generated positive (not searched)" : "")
            + (ranked > 0 ? ", \(ranked) positive ranks" : "")
    }
}

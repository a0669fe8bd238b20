import Foundation
import PairsmithBLAS
import PairsmithConfiguration
import PairsmithStore

/// Mines hard negatives for the examples of a run's weak set whose positive is the passage (an example with a
/// generated positive gets none): for each, up to K passages of the corpus ranked by cosine to the anchor vector
/// (exact search, one sgemm per block of anchors and chunk of document vectors).
///
/// Ranks count every passage but the positive (rank 1 = the closest other passage); only ranks within
/// [rankFrom, rankTo] are considered, and a candidate scoring above guard × the positive's score is skipped (a
/// likely false negative). When fewer than K remain, fewer are stored and the search records how many were found;
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

    /// Creates a miner.
    public init(
        store: PairsmithStore, model: String, settings: PipelineConfiguration.NegativeSettings, queryBlock: Int = 1_024,
        documentChunk: Int = 4_096, residentFloats: Int = 1 << 28
    ) {
        self.store = store
        self.model = model
        self.settings = settings
        self.queryBlock = max(1, queryBlock)
        self.documentChunk = max(1, documentChunk)
        self.residentFloats = residentFloats
    }

    /// Searches negatives for the pairs of the newest weak selection of `run` that have no search with these
    /// parameters yet.
    public func mine(run: String) async throws -> NegativeReport {
        var report = NegativeReport()
        guard settings.count > 0, let weak = try await store.latestSelection(run: run, set: .weak), let weakID = weak.id else {
            return report
        }
        let selected = try await store.selectedPairIDs(selectionID: weakID)
        let generated = try await store.examplesWithGeneratedPositive(run: run)
        let pairIDs = generated.isEmpty ? selected : selected.filter { !generated.contains($0) }
        report.generatedPositives = selected.count - pairIDs.count
        let searched = try await store.negativeSearches(run: run)
        let pending = pairIDs.filter { id in
            !(searched[id]?.matches(
                model: model, requested: settings.count, rankFrom: settings.rankFrom, rankTo: settings.rankTo,
                guardFactor: settings.guardFactor) ?? false)
        }
        report.alreadySearched = pairIDs.count - pending.count
        guard !pending.isEmpty else { return report }

        let pairs = Dictionary(try await store.scoredPairs(run: run, model: model).map { ($0.pairID, $0) }, uniquingKeysWith: { a, _ in a })
        let ready = try await store.pairIDsWithVector(kind: .query, model: model, among: pending.filter { pairs[$0] != nil })
        report.withoutQueryVector = pending.count - ready.count
        guard let first = ready.first,
            let dimension = try await store.vectors(kind: .query, model: model, ownerIDs: [first])[first]?.dimension
        else { return report }

        let corpus = try await DocumentVectors.load(
            store: store, model: model, dimension: dimension, chunk: documentChunk, residentFloats: residentFloats)
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
            let keep = settings.rankTo + 1
            var best = Array(repeating: RankedList(capacity: keep), count: block.count)
            try await corpus.forEachChunk { ids, matrix in
                let scores = BLAS.linear(queries, matrix, rows: block.count, inFeatures: dimension, outFeatures: ids.count)
                for row in 0..<block.count {
                    let base = row * ids.count
                    for column in 0..<ids.count { best[row].offer(score: scores[base + column], documentID: ids[column]) }
                }
            }
            var searches: [NegativeSearchRecord] = []
            var negatives: [NegativeRecord] = []
            for (row, pairID) in block.enumerated() {
                guard let pair = pairs[pairID] else { continue }
                let ranked = best[row].sorted().filter { $0.documentID != pair.documentID }
                let positive =
                    pair.cosine
                    ?? best[row].sorted().first { $0.documentID == pair.documentID }.map { Double($0.score) }
                    ?? 1
                let chosen = Self.choose(ranked: ranked, positiveScore: positive, settings: settings)
                for (rank, candidate) in chosen.enumerated() {
                    negatives.append(
                        NegativeRecord(
                            pairID: pairID, documentID: candidate.documentID, rank: rank, score: Double(candidate.score)))
                }
                searches.append(
                    NegativeSearchRecord(
                        pairID: pairID, model: model, requested: settings.count, found: chosen.count,
                        rankFrom: settings.rankFrom, rankTo: settings.rankTo, guardFactor: settings.guardFactor))
                report.searchedNow += 1
                report.negatives += chosen.count
                if chosen.count < settings.count { report.short += 1 }
            }
            try await store.storeNegatives(searches: searches, negatives: negatives)
        }
        return report
    }

    /// The negatives among `ranked` (best first, the positive already removed): ranks within the range, scores at
    /// most guard × the positive's score, the first K of them.
    static func choose(
        ranked: [RankedList.Entry], positiveScore: Double, settings: PipelineConfiguration.NegativeSettings
    ) -> [RankedList.Entry] {
        let limit = settings.guardFactor * positiveScore
        var chosen: [RankedList.Entry] = []
        for (offset, candidate) in ranked.enumerated() {
            let rank = offset + 1
            if rank < settings.rankFrom { continue }
            if rank > settings.rankTo || chosen.count == settings.count { break }
            if Double(candidate.score) > limit { continue }
            chosen.append(candidate)
        }
        return chosen
    }
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

    /// Creates an empty report.
    public init() {}

    public var description: String {
        "hard negatives: searched \(searchedNow) pairs (\(alreadySearched) already searched), stored \(negatives) negatives, "
            + "\(short) pairs with fewer than asked" + (withoutQueryVector > 0 ? ", \(withoutQueryVector) without a query vector" : "")
            + (generatedPositives > 0 ? ", \(generatedPositives) with a generated positive (not searched)" : "")
    }
}

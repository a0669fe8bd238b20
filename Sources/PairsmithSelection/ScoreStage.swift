import Foundation
import PairsmithMatching
import PairsmithStore
import PairsmithText

/// The score stage: for every pair of a run without a score under the model, the cosine of its query (embedded with
/// the task instruction, `Instruct: {task}\nQuery:{query}`) and its passage (embedded without one).
///
/// Passage vectors already stored under the model (by persona matching) are reused; query vectors are stored as
/// `query` vectors of their pair, hashed over the instructed text, so a changed instruction is noticed and the pair
/// scored again. Each batch of scores is committed with its vectors in one transaction: a killed stage loses at most
/// the batch in flight, and running it again goes on with the pairs still unscored.
public struct ScoreStage: Sendable {
    /// The store.
    public let store: PairsmithStore
    /// The embedding model's name (the cache key of vectors and scores).
    public let model: String
    /// The task instruction the query side carries.
    public let instruction: String
    /// Pairs per committed batch.
    public let batchSize: Int
    /// Texts per embedding call (calls of one batch run concurrently, so a local engine packs them together).
    public let embedBatchSize: Int
    private let embed: EmbedTexts

    /// Creates the stage. `embed` receives texts as they are to be embedded (queries already carry the instruction).
    public init(
        store: PairsmithStore, model: String, instruction: String, batchSize: Int = 256, embedBatchSize: Int = 64,
        embed: @escaping EmbedTexts
    ) {
        self.store = store
        self.model = model
        self.instruction = instruction
        self.batchSize = max(1, batchSize)
        self.embedBatchSize = max(1, embedBatchSize)
        self.embed = embed
    }

    /// The text embedded for a query: `Instruct: {instruction}\nQuery:{query}`.
    public func instructed(_ query: String) -> String { QueryInstruction.format(query, instruction: instruction) }

    /// Scores every pair of `run` that needs it; `onBatch` is told after each committed batch.
    public func scoreAll(run: String, onBatch: @Sendable (ScoreReport) -> Void = { _ in }) async throws -> ScoreReport {
        var report = ScoreReport()
        var after: Int64 = 0
        while true {
            try Task.checkCancellation()
            let page = try await store.scoringCandidates(run: run, model: model, after: after, limit: batchSize)
            guard let last = page.last?.pairID else { break }
            after = last
            let work = page.filter { !$0.scored || $0.queryVectorHash != ContentHash.sha256(instructed($0.query)) }
            report.alreadyScored += page.count - work.count
            guard !work.isEmpty else { continue }
            try await score(work, report: &report)
            onBatch(report)
        }
        return report
    }

    /// Scores one batch and commits its scores and new vectors together.
    private func score(_ work: [ScoringCandidate], report: inout ScoreReport) async throws {
        let queryTexts = work.map { instructed($0.query) }
        let queryHashes = queryTexts.map { ContentHash.sha256($0) }
        var queryVectors: [[Float]?] = Array(repeating: nil, count: work.count)
        var pending: [Int] = []
        let cachedQueries = try await store.cachedVectors(model: model, textHashes: queryHashes)
        for index in work.indices {
            if let cached = cachedQueries[queryHashes[index]] {
                queryVectors[index] = cached.values
            } else {
                pending.append(index)
            }
        }

        let documentIDs = Array(Set(work.map(\.documentID))).sorted()
        var passageVectors = try await store.vectors(kind: .document, model: model, ownerIDs: documentIDs)
            .mapValues(\.values)
        let missingDocuments = documentIDs.filter { passageVectors[$0]?.isEmpty ?? true }
        let documents = try await store.documents(ids: missingDocuments)
        let missingPassages = missingDocuments.compactMap { documents[$0] }
        guard missingPassages.count == missingDocuments.count else {
            throw SelectionError.missingDocument(id: missingDocuments.first { documents[$0] == nil } ?? 0)
        }

        // One embedding pass for the new queries (deduplicated by text) and the passages never embedded.
        var uniqueQueries: [String: Int] = [:]
        var texts: [String] = []
        for index in pending where uniqueQueries[queryHashes[index]] == nil {
            uniqueQueries[queryHashes[index]] = texts.count
            texts.append(queryTexts[index])
        }
        let passageOffset = texts.count
        texts.append(contentsOf: missingPassages.map(\.text))
        let embedded = try await embedAll(texts).map(TopK.normalised)

        var newVectors: [VectorRecord] = []
        var storedQueryHashes: Set<String> = []
        for index in pending {
            let vector = embedded[uniqueQueries[queryHashes[index]] ?? 0]
            queryVectors[index] = vector
            storedQueryHashes.insert(queryHashes[index])
        }
        // Every scored pair gets its own query vector row (owner = pair), reused or new, so dedup and negatives find it.
        for (index, candidate) in work.enumerated() where candidate.queryVectorHash != queryHashes[index] {
            newVectors.append(
                VectorRecord(
                    ownerKind: .query, ownerID: candidate.pairID, model: model, textHash: queryHashes[index],
                    values: queryVectors[index] ?? []))
        }
        for (offset, document) in missingPassages.enumerated() {
            let vector = embedded[passageOffset + offset]
            passageVectors[document.id ?? 0] = vector
            newVectors.append(
                VectorRecord(
                    ownerKind: .document, ownerID: document.id ?? 0, model: model, textHash: document.contentHash, values: vector))
        }

        var scores: [ScoreRecord] = []
        for (index, candidate) in work.enumerated() {
            let query = queryVectors[index] ?? []
            let passage = passageVectors[candidate.documentID] ?? []
            guard query.count == passage.count, !query.isEmpty else {
                throw SelectionError.dimensionMismatch(pairID: candidate.pairID, query: query.count, passage: passage.count)
            }
            scores.append(ScoreRecord(pairID: candidate.pairID, model: model, cosine: Cosine.of(query, passage)))
        }
        try await store.storeScores(scores, vectors: newVectors)
        report.scoredNow += scores.count
        report.queriesEmbedded += uniqueQueries.count
        report.queriesReused += work.count - pending.count
        report.passagesEmbedded += missingPassages.count
        report.passagesReused += documentIDs.count - missingDocuments.count
    }

    /// Embeds `texts` in chunks of `embedBatchSize`, the chunks concurrently; results in input order.
    private func embedAll(_ texts: [String]) async throws -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        let starts = Array(stride(from: 0, to: texts.count, by: embedBatchSize))
        var results = Array(repeating: [[Float]](), count: starts.count)
        try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { group in
            for (chunk, start) in starts.enumerated() {
                let slice = Array(texts[start..<min(start + embedBatchSize, texts.count)])
                group.addTask { [embed] in
                    let vectors = try await embed(slice)
                    guard vectors.count == slice.count else {
                        throw SelectionError.wrongCount(requested: slice.count, returned: vectors.count)
                    }
                    return (chunk, vectors)
                }
            }
            for try await (chunk, vectors) in group { results[chunk] = vectors }
        }
        return results.flatMap { $0 }
    }
}

/// What a score pass did.
public struct ScoreReport: Sendable, Hashable, CustomStringConvertible {
    /// Pairs scored by this pass.
    public var scoredNow = 0
    /// Pairs already scored under the model with the same instruction (skipped).
    public var alreadyScored = 0
    /// Distinct instructed queries embedded.
    public var queriesEmbedded = 0
    /// Query vectors taken from the store instead of embedded.
    public var queriesReused = 0
    /// Passages embedded (those persona matching had not embedded under the model).
    public var passagesEmbedded = 0
    /// Passage vectors taken from the store.
    public var passagesReused = 0

    /// Creates an empty report.
    public init() {}

    public var description: String {
        "scored \(scoredNow) pairs (\(alreadyScored) already scored); embedded \(queriesEmbedded) queries and "
            + "\(passagesEmbedded) passages, reused \(queriesReused) query and \(passagesReused) passage vectors"
    }
}

/// Cosine similarity of vectors, accumulated in double precision.
public enum Cosine {
    /// The cosine of `a` and `b` (0 when either is all zeros).
    public static func of(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, normA = 0.0, normB = 0.0
        for index in 0..<min(a.count, b.count) {
            let x = Double(a[index]), y = Double(b[index])
            dot += x * y
            normA += x * x
            normB += y * y
        }
        let norm = (normA * normB).squareRoot()
        return norm > 0 ? dot / norm : 0
    }
}

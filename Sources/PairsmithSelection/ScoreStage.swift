import Foundation
import PairsmithMatching
import PairsmithStore
import PairsmithText

/// The score stage: for every example of a run without a score under the model, the cosine of its anchor and its
/// positive, each embedded with its own instruction (`Instruct: {task}\nQuery:{text}`) as the example declares.
///
/// The anchor carries the example's `anchor_instruction`, or ``instruction`` (the run's default) when that is NULL
/// (v3 rows); an empty instruction means the bare text. A positive that is the passage and carries no instruction is
/// read from the passage's `document` vector (stored by persona matching, else embedded once and stored); a
/// generated positive, or any positive with an instruction, is embedded and stored as the example's `positive`
/// vector. Anchor and positive vectors are hashed over the instructed text, so a changed instruction is noticed and
/// the example scored again. Each batch of scores is committed with its vectors in one transaction: a killed stage
/// loses at most the batch in flight, and running it again goes on with the examples still unscored.
public struct ScoreStage: Sendable {
    /// The store.
    public let store: PairsmithStore
    /// The embedding model's name (the cache key of vectors and scores).
    public let model: String
    /// The anchor instruction of examples that store none (NULL `anchor_instruction`: v3 rows), the run's
    /// `embedding.query_instruction`.
    public let instruction: String
    /// Examples per committed batch.
    public let batchSize: Int
    /// Texts per embedding call (calls of one batch run concurrently, so a local engine packs them together).
    public let embedBatchSize: Int
    private let embed: EmbedTexts

    /// Creates the stage. `embed` receives texts as they are to be embedded (instructions already applied).
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

    /// The text embedded for an anchor under the default instruction: `Instruct: {instruction}\nQuery:{anchor}`.
    public func instructed(_ anchor: String) -> String { Self.instructed(anchor, instruction: instruction) }

    /// `text` as embedded under `instruction`: `Instruct: {instruction}\nQuery:{text}`, or `text` itself when the
    /// instruction is empty.
    public static func instructed(_ text: String, instruction: String) -> String {
        instruction.isEmpty ? text : QueryInstruction.format(text, instruction: instruction)
    }

    /// The text embedded for a candidate's anchor (its own instruction, else the default).
    public func anchorText(_ candidate: ScoringCandidate) -> String {
        Self.instructed(candidate.anchor, instruction: candidate.anchorInstruction ?? instruction)
    }

    /// The text embedded for a candidate's positive when ``ScoringCandidate/embedsPositive`` (the generated positive
    /// or the passage, under the positive instruction if any); nil when the passage's own vector stands for it.
    public func positiveText(_ candidate: ScoringCandidate, passage: String) -> String? {
        guard candidate.embedsPositive else { return nil }
        return Self.instructed(candidate.positive ?? passage, instruction: candidate.positiveInstruction ?? "")
    }

    /// Scores every example of `run` that needs it; `onBatch` is told after each committed batch.
    public func scoreAll(run: String, onBatch: @Sendable (ScoreReport) -> Void = { _ in }) async throws -> ScoreReport {
        var report = ScoreReport()
        var after: Int64 = 0
        while true {
            try Task.checkCancellation()
            let page = try await store.scoringCandidates(run: run, model: model, after: after, limit: batchSize)
            guard let last = page.last?.pairID else { break }
            after = last
            // Passages are read only for examples whose positive is the instructed passage (their hash needs it).
            let instructedPassages = Array(Set(page.filter { $0.embedsPositive && $0.positive == nil }.map(\.documentID)))
            let passages = try await store.documents(ids: instructedPassages)
            let work = page.compactMap { candidate -> ScoringWork? in
                let item = ScoringWork(candidate: candidate, stage: self, passage: passages[candidate.documentID]?.text)
                return item.isCurrent ? nil : item
            }
            report.alreadyScored += page.count - work.count
            guard !work.isEmpty else { continue }
            try await score(work, report: &report)
            onBatch(report)
        }
        return report
    }

    /// Scores one batch and commits its scores and new vectors together.
    private func score(_ work: [ScoringWork], report: inout ScoreReport) async throws {
        // The passages of examples whose positive is the passage's own vector.
        let documentIDs = Array(Set(work.filter { $0.positiveText == nil }.map(\.candidate.documentID))).sorted()
        var passageVectors = try await store.vectors(kind: .document, model: model, ownerIDs: documentIDs)
            .mapValues(\.values)
        let missingDocuments = documentIDs.filter { passageVectors[$0]?.isEmpty ?? true }
        let documents = try await store.documents(ids: missingDocuments)
        let missingPassages = missingDocuments.compactMap { documents[$0] }
        guard missingPassages.count == missingDocuments.count else {
            throw SelectionError.missingDocument(id: missingDocuments.first { documents[$0] == nil } ?? 0)
        }
        if let lost = work.first(where: { $0.candidate.embedsPositive && $0.positiveText == nil }) {
            throw SelectionError.missingDocument(id: lost.candidate.documentID)
        }

        // Anchor and positive texts: reused from any stored vector of the same text, else embedded once per text.
        var sides: [(text: String, hash: String)] = []
        for item in work {
            sides.append((item.anchorText, item.anchorHash))
            if let text = item.positiveText, let hash = item.positiveHash { sides.append((text, hash)) }
        }
        let cached = try await store.cachedVectors(model: model, textHashes: sides.map(\.hash))
        var uniqueTexts: [String: Int] = [:]
        var toEmbed: [String] = []
        for side in sides where cached[side.hash] == nil && uniqueTexts[side.hash] == nil {
            uniqueTexts[side.hash] = toEmbed.count
            toEmbed.append(side.text)
        }
        let textCount = toEmbed.count
        toEmbed.append(contentsOf: missingPassages.map(\.text))
        let embedded = try await embedAll(toEmbed).map(TopK.normalised)
        func vector(hash: String) -> [Float] {
            if let stored = cached[hash] { return stored.values }
            return uniqueTexts[hash].map { embedded[$0] } ?? []
        }

        var newVectors: [VectorRecord] = []
        for (offset, document) in missingPassages.enumerated() {
            let values = embedded[textCount + offset]
            passageVectors[document.id ?? 0] = values
            newVectors.append(
                VectorRecord(
                    ownerKind: .document, ownerID: document.id ?? 0, model: model, textHash: document.contentHash, values: values))
        }
        var scores: [ScoreRecord] = []
        for item in work {
            let candidate = item.candidate
            let anchor = vector(hash: item.anchorHash)
            // Every scored example gets its own anchor (and positive) vector row, reused or new, so dedup and
            // negatives find it.
            if candidate.queryVectorHash != item.anchorHash {
                newVectors.append(
                    VectorRecord(ownerKind: .query, ownerID: candidate.pairID, model: model, textHash: item.anchorHash, values: anchor))
            }
            let positive: [Float]
            if let hash = item.positiveHash {
                positive = vector(hash: hash)
                if candidate.positiveVectorHash != hash {
                    newVectors.append(
                        VectorRecord(ownerKind: .positive, ownerID: candidate.pairID, model: model, textHash: hash, values: positive))
                }
            } else {
                positive = passageVectors[candidate.documentID] ?? []
            }
            guard anchor.count == positive.count, !anchor.isEmpty else {
                throw SelectionError.dimensionMismatch(pairID: candidate.pairID, query: anchor.count, passage: positive.count)
            }
            scores.append(ScoreRecord(pairID: candidate.pairID, model: model, cosine: Cosine.of(anchor, positive)))
        }
        try await store.storeScores(scores, vectors: newVectors)
        let anchorHashes = Set(work.map(\.anchorHash))
        let positiveHashes = Set(work.compactMap(\.positiveHash))
        report.scoredNow += scores.count
        report.queriesEmbedded += anchorHashes.filter { cached[$0] == nil }.count
        report.queriesReused += work.filter { cached[$0.anchorHash] != nil }.count
        report.positivesEmbedded += positiveHashes.filter { cached[$0] == nil && !anchorHashes.contains($0) }.count
        report.positivesReused += work.filter { $0.positiveHash.map { cached[$0] != nil } ?? false }.count
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

/// One example of a batch that needs scoring, with the texts its two sides are embedded as.
private struct ScoringWork: Sendable {
    let candidate: ScoringCandidate
    /// The anchor as embedded.
    let anchorText: String
    let anchorHash: String
    /// The positive as embedded when it has its own vector (nil: the passage's vector, or a passage that is gone).
    let positiveText: String?
    let positiveHash: String?

    init(candidate: ScoringCandidate, stage: ScoreStage, passage: String?) {
        self.candidate = candidate
        anchorText = stage.anchorText(candidate)
        anchorHash = ContentHash.sha256(anchorText)
        positiveText = candidate.positive != nil || passage != nil ? stage.positiveText(candidate, passage: passage ?? "") : nil
        positiveHash = positiveText.map { ContentHash.sha256($0) }
    }

    /// Whether the stored score is for these very texts (nothing to do).
    var isCurrent: Bool {
        guard candidate.scored, candidate.queryVectorHash == anchorHash else { return false }
        guard candidate.embedsPositive else { return true }
        return positiveHash != nil && candidate.positiveVectorHash == positiveHash
    }
}

/// What a score pass did.
public struct ScoreReport: Sendable, Hashable, CustomStringConvertible {
    /// Examples scored by this pass.
    public var scoredNow = 0
    /// Examples already scored under the model with the same instructions (skipped).
    public var alreadyScored = 0
    /// Distinct instructed anchors embedded.
    public var queriesEmbedded = 0
    /// Anchor vectors taken from the store instead of embedded.
    public var queriesReused = 0
    /// Distinct positives embedded on their own (generated, or carrying an instruction).
    public var positivesEmbedded = 0
    /// Such positive vectors taken from the store instead of embedded.
    public var positivesReused = 0
    /// Passages embedded (those persona matching had not embedded under the model).
    public var passagesEmbedded = 0
    /// Passage vectors taken from the store.
    public var passagesReused = 0

    /// Creates an empty report.
    public init() {}

    public var description: String {
        "scored \(scoredNow) pairs (\(alreadyScored) already scored); embedded \(queriesEmbedded) queries and "
            + "\(passagesEmbedded) passages, reused \(queriesReused) query and \(passagesReused) passage vectors"
            + (positivesEmbedded + positivesReused > 0
                ? "; embedded \(positivesEmbedded) and reused \(positivesReused) positive vectors" : "")
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

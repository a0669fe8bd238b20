import Foundation
import PairsmithStore
import PairsmithText

/// Embeds texts with some model: the local engine or a remote `/v1/embeddings` endpoint, adapted by the caller.
public typealias EmbedTexts = @Sendable ([String]) async throws -> [[Float]]

/// Matches every passage with its top-k personas by exact cosine similarity (the report's "top five role
/// candidates"), writing `candidates`. Persona and passage vectors are cached in `vectors` by model and text
/// hash, so each text is embedded once; documents that already have candidates are skipped, so a killed
/// matching pass resumes where it stopped.
public struct PersonaMatcher: Sendable {
    /// The store.
    public let store: PairsmithStore
    /// The embedding model's name (the cache key).
    public let model: String
    /// Candidates per passage.
    public let candidates: Int
    /// Texts per embedding call.
    public let batchSize: Int
    private let embed: EmbedTexts

    /// Creates a matcher.
    public init(store: PairsmithStore, model: String, candidates: Int = 5, batchSize: Int = 32, embed: @escaping EmbedTexts) {
        self.store = store
        self.model = model
        self.candidates = candidates
        self.batchSize = max(1, batchSize)
        self.embed = embed
    }

    /// Matches every document without candidates in `run`; returns the report over all of the run's candidates.
    public func matchAll(run: String) async throws -> MatchReport {
        let personas = try await store.personas()
        guard !personas.isEmpty else { throw MatchingError.noPersonas }
        let personaVectors = try await vectors(
            for: personas.map { ($0.id ?? 0, $0.text) }, kind: .persona)
        let dimension = personaVectors.first?.count ?? 0
        let keys = personaVectors.flatMap { $0 }
        var matched = 0
        var after: Int64 = 0
        while true {
            try Task.checkCancellation()
            let documents = try await store.documentsWithoutCandidates(run: run, after: after, limit: batchSize * 8)
            guard let last = documents.last?.id else { break }
            after = last
            let documentVectors = try await vectors(for: documents.map { ($0.id ?? 0, $0.text) }, kind: .document)
            guard documentVectors.allSatisfy({ $0.count == dimension }) else {
                throw MatchingError.dimensionMismatch(expected: dimension, found: documentVectors.first { $0.count != dimension }?.count ?? 0)
            }
            let results = TopK.search(
                queries: documentVectors.flatMap { $0 }, queryCount: documents.count, keys: keys,
                keyCount: personas.count, dimension: dimension, k: candidates)
            var records: [CandidateRecord] = []
            for (document, matches) in zip(documents, results) {
                for (rank, match) in matches.enumerated() {
                    records.append(
                        CandidateRecord(
                            run: run, documentID: document.id ?? 0, personaID: personas[match.index].id ?? 0, rank: rank,
                            score: Double(match.score)))
                }
            }
            try await store.insertCandidates(records)
            matched += documents.count
        }
        let usage = try await store.candidateUsage(run: run)
        return MatchReport(matchedNow: matched, personaCount: personas.count, usage: usage)
    }

    /// Normalised vectors for `(owner id, text)` pairs, from the cache where present, else embedded and stored.
    private func vectors(for items: [(id: Int64, text: String)], kind: VectorRecord.OwnerKind) async throws -> [[Float]] {
        let hashes = items.map { ContentHash.sha256($0.text) }
        let cached = try await store.cachedVectors(model: model, textHashes: hashes)
        var result = hashes.map { cached[$0]?.values }
        let missing = result.indices.filter { result[$0] == nil }
        for chunkStart in stride(from: 0, to: missing.count, by: batchSize) {
            let chunk = Array(missing[chunkStart..<min(chunkStart + batchSize, missing.count)])
            let embedded = try await embed(chunk.map { items[$0].text })
            guard embedded.count == chunk.count else {
                throw MatchingError.wrongCount(requested: chunk.count, returned: embedded.count)
            }
            var records: [VectorRecord] = []
            for (position, index) in chunk.enumerated() {
                let vector = TopK.normalised(embedded[position])
                result[index] = vector
                records.append(
                    VectorRecord(
                        ownerKind: kind, ownerID: items[index].id, model: model, textHash: hashes[index], values: vector))
            }
            try await store.insertVectors(records)
        }
        return result.map { TopK.normalised($0 ?? []) }
    }
}

/// How evenly the persona library is used by a run's candidates.
public struct MatchReport: Sendable, Hashable, CustomStringConvertible {
    /// Documents matched by this call (0 when everything was already matched).
    public var matchedNow: Int
    /// Personas in the library.
    public var personaCount: Int
    /// Candidate slots filled, over all documents of the run.
    public var slots: Int
    /// Personas that appear at least once.
    public var personasUsed: Int
    /// The most slots one persona fills.
    public var maxUses: Int
    /// Gini coefficient of uses over all personas (0: perfectly even; near 1: a few personas take everything).
    public var gini: Double

    /// Computes the report from per-persona use counts.
    public init(matchedNow: Int, personaCount: Int, usage: [Int64: Int]) {
        self.matchedNow = matchedNow
        self.personaCount = personaCount
        slots = usage.values.reduce(0, +)
        personasUsed = usage.count
        maxUses = usage.values.max() ?? 0
        var counts = usage.values.sorted()
        counts.insert(contentsOf: Array(repeating: 0, count: max(0, personaCount - counts.count)), at: 0)
        let total = Double(counts.reduce(0, +))
        if total > 0, counts.count > 1 {
            let n = Double(counts.count)
            let weighted = counts.enumerated().reduce(0.0) { $0 + Double($1.offset + 1) * Double($1.element) }
            gini = (2 * weighted) / (n * total) - (n + 1) / n
        } else {
            gini = 0
        }
    }

    public var description: String {
        let share = personaCount > 0 ? 100 * Double(personasUsed) / Double(personaCount) : 0
        return "matched \(matchedNow) passages; \(personasUsed) of \(personaCount) personas used (\(String(format: "%.1f", share))%), "
            + "busiest persona in \(maxUses) of \(slots) slots, Gini \(String(format: "%.3f", gini))"
    }
}

/// Errors that stop persona matching.
public enum MatchingError: Error, CustomStringConvertible, Equatable {
    /// The store holds no personas.
    case noPersonas
    /// The embedder returned a different number of vectors than texts.
    case wrongCount(requested: Int, returned: Int)
    /// Passage and persona vectors differ in size (a different model than the cached vectors).
    case dimensionMismatch(expected: Int, found: Int)

    public var description: String {
        switch self {
        case .noPersonas: "no personas are loaded; load a persona library (personas/personas.jsonl or --personas) first"
        case .wrongCount(let requested, let returned):
            "the embedder returned \(returned) vectors for \(requested) texts"
        case .dimensionMismatch(let expected, let found):
            "passage vectors have \(found) dimensions but persona vectors have \(expected); were they made by different models?"
        }
    }
}

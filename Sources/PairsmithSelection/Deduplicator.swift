import PairsmithStore

/// Finds the duplicate examples of a run, over their anchors: exact (the same normalised anchor text, any passage)
/// and near (anchors made from the same passage whose cosine is at least the threshold). Examples are visited in
/// (document key, sample, id) order and the first of a group is kept, so the result does not depend on insertion
/// order; the others are recorded in `duplicates` with their kind and the example they duplicate.
public struct Deduplicator: Sendable {
    /// The store.
    public let store: PairsmithStore
    /// The embedding model whose query vectors are compared.
    public let model: String
    /// The near-duplicate cosine threshold (inclusive).
    public let nearDuplicateCosine: Double

    /// Creates a deduplicator.
    public init(store: PairsmithStore, model: String, nearDuplicateCosine: Double = 0.95) {
        self.store = store
        self.model = model
        self.nearDuplicateCosine = nearDuplicateCosine
    }

    /// Recomputes and stores the duplicates of `run` (replacing earlier ones); returns them.
    @discardableResult
    public func deduplicate(run: String) async throws -> [DuplicateRecord] {
        let pairs = try await store.scoredPairs(run: run, model: model)
        // Only passages with several queries can hold near duplicates: fetch just those query vectors.
        let perDocument = Dictionary(grouping: pairs, by: \.documentID)
        let shared = perDocument.values.filter { $0.count > 1 }.flatMap { $0.map(\.pairID) }
        let vectors = try await store.vectors(kind: .query, model: model, ownerIDs: shared).mapValues(\.values)
        // Examples with a generated positive (bitext, STS, classification) are the pair (anchor, positive): several
        // may share an anchor (one sentence, several levels or targets): a duplicate repeats both sides.
        var positives: [Int64: String] = [:]
        var positiveVectors: [Int64: [Float]] = [:]
        if pairs.contains(where: { !$0.positiveIsPassage }) {
            for fact in try await store.exampleTaskFacts(run: run) { if let positive = fact.positive { positives[fact.pairID] = positive } }
            let generated = shared.filter { positives[$0] != nil }
            positiveVectors = try await store.vectors(kind: .positive, model: model, ownerIDs: generated).mapValues(\.values)
        }
        let records = Self.duplicates(
            of: pairs, vectors: vectors, nearDuplicateCosine: nearDuplicateCosine, positives: positives,
            positiveVectors: positiveVectors)
        try await store.replaceDuplicates(run: run, with: records)
        return records
    }

    /// The duplicates among `pairs`, given the query vectors by pair id (pairs without one are only checked for
    /// exact duplicates).
    /// An example with a generated positive in `positives` is compared by its anchor and positive together: an exact
    /// duplicate repeats both texts, a near duplicate is near on both sides (`positiveVectors`).
    public static func duplicates(
        of pairs: [ScoredPair], vectors: [Int64: [Float]], nearDuplicateCosine: Double, positives: [Int64: String] = [:],
        positiveVectors: [Int64: [Float]] = [:]
    ) -> [DuplicateRecord] {
        let ordered = pairs.sorted { ($0.documentKey, $0.sample, $0.pairID) < ($1.documentKey, $1.sample, $1.pairID) }
        var firstByText: [String: Int64] = [:]
        var keptByDocument: [Int64: [(id: Int64, vector: [Float])]] = [:]
        var records: [DuplicateRecord] = []
        for pair in ordered {
            var normal = QueryNormalizer.normalize(pair.anchor)
            if let positive = positives[pair.pairID] { normal += "\u{1F}" + QueryNormalizer.normalize(positive) }
            if let first = firstByText[normal] {
                records.append(DuplicateRecord(pairID: pair.pairID, kind: .exact, duplicateOf: first))
                continue
            }
            firstByText[normal] = pair.pairID
            guard let vector = vectors[pair.pairID], !vector.isEmpty else { continue }
            let kept = keptByDocument[pair.documentID, default: []]
            func nearOnPositive(_ other: Int64) -> Bool {
                guard positives[pair.pairID] != nil else { return true }
                guard let mine = positiveVectors[pair.pairID], let theirs = positiveVectors[other] else { return false }
                return Cosine.of(mine, theirs) >= nearDuplicateCosine
            }
            if let match = kept.lazy.map({ (id: $0.id, cosine: Cosine.of(vector, $0.vector)) })
                .first(where: { $0.cosine >= nearDuplicateCosine && nearOnPositive($0.id) })
            {
                records.append(DuplicateRecord(pairID: pair.pairID, kind: .near, duplicateOf: match.id, cosine: match.cosine))
                continue
            }
            keptByDocument[pair.documentID, default: []].append((pair.pairID, vector))
        }
        return records.sorted { $0.pairID < $1.pairID }
    }
}

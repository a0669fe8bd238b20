import Foundation
import PairsmithConfiguration
import PairsmithStore

/// Hard negatives that are other examples' generated positives, for the tasks whose positive is generated (the
/// passage-based ``HardNegativeMiner`` gives those none):
///
/// - `pool: translations` (bitext): the positives of the weak set's other examples in the same positive language
///   (other translations into the same target language), ranked by cosine to the example's anchor vector; ranks
///   (1 = closest) within [rankFrom, rankTo]; a candidate above guard × the example's own cosine is skipped (likely a
///   translation of the same sentence), and so is any example made from the same passage and anchor.
/// - `pool: low_scores` (STS): for an example whose score is at least `score_aware.min_score`, the positives of the
///   weak set's examples with the same passage and anchor and a lower score, lowest score first (ties by cosine to
///   the anchor, closest first); examples below the score get none (they are the negatives).
///
/// Each example's search is stored in `negative_searches` with its negatives in `example_negatives`, one
/// transaction per block; examples already searched with the same model and parameters are skipped, so a killed
/// search resumes. Vectors come from the store: nothing is embedded.
public struct ExampleNegativeMiner: Sendable {
    /// The store.
    public let store: PairsmithStore
    /// The embedding model whose vectors are compared.
    public let model: String
    /// K, the rank range, the guard and the pool.
    public let settings: PipelineConfiguration.NegativeSettings
    /// The score from which an STS example is a positive pair (its lower-score siblings become its negatives).
    public let minScore: Double
    /// Examples per committed block.
    public let block: Int

    /// Creates a miner.
    public init(
        store: PairsmithStore, model: String, settings: PipelineConfiguration.NegativeSettings, minScore: Double = 0.75,
        block: Int = 512
    ) {
        self.store = store
        self.model = model
        self.settings = settings
        self.minScore = minScore
        self.block = max(1, block)
    }

    /// Searches the weak set of `run` for the examples without a search under these parameters.
    public func mine(run: String) async throws -> NegativeReport {
        var report = NegativeReport()
        guard settings.count > 0, settings.pool != .passages, let weak = try await store.latestSelection(run: run, set: .weak),
            let weakID = weak.id
        else { return report }
        let selected = Set(try await store.selectedPairIDs(selectionID: weakID))
        let facts = try await store.exampleTaskFacts(run: run).filter { selected.contains($0.pairID) && $0.positive != nil }
        let searched = try await store.negativeSearches(run: run)
        var pending = facts.filter { fact in
            !(searched[fact.pairID]?.matches(
                model: model, requested: settings.count, rankFrom: settings.rankFrom, rankTo: settings.rankTo,
                guardFactor: settings.guardFactor, absoluteMargin: settings.absoluteMargin,
                relativeMargin: settings.relativeMargin) ?? false)
        }
        if settings.pool == .lowScores { pending = pending.filter { ($0.score ?? 0) >= minScore } }
        report.alreadySearched = facts.count - pending.count
        guard !pending.isEmpty else { return report }

        let ids = facts.map(\.pairID)
        let anchors = try await store.vectors(kind: .query, model: model, ownerIDs: pending.map(\.pairID)).mapValues(\.values)
        let positives = try await store.vectors(kind: .positive, model: model, ownerIDs: ids).mapValues(\.values)
        let cosines = Dictionary(
            try await store.scoredPairs(run: run, model: model).map { ($0.pairID, $0.cosine) }, uniquingKeysWith: { a, _ in a })
        let byLanguage = Dictionary(grouping: facts, by: \.positiveLanguage)
        let bySource = Dictionary(grouping: facts) { SourceKey(documentID: $0.documentID, anchor: $0.anchor) }

        for start in stride(from: 0, to: pending.count, by: block) {
            try Task.checkCancellation()
            var searches: [NegativeSearchRecord] = []
            var negatives: [ExampleNegativeRecord] = []
            for fact in pending[start..<min(start + block, pending.count)] {
                guard let anchor = anchors[fact.pairID], !anchor.isEmpty else {
                    report.withoutQueryVector += 1
                    continue
                }
                let source = SourceKey(documentID: fact.documentID, anchor: fact.anchor)
                let chosen: [(id: Int64, score: Double)]
                switch settings.pool {
                case .translations:
                    let candidates = (byLanguage[fact.positiveLanguage] ?? []).filter {
                        $0.pairID != fact.pairID && SourceKey(documentID: $0.documentID, anchor: $0.anchor) != source
                    }
                    let ranked = candidates.compactMap { other -> (id: Int64, score: Double)? in
                        guard let vector = positives[other.pairID], vector.count == anchor.count else { return nil }
                        return (other.pairID, Double(Cosine.of(anchor, vector)))
                    }.sorted { ($0.score, $1.id) > ($1.score, $0.id) }
                    let positiveCosine = cosines[fact.pairID].flatMap { $0 } ?? 1
                    let limit = settings.guardFactor * positiveCosine
                    var picked: [(id: Int64, score: Double)] = []
                    for (offset, candidate) in ranked.enumerated() {
                        let rank = offset + 1
                        guard rank >= settings.rankFrom else { continue }
                        if rank > settings.rankTo || picked.count == settings.count { break }
                        if candidate.score > limit { continue }
                        if let margin = settings.absoluteMargin, candidate.score + margin > positiveCosine { continue }
                        if let margin = settings.relativeMargin, candidate.score > positiveCosine * (1 - margin) { continue }
                        picked.append(candidate)
                    }
                    chosen = picked
                case .lowScores:
                    let score = fact.score ?? 0
                    let siblings = (bySource[source] ?? []).filter { ($0.score ?? 1) < minScore && ($0.score ?? 1) < score }
                    let ranked = siblings.map { other -> (id: Int64, level: Double, score: Double) in
                        let vector = positives[other.pairID] ?? []
                        let cosine = vector.count == anchor.count ? Double(Cosine.of(anchor, vector)) : 0
                        return (other.pairID, other.score ?? 0, cosine)
                    }.sorted { ($0.level, -$0.score, $0.id) < ($1.level, -$1.score, $1.id) }
                    chosen = Array(ranked.prefix(settings.count)).map { ($0.id, $0.score) }
                case .passages:
                    chosen = []
                }
                for (rank, negative) in chosen.enumerated() {
                    negatives.append(ExampleNegativeRecord(pairID: fact.pairID, negativeID: negative.id, rank: rank, score: negative.score))
                }
                searches.append(
                    NegativeSearchRecord(
                        pairID: fact.pairID, model: model, requested: settings.count, found: chosen.count,
                        rankFrom: settings.rankFrom, rankTo: settings.rankTo, guardFactor: settings.guardFactor,
                        absoluteMargin: settings.absoluteMargin, relativeMargin: settings.relativeMargin))
                report.searchedNow += 1
                report.negatives += chosen.count
                if chosen.count < settings.count { report.short += 1 }
            }
            try await store.storeExampleNegatives(searches: searches, negatives: negatives)
        }
        return report
    }

    /// The passage and anchor an example was made from.
    private struct SourceKey: Hashable {
        var documentID: Int64
        var anchor: String
    }
}

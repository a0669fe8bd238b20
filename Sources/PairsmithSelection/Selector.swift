import Foundation
import PairsmithStore

/// Selects a run's weak-supervision set (every pair not recorded as a duplicate) and its SFT set (the weak pairs
/// drawn by the seeded sampling whose cosine lies within the resolved bounds) from stored scores, and stores both as
/// new selections (the newest per run and set is the one exports read). Nothing is embedded.
public struct Selector: Sendable {
    /// The store.
    public let store: PairsmithStore
    /// The embedding model whose scores are used.
    public let model: String

    /// Creates a selector.
    public init(store: PairsmithStore, model: String) {
        self.store = store
        self.model = model
    }

    /// Selects and stores both sets of `run`.
    public func select(
        run: String, criteria: SelectionCriteria, policy: TaskSelectionPolicy = TaskSelectionPolicy()
    ) async throws
        -> SelectionOutcome
    {
        try criteria.validate()
        let pairs = try await store.scoredPairs(run: run, model: model)
        guard !pairs.isEmpty else { throw SelectionError.noPairs(run: run) }
        let duplicates = Set(try await store.duplicates(run: run).map(\.pairID))
        let needsAll = criteria.lowPercentile != nil || criteria.highPercentile != nil
        let bounds = try criteria.resolve(allScores: needsAll ? try await store.allScores(model: model) : [], model: model)

        // The task-aware policy (excluded labels, score-aware bounds) reads each example's label and score.
        let facts =
            policy.isActive
            ? Dictionary(try await store.exampleTaskFacts(run: run).map { ($0.pairID, $0) }, uniquingKeysWith: { a, _ in a }) : [:]
        let valid = pairs.filter { !duplicates.contains($0.pairID) }
        let weak = valid.filter { policy.admits(facts[$0.pairID]) }
        let unscored = weak.filter { $0.cosine == nil }.count
        let sampled = weak.filter { criteria.sampled(key: "\(run)/\($0.documentKey)/\($0.sample)") }
        let exemptFromCosine: @Sendable (ScoredPair) -> Bool = { [facts] pair in
            policy.exemptFromCosine(facts[pair.pairID])
        }
        let filters = try await FilterEvaluation.load(
            store: store, run: run, model: model, bounds: bounds, filters: criteria.filters, cosineExempts: exemptFromCosine)
        let (sft, outcomes) = filters.apply(to: sampled)

        var parameters = SelectionParameters(
            criteria: criteria, resolved: bounds, model: model, pairs: pairs.count, duplicates: duplicates.count,
            unscored: unscored, sampled: sampled.count, criteriaApplied: outcomes, rerankModel: filters.rerankModel)
        if policy.isActive { parameters.task = TaskSelectionRecord(policy: policy, valid: valid, weak: weak, sft: sft, facts: facts) }
        let json = try parameters.json()
        let weakRecord = try await keep(
            SelectionRecord(run: run, set: .weak, model: model, parameters: json, low: nil, high: nil, records: weak.count),
            pairIDs: weak.map(\.pairID))
        let sftRecord = try await keep(
            SelectionRecord(run: run, set: .sft, model: model, parameters: json, low: bounds.low, high: bounds.high, records: sft.count),
            pairIDs: sft.map(\.pairID))
        return SelectionOutcome(
            run: run, model: model, pairs: pairs.count, duplicates: duplicates.count, unscored: unscored,
            weak: weakRecord, sft: sftRecord, bounds: bounds, criteria: outcomes)
    }

    /// Stores only the weak set of `run` (every non-duplicate example): what the hard-negative search reads, so the
    /// round-trip ranks it stores exist before an SFT selection that filters by them.
    @discardableResult
    public func selectWeak(run: String, criteria: SelectionCriteria) async throws -> SelectionRecord {
        try criteria.validate()
        let pairs = try await store.scoredPairs(run: run, model: model)
        guard !pairs.isEmpty else { throw SelectionError.noPairs(run: run) }
        let duplicates = Set(try await store.duplicates(run: run).map(\.pairID))
        let weak = pairs.filter { !duplicates.contains($0.pairID) }
        if let latest = try await store.latestSelection(run: run, set: .weak), let id = latest.id, latest.model == model,
            try await store.selectedPairIDs(selectionID: id) == weak.map(\.pairID).sorted()
        {
            return latest
        }
        let json = #"{"weak_only":true}"#
        return try await keep(
            SelectionRecord(run: run, set: .weak, model: model, parameters: json, low: nil, high: nil, records: weak.count),
            pairIDs: weak.map(\.pairID))
    }
}

extension Selector {
    /// Stores `selection` unless the newest one of its run and set is the same (parameters, model and pairs), which
    /// is returned instead: selecting again without a change adds nothing to the database.
    private func keep(_ selection: SelectionRecord, pairIDs: [Int64]) async throws -> SelectionRecord {
        if let latest = try await store.latestSelection(run: selection.run, set: selection.set), let id = latest.id,
            Self.sameParameters(stored: latest.parameters, new: selection.parameters), latest.model == selection.model,
            latest.records == pairIDs.count,
            try await store.selectedPairIDs(selectionID: id) == pairIDs.sorted()
        {
            return latest
        }
        return try await store.insertSelection(selection, pairIDs: pairIDs)
    }

    /// Whether stored selection parameters equal new ones. A selection stored before `criteria_applied` was recorded
    /// (an earlier release) is the same selection when everything else agrees: those counts are derived from the
    /// same inputs, so re-selecting an old database without a change stores nothing new.
    static func sameParameters(stored: String, new: String) -> Bool {
        if stored == new { return true }
        guard let old = (try? JSONSerialization.jsonObject(with: Data(stored.utf8))) as? [String: Any],
            var fresh = (try? JSONSerialization.jsonObject(with: Data(new.utf8))) as? [String: Any],
            old["criteria_applied"] == nil
        else { return false }
        fresh["criteria_applied"] = nil
        return NSDictionary(dictionary: old).isEqual(to: fresh)
    }
}

/// The parameters of a selection as asked and as resolved, stored as JSON (sorted keys) in `selections.parameters`.
public struct SelectionParameters: Sendable, Hashable, Codable {
    /// As asked.
    public var criteria: SelectionCriteria
    /// As resolved (percentiles by linear interpolation, numpy's default).
    public var resolved: ResolvedBounds
    /// The embedding model.
    public var model: String
    /// `linear`: how percentiles are interpolated.
    public var percentileInterpolation = "linear"
    /// Pairs in the run.
    public var pairs: Int
    /// Pairs recorded as duplicates.
    public var duplicates: Int
    /// Non-duplicate pairs without a score (in the weak set, never in SFT).
    public var unscored: Int
    /// Non-duplicate pairs kept by the sampling draw.
    public var sampled: Int
    /// Every criterion applied to the sampled examples, in order, with how many each failed and removed.
    public var criteriaApplied: [CriterionOutcome] = []
    /// The reranker model whose scores a rerank criterion read, if any.
    public var rerankModel: String?
    /// The task-aware policy and what it did (absent for retrieval, so its stored parameters keep their bytes).
    public var task: TaskSelectionRecord?

    /// The JSON text.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    enum CodingKeys: String, CodingKey {
        case criteria, resolved, model, pairs, duplicates, unscored, sampled, task
        case criteriaApplied = "criteria_applied"
        case rerankModel = "rerank_model"
        case percentileInterpolation = "percentile_interpolation"
    }
}

/// What a selection stored.
public struct SelectionOutcome: Sendable, Hashable, CustomStringConvertible {
    /// The run.
    public var run: String
    /// The embedding model.
    public var model: String
    /// Pairs in the run.
    public var pairs: Int
    /// Pairs recorded as duplicates.
    public var duplicates: Int
    /// Non-duplicate pairs without a score.
    public var unscored: Int
    /// The weak selection stored.
    public var weak: SelectionRecord
    /// The SFT selection stored.
    public var sft: SelectionRecord
    /// The bounds used.
    public var bounds: ResolvedBounds
    /// Every criterion applied, with how many examples each failed and removed.
    public var criteria: [CriterionOutcome] = []

    public var description: String {
        let low = bounds.low.map { String(format: "%.4f", $0) } ?? "-inf"
        let high = bounds.high.map { String(format: "%.4f", $0) } ?? "1"
        return "selected run \(run): \(pairs) pairs, \(duplicates) duplicates, weak \(weak.records), "
            + "sft \(sft.records) (cosine in (\(low), \(high)], by \(bounds.source))"
            + (unscored > 0 ? ", \(unscored) unscored" : "")
            + (criteria.count > 1
                ? "; removed by " + criteria.map { "\($0.criterion) \($0.removed)" }.joined(separator: ", ") : "")
    }
}

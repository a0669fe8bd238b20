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
        let sft = sampled.filter { pair in
            policy.admitsSFT(facts[pair.pairID], cosine: pair.cosine, inBounds: pair.cosine.map(bounds.contains) ?? false)
        }

        var parameters = SelectionParameters(
            criteria: criteria, resolved: bounds, model: model, pairs: pairs.count, duplicates: duplicates.count,
            unscored: unscored, sampled: sampled.count)
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
            weak: weakRecord, sft: sftRecord, bounds: bounds)
    }
}

extension Selector {
    /// Stores `selection` unless the newest one of its run and set is the same (parameters, model and pairs), which
    /// is returned instead: selecting again without a change adds nothing to the database.
    private func keep(_ selection: SelectionRecord, pairIDs: [Int64]) async throws -> SelectionRecord {
        if let latest = try await store.latestSelection(run: selection.run, set: selection.set), let id = latest.id,
            latest.parameters == selection.parameters, latest.model == selection.model, latest.records == pairIDs.count,
            try await store.selectedPairIDs(selectionID: id) == pairIDs.sorted()
        {
            return latest
        }
        return try await store.insertSelection(selection, pairIDs: pairIDs)
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

    public var description: String {
        let low = bounds.low.map { String(format: "%.4f", $0) } ?? "-inf"
        let high = bounds.high.map { String(format: "%.4f", $0) } ?? "1"
        return "selected run \(run): \(pairs) pairs, \(duplicates) duplicates, weak \(weak.records), "
            + "sft \(sft.records) (cosine in (\(low), \(high)], by \(bounds.source))"
            + (unscored > 0 ? ", \(unscored) unscored" : "")
    }
}

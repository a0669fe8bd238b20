import Foundation
import Testing

@testable import PairsmithStore

/// The claim query must not sort every pending unit of a stage on each claim: at a million units that is
/// hundreds of milliseconds per claim. SQLite's own query planner is the judge.
@Suite("Claim query plan")
struct ClaimPlanTests {
    @Test("claims walk the units_claim_order index in id order: no temporary sort, with or without ANALYZE")
    func claimUsesTheIndex() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        let store = temporary.store
        let documents = try await seedDocuments(store, count: 3_000)
        let keys = documents.map { UnitKey(run: "r", stage: "configure", documentID: $0, sample: 0) }
        #expect(try await store.enqueue(keys) == 3_000)
        for analyze in [false, true] {
            let plan = try await store.explainQueryPlan(
                PairsmithStore.claimableUnitsSQL, arguments: ["r", "configure", Date(), 8], analyze: analyze)
            #expect(plan.contains { $0.contains("units_claim_order") }, "ANALYZE \(analyze): \(plan)")
            #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "ANALYZE \(analyze): \(plan)")
        }
        // Still the oldest first.
        let first = try await store.claim(run: "r", stage: "configure", limit: 5)
        let second = try await store.claim(run: "r", stage: "configure", limit: 5)
        let ids = (first + second).compactMap(\.id)
        #expect(ids.count == 10 && ids == ids.sorted() && Set(ids).count == 10)
        #expect(first.map(\.documentID) == Array(documents.prefix(5)))
    }
}

import Foundation
import PairsmithStore
import PairsmithTestSupport
import Testing

/// The store's named reads and writes that replaced raw SQL in the pipeline, and the in-memory store for tests.
@Suite("Store access")
struct StoreAccessTests {
    @Test("an in-memory store is migrated, keeps what is written, and is separate from every other one")
    func inMemory() async throws {
        let store = try PairsmithStore.inMemory()
        let other = try PairsmithStore.inMemory()
        #expect(store.path == ":memory:")
        #expect(try await store.journalMode() == "memory")
        let ids = try await seedDocuments(store, count: 3)
        #expect(ids.count == 3)
        #expect(try await store.document(id: ids[1])?.key == "doc-1")
        #expect(try await store.documentCount() == 3)
        #expect(try await other.documentCount() == 0)
        // The work queue and the batching writer work on it as on a file.
        try await store.enqueue(ids.map { UnitKey(run: "r", stage: "configure", documentID: $0, sample: 0) })
        let claimed = try await store.claim(run: "r", stage: "configure", limit: 2)
        #expect(claimed.map(\.documentID) == Array(ids.prefix(2)))
        let writer = BatchWriter(store: store)
        for unit in claimed {
            try await writer.submit(.complete(unitID: unit.id ?? 0, outputs: UnitOutputs(examples: [fakePair(for: unit)])))
        }
        try await writer.close()
        #expect(try await store.unitCounts(run: "r", stage: "configure") == [.done: 2, .pending: 1])
        #expect(try await store.examples(run: "r").count == 2)
    }

    @Test("settleRun hands the run's running units back and counts by stage, even from a cancelled task; SQLite agrees")
    func settleRun() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        let store = temporary.store
        let ids = try await seedDocuments(store, count: 6)
        try await store.enqueue(ids.map { UnitKey(run: "r", stage: "configure", documentID: $0, sample: 0) })
        try await store.enqueue(ids.prefix(2).map { UnitKey(run: "r", stage: "generate", documentID: $0, sample: 0) })
        try await store.enqueue(ids.map { UnitKey(run: "other", stage: "configure", documentID: $0, sample: 0) })
        let claimed = try await store.claim(run: "r", stage: "configure", limit: 4)
        try await store.complete(unitID: claimed[0].id ?? 0, outputs: UnitOutputs(examples: [fakePair(for: claimed[0])]))
        _ = try await store.fail(unitID: claimed[1].id ?? 0, error: "no", policy: FailurePolicy(maxAttempts: 1))
        _ = try await store.claim(run: "other", stage: "configure", limit: 3)
        // Two configure units of "r" are running now; "other" has three running that are not touched.
        let tally = try await withThrowingTaskGroup(of: RunTally.self) { group in
            group.addTask { try await store.settleRun("r", stages: ["configure", "generate", "score"]) }
            group.cancelAll()
            return try await group.next()
        }
        let python = try ProcessRunner.python(
            """
            import json, sqlite3, sys
            con = sqlite3.connect(sys.argv[1])
            counts = {}
            for run, stage, state, n in con.execute("SELECT run, stage, state, COUNT(*) FROM units GROUP BY run, stage, state"):
                counts.setdefault(run, {}).setdefault(stage, {})[state] = n
            examples = con.execute("SELECT COUNT(*) FROM examples WHERE run = 'r'").fetchone()[0]
            print(json.dumps({"counts": counts, "examples": examples}))
            """, arguments: [temporary.url.path])
        let reference = try JSONSerialization.jsonObject(with: python) as? [String: Any] ?? [:]
        let counts = reference["counts"] as? [String: [String: [String: Int]]] ?? [:]
        #expect(counts["r"]?["configure"] == ["pending": 4, "done": 1, "failed": 1])
        #expect(counts["other"]?["configure"] == ["pending": 3, "running": 3])
        for stage in ["configure", "generate"] {
            let stored = counts["r"]?[stage] ?? [:]
            #expect(
                tally?.units[stage] == Dictionary(uniqueKeysWithValues: stored.compactMap { state, n in UnitState(rawValue: state).map { ($0, n) } }))
        }
        #expect(tally?.units["score"] == [:])
        #expect(tally?.examples == reference["examples"] as? Int)
        #expect(tally?.examples == 1)
    }

    @Test("the stored rejects' places and the largest persona id, as ingestion reads them")
    func rejectsAndPersonas() async throws {
        let store = try PairsmithStore.inMemory()
        #expect(try await store.maxPersonaID() == 0)
        #expect(try await store.rejectPlaces(source: "corpus").isEmpty)
        try await store.insertRejects([
            RejectRecord(run: nil, source: "corpus", location: "corpus.jsonl:3", reason: "empty_text", detail: "", payload: nil),
            RejectRecord(run: nil, source: "corpus", location: "corpus.jsonl:3", reason: "bad_json", detail: "", payload: nil),
            RejectRecord(run: nil, source: "personas", location: "p.jsonl:1", reason: "empty_text", detail: "", payload: nil),
        ])
        let places = try await store.rejectPlaces(source: "corpus").map { "\($0.location) \($0.reason)" }
        #expect(places.sorted() == ["corpus.jsonl:3 bad_json", "corpus.jsonl:3 empty_text"])
        let outcomes = try await store.insertPersonas(
            (1...3).map { PersonaRecord(text: "persona \($0)", textHash: "h\($0)", sourceFile: "p.jsonl", sourceLine: $0) })
        let ids = outcomes.compactMap { outcome -> Int64? in
            if case .inserted(let id) = outcome { return id }
            return nil
        }
        #expect(ids.count == 3)
        #expect(try await store.maxPersonaID() == ids.max())
    }
}

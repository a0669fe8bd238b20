import Foundation
import PairsmithStore
import Testing

@Suite("Documents, personas and vectors")
struct DocumentStoreTests {
    @Test("documents are told apart as new, already present, duplicate content and duplicate key")
    func documentOutcomes() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        let store = temporary.store
        func document(_ key: String, _ hash: String) -> DocumentRecord {
            DocumentRecord(key: key, sourceFile: "c.jsonl", sourceLine: 1, text: "t-\(hash)", lang: "en", langSource: "given", contentHash: hash)
        }
        let first = try await store.insertDocuments([document("a", "h1"), document("b", "h2"), document("c", "h1")])
        guard case .inserted(let a) = first[0], case .inserted = first[1] else { Issue.record("\(first)"); return }
        #expect(first[2] == .duplicateContent(existingKey: "a"))
        let second = try await store.insertDocuments([document("a", "h1"), document("b", "h9")])
        #expect(second == [.alreadyPresent(id: a), .duplicateKey])
        #expect(try await store.documentCount() == 2)
        let page = try await store.documents(after: 0, limit: 1)
        #expect(page.map(\.key) == ["a"])
        #expect(try await store.documents(after: page[0].id!, limit: 10).map(\.key) == ["b"])
    }

    @Test("a persona library loaded twice is stored once")
    func personasOnce() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        let store = temporary.store
        let personas = [
            PersonaRecord(text: "a ferry pilot in Istanbul", textHash: "x", sourceFile: "p.jsonl", sourceLine: 1),
            PersonaRecord(text: "a rice farmer in Punjab", textHash: "y", sourceFile: "p.jsonl", sourceLine: 2),
        ]
        let first = try await store.insertPersonas(personas)
        let second = try await store.insertPersonas(personas)
        guard case .inserted(let x) = first[0], case .inserted(let y) = first[1] else { Issue.record("\(first)"); return }
        #expect(second == [.duplicate(id: x), .duplicate(id: y)])
        #expect(try await store.personas().map(\.text) == personas.map(\.text))
    }

    @Test("vectors round-trip as float32 blobs and are found by model and text hash")
    func vectors() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        let store = temporary.store
        let values: [Float] = [0.25, -1.5, .pi, 1e-8, -0.0]
        try await store.insertVectors([
            VectorRecord(ownerKind: .persona, ownerID: 1, model: "m", textHash: "t1", values: values),
            VectorRecord(ownerKind: .persona, ownerID: 2, model: "other", textHash: "t2", values: [1, 2]),
        ])
        let stored = try await store.vectors(kind: .persona, model: "m")
        #expect(stored[1]?.values == values)
        #expect(stored[1]?.dimension == 5)
        #expect(stored[1]?.vector.count == 20)
        let cached = try await store.cachedVectors(model: "m", textHashes: ["t1", "t2", "t3"])
        #expect(Set(cached.keys) == ["t1"])
        // Replacing an owner's vector for the same model keeps one row.
        try await store.insertVectors([VectorRecord(ownerKind: .persona, ownerID: 1, model: "m", textHash: "t1b", values: [9])])
        #expect(try await store.vectors(kind: .persona, model: "m")[1]?.values == [9])
    }

    @Test("a run is created once and resumed with its original record")
    func runs() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        let store = temporary.store
        let created = Date(timeIntervalSince1970: 1_700_000_000)
        let run = RunRecord(
            id: "retrieval", pipelinePath: "pipelines/retrieval.yaml", pipelineSHA256: "aa", configuration: "{}",
            pairsmithVersion: "0.1.0", createdAt: created, updatedAt: created)
        _ = try await store.beginRun(run)
        var again = run
        again.pipelineSHA256 = "bb"
        again.updatedAt = created.addingTimeInterval(60)
        let resumed = try await store.beginRun(again)
        #expect(resumed.pipelineSHA256 == "aa")
        #expect(resumed.createdAt == created)
        #expect(try await store.run("retrieval")?.updatedAt == created.addingTimeInterval(60))
    }
}

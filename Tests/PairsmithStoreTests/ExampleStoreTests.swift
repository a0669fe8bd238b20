import Foundation
import PairsmithTestSupport
import Testing

@testable import PairsmithStore

/// The generic records: stage outputs and examples stored with their units, read back by the store and by Python.
@Suite("Store: stage outputs and examples")
struct ExampleStoreTests {
    /// A time with whole seconds (stored to the millisecond, so it reads back equal).
    static let time = Date(timeIntervalSince1970: 1_767_225_600)

    static func example(documentID: Int64, sample: Int, anchor: String = "what tides?") -> ExampleRecord {
        ExampleRecord(
            run: "r", documentID: documentID, sample: sample, task: "sts", anchor: anchor, positive: "the tides turn",
            negatives: #"["a ferry","a \"quoted\" one"]"#, label: "entailment", score: 0.75,
            anchorInstruction: "Retrieve semantically similar text", positiveInstruction: "Retrieve semantically similar text.",
            anchorLanguage: "de", positiveLanguage: "en", lengthWords: 4, metadata: #"{"level":"4"}"#, configID: nil,
            requestHash: "hash-\(documentID)-\(sample)", createdAt: time)
    }

    @Test("stage outputs and examples round-trip through a completed unit, once, with every column where Python finds it")
    func roundTrip() async throws {
        let temporary = try TemporaryStore()
        defer { temporary.directory.remove() }
        let store = temporary.store
        let ids = try await seedDocuments(store, count: 2)
        let personas = try await store.insertPersonas([
            PersonaRecord(text: "a ferry captain", textHash: "p1", sourceFile: "p.jsonl", sourceLine: 1)
        ])
        guard case .inserted(let personaID) = personas[0] else { throw FixtureError.unexpected("\(personas)") }
        try await store.enqueue([UnitKey(run: "r", stage: "pair", documentID: ids[0], sample: 1)])
        let unit = try #require(try await store.claim(run: "r", stage: "pair", limit: 1).first)
        let answered = StageOutputRecord(
            run: "r", stage: "pair", documentID: ids[0], sample: 1, fields: #"{"a":"x","b":["y"]}"#,
            variables: #"{"level":4,"mode":"write"}"#, personaID: personaID, requestHash: "h-answer", createdAt: Self.time)
        let skipped = StageOutputRecord(
            run: "r", stage: "check", documentID: ids[0], sample: 1, fields: "{}", variables: #"{"mode":"read"}"#,
            skipped: true, requestHash: nil, createdAt: Self.time)
        let example = Self.example(documentID: ids[0], sample: 1)
        let outputs = UnitOutputs(stageOutputs: [answered, skipped], examples: [example])
        #expect(try await store.complete(unitID: try #require(unit.id), outputs: outputs))
        // A second completion of the same unit stores nothing more.
        var changed = example
        changed.anchor = "another anchor"
        #expect(try await store.complete(unitID: try #require(unit.id), outputs: UnitOutputs(examples: [changed])) == false)

        let read = try await store.stageOutputs(run: "r", documentID: ids[0], sample: 1)
        #expect(read.map(\.stage) == ["check", "pair"])
        var expectedAnswer = answered
        expectedAnswer.id = read.last?.id
        var expectedSkip = skipped
        expectedSkip.id = read.first?.id
        #expect(read == [expectedSkip, expectedAnswer])
        #expect(read.first?.key == UnitKey(run: "r", stage: "check", documentID: ids[0], sample: 1))
        #expect(try await store.stageOutputs(run: "r", documentID: ids[0], sample: 0).isEmpty)
        #expect(try await store.stageOutputs(run: "other", documentID: ids[0], sample: 1).isEmpty)
        let examples = try await store.examples(run: "r")
        var expectedExample = example
        expectedExample.id = examples.first?.id
        #expect(examples == [expectedExample])

        // Python reads the columns by their names: each field landed in its own column.
        let python = try ProcessRunner.python(
            """
            import json, sqlite3, sys
            con = sqlite3.connect(sys.argv[1])
            con.row_factory = sqlite3.Row
            out = {"outputs": [dict(r) for r in con.execute("SELECT * FROM stage_outputs ORDER BY stage")],
                   "examples": [dict(r) for r in con.execute("SELECT * FROM examples")]}
            print(json.dumps(out))
            """, arguments: [temporary.url.path])
        let stored = try #require(try JSONSerialization.jsonObject(with: python) as? [String: [[String: Any]]])
        let row = try #require(stored["examples"]?.first)
        #expect(stored["examples"]?.count == 1)
        #expect(row["task"] as? String == "sts" && row["anchor"] as? String == "what tides?")
        #expect(row["positive"] as? String == "the tides turn" && row["label"] as? String == "entailment")
        #expect(row["negatives"] as? String == #"["a ferry","a \"quoted\" one"]"#)
        #expect(row["score"] as? Double == 0.75 && row["length_words"] as? Int == 4)
        #expect(row["anchor_instruction"] as? String == "Retrieve semantically similar text")
        #expect(row["positive_instruction"] as? String == "Retrieve semantically similar text.")
        #expect(row["anchor_language"] as? String == "de" && row["positive_language"] as? String == "en")
        #expect(row["metadata"] as? String == #"{"level":"4"}"# && row["config_id"] is NSNull)
        #expect(row["request_hash"] as? String == "hash-\(ids[0])-1" && row["document_id"] as? Int == Int(ids[0]))
        let check = try #require(stored["outputs"]?.first)
        let pair = try #require(stored["outputs"]?.last)
        #expect(check["skipped"] as? Int == 1 && check["request_hash"] is NSNull && check["persona_id"] is NSNull)
        #expect(pair["skipped"] as? Int == 0 && pair["persona_id"] as? Int == Int(personaID))
        #expect(pair["fields"] as? String == #"{"a":"x","b":["y"]}"# && pair["variables"] as? String == #"{"level":4,"mode":"write"}"#)
        #expect(pair["created_at"] as? String == "2026-01-01 00:00:00.000")

        let status = try await store.status()
        #expect(status.stageOutputs == 2 && status.examples == 1)
    }

    @Test("insertExamples keeps the stored example of a (run, document, sample) and returns its id")
    func insertExamples() async throws {
        let store = try PairsmithStore.inMemory()
        let ids = try await seedDocuments(store, count: 3)
        let first = try await store.insertExamples(ids.map { Self.example(documentID: $0, sample: 0) })
        #expect(first.count == 3 && Set(first).count == 3)
        let again = try await store.insertExamples([
            Self.example(documentID: ids[1], sample: 0, anchor: "changed"), Self.example(documentID: ids[1], sample: 1),
        ])
        #expect(again[0] == first[1] && !first.contains(again[1]))
        let stored = try await store.examples(run: "r")
        #expect(stored.map(\.documentID) == [ids[0], ids[1], ids[1], ids[2]])
        #expect(stored.map(\.sample) == [0, 0, 1, 0])
        #expect(stored[1].anchor == "what tides?")
        #expect(try await store.examplesWithGeneratedPositive(run: "r") == Set(stored.compactMap(\.id)))
    }

    @Test("a unit's stage outputs are read through their index, not a scan of the run")
    func stageOutputsUseTheIndex() async throws {
        let store = try PairsmithStore.inMemory()
        let ids = try await seedDocuments(store, count: 50)
        for id in ids {
            try await store.enqueue([UnitKey(run: "r", stage: "a", documentID: id, sample: 0)])
        }
        let units = try await store.claim(run: "r", stage: "a", limit: 50)
        for unit in units {
            let output = StageOutputRecord(
                run: "r", stage: "a", documentID: unit.documentID, sample: 0, fields: "{}", variables: "{}", requestHash: nil)
            try await store.complete(unitID: try #require(unit.id), outputs: UnitOutputs(stageOutputs: [output]))
        }
        for analyze in [false, true] {
            let plan = try await store.explainQueryPlan(
                PairsmithStore.unitStageOutputsSQL, arguments: ["r", ids[3], 0], analyze: analyze)
            #expect(plan.contains { $0.contains("stage_outputs_by_unit") }, "ANALYZE \(analyze): \(plan)")
        }
    }
}

import Foundation
import PairsmithIngest
import PairsmithStore
import PairsmithTestSupport
import Testing

@Suite("Persona library")
struct PersonaLoaderTests {
    @Test("this project's format and PersonaHub's load; bad lines are rejected; duplicates stored once")
    func formats() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-personas")
        defer { directory.remove() }
        let store = try PairsmithStore(url: directory.file("db.sqlite"))
        let file = directory.file("hub.jsonl")
        try Data(
            """
            {"persona": "A ferry mechanic in Istanbul who restores old diesel engines."}
            {"input persona": "A retired schoolteacher in Recife who writes local history.", "synthesized text": "…"}
            {"persona": "A ferry mechanic in Istanbul who restores old diesel engines."}
            {"persona": 12}
            {"name": "no persona field"}
            {"persona": ""}
            not json

            """.utf8
        ).write(to: file)
        let report = try await PersonaLoader(store: store).load(file)
        #expect(report.read == 7)
        #expect(report.ingested == 2)
        #expect(report.duplicates == 1)
        #expect(report.rejected == ["wrong_type": 1, "missing_text": 1, "empty_text": 1, "invalid_json": 1])
        let personas = try await store.personas()
        #expect(personas.map(\.sourceLine) == [1, 2])
        #expect(personas[1].text == "A retired schoolteacher in Recife who writes local history.")
        let rejects = try await store.rejects(source: "personas")
        #expect(rejects.count == 4)
        // Every run loads the library again: its personas are already stored, its bad lines already recorded, and
        // the persona met twice in the file is still reported as the file's duplicate.
        let again = try await PersonaLoader(store: store).load(file)
        #expect(again.ingested == 0 && again.alreadyPresent == 2 && again.duplicates == 1)
        #expect(again.rejected == report.rejected && again.rejectsAlreadyRecorded == 4)
        #expect(try await store.rejects(source: "personas").map(\.id) == rejects.map(\.id))
        #expect(try await store.personas().count == 2)
    }

    @Test("the shipped library has at least 1,000 distinct, well-formed personas")
    func shippedLibrary() async throws {
        let library = TestEnvironment.packageRoot.appendingPathComponent("personas/personas.jsonl")
        let directory = try TemporaryDirectory(prefix: "pairsmith-personas")
        defer { directory.remove() }
        let store = try PairsmithStore(url: directory.file("db.sqlite"))
        let report = try await PersonaLoader(store: store).load(library)
        #expect(report.rejectedTotal == 0)
        #expect(report.duplicates == 0)
        #expect(report.ingested >= 1_000)
        let personas = try await store.personas()
        #expect(personas.allSatisfy { $0.text.count >= 40 && $0.text.count <= 400 })
        // Diversity: many places named outside the English-speaking world.
        let places = ["Lagos", "Recife", "Jakarta", "Osaka", "Kraków", "Hanoi", "Punjab"]
        for place in places {
            #expect(personas.contains { $0.text.contains(place) }, "no persona mentions \(place)")
        }
    }
}

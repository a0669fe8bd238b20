import Foundation
import PairsmithConfiguration
import PairsmithReport
import PairsmithStore
import PairsmithTestSupport
import Testing

@Suite("Status report")
struct StatusTextTests {
    @Test("the report shows units per stage and state, rejects by reason and tokens; JSON carries the same")
    func report() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-status")
        defer { directory.remove() }
        let store = try PairsmithStore(url: directory.file("db.sqlite"))
        let outcomes = try await store.insertDocuments(
            (0..<3).map { (index: Int) in
                DocumentRecord(
                    key: "d\(index)", sourceFile: "c", sourceLine: index, text: "t\(index)", lang: "en", langSource: "given",
                    contentHash: "h\(index)")
            })
        let ids = outcomes.compactMap { if case .inserted(let id) = $0 { id } else { nil } }
        try await store.enqueue(ids.map { UnitKey(run: "retrieval", stage: "configure", documentID: $0, sample: 0) })
        try await store.enqueue([UnitKey(run: "retrieval", stage: "generate", documentID: ids[0], sample: 0)])
        let unit = try #require(try await store.claim(run: "retrieval", stage: "configure", limit: 1).first)
        try await store.complete(
            unitID: unit.id!,
            outputs: UnitOutputs(llmCalls: [
                LLMCallRecord(
                    requestHash: "x", unitKey: nil, endpoint: "e", model: "m", request: "{}", response: "{}", status: .ok,
                    httpStatus: 200, promptTokens: 120, completionTokens: 30, latencyMilliseconds: 250)
            ]))
        try await store.insertRejects([
            RejectRecord(
                run: "retrieval", source: "generate", location: "k", reason: "query_too_long", detail: "d", payload: nil)
        ])
        let status = try await store.status()
        let text = StatusText.render(status)
        #expect(text.contains("run retrieval"))
        let configureLine = try #require(text.split(separator: "\n").first { $0.hasPrefix("configure") })
        #expect(configureLine.split(separator: " ").map(String.init) == ["configure", "2", "0", "1", "0", "3"])
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.firstIndex { $0.hasPrefix("configure") }! < lines.firstIndex { $0.hasPrefix("generate") }!)
        #expect(text.contains("generate/query_too_long"))
        #expect(text.contains("tokens 120 in / 30 out"))
        let json = try StatusText.json(status)
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(decoded["promptTokens"] as? Int == 120)
        #expect((decoded["units"] as? [Any])?.count == 3)
        #expect(throws: StoreError.missingDatabase(path: directory.file("none.sqlite").path)) {
            _ = try PairsmithStore.openExisting(url: directory.file("none.sqlite"))
        }
    }
}

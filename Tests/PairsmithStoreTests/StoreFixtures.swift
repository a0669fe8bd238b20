import Foundation
import PairsmithStore
import PairsmithTestSupport

/// A store on a real SQLite file in a fresh temporary folder.
struct TemporaryStore {
    let directory: TemporaryDirectory
    let store: PairsmithStore

    var url: URL { directory.file("pairsmith.sqlite") }

    init() throws {
        directory = try TemporaryDirectory(prefix: "pairsmith-store")
        store = try PairsmithStore(url: directory.file("pairsmith.sqlite"))
    }

    /// Opens the same file again (as a restarted process would).
    func reopen() throws -> PairsmithStore { try PairsmithStore(url: url) }
}

/// Inserts `count` documents and returns their ids.
func seedDocuments(_ store: PairsmithStore, count: Int, prefix: String = "doc") async throws -> [Int64] {
    let documents = (0..<count).map { index in
        DocumentRecord(
            key: "\(prefix)-\(index)", sourceFile: "corpus.jsonl", sourceLine: index + 1, text: "text \(prefix) \(index)",
            lang: "en", langSource: "given", contentHash: "hash-\(prefix)-\(index)")
    }
    return try await store.insertDocuments(documents).map { outcome in
        guard case .inserted(let id) = outcome else { throw FixtureError.unexpected("\(outcome)") }
        return id
    }
}

/// The pair a test worker "generates" for a unit: deterministic in the unit's key.
func fakePair(for unit: UnitRecord) -> ExampleRecord {
    ExampleRecord(
        run: unit.run, documentID: unit.documentID, sample: unit.sample, task: "retrieval",
        anchor: "query for \(unit.key)", anchorInstruction: nil, anchorLanguage: "en", positiveLanguage: "en", lengthWords: 5, requestHash: nil)
}

enum FixtureError: Error, CustomStringConvertible {
    case unexpected(String)
    var description: String {
        switch self {
        case .unexpected(let what): "unexpected fixture state: \(what)"
        }
    }
}

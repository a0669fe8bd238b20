import Foundation
import PairsmithStore
import PairsmithTestSupport
import Testing

/// `pairsmith select`: re-selection from stored scores, as a user runs it.
@Suite("pairsmith select")
struct SelectCommandTests {
    /// A database with 30 scored pairs of run `r` (cosines 0.00, 0.03, …, 0.87) and their vectors under `m`.
    static func database(_ directory: TemporaryDirectory) async throws -> (URL, [Int64]) {
        let url = directory.file("db.sqlite")
        let store = try PairsmithStore(url: url)
        let texts = (0..<30).map { "passage \($0)" }
        let outcomes = try await store.insertDocuments(
            texts.enumerated().map { index, text in
                DocumentRecord(
                    key: "doc-\(index)", sourceFile: "c.jsonl", sourceLine: index + 1, text: text, lang: "en",
                    langSource: "given", contentHash: "hash-\(index)")
            })
        let documentIDs = outcomes.compactMap { outcome -> Int64? in if case .inserted(let id) = outcome { id } else { nil } }
        let pairIDs = try await store.insertExamples(
            documentIDs.enumerated().map { index, id in
                ExampleRecord(
                    run: "r", documentID: id, sample: 0, task: "retrieval", anchor: "query \(index)", anchorInstruction: nil, anchorLanguage: "en",
                    positiveLanguage: "en", lengthWords: 2, requestHash: nil)
            })
        var vectors: [VectorRecord] = []
        var scores: [ScoreRecord] = []
        for (index, (pairID, documentID)) in zip(pairIDs, documentIDs).enumerated() {
            let angle = Float(index) * 0.1
            vectors.append(
                VectorRecord(
                    ownerKind: .document, ownerID: documentID, model: "m", textHash: "d\(index)",
                    values: [cos(angle), sin(angle), 0]))
            vectors.append(
                VectorRecord(
                    ownerKind: .query, ownerID: pairID, model: "m", textHash: "q\(index)",
                    values: [cos(angle), 0, sin(angle)]))
            scores.append(ScoreRecord(pairID: pairID, model: "m", cosine: Double(index) * 0.03))
        }
        try await store.storeScores(scores, vectors: vectors)
        return (url, pairIDs)
    }

    private func pairsmith(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(TestEnvironment.pairsmithExecutable, arguments)
    }

    @Test("--threshold, --band and --low-percentile store new selections; negatives are searched once")
    func select() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-select-cli")
        defer { directory.remove() }
        let (url, pairIDs) = try await Self.database(directory)
        let result = try pairsmith(["select", "--db", url.path, "--threshold", "0.5"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutText.contains("weak 30") && result.stdoutText.contains("sft 13"), "\(result.stdoutText)")
        let store = try PairsmithStore.openExisting(url: url)
        let sft = try #require(try await store.latestSelection(run: "r", set: .sft))
        #expect(try await store.selectedPairIDs(selectionID: sft.id!) == Array(pairIDs[17...]))
        #expect(try await store.negativeSearch(pairID: pairIDs[0])?.requested == 7)
        let status = try pairsmith(["status", "--db", url.path])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdoutText.contains("duplicates 0, r sft 13 (cosine > 0.5000), r weak 30, negative searches 30"), "\(status.stdoutText)")

        let band = try pairsmith(["select", "--db", url.path, "--run", "r", "--band", "0.2,0.4", "--model", "m"])
        #expect(band.status == 0, "\(band.stderr)")
        let banded = try #require(try await store.latestSelection(run: "r", set: .sft))
        #expect(banded.low == 0.2 && banded.high == 0.4)
        #expect(banded.records == pairIDs.indices.filter { Double($0) * 0.03 > 0.2 && Double($0) * 0.03 <= 0.4 }.count)
        #expect(band.stdoutText.contains("searched 0 pairs (30 already searched)"), "\(band.stdoutText)")

        let percentile = try pairsmith(["select", "--db", url.path, "--low-percentile", "50", "--sampling-rate", "1", "--seed", "3"])
        #expect(percentile.status == 0, "\(percentile.stderr)")
        let median = try #require(try await store.latestSelection(run: "r", set: .sft))
        #expect(abs((median.low ?? 0) - 14.5 * 0.03) < 1e-12 && median.records == 15)
    }

    @Test("bad options and missing databases fail with a message")
    func errors() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-select-cli-errors")
        defer { directory.remove() }
        let (url, _) = try await Self.database(directory)
        let band = try pairsmith(["select", "--db", url.path, "--band", "0.9,0.1"])
        #expect(band.status != 0 && band.stderr.contains("--band must be LO,HI"), "\(band.stderr)")
        let missing = try pairsmith(["select", "--db", directory.file("none.sqlite").path])
        #expect(missing.status != 0 && missing.stderr.contains("no pairsmith database"), "\(missing.stderr)")
        let run = try pairsmith(["select", "--db", url.path, "--run", "nope"])
        #expect(run.status != 0 && run.stderr.contains("nope"), "\(run.stderr)")
        let rate = try pairsmith(["select", "--db", url.path, "--sampling-rate", "2"])
        #expect(rate.status != 0 && rate.stderr.contains("sampling rate"), "\(rate.stderr)")
    }
}

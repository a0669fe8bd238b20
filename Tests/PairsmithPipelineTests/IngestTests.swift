import Foundation
import PairsmithIngest
import PairsmithStore
import PairsmithTestSupport
import PairsmithText
import Testing

@Suite("Corpus ingestion")
struct IngestTests {
    /// A store in a fresh folder, and the folder for input files.
    private func makeStore() throws -> (TemporaryDirectory, PairsmithStore) {
        let directory = try TemporaryDirectory(prefix: "pairsmith-ingest")
        return (directory, try PairsmithStore(url: directory.file("db.sqlite")))
    }

    private func rejects(_ store: PairsmithStore) async throws -> [RejectRecord] {
        try await store.rejects()
    }

    @Test("bad lines are rejected with file:line and reason; the rest is ingested")
    func badLines() async throws {
        let (directory, store) = try makeStore()
        defer { directory.remove() }
        let lines = [
            #"{"id": "a", "text": "The harbour was busy with fishing boats all morning.", "lang": "en"}"#,
            #"{"id": "b", "text": "Die Fähre fährt jeden Morgen um sieben Uhr über den See."}"#,
            #"{"id": "c", "text": "#,  // 3 invalid JSON
            #"["not", "an", "object"]"#,  // 4
            #"{"id": "d"}"#,  // 5 missing text
            #"{"id": "e", "text": "   "}"#,  // 6 empty
            #"{"id": "f", "text": 42}"#,  // 7 wrong type
            #"{"id": {"x": 1}, "text": "An object as an id."}"#,  // 8 wrong type
            #"{"id": "g", "text": "Too long: \#(String(repeating: "x", count: 300))"}"#,  // 9 too long
            "",  // 10 blank
            #"{"id": 7, "text": "El mercado abre los domingos por la mañana.", "lang": "es-MX"}"#,
            #"{"id": "h", "text": "Bad tag.", "lang": "spanish"}"#,  // 12 invalid lang
            #"{"text": "A line without an id keeps its place as key."}"#,
        ]
        let corpus = directory.file("corpus.jsonl")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: corpus)
        let ingester = CorpusIngester(store: store, options: .init(maxRecordBytes: 200, batchSize: 3))
        let report = try await ingester.ingest(corpus)
        #expect(report.read == 12)
        #expect(report.blankLines == 1)
        #expect(report.ingested == 4)
        #expect(
            report.rejected == [
                "invalid_json": 1, "not_object": 1, "missing_text": 1, "empty_text": 1, "wrong_type": 2, "too_long": 1,
                "invalid_lang": 1,
            ])
        let stored = try await rejects(store)
        #expect(stored.map(\.location) == [3, 4, 5, 6, 7, 8, 9, 12].map { "\(corpus.path):\($0)" })
        #expect(stored.allSatisfy { $0.source == "corpus" && !$0.detail.isEmpty })
        let documents = try await store.documents(limit: 10)
        #expect(documents.map(\.key) == ["a", "b", "7", "corpus.jsonl:13"])
        #expect(documents.map(\.lang) == ["en", "de", "es", "en"])
        #expect(documents.map(\.langSource) == ["given", "detected", "given", "detected"])
        #expect(documents[1].sourceLine == 2)
        #expect(documents[0].contentHash == ContentHash.sha256("The harbour was busy with fishing boats all morning."))
    }

    @Test("duplicate texts are dropped and counted; ingesting again changes nothing; a reused id is rejected")
    func duplicates() async throws {
        let (directory, store) = try makeStore()
        defer { directory.remove() }
        let corpus = directory.file("corpus.jsonl")
        try Data(
            """
            {"id": "1", "text": "Same text."}
            {"id": "2", "text": "Same text."}
            {"id": "3", "text": "Other text."}
            {"id": "1", "text": "A different text under an id already used."}
            """.utf8
        ).write(to: corpus)
        let ingester = CorpusIngester(store: store)
        let first = try await ingester.ingest(corpus)
        #expect(first.read == 4)
        #expect(first.ingested == 2)
        #expect(first.duplicates == 1)
        #expect(first.rejected == ["duplicate_id": 1])
        let second = try await ingester.ingest(corpus)
        #expect(second.ingested == 0)
        #expect(second.alreadyPresent == 2)
        #expect(try await store.documentCount() == 2)
        #expect(first.description.contains("duplicates 1"))
    }

    @Test("a folder of .txt and .md files is ingested in path order; other files, empty files and bad UTF-8 are not")
    func folder() async throws {
        let (directory, store) = try makeStore()
        defer { directory.remove() }
        let folder = directory.file("corpus")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data("Le marché ouvre tous les samedis et les producteurs viennent de toute la région.".utf8)
            .write(to: folder.appendingPathComponent("b.md"))
        try Data("The library is open every day except Sunday.".utf8).write(to: folder.appendingPathComponent("sub/a.txt"))
        try Data("ignored".utf8).write(to: folder.appendingPathComponent("notes.csv"))
        try Data("  \n".utf8).write(to: folder.appendingPathComponent("empty.txt"))
        try Data([0x66, 0xFF, 0xFE, 0x6F]).write(to: folder.appendingPathComponent("binary.txt"))
        let report = try await CorpusIngester(store: store).ingest(folder)
        #expect(report.read == 4)
        #expect(report.ingested == 2)
        #expect(report.rejected == ["empty_text": 1, "invalid_utf8": 1])
        let documents = try await store.documents(limit: 10)
        #expect(documents.map(\.key) == ["b.md", "sub/a.txt"])
        #expect(documents.map(\.lang) == ["fr", "en"])
        #expect(documents.allSatisfy { $0.sourceLine == nil })
    }

    @Test("a large corpus streams through in batches, with its over-long lines skipped without holding them")
    func streaming() async throws {
        let (directory, store) = try makeStore()
        defer { directory.remove() }
        let corpus = directory.file("big.jsonl")
        #expect(FileManager.default.createFile(atPath: corpus.path, contents: nil))
        let handle = try FileHandle(forWritingTo: corpus)
        var expected = 0
        for chunk in 0..<10 {
            var text = ""
            for index in 0..<500 {
                let n = chunk * 500 + index
                if n % 1_000 == 999 {
                    text += #"{"id": "\#(n)", "text": "\#(String(repeating: "long ", count: 100_000))"}"# + "\r\n"
                } else {
                    text += #"{"id": "\#(n)", "text": "Passage number \#(n) about the weather in town."}"# + "\r\n"
                    expected += 1
                }
            }
            try handle.write(contentsOf: Data(text.utf8))
        }
        try handle.close()
        let report = try await CorpusIngester(store: store, options: .init(maxRecordBytes: 64 * 1024, batchSize: 700))
            .ingest(corpus)
        #expect(report.read == 5_000)
        #expect(report.ingested == expected)
        #expect(report.rejected == ["too_long": 5])
        let last = try #require(try await store.documents(after: 0, limit: 5_000).last)
        #expect(last.key == "4998")
        #expect(last.text == "Passage number 4998 about the weather in town.")
        // --limit takes only the first N passages.
        let (other, limited) = try makeStore()
        defer { other.remove() }
        let few = try await CorpusIngester(store: limited, options: .init(limit: 10)).ingest(corpus)
        #expect(few.read == 10 && few.ingested == 10)
    }

    @Test("--limit counts passages taken, not lines: rejected and duplicate lines do not use it up")
    func limitCountsPassages() async throws {
        let (directory, store) = try makeStore()
        defer { directory.remove() }
        let corpus = directory.file("corpus.jsonl")
        try Data(
            """
            {"id": "a", "text": "The first passage is about harbours."}
            not json at all
            {"id": "b", "text": "The first passage is about harbours."}
            {"id": "c", "text": ""}

            {"id": "d", "text": "The second passage is about mills."}
            {"id": "e", "text": 17}
            {"id": "f", "text": "The third passage is about lighthouses."}
            {"id": "g", "text": "The fourth passage is about canals."}
            """.utf8
        ).write(to: corpus)
        // Small batches, so the limit is met across several transactions.
        let report = try await CorpusIngester(store: store, options: .init(batchSize: 2, limit: 3)).ingest(corpus)
        #expect(report.ingested == 3)
        #expect(report.duplicates == 1)
        #expect(report.rejectedTotal == 3)
        #expect(try await store.documents(limit: 10).map(\.key) == ["a", "d", "f"])
        // The same command again takes the same three passages (already stored), and a larger limit the next one.
        let again = try await CorpusIngester(store: store, options: .init(batchSize: 2, limit: 3)).ingest(corpus)
        #expect(again.ingested == 0 && again.alreadyPresent == 3 && again.duplicates == 1)
        let more = try await CorpusIngester(store: store, options: .init(limit: 4)).ingest(corpus)
        #expect(more.ingested == 1 && more.alreadyPresent == 3)
        #expect(try await store.documentCount() == 4)
        // A limit the corpus cannot meet takes everything there is.
        let all = try await CorpusIngester(store: store, options: .init(limit: 100)).ingest(corpus)
        #expect(all.alreadyPresent == 4 && all.read == 8)
    }

    @Test("ingesting the same corpus again records no reject twice and reports its documents as already stored")
    func reingestIsIdempotent() async throws {
        let (directory, store) = try makeStore()
        defer { directory.remove() }
        let corpus = directory.file("corpus.jsonl")
        try Data(
            """
            {"id": "1", "text": "Same text."}
            {"id": "2", "text": "Same text."}
            {"broken": 
            {"id": "3", "text": "Other text."}
            {"id": "1", "text": "A different text under an id already used."}
            {"id": "4", "text": "   "}
            """.utf8
        ).write(to: corpus)
        let first = try await CorpusIngester(store: store).ingest(corpus)
        #expect(first.ingested == 2 && first.alreadyPresent == 0 && first.duplicates == 1)
        #expect(first.rejected == ["invalid_json": 1, "duplicate_id": 1, "empty_text": 1])
        #expect(first.rejectsAlreadyRecorded == 0)
        let stored = try await store.rejects()
        #expect(stored.count == 3)
        for _ in 0..<2 {
            let again = try await CorpusIngester(store: store).ingest(corpus)
            #expect(again.ingested == 0)
            #expect(again.alreadyPresent == 2)
            #expect(again.duplicates == first.duplicates)
            #expect(again.rejected == first.rejected)
            #expect(again.rejectsAlreadyRecorded == 3)
            #expect(again.description.contains("already stored 2"))
            #expect(again.description.contains("3 already recorded"))
            #expect(try await store.rejects().map(\.id) == stored.map(\.id))
        }
        #expect(try await store.documentCount() == 2)
        // A new bad line in the same file is recorded; the old ones still are not.
        let handle = try FileHandle(forWritingTo: corpus)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(("\n" + #"{"id": "5", "text": null}"#).utf8))
        try handle.close()
        let grown = try await CorpusIngester(store: store).ingest(corpus)
        #expect(grown.rejectsAlreadyRecorded == 3)
        #expect(try await store.rejects().count == 4)
    }

    @Test("a missing corpus is an error that names the path")
    func missing() async throws {
        let (directory, store) = try makeStore()
        defer { directory.remove() }
        let error = await #expect(throws: IngestError.self) {
            try await CorpusIngester(store: store).ingest(directory.file("nope.jsonl"))
        }
        #expect(error?.description.contains("nope.jsonl") == true)
    }
}

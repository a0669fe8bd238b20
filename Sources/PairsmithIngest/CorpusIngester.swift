import Foundation
import PairsmithStore
import PairsmithText

/// Reads a corpus (a JSONL file of `{"id", "text", "lang"?}` lines, a `.txt`/`.md` file, or a folder of them) into
/// the store's `documents`, streaming and in batched transactions. Bad records go to `rejects` with their
/// location and reason, the rest goes on; duplicate texts are dropped and counted. Ingesting the same input again
/// is idempotent: its documents are reported as already stored and its bad records are not recorded twice.
///
/// With a ``chunker``, a record longer than its budget is stored as passages keyed `{id}#{k}` (k from 0) with their
/// corpus key, position and Unicode scalar offsets in the record's text (see `DocumentRecord`); a record within the
/// budget keeps its key `{id}` and is stored exactly as without a chunker. Each passage is a document of its own:
/// its language is detected on its text (unless the line gives one), its content hash dedups it, and `limit` counts it.
public struct CorpusIngester: Sendable {
    /// Limits and batching.
    public struct Options: Sendable, Hashable {
        /// A record (line or file) over this many bytes is rejected as `too_long`.
        public var maxRecordBytes: Int
        /// Documents per transaction.
        public var batchSize: Int
        /// The largest number of passages to take (nil: all), for `--limit`: documents (or chunks of a long record)
        /// stored, or found already stored under the same key. Rejected records and duplicate texts do not count.
        public var limit: Int?
        /// Take only the records of this shard (by ``ShardSpec``'s hash of the record's key; a long record's chunks
        /// all follow it); records of other shards are skipped and counted, bad lines without a key are recorded
        /// by shard 0 alone. Nil: every record. `limit` counts this shard's passages.
        public var shard: ShardSpec? = nil

        /// Creates options.
        public init(maxRecordBytes: Int = 1 << 20, batchSize: Int = 1_000, limit: Int? = nil, shard: ShardSpec? = nil) {
            self.maxRecordBytes = maxRecordBytes
            self.batchSize = max(1, batchSize)
            self.limit = limit
            self.shard = shard
        }

        /// True when the record keyed `key` is this ingestion's.
        func takes(key: String) -> Bool { shard?.contains(key: key) ?? true }

        /// True when this ingestion records rejects of records without a key (every one but shards 1…n-1).
        var recordsKeylessRejects: Bool { (shard?.index ?? 0) == 0 }
    }

    /// The store documents go to.
    public let store: PairsmithStore
    /// Limits and batching.
    public let options: Options
    /// Detects the language of lines that do not give one.
    public let detector: LanguageDetector
    /// Cuts records over its budget into passages; nil: every record is stored whole.
    public let chunker: PassageChunker?

    /// Creates an ingester.
    public init(
        store: PairsmithStore, options: Options = Options(), detector: LanguageDetector = LanguageDetector(),
        chunker: PassageChunker? = nil
    ) {
        self.store = store
        self.options = options
        self.detector = detector
        self.chunker = chunker
    }

    /// Ingests `url`: a folder (every `.txt` and `.md` file below it), a `.txt`/`.md` file, or a JSONL file.
    public func ingest(_ url: URL) async throws -> IngestReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw IngestError.missingInput(path: url.path)
        }
        var batch = Batch(
            store: store, detector: detector, chunker: chunker, limit: options.limit,
            ledger: try await RejectLedger.load(store: store, source: "corpus"))
        if isDirectory.boolValue {
            try await ingestFolder(url, into: &batch)
        } else if ["txt", "md"].contains(url.pathExtension.lowercased()) {
            try await ingestFile(url, key: url.lastPathComponent, into: &batch)
        } else {
            try await ingestJSONL(url, into: &batch)
        }
        try await batch.flush()
        return batch.report
    }

    private func ingestJSONL(_ url: URL, into batch: inout Batch) async throws {
        var reader: LineReader
        do {
            reader = try LineReader(url: url, maxLineBytes: options.maxRecordBytes)
        } catch {
            throw IngestError.unreadable(path: url.path, reason: String(describing: error))
        }
        let fileName = url.lastPathComponent
        while try await !batch.reachedLimit(options.limit), let line = try reader.next() {
            let location = "\(url.path):\(line.number)"
            guard let bytes = line.bytes else {
                batch.report.read += 1
                guard options.recordsKeylessRejects else {
                    batch.report.otherShards += 1
                    continue
                }
                batch.reject(
                    location: location, reason: .tooLong,
                    detail: "the line is \(line.length) bytes, over the limit of \(options.maxRecordBytes)", payload: nil)
                continue
            }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                batch.report.blankLines += 1
                continue
            }
            batch.report.read += 1
            switch CorpusLine.parse(bytes) {
            case .failure(let rejection):
                guard options.recordsKeylessRejects else {
                    batch.report.otherShards += 1
                    continue
                }
                batch.reject(
                    location: location, reason: rejection.reason, detail: rejection.detail,
                    payload: String(decoding: bytes.prefix(2_000), as: UTF8.self))
            case .success(let parsed):
                let key = parsed.id ?? "\(fileName):\(line.number)"
                guard options.takes(key: key) else {
                    batch.report.otherShards += 1
                    continue
                }
                try await batch.add(
                    key: key, sourceFile: url.path, sourceLine: line.number,
                    text: parsed.text, givenLanguage: parsed.lang, location: location)
            }
            if batch.count >= options.batchSize {
                try Task.checkCancellation()
                try await batch.flush()
            }
        }
    }

    private func ingestFolder(_ folder: URL, into batch: inout Batch) async throws {
        let root = folder.standardizedFileURL.resolvingSymlinksInPath()
        guard
            let enumerator = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { throw IngestError.unreadable(path: folder.path, reason: "the folder cannot be listed") }
        var files: [(key: String, url: URL)] = []
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        for case let file as URL in enumerator where ["txt", "md"].contains(file.pathExtension.lowercased()) {
            let path = file.resolvingSymlinksInPath().path
            guard (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            files.append((path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : file.lastPathComponent, file))
        }
        for (key, url) in files.sorted(by: { $0.key < $1.key }) {
            if try await batch.reachedLimit(options.limit) { break }
            try await ingestFile(url, key: key, into: &batch)
            if batch.count >= options.batchSize {
                try Task.checkCancellation()
                try await batch.flush()
            }
        }
    }

    private func ingestFile(_ url: URL, key: String, into batch: inout Batch) async throws {
        batch.report.read += 1
        guard options.takes(key: key) else {
            batch.report.otherShards += 1
            return
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        guard size <= options.maxRecordBytes else {
            batch.reject(
                location: url.path, reason: .tooLong,
                detail: "the file is \(size) bytes, over the limit of \(options.maxRecordBytes)", payload: nil)
            return
        }
        guard let data = try? Data(contentsOf: url) else {
            batch.reject(location: url.path, reason: .unreadable, detail: "the file cannot be read", payload: nil)
            return
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            batch.reject(location: url.path, reason: .invalidUTF8, detail: "the file is not valid UTF-8", payload: nil)
            return
        }
        guard !text.allSatisfy(\.isWhitespace) else {
            batch.reject(location: url.path, reason: .emptyText, detail: "the file is empty or only whitespace", payload: nil)
            return
        }
        try await batch.add(key: key, sourceFile: url.path, sourceLine: nil, text: text, givenLanguage: nil, location: url.path)
    }
}

/// Errors that stop an ingestion (as opposed to bad records, which are rejected and skipped).
public enum IngestError: Error, CustomStringConvertible, Equatable {
    /// The input does not exist.
    case missingInput(path: String)
    /// The input cannot be opened.
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingInput(let path): "the corpus \(path) does not exist; pass a JSONL file or a folder of .txt/.md files"
        case .unreadable(let path, let reason): "the corpus \(path) cannot be read: \(reason)"
        }
    }
}

/// Documents and rejects waiting for their transaction, and the report so far.
private struct Batch {
    let store: PairsmithStore
    let detector: LanguageDetector
    let chunker: PassageChunker?
    let limit: Int?
    var ledger: RejectLedger
    var documents: [DocumentRecord] = []
    var locations: [String] = []
    var rejects: [RejectRecord] = []
    var report = IngestReport()

    init(store: PairsmithStore, detector: LanguageDetector, chunker: PassageChunker?, limit: Int?, ledger: RejectLedger) {
        self.store = store
        self.detector = detector
        self.chunker = chunker
        self.limit = limit
        self.ledger = ledger
    }

    var count: Int { documents.count + rejects.count }

    /// Passages taken so far: documents stored, or already stored under the same key.
    var taken: Int { report.ingested + report.alreadyPresent }

    /// True once `limit` passages are taken. While the waiting documents could reach it, they are stored first, so
    /// that rejected and duplicate records (known only then) do not count.
    mutating func reachedLimit(_ limit: Int?) async throws -> Bool {
        guard let limit else { return false }
        if taken + documents.count >= limit { try await flush() }
        return taken >= limit
    }

    /// Queues a record: whole, or as its chunks when the chunker cuts it (each chunk queued only while the limit
    /// is not reached).
    mutating func add(
        key: String, sourceFile: String, sourceLine: Int?, text: String, givenLanguage: String?, location: String
    ) async throws {
        let chunks = chunker?.chunks(of: text) ?? []
        guard chunks.count > 1 else {
            append(
                DocumentRecord(
                    key: key, sourceFile: sourceFile, sourceLine: sourceLine, text: text, lang: givenLanguage ?? detector.detect(text).language,
                    langSource: givenLanguage == nil ? "detected" : "given", contentHash: ContentHash.sha256(text)),
                location: location)
            return
        }
        report.chunked += 1
        for chunk in chunks {
            if try await reachedLimit(limit) { break }
            append(
                DocumentRecord(
                    key: "\(key)#\(chunk.index)", sourceFile: sourceFile, sourceLine: sourceLine, text: chunk.text,
                    lang: givenLanguage ?? detector.detect(chunk.text).language, langSource: givenLanguage == nil ? "detected" : "given",
                    contentHash: ContentHash.sha256(chunk.text), parentKey: key, chunkIndex: chunk.index, charStart: chunk.start,
                    charEnd: chunk.end),
                location: location)
        }
    }

    private mutating func append(_ document: DocumentRecord, location: String) {
        documents.append(document)
        locations.append(location)
    }

    mutating func reject(location: String, reason: RejectReason, detail: String, payload: String?) {
        report.rejected[reason.rawValue, default: 0] += 1
        guard ledger.admit(location: location, reason: reason.rawValue) else {
            report.rejectsAlreadyRecorded += 1
            return
        }
        rejects.append(
            RejectRecord(
                run: nil, source: "corpus", location: location, reason: reason.rawValue, detail: detail, payload: payload))
    }

    /// Stores the waiting documents, tallies their outcomes, and stores the rejects.
    mutating func flush() async throws {
        let outcomes = try await store.insertDocuments(documents)
        var rejectedRecord: String?  // the location of the record whose duplicate id was just rejected
        for (index, outcome) in outcomes.enumerated() {
            switch outcome {
            case .inserted:
                report.ingested += 1
                report.languages[documents[index].lang, default: 0] += 1
            case .alreadyPresent: report.alreadyPresent += 1
            case .duplicateContent: report.duplicates += 1
            case .duplicateKey:
                // The chunks of one record reusing an id are one rejected record.
                if documents[index].parentKey != nil && rejectedRecord == locations[index] { continue }
                rejectedRecord = locations[index]
                reject(
                    location: locations[index], reason: .duplicateID,
                    detail: "the id \"\(documents[index].parentKey ?? documents[index].key)\" is already stored with another text",
                    payload: String(documents[index].text.prefix(2_000)))
            }
        }
        documents.removeAll(keepingCapacity: true)
        locations.removeAll(keepingCapacity: true)
        try await store.insertRejects(rejects)
        rejects.removeAll(keepingCapacity: true)
    }
}

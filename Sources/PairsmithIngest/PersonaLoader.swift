import Foundation
import PairsmithJSON
import PairsmithStore
import PairsmithText

/// Loads a persona library into the store: JSONL files whose lines are `{"persona": ...}` (this project's format)
/// or PersonaHub lines (`{"persona": ...}` or `{"input persona": ...}` beside other fields). A folder loads every
/// `.jsonl` file in it. Bad lines go to `rejects`; a persona met twice is stored once. Loading the same library again
/// (every run does) reports its personas as already stored and records its bad lines only once.
public struct PersonaLoader: Sendable {
    /// The fields that may hold the persona text, in the order they are tried.
    public static let textFields = ["persona", "input persona"]

    /// The store personas go to.
    public let store: PairsmithStore
    /// A line over this many bytes is rejected.
    public let maxLineBytes: Int
    /// Personas per transaction.
    public let batchSize: Int

    /// Creates a loader.
    public init(store: PairsmithStore, maxLineBytes: Int = 64 * 1024, batchSize: Int = 1_000) {
        self.store = store
        self.maxLineBytes = maxLineBytes
        self.batchSize = max(1, batchSize)
    }

    /// Loads `url` (a JSONL file or a folder of them); the report's `alreadyPresent` counts personas stored before this
    /// call, `duplicates` the personas met more than once in this library.
    public func load(_ url: URL) async throws -> IngestReport {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw PersonaError.missingLibrary(path: url.path)
        }
        var files = [url]
        if isDirectory.boolValue {
            files = try FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension.lowercased() == "jsonl" }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
            guard !files.isEmpty else { throw PersonaError.emptyLibrary(path: url.path) }
        }
        var loading = Loading(
            ledger: try await RejectLedger.load(store: store, source: "personas"), storedBefore: try await store.maxPersonaID())
        for file in files { try await load(file: file, loading: &loading) }
        return loading.report
    }

    /// Extracts the persona text of one line, or says why the line is rejected.
    static func parse(_ bytes: [UInt8]) -> Result<String, InputRejection> {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            return .failure(InputRejection(reason: .invalidUTF8, detail: "the line is not valid UTF-8"))
        }
        guard let value = try? JSONValue.parse(bytes: bytes, duplicateKeys: .firstWins) else {
            return .failure(InputRejection(reason: .invalidJSON, detail: "the line is not valid JSON"))
        }
        guard case .object(let object) = value else {
            return .failure(InputRejection(reason: .notObject, detail: "the line is JSON but not an object"))
        }
        guard let field = textFields.first(where: { object[$0] != nil && object[$0] != .null }), let found = object[field] else {
            return .failure(
                InputRejection(
                    reason: .missingText, detail: "the object has neither a \"persona\" nor an \"input persona\" field"))
        }
        guard let text = found.stringValue else {
            return .failure(InputRejection(reason: .wrongType, detail: "\"\(field)\" must be a string, found \(found.kindDescription)"))
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            return .failure(InputRejection(reason: .emptyText, detail: "\"\(field)\" is empty or only whitespace"))
        }
        return .success(trimmed)
    }

    /// The state of one load: the report, rejects already recorded, and the personas met so far.
    private struct Loading {
        var report = IngestReport()
        var ledger: RejectLedger
        /// Personas with ids up to this were stored before the load began.
        var storedBefore: Int64
        var met = Set<Int64>()
    }

    private func load(file: URL, loading: inout Loading) async throws {
        var reader: LineReader
        do {
            reader = try LineReader(url: file, maxLineBytes: maxLineBytes)
        } catch {
            throw PersonaError.unreadable(path: file.path, reason: String(describing: error))
        }
        var personas: [PersonaRecord] = []
        var rejects: [RejectRecord] = []
        func flush() async throws {
            for outcome in try await store.insertPersonas(personas) {
                switch outcome {
                case .inserted(let id):
                    loading.report.ingested += 1
                    loading.met.insert(id)
                case .duplicate(let id):
                    if !loading.met.insert(id).inserted {
                        loading.report.duplicates += 1
                    } else if id <= loading.storedBefore {
                        loading.report.alreadyPresent += 1
                    } else {
                        loading.report.duplicates += 1
                    }
                }
            }
            try await store.insertRejects(rejects)
            personas.removeAll(keepingCapacity: true)
            rejects.removeAll(keepingCapacity: true)
        }
        while let line = try reader.next() {
            let location = "\(file.path):\(line.number)"
            if let bytes = line.bytes, bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                loading.report.blankLines += 1
                continue
            }
            loading.report.read += 1
            let parsed: Result<String, InputRejection> =
                line.bytes.map(Self.parse)
                ?? .failure(
                    InputRejection(
                        reason: .tooLong, detail: "the line is \(line.length) bytes, over the limit of \(maxLineBytes)"))
            switch parsed {
            case .success(let text):
                personas.append(
                    PersonaRecord(
                        text: text, textHash: ContentHash.sha256(text), sourceFile: file.path, sourceLine: line.number))
            case .failure(let rejection):
                loading.report.rejected[rejection.reason.rawValue, default: 0] += 1
                guard loading.ledger.admit(location: location, reason: rejection.reason.rawValue) else {
                    loading.report.rejectsAlreadyRecorded += 1
                    continue
                }
                rejects.append(
                    RejectRecord(
                        run: nil, source: "personas", location: location, reason: rejection.reason.rawValue,
                        detail: rejection.detail, payload: line.bytes.map { String(decoding: $0.prefix(2_000), as: UTF8.self) }))
            }
            if personas.count + rejects.count >= batchSize { try await flush() }
        }
        try await flush()
    }
}

/// Errors that stop loading a persona library.
public enum PersonaError: Error, CustomStringConvertible, Equatable {
    /// The library does not exist.
    case missingLibrary(path: String)
    /// A folder without `.jsonl` files.
    case emptyLibrary(path: String)
    /// A file that cannot be opened.
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .missingLibrary(let path):
            "the persona library \(path) does not exist; pass a JSONL file of {\"persona\": ...} lines or a folder of them"
        case .emptyLibrary(let path): "the persona folder \(path) holds no .jsonl file"
        case .unreadable(let path, let reason): "the persona file \(path) cannot be read: \(reason)"
        }
    }
}

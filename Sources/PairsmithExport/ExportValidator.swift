import Crypto
import Foundation
import PairsmithJSON

/// Reads an export folder back and checks it against its manifest: exactly the listed files (and the dataset card),
/// each file's SHA-256, byte and row counts, every line one JSON object (strict RFC 8259) with the keys its format
/// requires (BEIR: the corpus and query keys, the qrels header and three fields a line), and the manifest's row total.
public enum ExportValidator {
    /// Validates the export in `folder` written in `format`; returns the manifest's SHA-256. Throws
    /// ``ExportError/validationFailed(path:reason:)`` naming the file and line at fault.
    @discardableResult
    public static func validate(folder: URL, format: ExportFormat, task: String = "retrieval") throws -> String {
        let manifestURL = folder.appendingPathComponent(ExportManifest.fileName)
        let manifestData = try read(manifestURL)
        let manifest: JSONValue
        do {
            manifest = try JSONValue.parse(manifestData)
        } catch {
            throw ExportError.validationFailed(path: manifestURL.path, reason: "not valid JSON: \(error)")
        }
        let listKey = format == .beir ? "files" : "shards"
        let totalKey = format == .beir ? "qrels" : "rows"
        guard let shards = manifest[listKey]?.arrayValue, let totalRows = manifest["counts"]?[totalKey]?.intValue else {
            throw ExportError.validationFailed(path: manifestURL.path, reason: "no \(listKey) list or counts.\(totalKey)")
        }
        let listed = try shards.map { shard -> (String, Int, Int, String) in
            guard let file = shard["file"]?.stringValue, let rows = shard["rows"]?.intValue,
                let bytes = shard["bytes"]?.intValue, let sha = shard["sha256"]?.stringValue
            else { throw ExportError.validationFailed(path: manifestURL.path, reason: "an entry of \(listKey) lacks file, rows, bytes or sha256") }
            return (file, rows, bytes, sha)
        }
        let present = try filesUnder(folder)
        var expected = Set(listed.map(\.0) + [ExportManifest.fileName])
        if present.contains(DatasetCard.fileName) { expected.insert(DatasetCard.fileName) }
        guard present == expected else {
            throw ExportError.validationFailed(
                path: folder.path,
                reason: "files \(present.sorted()) differ from the manifest's \(expected.sorted())")
        }
        var rowsSeen = 0
        for (file, rows, bytes, sha) in listed {
            let url = folder.appendingPathComponent(file)
            let data = try read(url)
            guard data.count == bytes else {
                throw ExportError.validationFailed(path: url.path, reason: "\(data.count) bytes, the manifest says \(bytes)")
            }
            let digest = ShardWriter.hex(SHA256.hash(data: data))
            guard digest == sha else {
                throw ExportError.validationFailed(path: url.path, reason: "SHA-256 \(digest), the manifest says \(sha)")
            }
            let lines: Int
            if format == .beir {
                lines = try checkEvaluationFile(data, url: url, name: file)
                if file.hasPrefix("qrels/"), file.hasSuffix(".tsv") { rowsSeen += lines }
            } else {
                lines = try checkLines(data, url: url, keys: format.requiredKeys(task: task))
                rowsSeen += lines
            }
            guard lines == rows else {
                throw ExportError.validationFailed(path: url.path, reason: "\(lines) rows, the manifest says \(rows)")
            }
        }
        guard rowsSeen == totalRows else {
            throw ExportError.validationFailed(
                path: manifestURL.path, reason: "\(rowsSeen) rows in the files, counts.\(totalKey) says \(totalRows)")
        }
        if present.contains(DatasetCard.fileName) {
            let card = try read(folder.appendingPathComponent(DatasetCard.fileName))
            guard card.starts(with: Data("---\n".utf8)) else {
                throw ExportError.validationFailed(
                    path: folder.appendingPathComponent(DatasetCard.fileName).path, reason: "the card does not start with its YAML header")
            }
        }
        return ShardWriter.hex(SHA256.hash(data: manifestData))
    }

    /// Every regular file under `folder`, as paths relative to it (`train/part-00000.jsonl`).
    private static func filesUnder(_ folder: URL) throws -> Set<String> {
        var found: Set<String> = []
        func walk(_ url: URL, _ prefix: String) throws {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: url.path)
            } catch {
                throw ExportError.validationFailed(path: url.path, reason: "cannot list it: \(error.localizedDescription)")
            }
            for name in names {
                var isFolder: ObjCBool = false
                let child = url.appendingPathComponent(name)
                _ = FileManager.default.fileExists(atPath: child.path, isDirectory: &isFolder)
                if isFolder.boolValue {
                    try walk(child, prefix + name + "/")
                } else {
                    found.insert(prefix + name)
                }
            }
        }
        try walk(folder, "")
        return found
    }

    /// Checks a BEIR file: JSON objects with `_id`, `title`, `text` (corpus) or `_id`, `text` (queries), or a qrels
    /// TSV with its header and three fields a line; returns its rows (qrels: without the header).
    private static func checkEvaluationFile(_ data: Data, url: URL, name: String) throws -> Int {
        if name == "corpus.jsonl" { return try checkLines(data, url: url, keys: ["_id", "title", "text"]) }
        if name == "queries.jsonl" { return try checkLines(data, url: url, keys: ["_id", "text"]) }
        if name.hasPrefix("qrels/"), name.hasSuffix(".jsonl") {
            return try checkLines(data, url: url, keys: ["query-id", "corpus-id", "score"])
        }
        guard name.hasPrefix("qrels/"), name.hasSuffix(".tsv") else {
            throw ExportError.validationFailed(path: url.path, reason: "not a file of the BEIR layout")
        }
        guard data.last == 0x0A else { throw ExportError.validationFailed(path: url.path, reason: "the last line has no newline") }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard lines.first == Substring(EvaluationWriter.qrelsHeader) else {
            throw ExportError.validationFailed(
                path: url.path, reason: "the first line is not the header \(EvaluationWriter.qrelsHeader.debugDescription)")
        }
        for (number, line) in lines.enumerated().dropFirst() where !line.hasSuffix("\t1") {
            throw ExportError.validationFailed(path: "\(url.path):\(number + 1)", reason: "not query-id, corpus-id and score 1")
        }
        return lines.count - 1
    }

    private static func read(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw ExportError.validationFailed(path: url.path, reason: "cannot read it: \(error.localizedDescription)")
        }
    }

    /// Parses every newline-terminated line of a JSONL file, each an object with `keys`; returns the line count.
    private static func checkLines(_ data: Data, url: URL, keys: [String]) throws -> Int {
        let bytes = [UInt8](data)
        guard bytes.last == 0x0A || bytes.isEmpty else {
            throw ExportError.validationFailed(path: url.path, reason: "the last line has no newline")
        }
        var count = 0
        var start = 0
        for index in bytes.indices where bytes[index] == 0x0A {
            count += 1
            let line = Array(bytes[start..<index])
            start = index + 1
            let value: JSONValue
            do {
                value = try JSONValue.parse(Data(line))
            } catch {
                throw ExportError.validationFailed(path: "\(url.path):\(count)", reason: "not valid JSON: \(error)")
            }
            guard let object = value.objectValue else {
                throw ExportError.validationFailed(path: "\(url.path):\(count)", reason: "the row is not a JSON object")
            }
            for key in keys where object[key] == nil {
                throw ExportError.validationFailed(path: "\(url.path):\(count)", reason: "the row has no \"\(key)\"")
            }
        }
        return count
    }
}

import Crypto
import Foundation
import PairsmithJSON

/// Reads an export folder back and checks it against its manifest: exactly the listed files, each shard's SHA-256,
/// byte and row counts, every line one JSON object (strict RFC 8259) with the keys its format requires, and the
/// manifest's row total.
public enum ExportValidator {
    /// Validates the export in `folder` written in `format`; returns the manifest's SHA-256. Throws
    /// ``ExportError/validationFailed(path:reason:)`` naming the file and line at fault.
    @discardableResult
    public static func validate(folder: URL, format: ExportFormat) throws -> String {
        let manifestURL = folder.appendingPathComponent(ExportManifest.fileName)
        let manifestData = try read(manifestURL)
        let manifest: JSONValue
        do {
            manifest = try JSONValue.parse(manifestData)
        } catch {
            throw ExportError.validationFailed(path: manifestURL.path, reason: "not valid JSON: \(error)")
        }
        guard let shards = manifest["shards"]?.arrayValue, let totalRows = manifest["counts"]?["rows"]?.intValue else {
            throw ExportError.validationFailed(path: manifestURL.path, reason: "no shards list or counts.rows")
        }
        let listed = try shards.map { shard -> (String, Int, Int, String) in
            guard let file = shard["file"]?.stringValue, let rows = shard["rows"]?.intValue,
                let bytes = shard["bytes"]?.intValue, let sha = shard["sha256"]?.stringValue
            else { throw ExportError.validationFailed(path: manifestURL.path, reason: "a shard entry lacks file, rows, bytes or sha256") }
            return (file, rows, bytes, sha)
        }
        let present = Set((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [])
        let expected = Set(listed.map(\.0) + [ExportManifest.fileName])
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
            let lines = try checkLines(data, url: url, format: format)
            guard lines == rows else {
                throw ExportError.validationFailed(path: url.path, reason: "\(lines) rows, the manifest says \(rows)")
            }
            rowsSeen += lines
        }
        guard rowsSeen == totalRows else {
            throw ExportError.validationFailed(path: manifestURL.path, reason: "\(rowsSeen) rows in the shards, counts.rows says \(totalRows)")
        }
        return ShardWriter.hex(SHA256.hash(data: manifestData))
    }

    private static func read(_ url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw ExportError.validationFailed(path: url.path, reason: "cannot read it: \(error.localizedDescription)")
        }
    }

    /// Parses every newline-terminated line of a shard; returns the line count.
    private static func checkLines(_ data: Data, url: URL, format: ExportFormat) throws -> Int {
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
            for key in format.requiredKeys where object[key] == nil {
                throw ExportError.validationFailed(path: "\(url.path):\(count)", reason: "the row has no \"\(key)\"")
            }
        }
        return count
    }
}

import Crypto
import Foundation
import PairsmithJSON

/// One written shard, as the manifest lists it.
public struct ShardSummary: Sendable, Hashable {
    /// The file name (`part-00000.jsonl`).
    public var file: String
    /// Rows (lines) in the shard.
    public var rows: Int
    /// Bytes in the shard.
    public var bytes: Int
    /// SHA-256 of the shard's bytes, lower-case hex.
    public var sha256: String
}

/// Writes JSONL rows into `part-NNNNN.jsonl` files of at most `shardSize` rows each in `folder`, hashing as it
/// goes; every shard is fsynced when it is closed. Not thread-safe: one export drives one writer.
final class ShardWriter {
    private let folder: URL
    private let shardSize: Int
    private let afterShard: @Sendable (Int) throws -> Void
    private var handle: FileHandle?
    private var hasher = SHA256()
    private var buffer: [UInt8] = []
    private var rowsInShard = 0
    private var bytesInShard = 0
    private(set) var shards: [ShardSummary] = []

    /// A writer into `folder` (which must exist); `afterShard` is called with each closed shard's index.
    init(folder: URL, shardSize: Int, afterShard: @escaping @Sendable (Int) throws -> Void) {
        self.folder = folder
        self.shardSize = shardSize
        self.afterShard = afterShard
    }

    /// The file name of shard `index`.
    static func fileName(_ index: Int) -> String {
        let digits = String(index)
        return "part-" + String(repeating: "0", count: max(0, 5 - digits.count)) + digits + ".jsonl"
    }

    /// Appends one row as compact JSON and a newline (compact JSON never holds a raw newline).
    func append(_ row: JSONValue) throws {
        if handle == nil { try open() }
        row.writeCompact(into: &buffer)
        buffer.append(0x0A)
        rowsInShard += 1
        if buffer.count >= 1 << 20 { try flush() }
        if rowsInShard == shardSize { try closeShard() }
    }

    /// Closes the last shard; returns every shard written.
    func finish() throws -> [ShardSummary] {
        if handle != nil { try closeShard() }
        return shards
    }

    private var currentURL: URL { folder.appendingPathComponent(Self.fileName(shards.count)) }

    private func open() throws {
        let url = currentURL
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw ExportError.cannotWrite(path: url.path, reason: "the file could not be created")
        }
        do {
            handle = try FileHandle(forWritingTo: url)
        } catch {
            throw ExportError.cannotWrite(path: url.path, reason: error.localizedDescription)
        }
        hasher = SHA256()
        rowsInShard = 0
        bytesInShard = 0
    }

    private func flush() throws {
        guard let handle, !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw ExportError.cannotWrite(path: currentURL.path, reason: error.localizedDescription)
        }
        hasher.update(data: buffer)
        bytesInShard += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    private func closeShard() throws {
        try flush()
        guard let handle else { return }
        let url = currentURL
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw ExportError.cannotWrite(path: url.path, reason: error.localizedDescription)
        }
        self.handle = nil
        shards.append(
            ShardSummary(file: url.lastPathComponent, rows: rowsInShard, bytes: bytesInShard, sha256: Self.hex(hasher.finalize())))
        try afterShard(shards.count - 1)
    }

    /// Lower-case hex of a digest.
    static func hex(_ digest: SHA256.Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        for byte in digest {
            bytes.append(digits[Int(byte >> 4)])
            bytes.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Writes one named file (a BEIR `corpus.jsonl`, `queries.jsonl` or qrels TSV) line by line, hashing and counting
/// as it goes; fsynced when finished. `rows` counts lines after the first `headerLines`.
final class HashedFileWriter {
    private let url: URL
    private let name: String
    private let headerLines: Int
    private let handle: FileHandle
    private var hasher = SHA256()
    private var buffer: [UInt8] = []
    private var lines = 0
    private var bytes = 0

    /// Creates `name` (a path relative to `folder`, whose folders are created) in `folder`.
    init(folder: URL, name: String, headerLines: Int = 0) throws {
        url = folder.appendingPathComponent(name)
        self.name = name
        self.headerLines = headerLines
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw ExportError.cannotWrite(path: url.deletingLastPathComponent().path, reason: error.localizedDescription)
        }
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw ExportError.cannotWrite(path: url.path, reason: "the file could not be created")
        }
        do {
            handle = try FileHandle(forWritingTo: url)
        } catch {
            throw ExportError.cannotWrite(path: url.path, reason: error.localizedDescription)
        }
    }

    /// Appends a row as compact JSON and a newline.
    func append(_ row: JSONValue) throws {
        row.writeCompact(into: &buffer)
        buffer.append(0x0A)
        lines += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Appends `text` and a newline (`text` holds no line break).
    func appendLine(_ text: String) throws {
        buffer.append(contentsOf: Array(text.utf8))
        buffer.append(0x0A)
        lines += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Flushes, fsyncs and closes the file; returns its summary (`file` is the relative name).
    func finish() throws -> ShardSummary {
        try flush()
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw ExportError.cannotWrite(path: url.path, reason: error.localizedDescription)
        }
        return ShardSummary(file: name, rows: max(0, lines - headerLines), bytes: bytes, sha256: ShardWriter.hex(hasher.finalize()))
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw ExportError.cannotWrite(path: url.path, reason: error.localizedDescription)
        }
        hasher.update(data: buffer)
        bytes += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }
}

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A folder beside the destination that an export is written into and then renamed into place, so the destination
/// is either absent, the old complete export or the new complete export — never a half-written one.
///
/// A process killed while writing leaves the hidden staging folder (`.NAME.partial-PID-RANDOM`) behind and the
/// destination untouched; such folders can be deleted at any time no export is running.
struct StagingFolder {
    /// The staging folder.
    let url: URL
    /// Where the export is published.
    let destination: URL

    /// Creates an empty staging folder beside `destination`, creating `destination`'s parent if needed. Refuses
    /// when `destination` exists and `overwrite` is false.
    init(destination: URL, overwrite: Bool) throws {
        let fileManager = FileManager.default
        self.destination = destination
        if fileManager.fileExists(atPath: destination.path), !overwrite {
            throw ExportError.outputExists(path: destination.path)
        }
        let parent = destination.deletingLastPathComponent()
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        url = parent.appendingPathComponent(
            ".\(destination.lastPathComponent).partial-\(ProcessInfo.processInfo.processIdentifier)-\(suffix)")
        do {
            try fileManager.createDirectory(at: parent, withIntermediateDirectories: true)
            try fileManager.createDirectory(at: url, withIntermediateDirectories: false)
        } catch {
            throw ExportError.cannotWrite(path: url.path, reason: error.localizedDescription)
        }
    }

    /// Moves the staged export to the destination: the staging folder and its parent are fsynced, an existing
    /// destination (allowed by `overwrite`) is first renamed aside and deleted only after the new one is in place.
    func publish(overwrite: Bool) throws {
        try Self.syncDirectory(url)
        let fileManager = FileManager.default
        var aside: URL?
        if fileManager.fileExists(atPath: destination.path) {
            guard overwrite else { throw ExportError.outputExists(path: destination.path) }
            let old = url.deletingLastPathComponent().appendingPathComponent(url.lastPathComponent + "-old")
            try Self.rename(destination, to: old)
            aside = old
        }
        do {
            try Self.rename(url, to: destination)
        } catch {
            if let aside { try? Self.rename(aside, to: destination) }
            throw error
        }
        try Self.syncDirectory(destination.deletingLastPathComponent())
        if let aside { try? fileManager.removeItem(at: aside) }
    }

    /// Deletes the staging folder (after a failure).
    func discard() {
        try? FileManager.default.removeItem(at: url)
    }

    private static func rename(_ source: URL, to target: URL) throws {
        guard posixRename(source.path, target.path) == 0 else {
            throw ExportError.cannotWrite(
                path: target.path, reason: "renaming \(source.path) failed: \(String(cString: strerror(errno)))")
        }
    }

    /// fsyncs a folder, so the names in it (new files, a rename) survive a power cut.
    static func syncDirectory(_ folder: URL) throws {
        let descriptor = open(folder.path, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else {
            throw ExportError.cannotWrite(path: folder.path, reason: "cannot open the folder: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw ExportError.cannotWrite(path: folder.path, reason: "fsync failed: \(String(cString: strerror(errno)))")
        }
    }
}

/// rename(2), outside the type whose own `rename` would shadow it.
private func posixRename(_ source: String, _ target: String) -> Int32 {
    rename(source, target)
}

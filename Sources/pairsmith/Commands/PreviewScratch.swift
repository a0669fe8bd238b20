import Foundation
import PairsmithStore

/// The throw-away database of `pairsmith run --preview`: a fresh folder under the temporary directory, removed after.
struct PreviewScratch {
    /// The folder.
    let folder: URL

    /// Makes the folder.
    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("pairsmith-preview-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// A new store in the folder.
    func store() throws -> PairsmithStore { try PairsmithStore(url: folder.appendingPathComponent("preview.sqlite")) }

    /// Removes the folder and everything in it.
    func remove() { try? FileManager.default.removeItem(at: folder) }
}

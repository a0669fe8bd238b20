import Foundation

/// One file of a hub repository, with what the hub says about its content.
public struct HubFile: Sendable, Equatable {
    /// The path inside the repository, e.g. `1_Pooling/config.json`.
    public var path: String
    /// The size in bytes.
    public var size: Int64
    /// The SHA-256 of the content, for files stored in Git LFS.
    public var sha256: String?
    /// The git blob id (SHA-1 of `blob <size>\0<content>`), for files stored in git itself.
    public var gitBlobID: String?

    /// Creates a file entry.
    public init(path: String, size: Int64, sha256: String? = nil, gitBlobID: String? = nil) {
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.gitBlobID = gitBlobID
    }
}

/// The files of a repository at one commit.
public struct HubListing: Sendable, Equatable {
    /// The commit the revision resolved to; downloads are pinned to it.
    public var commit: String
    /// The repository's files.
    public var files: [HubFile]

    /// Parses the answer of `GET /api/models/{repo}/revision/{revision}?blobs=true`.
    public init(apiResponse data: Data) throws(HubError) {
        struct Response: Decodable {
            struct Sibling: Decodable {
                struct LFS: Decodable {
                    var sha256: String?
                    var oid: String?
                    var size: Int64?
                }
                var rfilename: String
                var size: Int64?
                var blobId: String?
                var lfs: LFS?
            }
            var sha: String
            var siblings: [Sibling]
        }
        let response: Response
        do {
            response = try JSONDecoder().decode(Response.self, from: data)
        } catch {
            throw .invalidListing("not the JSON of /api/models/…/revision/… (\(error))")
        }
        guard response.sha.count >= 7, response.sha.allSatisfy(\.isHexDigit) else {
            throw .invalidListing("commit '\(response.sha)' is not a hexadecimal hash")
        }
        commit = response.sha
        files = try response.siblings.map { sibling throws(HubError) in
            try Self.checkSafe(path: sibling.rfilename)
            guard let size = sibling.lfs?.size ?? sibling.size else {
                throw .invalidListing("no size for \(sibling.rfilename); the hub must be asked with blobs=true")
            }
            return HubFile(path: sibling.rfilename, size: size,
                           sha256: sibling.lfs.flatMap { $0.sha256 ?? $0.oid },
                           gitBlobID: sibling.lfs == nil ? sibling.blobId : nil)
        }
    }

    /// Creates a listing from known values.
    public init(commit: String, files: [HubFile]) {
        self.commit = commit
        self.files = files
    }

    /// Rejects paths that would escape the target folder (absolute, `..`, empty components).
    static func checkSafe(path: String) throws(HubError) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, !path.hasPrefix("/"), !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }),
              !path.contains("\0"), !path.contains("\\")
        else { throw .invalidListing("unsafe file name '\(path)'") }
    }
}

/// What can go wrong talking to the hub or writing a model folder; every message says what to do.
public enum HubError: Error, CustomStringConvertible, Equatable {
    /// The repository id is not `owner/name`.
    case invalidRepository(String)
    /// The environment or options are unusable.
    case invalidConfiguration(String)
    /// The hub does not know this repository or revision.
    case notFound(repository: String, revision: String)
    /// The hub refused access (gated or private model, bad token).
    case unauthorized(repository: String, hasToken: Bool)
    /// An HTTP status the downloader does not retry.
    case http(status: Int, url: String, message: String)
    /// The file list the hub sent cannot be used.
    case invalidListing(String)
    /// A downloaded file's size or hash is not what the hub reported.
    case integrity(file: String, expected: String, actual: String)
    /// The network failed and retries ran out.
    case transport(url: String, message: String)
    /// Writing to the target folder failed.
    case fileSystem(path: String, message: String)
    /// No file of the repository matched the include patterns.
    case nothingToDownload(repository: String)

    public var description: String {
        switch self {
        case .invalidRepository(let id):
            "'\(id)' is not a repository id; use OWNER/NAME, e.g. Qwen/Qwen3-Embedding-0.6B"
        case .invalidConfiguration(let message):
            message
        case .notFound(let repository, let revision):
            "the hub has no repository \(repository) at revision \(revision); check the spelling and the revision"
        case .unauthorized(let repository, let hasToken):
            hasToken
                ? "the hub refused the token for \(repository); check that HF_TOKEN is valid and has access to the model"
                : "\(repository) needs authentication; set HF_TOKEN (or log in with huggingface-cli) and accept the model's terms"
        case .http(let status, let url, let message):
            "HTTP \(status) from \(url): \(message)"
        case .invalidListing(let message):
            "the hub's file list is unusable: \(message)"
        case .integrity(let file, let expected, let actual):
            "\(file) failed verification (expected \(expected), got \(actual)); it was deleted, run the command again"
        case .transport(let url, let message):
            "network error for \(url): \(message); run the command again to resume"
        case .fileSystem(let path, let message):
            "cannot write \(path): \(message)"
        case .nothingToDownload(let repository):
            "no file of \(repository) matches the include patterns"
        }
    }
}

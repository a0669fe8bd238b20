import ArgumentParser
import Foundation
import PairsmithHub

extension PairsmithCommand {
    /// `pairsmith models`: manage local model folders.
    struct Models: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Manage local model folders.",
            subcommands: [Pull.self]
        )

        /// `pairsmith models pull`: download a model folder from the Hugging Face hub.
        struct Pull: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Download a model from the Hugging Face hub (resumable, verified).",
                discussion: """
                    Honours HF_ENDPOINT (a mirror) and HF_TOKEN (or the token file of huggingface-cli). \
                    An interrupted pull resumes where it stopped when run again.
                    """
            )

            @Argument(help: "The repository id, e.g. Qwen/Qwen3-Embedding-0.6B.")
            var repository: String

            @Option(help: "The folder to download into (default: models/<name>).")
            var to: String?

            @Option(help: "A branch, tag or commit.")
            var revision = "main"

            @Option(name: .customLong("include"), help: "Only files matching this pattern (repeatable), e.g. '*.json'.")
            var include: [String] = []

            func run() async throws {
                let name = repository.split(separator: "/").last.map(String.init) ?? repository
                let folder = URL(fileURLWithPath: to ?? "models/\(name)")
                let downloader = ModelDownloader(configuration: try HubConfiguration.fromEnvironment())
                let report = try await downloader.pull(
                    repository: repository, revision: revision, to: folder, include: include,
                    progress: PullProgressPrinter.print)
                print("\(repository)@\(report.commit.prefix(12)): \(report.files.count) files in \(folder.path)"
                      + " (\(report.downloaded) downloaded, \(report.files.count - report.downloaded) already there)")
            }
        }
    }
}

/// Prints pull progress to standard error, one line per event worth a line.
enum PullProgressPrinter {
    /// Writes a line for `event` (downloads are reported every 8 MiB).
    @Sendable static func print(_ event: HubProgress) {
        let line: String? = switch event {
        case .resolved(let commit, let files):
            "resolved \(commit.prefix(12)): \(files.count) files, \(Self.size(files.reduce(0) { $0 + $1.size }))"
        case .skipped(let file): "\(file.path): already present and verified"
        case .downloading(let file, let done) where file.size > 8 << 20:
            "\(file.path): \(Self.size(done)) of \(Self.size(file.size))"
        case .downloading: nil
        case .retrying(let file, let attempt, let delay, let reason):
            "\(file.path): attempt \(attempt) failed (\(reason)); resuming in \(String(format: "%.1f", delay)) s"
        case .finished(let file): "\(file.path): done (\(Self.size(file.size)), verified)"
        }
        if let line { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    private static func size(_ bytes: Int64) -> String {
        bytes >= 1 << 20 ? String(format: "%.1f MiB", Double(bytes) / 1_048_576) : "\(bytes) B"
    }
}

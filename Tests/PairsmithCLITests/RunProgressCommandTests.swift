import Foundation
import PairsmithStore
import PairsmithTestSupport
import Testing

/// `pairsmith run`'s progress display (bars on a terminal) and its `--limit`, as a user sees them.
@Suite("pairsmith run: progress and --limit", .serialized)
struct RunProgressCommandTests {
    /// `script` (util-linux, in Debian's essential bsdutils) runs a command on a pseudo-terminal.
    static let script = URL(fileURLWithPath: "/usr/bin/script")

    @Test("on a terminal, run draws per-stage bars in place and ends with a final line; piped, it draws none")
    func barsOnATerminal() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.script.path),
                     "/usr/bin/script (util-linux, package bsdutils) is needed to give the run a terminal")
        let directory = try TemporaryDirectory(prefix: "pairsmith-cli-bars")
        defer { directory.remove() }
        let workspace = try RunCommandTests.workspace(directory, passages: 4)
        try await TestEndpoint.withRunning(TestEndpointBehaviour(latency: .milliseconds(20))) { endpoint in
            let arguments = try RunCommandTests.runArguments(workspace, database: directory.file("tty.sqlite"), endpoint: endpoint)
            let command = ([TestEnvironment.pairsmithExecutable.path] + arguments).map(Self.shellQuoted).joined(separator: " ")
            let onTerminal = try await ProcessRunner.runAsync(
                Self.script, ["-q", "-e", "-c", "COLUMNS=100 TERM=xterm " + command, "/dev/null"])
            #expect(onTerminal.status == 0, "\(onTerminal.stdoutText)\(onTerminal.stderr)")
            let output = onTerminal.stdoutText
            #expect(output.contains("configure ["), "\(output)")
            #expect(output.contains("generate  ["), "\(output)")
            #expect(output.contains("\r\u{1B}[2K"), "the bars are not drawn in place: \(output)")
            #expect(output.contains("finished in "), "\(output)")
            #expect(output.contains("8/8 100%"), "\(output)")
            // The terminal writes "\r\n" for "\n"; what is left of a line without escape codes is what shows.
            let escape = try Regex(#"\x{1B}\[[0-9;]*[A-Za-z]"#)
            let barLines = output.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n")
                .map { $0.replacing(escape, with: "").replacingOccurrences(of: "\r", with: "") }
                .filter { $0.contains("configure [") }
            #expect(!barLines.isEmpty)
            for line in barLines { #expect(line.count <= 100, "a bar line is wider than the terminal: \(line)") }

            let piped = try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable,
                try RunCommandTests.runArguments(workspace, database: directory.file("piped.sqlite"), endpoint: endpoint))
            #expect(piped.status == 0, "\(piped.stderr)")
            #expect(!piped.stderr.contains("\u{1B}["), "escape codes on a pipe: \(piped.stderr)")
            #expect(!piped.stderr.contains("configure ["))
        }
    }

    @Test("--limit counts passages: bad and duplicate lines do not use it up, and a rerun takes the same passages")
    func limitCountsPassages() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-cli-limit")
        defer { directory.remove() }
        let workspace = try RunCommandTests.workspace(directory, passages: 6)
        let corpus = workspace.appendingPathComponent("corpus.jsonl")
        let good = try String(contentsOf: corpus, encoding: .utf8).split(separator: "\n").map(String.init)
        // Bad lines and a duplicate text before and between the good ones.
        let lines = ["not json", good[0], #"{"id": "empty", "text": ""}"#, good[0].replacingOccurrences(of: "doc-0", with: "copy-of-0"),
                     good[1], #"{"id": 3}"#, good[2], good[3], good[4], good[5]]
        try (lines.joined(separator: "\n") + "\n").write(to: corpus, atomically: true, encoding: .utf8)
        let database = directory.file("run.sqlite")
        try await TestEndpoint.withRunning(TestEndpointBehaviour()) { endpoint in
            let arguments = try RunCommandTests.runArguments(workspace, database: database, endpoint: endpoint) + ["--limit", "3"]
            let first = try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, arguments)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stderr.contains("ingested 3"), "\(first.stderr)")
            let store = try PairsmithStore(url: database)
            #expect(try await store.documents(limit: 10).map(\.key) == ["doc-0", "doc-1", "doc-2"])
            let rejects = try await store.rejects(source: "corpus")
            #expect(rejects.count == 3)
            let second = try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, arguments)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(second.stderr.contains("ingested 0, already stored 3, duplicates 1"), "\(second.stderr)")
            #expect(second.stderr.contains("3 already recorded"), "\(second.stderr)")
            #expect(try await store.documentCount() == 3)
            #expect(try await store.rejects(source: "corpus").map(\.id) == rejects.map(\.id))
        }
    }

    private static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

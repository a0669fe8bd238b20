import Foundation
import PairsmithTestSupport
import Testing

/// End-to-end checks of the `pairsmith` binary's command-line surface.
@Suite("pairsmith command line")
struct CommandLineTests {
    private func pairsmith(_ arguments: String...) throws -> ProcessResult {
        try ProcessRunner.run(TestEnvironment.pairsmithExecutable, arguments)
    }

    @Test("--help lists every subcommand of the design")
    func helpListsSubcommands() throws {
        let result = try pairsmith("--help")
        #expect(result.status == 0)
        for name in ["run", "status", "export", "tokenize", "embed", "rerank", "models"] {
            #expect(result.stdoutText.contains("  \(name)"), "help does not list \(name)")
        }
    }

    @Test("--version prints the version")
    func version() throws {
        let result = try pairsmith("--version")
        #expect(result.status == 0)
        #expect(result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }

    @Test("an unknown option fails with a usage message, not a crash")
    func unknownOption() throws {
        let result = try pairsmith("--no-such-flag")
        #expect(result.status == 64)
        #expect(result.stderr.contains("Unknown option"))
    }
}

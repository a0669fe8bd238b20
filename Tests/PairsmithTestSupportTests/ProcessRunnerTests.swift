import Foundation
import PairsmithTestSupport
import Testing

@Suite("Test support helpers")
struct ProcessRunnerTests {
    @Test("a child's stdin, stdout, stderr and status come back whole")
    func roundTrip() throws {
        let big = String(repeating: "pairsmith\n", count: 50_000)  // larger than a pipe buffer
        let result = try ProcessRunner.run(
            URL(fileURLWithPath: "/bin/sh"), ["-c", "cat; echo oops >&2; exit 3"], stdin: Data(big.utf8))
        #expect(result.status == 3)
        #expect(result.stdoutText == big)
        #expect(result.stderr == "oops\n")
    }

    @Test("the package root holds Package.swift")
    func packageRoot() {
        #expect(FileManager.default.fileExists(atPath: TestEnvironment.packageRoot.appendingPathComponent("Package.swift").path))
    }
}

import Foundation
import PairsmithTestSupport
import Testing

/// `scripts/check-kubernetes-manifests.py` (PyYAML and a schema of the fields) over `deploy/kubernetes/`: the shipped
/// manifests pass, and copies with one wrong field each fail with a line naming the file and the field.
@Suite("deploy/kubernetes manifests")
struct KubernetesManifestTests {
    static let checker = TestEnvironment.packageRoot.appendingPathComponent("scripts/check-kubernetes-manifests.py")
    static let manifests = TestEnvironment.packageRoot.appendingPathComponent("deploy/kubernetes")

    static func check(_ folder: URL) throws -> ProcessResult {
        try ProcessRunner.run(try TestEnvironment.requirePython(), [checker.path, folder.path])
    }

    @Test("the shipped manifests pass the structural check")
    func shippedPass() throws {
        let result = try Self.check(Self.manifests)
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderr)")
        #expect(result.stdoutText.contains("every manifest passes"), "\(result.stdoutText)")
    }

    /// One broken copy: the file, the text replaced and what the checker must say.
    struct Breakage: Sendable, CustomTestStringConvertible {
        var file: String
        var old: String
        var new: String
        var expected: String
        var testDescription: String { "\(file): \(old) → \(new)" }
    }

    static let breakages = [
        Breakage(
            file: "shards-job.yaml", old: "completionMode: Indexed", new: "completionMod: Indexed",
            expected: "shards-job.yaml#0.spec.completionMod: unknown field"),
        Breakage(
            file: "shards-job.yaml", old: "completionMode: Indexed", new: "completionMode: NonIndexed",
            expected: "spec.completionMode: must be Indexed"),
        Breakage(
            file: "vllm.yaml", old: "containerPort: 8000", new: "containerPort: \"8000\"",
            expected: "containerPort: must be a int, found str"),
        Breakage(
            file: "shards-job.yaml", old: "completions: 8", new: "completions: 4",
            expected: "the command's --shards must equal spec.completions (4)"),
    ]

    @Test("a copy with a wrong field fails, naming the file and the field", arguments: breakages)
    func brokenCopyFails(_ breakage: Breakage) throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-k8s")
        defer { directory.remove() }
        let copy = directory.file("kubernetes")
        try FileManager.default.copyItem(at: Self.manifests, to: copy)
        let file = copy.appendingPathComponent(breakage.file)
        let text = try String(contentsOf: file, encoding: .utf8)
        try #require(text.contains(breakage.old), "\(breakage.file) no longer holds \(breakage.old); update this test")
        try text.replacingOccurrences(of: breakage.old, with: breakage.new).write(to: file, atomically: true, encoding: .utf8)
        let result = try Self.check(copy)
        #expect(result.status == 1, "the checker passed a broken manifest: \(result.stdoutText)")
        #expect(result.stdoutText.contains(breakage.expected), "\(result.stdoutText)")
    }
}

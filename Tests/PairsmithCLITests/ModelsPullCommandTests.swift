import Foundation
import PairsmithTestSupport
import Testing

/// `pairsmith models pull` end to end: the binary against a local server in the hub's URL layout.
@Suite("pairsmith models pull")
struct ModelsPullCommandTests {
    private let repository = HubFixtureServer.Repository(
        id: "Qwen/Qwen3-Embedding-0.6B", commit: "0123456789abcdef0123456789abcdef01234567",
        files: ["config.json": Data(#"{"model_type": "qwen3"}"#.utf8),
                "model.safetensors": Data((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })],
        lfs: ["model.safetensors"])

    @Test("honours HF_ENDPOINT and HF_TOKEN, writes the folder, and never prints the token")
    func pullsWithToken() async throws {
        var faults = HubFixtureServer.Faults()
        faults.requiredToken = "hf_cli_secret_token"
        let server = HubFixtureServer(repositories: [repository], faults: faults)
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let repo = repository
        let result = try await server.run { url in
            try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable,
                ["models", "pull", repo.id, "--to", folder.file("model").path],
                environment: ["HF_ENDPOINT": url.absoluteString, "HF_TOKEN": "hf_cli_secret_token"])
        }
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(try Data(contentsOf: folder.file("model/model.safetensors")) == repository.files["model.safetensors"])
        #expect(try Data(contentsOf: folder.file("model/config.json")) == repository.files["config.json"])
        #expect(!(result.stdoutText + result.stderr).contains("hf_cli_secret_token"))
        #expect(result.stdoutText.contains("0123456789ab"))
    }

    @Test("a missing token is a one-line error that says how to fix it")
    func missingToken() async throws {
        var faults = HubFixtureServer.Faults()
        faults.requiredToken = "hf_needed"
        let server = HubFixtureServer(repositories: [repository], faults: faults)
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let repo = repository
        let result = try await server.run { url in
            try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable, ["models", "pull", repo.id, "--to", folder.url.path],
                environment: ["HF_ENDPOINT": url.absoluteString, "HF_TOKEN": "", "HF_HOME": folder.url.path])
        }
        #expect(result.status == 1)
        #expect(result.stderr.contains("HF_TOKEN"), "stderr: \(result.stderr)")
    }
}

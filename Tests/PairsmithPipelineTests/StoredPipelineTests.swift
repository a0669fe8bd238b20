import Foundation
import PairsmithConfiguration
import PairsmithTestSupport
import Testing

/// The pipeline file's text as a run stores it: read once on loading, kept byte for byte, read back leniently by
/// `pairsmith export` and `pairsmith select`.
@Suite("Stored pipeline")
struct StoredPipelineTests {
    @Test("the run record keeps the bytes the loader hashed, even when the file changes or goes away afterwards")
    func runRecordKeepsTheLoadedText() throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-stored")
        defer { directory.remove() }
        try FileManager.default.copyItem(
            at: TestEnvironment.packageRoot.appendingPathComponent("prompts/retrieval"), to: directory.file("prompts"))
        var text = try String(contentsOf: PipelineConfigurationTests.shipped, encoding: .utf8)
        guard text.contains("../prompts/retrieval/") else {
            throw TestSupportError.missingPrerequisite("pipelines/retrieval.yaml without its prompts directory")
        }
        text =
            text.replacingOccurrences(of: "../prompts/retrieval/", with: "prompts/")
            + "# Größe, 東京, 🚀 and a last line without a newline"
        let file = directory.file("pipeline.yaml")
        try Data(text.utf8).write(to: file)
        let digest = String(
            decoding: try ProcessRunner.python(
                "import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],'rb').read()).hexdigest(), end='')",
                arguments: [file.path]), as: UTF8.self)

        let configuration = try PipelineConfiguration.load(from: file)
        try Data("name: changed\n".utf8).write(to: file)
        #expect(configuration.runRecord().configuration == text)
        try FileManager.default.removeItem(at: file)
        let record = configuration.runRecord()
        #expect(record.configuration == text)
        #expect(record.pipelineSHA256 == digest)
        #expect(configuration.fileSHA256 == digest)
        // What the loader kept is what a later command reads back from the stored text.
        #expect(configuration.stored == StoredPipeline(text: record.configuration, file: record.pipelinePath))
        #expect(configuration.stored.queryInstruction == configuration.embedding.queryInstruction)
        #expect(try configuration.stored.selectionSettings() == configuration.selection)
    }

    @Test("stored text gives the export its instruction and models and select its settings, without the prompt files")
    func factsAndSelection() throws {
        let stored = StoredPipeline(
            text: """
                name: old-run
                prompts: {directory: /nowhere, configure: a, configure_schema: b, generate: c, generate_schema: d}
                endpoints:
                  - {url: "http://a/v1", model: big}
                  - {url: "http://b/v1", model: small}
                  - {url: "http://c/v1", model: big}
                embedding: {model: emb-model, query_instruction: "Find passages: in any language"}
                selection:
                  similarity_threshold: 0.6
                  band: [0.3, 0.9]
                  negatives: {count: 4, guard: 0.9}
                """,
            file: "/gone/pipeline.yaml")
        #expect(stored.queryInstruction == "Find passages: in any language")
        #expect(stored.embeddingModel == "emb-model")
        #expect(stored.chatModels == ["big", "small"])
        let settings = try stored.selectionSettings()
        #expect(settings.similarityThreshold == 0.6)
        #expect(settings.band == PipelineConfiguration.CosineBand(low: 0.3, high: 0.9))
        #expect(settings.negatives == PipelineConfiguration.NegativeSettings(count: 4, rankFrom: 1, rankTo: 100, guardFactor: 0.9))

        // JSON, as an older writer may have stored it (camel-case instruction key): facts, default selection.
        let json = StoredPipeline(
            text: #"{"embedding": {"queryInstruction": "Q", "model": "m"}, "endpoints": [{"model": "x"}, {"url": "u"}]}"#,
            file: "p.json")
        #expect(json.queryInstruction == "Q" && json.embeddingModel == "m" && json.chatModels == ["x"])
        #expect(try json.selectionSettings() == PipelineConfiguration.SelectionSettings())

        // Text that does not parse (or nothing, as an old run record may hold): no facts, the default settings.
        for text in ["name: [unclosed", ""] {
            let broken = StoredPipeline(text: text, file: "p.yaml")
            #expect(broken.queryInstruction == nil && broken.embeddingModel == nil && broken.chatModels.isEmpty)
            #expect(try broken.selectionSettings() == PipelineConfiguration.SelectionSettings())
            #expect(broken.text == text)
        }
    }

    @Test("a bad stored selection block is an error for select only; the export's facts are still read")
    func badSelection() throws {
        let stored = StoredPipeline(
            text: "embedding: {query_instruction: Find}\nselection:\n  similarity_threshold: 5\n", file: "/db/pipeline.yaml")
        #expect(stored.queryInstruction == "Find")
        #expect(throws: ConfigurationError.self) { try stored.selectionSettings() }
        do {
            _ = try stored.selectionSettings()
        } catch {
            #expect(error.field == "selection.similarity_threshold" && error.file == "/db/pipeline.yaml" && error.line == 3)
        }
    }
}

import Foundation
import PairsmithConfiguration
import PairsmithJSON
import PairsmithStages
import PairsmithTestSupport
import Testing

/// The shipped bitext, STS and classification pipeline files and taxonomies: what they declare, checked against
/// the files as Python's YAML reader sees them, and the errors a broken taxonomy gets.
@Suite("Task-family pipeline files")
struct TaskFamilyConfigurationTests {
    static let pipelines = TestEnvironment.packageRoot.appendingPathComponent("pipelines")

    /// The taxonomy files read by PyYAML: name → (task, [label names], [descriptions]).
    static func taxonomies() throws -> [String: [String: [String]]] {
        let script = """
            import json, os, sys, yaml
            out = {}
            folder = sys.argv[1]
            for name in sorted(os.listdir(folder)):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    data = yaml.safe_load(f)
                out[name] = {"task": [data["task"]], "names": [l["name"] for l in data["labels"]],
                             "descriptions": [l["description"] for l in data["labels"]]}
            print(json.dumps(out))
            """
        return try JSONDecoder().decode(
            [String: [String: [String]]].self,
            from: ProcessRunner.python(script, arguments: [pipelines.appendingPathComponent("taxonomies").path]))
    }

    @Test("three taxonomies ship, each a task and labels with one-line descriptions; the classification files read topics")
    func taxonomiesShip() throws {
        let files = try Self.taxonomies()
        #expect(Set(files.keys) == ["topics.yaml", "sentiment.yaml", "intent.yaml"])
        for (name, file) in files {
            #expect((file["names"]?.count ?? 0) >= 5, "\(name)")
            #expect(file["descriptions"]?.allSatisfy { !$0.isEmpty && !$0.contains("\n") } == true, "\(name)")
        }
        for pipeline in ["classification.yaml", "classification-write.yaml"] {
            let configuration = try PipelineConfiguration.load(from: Self.pipelines.appendingPathComponent(pipeline))
            #expect(configuration.task == "classification")
            #expect(configuration.lists["labels"]?.map(\.name) == files["topics.yaml"]?["names"])
            #expect(configuration.lists["labels"]?.map(\.description) == files["topics.yaml"]?["descriptions"])
            #expect(configuration.example.anchorInstruction == files["topics.yaml"]?["task"]?.first, "the instruction is the taxonomy's task")
            #expect(configuration.example.negatives == .list("labels"))
            #expect(configuration.selection.excludedLabels == ["none"])
        }
    }

    @Test("bitext and STS carry their instruction on both sides; STS is score-aware and shares one sentence per passage")
    func symmetricTasks() throws {
        let bitext = try PipelineConfiguration.load(from: Self.pipelines.appendingPathComponent("bitext.yaml"))
        #expect(bitext.task == "bitext" && bitext.example.anchor == [.passageSentence])
        #expect(
            bitext.example.anchorInstruction == "Retrieve parallel sentences" && bitext.example.positiveInstruction == "Retrieve parallel sentences")
        #expect(bitext.selection.negatives.pool == .translations)
        let reasons = bitext.stages[0].rules.map(\.reason)
        for reason in ["translation_wrong_language", "translation_copies_source", "translation_length_ratio", "translation_untranslated_span"] {
            #expect(reasons.contains(reason))
        }
        let sts = try PipelineConfiguration.load(from: Self.pipelines.appendingPathComponent("sts.yaml"))
        #expect(sts.samplesShareSentence && sts.example.scoreRange == 1...5)
        #expect(
            sts.example.anchorInstruction == "Retrieve semantically similar text" && sts.example.positiveInstruction == sts.example.anchorInstruction)
        #expect(sts.selection.cosineFilterMinScore == 0.75 && sts.selection.negatives.pool == .lowScores)
        #expect(!(try PipelineConfiguration.load(from: Self.pipelines.appendingPathComponent("retrieval.yaml")).samplesShareSentence))
    }

    @Test("the classify schema's enum is the taxonomy's labels then none")
    func classifyEnum() throws {
        let pipeline = try CompiledPipeline(
            configuration: try PipelineConfiguration.load(from: Self.pipelines.appendingPathComponent("classification.yaml")))
        let stage = try #require(pipeline.stage(named: "classify"))
        let context = UnitContext(
            passage: "Der Verein gewann das Spiel.", passageLanguage: "de", passageKey: "d", candidates: [],
            lists: pipeline.configuration.lists)
        let schema = try pipeline.render(stage, context: context).schemaValue
        let values = schema.objectValue?["properties"]?.objectValue?["label"]?.objectValue?["enum"]
        let names = (pipeline.configuration.lists["labels"] ?? []).map(\.name) + ["none"]
        #expect(values == .strings(names))
    }

    @Test("a broken taxonomy is refused naming the taxonomy file, its line and the field")
    func brokenTaxonomy() throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-taxonomy")
        defer { directory.remove() }
        let original = try String(contentsOf: Self.pipelines.appendingPathComponent("classification.yaml"), encoding: .utf8)
        let yaml = original.replacingOccurrences(of: "../prompts/", with: "\(TestEnvironment.packageRoot.path)/prompts/")
        try FileManager.default.createDirectory(at: directory.url.appendingPathComponent("taxonomies"), withIntermediateDirectories: true)
        try "task: Classify it\nlabels:\n  - { name: a, description: \"first\" }\n  - { name: b }\n"
            .write(to: directory.url.appendingPathComponent("taxonomies/topics.yaml"), atomically: true, encoding: .utf8)
        let file = directory.url.appendingPathComponent("classification.yaml")
        let error = try #require(throws: ConfigurationError.self) { _ = try PipelineConfiguration.parse(yaml: yaml, file: file) }
        #expect(error.file.hasSuffix("taxonomies/topics.yaml") && error.line == 4, "\(error)")
        #expect(error.field == "labels[1].description" && error.message.contains("required"), "\(error)")
        let missing = try #require(throws: ConfigurationError.self) {
            _ = try PipelineConfiguration.parse(
                yaml: yaml.replacingOccurrences(of: "taxonomies/topics.yaml", with: "taxonomies/none.yaml"), file: file)
        }
        #expect(missing.field == "lists.labels.file" && missing.message.contains("does not exist"), "\(missing)")
    }
}

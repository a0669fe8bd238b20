import Foundation
import PairsmithConfiguration
import PairsmithTestSupport
import Testing

@Suite("Pipeline configuration")
struct PipelineConfigurationTests {
    static let shipped = TestEnvironment.packageRoot.appendingPathComponent("pipelines/retrieval.yaml")
    /// `pipelines/retrieval.yaml` as the release before declared stages shipped it (the legacy format still loads).
    static let legacy = TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/legacy-pipelines/retrieval-v3.yaml")

    @Test("the legacy-format retrieval pipeline loads with the report's settings")
    func shippedPipeline() throws {
        let configuration = try PipelineConfiguration.load(from: Self.legacy)
        #expect(configuration.isLegacyFormat)
        #expect(configuration.name == "retrieval")
        #expect(configuration.similarityThreshold == 0.7)
        #expect(configuration.personas.candidates == 5)
        #expect(configuration.endpoints.count >= 1)
        #expect(configuration.sampling.topP > 0 && configuration.sampling.maxTokens > 0)
        guard case .language(let share, let targets, _)? = configuration.stages.last?.draw?.variables.last?.kind else {
            Issue.record("the generate stage draws the query language last")
            return
        }
        #expect(share > 0 && share < 1 && !targets.isEmpty)
        #expect(configuration.retries.answerAttempts >= 1)
        #expect(!configuration.embedding.queryInstruction.isEmpty)
        #expect(FileManager.default.fileExists(atPath: configuration.personas.library.path))
        #expect(configuration.fileSHA256.count == 64)
    }

    /// A broken variant of the shipped file: a text replacement, the field the error must name, a fragment of its
    /// message, and the line it must point at (nil: any).
    struct Breakage: Sendable, CustomTestStringConvertible {
        var replace: String
        var with: String
        var field: String
        var message: String
        var testDescription: String { "\(field): \(message)" }
    }

    static let breakages: [Breakage] = [
        Breakage(
            replace: "samples_per_passage: 1", with: "samples_per_pasage: 1", field: "samples_per_pasage",
            message: "unknown field; allowed here: name, prompts"),
        Breakage(
            replace: "temperature: 0.7", with: "temperature: hot", field: "sampling.temperature",
            message: "must be a number from 0.0 to 2.0, found \"hot\""),
        Breakage(replace: "temperature: 0.7", with: "temperature: 3", field: "sampling.temperature", message: "must be from 0.0 to 2.0, found 3"),
        Breakage(replace: "top_p: 0.8", with: "top_p: 0", field: "sampling.top_p", message: "greater than 0"),
        Breakage(
            replace: "url: http://127.0.0.1:8080/v1", with: "url: ftp://example/v1", field: "endpoints[0].url",
            message: "must be an http:// or https:// URL"),
        Breakage(
            replace: "    concurrency: 16", with: "    concurrency: 0", field: "endpoints[0].concurrency", message: "must be from 1 to 4096, found 0"),
        Breakage(
            replace: "    - { min: 6, max: 12, weight: 0.40 }", with: "    - { min: 6, max: 3, weight: 0.40 }", field: "query.length[1].max",
            message: "must be at least min (6), found 3"),
        Breakage(replace: "      en: 0.40", with: "      xx: 0.40", field: "query.language.cross_lingual.xx", message: "unknown field"),
        Breakage(
            replace: "similarity_threshold: 0.7", with: "similarity_threshold: 1.5", field: "selection.similarity_threshold",
            message: "must be from -1.0 to 1.0"),
        Breakage(
            replace: "  configure: configure.mustache", with: "  configure: nope.mustache", field: "prompts.configure", message: "does not exist"),
        Breakage(replace: "name: retrieval", with: "name: retrieval pairs!", field: "name", message: "must use only ASCII letters"),
        Breakage(
            replace: "answer_attempts: 3", with: "answer_attempts: many", field: "retries.answer_attempts", message: "must be an integer from 1 to 20"
        ),
    ]

    @Test("a broken legacy-format pipeline file is refused with the file, line, field and what is allowed", arguments: breakages)
    func brokenFile(breakage: Breakage) throws {
        let original = try String(contentsOf: Self.legacy, encoding: .utf8)
        #expect(original.contains(breakage.replace), "the fixture no longer contains \(breakage.replace)")
        let broken = original.replacingOccurrences(of: breakage.replace, with: breakage.with)
        // Parsed as if it sat beside the shipped file, so relative prompt paths still resolve.
        let file = Self.legacy.deletingLastPathComponent().appendingPathComponent("broken.yaml")
        let error = try #require(throws: ConfigurationError.self) {
            try PipelineConfiguration.parse(yaml: broken, file: file)
        }
        #expect(error.field == breakage.field)
        #expect(error.message.contains(breakage.message), "message was: \(error.message)")
        #expect(error.description.hasPrefix(file.path))
        let brokenLine = broken.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains(breakage.with.trimmingCharacters(in: .whitespaces)) }.map { $0 + 1 }
        if breakage.field != "prompts.configure" {
            #expect(error.line == brokenLine, "pointed at line \(String(describing: error.line))")
        }
    }

    @Test("embedding.precision: auto unless given; auto, bf16 and fp32 accepted, anything else refused with the field")
    func embeddingPrecision() throws {
        let original = try String(contentsOf: Self.legacy, encoding: .utf8)
        let file = Self.legacy.deletingLastPathComponent().appendingPathComponent("precision.yaml")
        #expect(try PipelineConfiguration.parse(yaml: original, file: file).embedding.precision == "auto")
        let anchor = "  query_instruction:"
        #expect(original.contains(anchor))
        for value in ["auto", "bf16", "fp32"] {
            let yaml = original.replacingOccurrences(of: anchor, with: "  precision: \(value)\n" + anchor)
            #expect(try PipelineConfiguration.parse(yaml: yaml, file: file).embedding.precision == value)
        }
        let broken = original.replacingOccurrences(of: anchor, with: "  precision: int4\n" + anchor)
        let error = try #require(throws: ConfigurationError.self) { try PipelineConfiguration.parse(yaml: broken, file: file) }
        #expect(error.field == "embedding.precision")
        #expect(error.message.contains("auto, bf16, fp32"), "message was: \(error.message)")
    }

    @Test("missing sections and cross-lingual shares without targets are refused")
    func missingParts() throws {
        let original = try String(contentsOf: Self.legacy, encoding: .utf8)
        let file = Self.legacy.deletingLastPathComponent().appendingPathComponent("broken.yaml")
        let withoutSelection = original.components(separatedBy: "selection:")[0]
        let missing = try #require(throws: ConfigurationError.self) {
            try PipelineConfiguration.parse(yaml: withoutSelection, file: file)
        }
        #expect(missing.field == "selection" && missing.message == "is required")
        let start = try #require(original.range(of: "    cross_lingual:\n"))
        let end = try #require(original.range(of: "\nconcurrency:"))
        let withoutTargets = original.replacingCharacters(in: start.lowerBound..<end.lowerBound, with: "")
        let targets = try #require(throws: ConfigurationError.self) {
            try PipelineConfiguration.parse(yaml: withoutTargets, file: file)
        }
        #expect(targets.message.contains("cross_lingual must list target languages"))
        #expect(throws: ConfigurationError.self) { try PipelineConfiguration.parse(yaml: "", file: file) }
        #expect(throws: ConfigurationError.self) { try PipelineConfiguration.parse(yaml: "name: [unclosed", file: file) }
        #expect(throws: ConfigurationError.self) { try PipelineConfiguration.load(from: file) }
    }
}

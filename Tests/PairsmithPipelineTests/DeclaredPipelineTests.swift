import Foundation
import PairsmithConfiguration
import PairsmithJSON
import PairsmithStages
import PairsmithTestSupport
import Testing

/// The `stages:` format: what a pipeline file declares, and the errors it gets before any request.
@Suite("Declared pipelines")
struct DeclaredPipelineTests {
    static let shipped = PipelineConfigurationTests.shipped

    /// The shipped file with `replace` replaced by `with`, parsed as if it sat beside the shipped file.
    func parse(replacing replace: String, with replacement: String) throws -> PipelineConfiguration {
        let original = try String(contentsOf: Self.shipped, encoding: .utf8)
        #expect(original.contains(replace), "the shipped file no longer contains \(replace)")
        let file = Self.shipped.deletingLastPathComponent().appendingPathComponent("broken.yaml")
        return try PipelineConfiguration.parse(yaml: original.replacingOccurrences(of: replace, with: replacement), file: file)
    }

    /// The error of a broken variant: loading and compiling (templates and schemas are checked when compiled).
    func failure(replacing replace: String, with replacement: String) throws -> ConfigurationError {
        try #require(throws: ConfigurationError.self) {
            _ = try CompiledPipeline(configuration: try parse(replacing: replace, with: replacement))
        }
    }

    /// The 1-based line of the first line of `text` that contains `fragment`.
    func line(of fragment: String, in text: String) -> Int? {
        text.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(fragment) }.map { $0 + 1 }
    }

    @Test("the shipped retrieval pipeline declares the report's two stages and compiles")
    func shipped() throws {
        let configuration = try PipelineConfiguration.load(from: Self.shipped)
        #expect(!configuration.isLegacyFormat)
        #expect(configuration.task == "retrieval")
        #expect(configuration.stages.map(\.name) == ["configure", "generate"])
        #expect(configuration.stages[0].rules.map(\.reason) == ["character_not_candidate", "unknown_question_type", "unknown_difficulty"])
        #expect(
            configuration.stages[1].rules.map(\.reason) == [
                "empty_query", "query_placeholder", "query_echoes_prompt", "query_too_short", "query_copies_passage",
                "query_wrong_language",
            ])
        #expect(configuration.example.anchor == [.field(stage: "generate", field: "query")] && configuration.example.positive == [.passage])
        #expect(configuration.embedding.queryInstruction.hasPrefix("Given a web search query"))
        let pipeline = try CompiledPipeline(configuration: configuration)
        #expect(pipeline.stages.count == 2)
    }

    @Test("every shipped pipeline file loads and compiles; the demo's generate stage draws three few-shot examples")
    func everyShippedPipeline() throws {
        let folder = TestEnvironment.packageRoot.appendingPathComponent("pipelines")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files.contains("retrieval.yaml") && files.contains("demo-smollm2.yaml"))
        for name in files {
            let configuration = try PipelineConfiguration.load(from: folder.appendingPathComponent(name))
            #expect(!configuration.isLegacyFormat, "\(name) is still in the format before stages:")
            _ = try CompiledPipeline(configuration: configuration)
        }
        let demo = try CompiledPipeline(configuration: try PipelineConfiguration.load(from: folder.appendingPathComponent("demo-smollm2.yaml")))
        let generate = try #require(demo.stage(named: "generate"))
        #expect(generate.declaration.fewShot?.count == 3 && generate.fewShotPool.count >= 3)
        var context = UnitContext(
            passage: "Die Fähre fährt nachts.", passageLanguage: "de", passageKey: "d", candidates: [], lists: demo.configuration.lists)
        context.answers["configure"] = ["character": "A ferry pilot.", "question_type": "keywords", "difficulty": "phd"]
        context.variables = ["length": .integer(4), "query_language": .string("de")]
        context.fewShot = Array(generate.fewShotPool.prefix(3))
        let prompt = try demo.render(generate, context: context).text
        #expect(prompt.contains("<Example1>") && prompt.contains("<Example3>") && !prompt.contains("<Example4>"))
    }

    @Test("the legacy-format file and the declared one are the same recipe: same stages, lists, rules and example")
    func legacyEqualsDeclared() throws {
        let declared = try PipelineConfiguration.load(from: Self.shipped)
        let legacy = try PipelineConfiguration.load(from: PipelineConfigurationTests.legacy)
        #expect(legacy.lists == declared.lists)
        #expect(legacy.stages.count == declared.stages.count)
        for (old, new) in zip(legacy.stages, declared.stages) {
            #expect(old.name == new.name)
            #expect(old.template.standardizedFileURL == new.template.standardizedFileURL)
            #expect(old.schema.standardizedFileURL == new.schema.standardizedFileURL)
            #expect(old.draw == new.draw, "\(old.name): draws differ")
            #expect(old.rules == new.rules, "\(old.name): rules differ")
            #expect(old.inputs.map { "\($0.name)=\($0.source)" } == new.inputs.map { "\($0.name)=\($0.source)" })
            #expect(old.sampling == new.sampling && old.concurrency == new.concurrency)
        }
        #expect(legacy.example == declared.example)
        #expect(legacy.embedding.queryInstruction == declared.embedding.queryInstruction)
    }

    typealias Breakage = PipelineConfigurationTests.Breakage

    static let breakages: [Breakage] = [
        Breakage(
            replace: "rule: not_copy,", with: "rule: not_a_copy,", field: "stages[1].rules[4].rule",
            message: "unknown rule \"not_a_copy\"; the rules are one_of, not_empty, length"),
        Breakage(
            replace: "query_language: vars.query_language.name", with: "query_language: vars.language.name",
            field: "stages[1].inputs.query_language", message: "no stage draws a variable \"language\""),
        Breakage(
            replace: "question_type: configure.question_type\n", with: "question_type: configure.kind\n",
            field: "stages[1].inputs.question_type", message: "the stage \"configure\" has no answer field \"kind\""),
        Breakage(
            replace: "{ rule: not_empty, field: query,", with: "{ rule: not_empty, field: question,", field: "stages[1].rules[0].field",
            message: "generate.schema.json defines no field \"question\""),
        Breakage(
            replace: "  positive: passage\n", with: "  positive: generate.answer\n", field: "example.positive",
            message: "has no answer field \"answer\""),
        Breakage(
            replace: "characters: personas\n", with: "characters: lists.people\n", field: "stages[0].inputs.characters",
            message: "no list named \"people\""),
        Breakage(
            replace: "      passage: passage\n      passage_language: passage.language\n      characters: personas",
            with: "      passage_language: passage.language\n      characters: personas", field: "stages[0].inputs",
            message: "configure.mustache line 20 uses {{passage}}, which is not an input of stage \"configure\""),
        Breakage(
            replace: "match: loose", with: "match: fuzzy", field: "stages[0].rules[0].match",
            message: "must be one of exact, case_insensitive, loose"),
        Breakage(replace: "  - name: configure", with: "  - name: passage", field: "stages[0].name", message: "is reserved"),
        Breakage(
            replace: "template: ../prompts/retrieval/configure.mustache", with: "template: ../prompts/retrieval/missing.mustache",
            field: "stages[0].template", message: "does not exist"),
        Breakage(
            replace: "  anchor: generate.query\n", with: "  anchor: generate.query.text\n", field: "example.anchor",
            message: "generate.query.text does not exist"),
    ]

    @Test("a broken declaration is refused before any request, naming file, line and key", arguments: breakages)
    func broken(breakage: Breakage) throws {
        let error = try failure(replacing: breakage.replace, with: breakage.with)
        #expect(error.field == breakage.field, "\(error)")
        #expect(error.message.contains(breakage.message), "message was: \(error.message)")
        #expect(error.file.hasSuffix("broken.yaml"))
        #expect(error.line != nil, "\(error)")
    }

    @Test("an answer schema that is not valid JSON Schema is refused with its path and the pipeline's line")
    func invalidSchema() throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-schema")
        defer { directory.remove() }
        let schema = directory.url.appendingPathComponent("bad.schema.json")
        try #"{"type": "object", "properties": {"query": {"type": "strin", "minLength": 1}}, "required": ["query"]}"#
            .write(to: schema, atomically: true, encoding: .utf8)
        let error = try failure(
            replacing: "schema: ../prompts/retrieval/generate.schema.json", with: "schema: \(schema.path)")
        #expect(error.field == "stages[1].schema")
        #expect(error.message.contains("is not a valid JSON Schema"), "\(error.message)")
        #expect(error.message.contains("/properties/query/type"), "\(error.message)")
    }

    @Test("paths resolve against the pipeline file's folder when relative and stay as written when absolute")
    func absolutePaths() throws {
        let directory = try TemporaryDirectory(prefix: "pairsmith-abs")
        defer { directory.remove() }
        let prompts = TestEnvironment.packageRoot.appendingPathComponent("prompts/retrieval").path
        let personas = TestEnvironment.packageRoot.appendingPathComponent("personas/personas.jsonl").path
        var yaml = try String(contentsOf: Self.shipped, encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "../prompts/retrieval", with: prompts)
            .replacingOccurrences(of: "library: ../personas/personas.jsonl", with: "library: \(personas)")
        let file = directory.url.appendingPathComponent("abs.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        let configuration = try PipelineConfiguration.load(from: file)
        #expect(configuration.stages[0].template.path == prompts + "/configure.mustache")
        #expect(configuration.personas.library.path == personas)
        // The legacy format's `prompts.directory` too (it was looked up under the file's folder before).
        var legacy = try String(contentsOf: PipelineConfigurationTests.legacy, encoding: .utf8)
        legacy = legacy.replacingOccurrences(of: "directory: ../../../prompts/retrieval", with: "directory: \(prompts)")
            .replacingOccurrences(of: "library: ../../../personas/personas.jsonl", with: "library: \(personas)")
        let legacyFile = directory.url.appendingPathComponent("abs-legacy.yaml")
        try legacy.write(to: legacyFile, atomically: true, encoding: .utf8)
        #expect(try PipelineConfiguration.load(from: legacyFile).stages[1].template.path == prompts + "/generate.mustache")
    }

    @Test("variables, conditions and few-shot files: declared, drawn by key, and refused when wrong")
    func variablesAndConditions() throws {
        let draw = DrawDeclaration(
            seed: "toy",
            variables: [
                VariableDeclaration(
                    name: "level",
                    kind: .choice(values: [.init(value: "1", weight: 1), .init(value: "5", weight: 3)], list: nil),
                    location: .init(file: "t", line: 1, field: "v")),
                VariableDeclaration(name: "ratio", kind: .number(min: 0.25, max: 0.5), location: .init(file: "t", line: 2, field: "v")),
            ])
        let drawer = VariableDrawer(declaration: draw)
        var fives = 0
        for index in 0..<4_000 {
            let values = drawer.draw(planKey: "run/\(index)/0", passageLanguage: "en")
            #expect(values == drawer.draw(planKey: "run/\(index)/0", passageLanguage: "en"))
            if values["level"] == .string("5") { fives += 1 }
            let ratio = values["ratio"]?.number ?? -1
            #expect(ratio >= 0.25 && ratio < 0.5)
        }
        #expect(abs(Double(fives) / 4_000 - 0.75) < 0.03)
        let condition = StageCondition(variable: "level", values: ["5"], negated: false, location: .init(file: "t", line: 1, field: "when"))
        #expect(condition.admits("5") && !condition.admits("1") && !condition.admits(nil))
        let unless = StageCondition(variable: "level", values: ["5"], negated: true, location: .init(file: "t", line: 1, field: "unless"))
        #expect(!unless.admits("5") && unless.admits("1"))

        let error = try failure(
            replacing: "    concurrency: 32\n    draw:",
            with: "    concurrency: 32\n    when: { variable: mode, equals: write }\n    draw:")
        #expect(error.field == "stages[1].when.variable" && error.message.contains("no stage draws a variable \"mode\""), "\(error)")
    }

    @Test("passage.sentence: one sentence of the passage per unit, the same on every call, in any script")
    func sentences() throws {
        let english =
            "The ferry crosses the strait eight times a day. Night crossings need two pilots on the bridge. "
            + "In winter the first boat leaves at six."
        let chinese = "渡轮每天往返海峡八次。夜间航行需要两名驾驶员。冬季首班船六点出发。"
        for passage in [english, chinese] {
            var seen = Set<String>()
            for index in 0..<40 {
                let key = "run/\(index)/0"
                let sentence = try #require(UnitContext.drawSentence(from: passage, key: key))
                #expect(sentence == UnitContext.drawSentence(from: passage, key: key))
                #expect(passage.contains(sentence) && sentence.count < passage.count)
                seen.insert(sentence)
            }
            #expect(seen.count == 3, "every sentence is drawn for some unit: \(seen)")
        }
        #expect(UnitContext.drawSentence(from: "ferry", key: "k") == "ferry", "a passage of one short sentence is that sentence")
    }
}

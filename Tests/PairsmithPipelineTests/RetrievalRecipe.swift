import Foundation
import PairsmithConfiguration
import PairsmithJSON
import PairsmithStages

/// The shipped retrieval pipeline's two stages, driven directly through the generic engine's `render` and `judge`
/// (what a unit of `pairsmith run` does, without the store and the endpoint).
struct RetrievalRecipe {
    let pipeline: CompiledPipeline

    /// The recipe of the pipeline file at `file` (default: the shipped `pipelines/retrieval.yaml`).
    init(file: URL = PipelineConfigurationTests.shipped) throws {
        pipeline = try CompiledPipeline(configuration: try PipelineConfiguration.load(from: file))
    }

    var configureStage: CompiledStage { pipeline.stages[0] }
    var generateStage: CompiledStage { pipeline.stages[1] }
    var lists: [String: [ListItem]] { pipeline.configuration.lists }

    /// The candidates as stored records would give them (ids 1…n, best first).
    static func candidates(_ texts: [String]) -> [PersonaCandidate] {
        texts.enumerated().map { PersonaCandidate(personaID: Int64($0.offset + 1), text: $0.element) }
    }

    func configureContext(passage: String, passageLanguage: String, characters: [String]) -> UnitContext {
        UnitContext(
            passage: passage, passageLanguage: passageLanguage, passageKey: "p", candidates: Self.candidates(characters),
            lists: lists)
    }

    func generateContext(
        character: String, passage: String, passageLanguage: String, questionType: String, difficulty: String,
        lengthWords: Int, queryLanguage: String
    ) -> UnitContext {
        var context = UnitContext(passage: passage, passageLanguage: passageLanguage, passageKey: "p", candidates: [], lists: lists)
        context.answers["configure"] = JSONObject([
            ("character", .string(character)), ("difficulty", .string(difficulty)), ("question_type", .string(questionType)),
        ])
        context.descriptions["configure.question_type"] = lists["question_types"]?.first { $0.name == questionType }?.description
        context.descriptions["configure.difficulty"] = lists["difficulties"]?.first { $0.name == difficulty }?.description
        context.variables = ["length": .integer(lengthWords), "query_language": .string(queryLanguage)]
        return context
    }

    func configure(passage: String, passageLanguage: String, characters: [String]) throws -> RenderedPrompt {
        try pipeline.render(configureStage, context: configureContext(passage: passage, passageLanguage: passageLanguage, characters: characters))
    }

    func generate(
        character: String, passage: String, passageLanguage: String, questionType: String, difficulty: String,
        lengthWords: Int, queryLanguage: String
    ) throws -> RenderedPrompt {
        try pipeline.render(
            generateStage,
            context: generateContext(
                character: character, passage: passage, passageLanguage: passageLanguage, questionType: questionType,
                difficulty: difficulty, lengthWords: lengthWords, queryLanguage: queryLanguage))
    }

    /// Judges a configure answer against the candidates.
    func checkConfigure(
        character: String, questionType: String, difficulty: String, candidates: [String]
    ) -> Result<CompiledPipeline.CheckedAnswer, RuleViolation> {
        let context = configureContext(passage: "p", passageLanguage: "en", characters: candidates)
        let answer = JSONValue.object([
            ("character", .string(character)), ("question_type", .string(questionType)), ("difficulty", .string(difficulty)),
        ])
        let schema = (try? configureStage.schema.instantiatedValue(enums: ["characters": candidates])) ?? .null
        return pipeline.judge(answer, stage: configureStage, schema: schema, context: context)
    }

    /// Judges a generated query asked for at `length` words in `language`; the query as stored when it passes.
    func checkQuery(
        _ query: String, length: Int, language: String, passage: String, passageLanguage: String = "en"
    )
        -> Result<String, RuleViolation>
    {
        let context = generateContext(
            character: "c", passage: passage, passageLanguage: passageLanguage, questionType: "keywords",
            difficulty: "phd", lengthWords: length, queryLanguage: language)
        let schema = (try? generateStage.schema.instantiatedValue()) ?? .null
        return pipeline.judge(.object([("query", .string(query))]), stage: generateStage, schema: schema, context: context)
            .map { $0.fields["query"]?.stringValue ?? "" }
    }
}

import Foundation
import PairsmithConfiguration
import PairsmithEndpoints
import PairsmithJSON
import PairsmithText

/// A rendered request for one stage: the user message and the answer schema it must meet.
public struct RenderedPrompt: Sendable, Hashable {
    /// The user message.
    public var text: String
    /// The answer's JSON schema with run-time enums filled.
    public var schemaValue: JSONValue
    /// The schema's name for `response_format`.
    public var schemaName: String

    /// The answer's JSON schema as canonical JSON text.
    public var schema: String { schemaValue.canonicalText }
}

/// The retrieval pipeline's two prompts (configure, generate) and their answer schemas, read from the files the
/// pipeline names.
public struct RetrievalPrompts: Sendable {
    /// The configure template.
    public let configureTemplate: PromptTemplate
    /// The configure answer schema (its `character` enum is filled with the five candidates).
    public let configureSchema: AnswerSchema
    /// The generate template.
    public let generateTemplate: PromptTemplate
    /// The generate answer schema.
    public let generateSchema: AnswerSchema

    /// Reads the prompt files named by `configuration`.
    public init(configuration: PipelineConfiguration) throws {
        configureTemplate = try PromptTemplate(file: configuration.prompts.configure)
        configureSchema = try AnswerSchema(file: configuration.prompts.configureSchema)
        generateTemplate = try PromptTemplate(file: configuration.prompts.generate)
        generateSchema = try AnswerSchema(file: configuration.prompts.generateSchema)
    }

    private static let questionTypes = QuestionType.allCases.map { ["name": $0.rawValue, "description": $0.explanation] }
    private static let difficulties = Difficulty.allCases.map { ["name": $0.rawValue, "description": $0.explanation] }

    /// The configure request for a passage and its candidate characters (best first).
    public func configure(passage: String, passageLanguage: String, characters: [String]) throws -> RenderedPrompt {
        let text = configureTemplate.render([
            "passage": passage,
            "passage_language": Languages.name(of: passageLanguage),
            "characters": characters.enumerated().map { ["number": $0.offset + 1, "text": $0.element] as [String: Any] },
            "question_types": Self.questionTypes,
            "difficulties": Self.difficulties,
        ])
        return RenderedPrompt(
            text: text, schemaValue: try configureSchema.instantiatedValue(enums: ["characters": characters]),
            schemaName: configureSchema.name)
    }

    /// The generate request for a configured passage.
    public func generate(
        character: String, passage: String, passageLanguage: String, questionType: QuestionType,
        difficulty: Difficulty, lengthWords: Int, queryLanguage: String
    ) throws -> RenderedPrompt {
        let text = generateTemplate.render([
            "character": character,
            "passage": passage,
            "passage_language": Languages.name(of: passageLanguage),
            "query_language": Languages.name(of: queryLanguage),
            "cross_lingual": queryLanguage != passageLanguage,
            "question_type": questionType.rawValue,
            "question_type_description": questionType.explanation,
            "difficulty": difficulty.rawValue,
            "difficulty_description": difficulty.explanation,
            "length": lengthWords,
        ])
        return RenderedPrompt(text: text, schemaValue: try generateSchema.instantiatedValue(), schemaName: generateSchema.name)
    }
}

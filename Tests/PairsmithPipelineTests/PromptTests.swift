import Foundation
import PairsmithConfiguration
import PairsmithStages
import PairsmithTestSupport
import Testing

@Suite("Retrieval prompts")
struct PromptTests {
    static let characters = [
        "A 34-year-old ICU nurse in Lagos who trains new staff on ventilator alarms.",
        "A retired railway worker in Kraków who collects old timetables.",
        "A rice farmer in the Mekong Delta who shares a water pump with neighbours.",
        "A data analyst in Osaka who forecasts electricity demand & \"peak\" loads <daily>.",
        "A high school student in Recife who runs the school's debate club.",
    ]

    private func prompts() throws -> RetrievalRecipe { try RetrievalRecipe() }

    private func items(_ list: String) throws -> [ListItem] { try #require(try prompts().lists[list]) }

    private func object(_ json: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    @Test("configure shows the passage, its language, the five characters and every type and difficulty, unescaped")
    func configurePrompt() throws {
        let passage = "Ventilator alarms & <settings> must be \"checked\" hourly."
        let rendered = try prompts().configure(passage: passage, passageLanguage: "de", characters: Self.characters)
        #expect(rendered.text.contains(passage))
        #expect(rendered.text.contains("The Passage is in German"))
        for character in Self.characters { #expect(rendered.text.contains(character)) }
        #expect(try items("question_types").count == 5 && items("difficulties").count == 3)
        for type in try items("question_types") { #expect(rendered.text.contains("- \(type.name): \(type.description)")) }
        for level in try items("difficulties") { #expect(rendered.text.contains("- \(level.name): \(level.description)")) }
        #expect(!rendered.text.contains("{{") && !rendered.text.contains("&amp;") && !rendered.text.contains("CONTENT_TYPE"))
        #expect(!rendered.text.hasPrefix("\n"))
    }

    @Test("the configure schema's character enum is the five candidates; its other enums match the code's")
    func configureSchema() throws {
        let rendered = try prompts().configure(passage: "p", passageLanguage: "en", characters: Self.characters)
        #expect(rendered.schemaName == "configure")
        #expect(!rendered.schema.contains("x-pairsmith-enum"))
        let schema = try object(rendered.schema)
        let properties = try #require(schema["properties"] as? [String: Any])
        let character = try #require(properties["character"] as? [String: Any])
        #expect(character["enum"] as? [String] == Self.characters)
        let types = try #require((properties["question_type"] as? [String: Any])?["enum"] as? [String])
        #expect(types == (try items("question_types")).map(\.name))
        let levels = try #require((properties["difficulty"] as? [String: Any])?["enum"] as? [String])
        #expect(levels == (try items("difficulties")).map(\.name))
        #expect(schema["required"] as? [String] == ["character", "question_type", "difficulty"])
        #expect(schema["additionalProperties"] as? Bool == false)
        // Canonical: the same inputs give byte-identical schema text (it enters the request hash).
        let again = try prompts().configure(passage: "p", passageLanguage: "en", characters: Self.characters)
        #expect(again.schema == rendered.schema)
    }

    @Test("generate states the requirement, the languages and whether the query is cross-lingual")
    func generatePrompt() throws {
        let prompts = try prompts()
        let cross = try prompts.generate(
            character: Self.characters[0], passage: "Le respirateur sonne.", passageLanguage: "fr", questionType: "yes_or_no",
            difficulty: "university", lengthWords: 7, queryLanguage: "en")
        #expect(cross.text.contains("- Type: yes_or_no (a question that the Passage lets one answer with yes or no)"))
        #expect(cross.text.contains("- Difficulty: university"))
        #expect(cross.text.contains("- Length: about 7 words"))
        #expect(cross.text.contains("- Language: English"))
        #expect(cross.text.contains("The Passage is in French"))
        #expect(cross.text.contains("even though the Passage is not"))
        #expect(cross.text.contains(Self.characters[0]) && cross.text.contains("Le respirateur sonne."))
        let same = try prompts.generate(
            character: Self.characters[1], passage: "Pociąg odjeżdża o ósmej.", passageLanguage: "pl", questionType: "keywords",
            difficulty: "high_school", lengthWords: 3, queryLanguage: "pl")
        #expect(!same.text.contains("even though"))
        #expect(same.text.contains("must be in Polish"))
        let schema = try object(same.schema)
        #expect(schema["required"] as? [String] == ["query"])
        #expect(same.schemaName == "generate")
    }

    @Test("a schema that asks for an enum nobody supplies, or that is not an object, is an error")
    func schemaErrors() throws {
        let file = URL(fileURLWithPath: "/tmp/x.schema.json")
        let schema = try AnswerSchema(data: Data(#"{"properties": {"a": {"x-pairsmith-enum": "things"}}}"#.utf8), file: file)
        #expect(schema.enumNames == ["things"])
        #expect(throws: PromptError.missingEnum(path: file.path, name: "things")) { try schema.instantiate() }
        #expect(throws: PromptError.self) { try AnswerSchema(data: Data("[1, 2]".utf8), file: file) }
        #expect(throws: PromptError.self) { try PromptTemplate(text: "{{#open}} never closed", file: file) }
    }
}

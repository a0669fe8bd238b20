import PairsmithConfiguration
import PairsmithJSON
import PairsmithStages
import Testing

/// Every rule of the library, each with answers that must pass and answers that must fail.
@Suite("Answer rule library")
struct RuleLibraryTests {
    static let location = DeclarationLocation(file: "test.yaml", line: 1, field: "stages[0].rules[0]")

    static let context: UnitContext = {
        var context = UnitContext(
            passage: "The ferry crosses the strait eight times a day. Night crossings need two pilots on the bridge.",
            passageLanguage: "en", passageKey: "doc-1",
            candidates: [PersonaCandidate(personaID: 7, text: "A ferry pilot in Bergen."), PersonaCandidate(personaID: 9, text: "A baker in Lyon.")],
            lists: ["labels": [ListItem(name: "sports_news", description: "news about sport"), ListItem(name: "weather", description: "forecasts")]])
        context.variables = ["length": .integer(6), "target": .string("de"), "level": .integer(4)]
        context.answers = ["first": JSONObject([("text", .string("Wie oft fährt die Fähre?"))])]
        return context
    }()

    func rule(_ kind: RuleDeclaration.Kind, field: String = "text", reason: String = "bad", long: String? = nil) -> AnswerRule {
        AnswerRule(RuleDeclaration(name: "r", field: field, kind: kind, reason: reason, reasonLong: long, location: Self.location))
    }

    func passes(_ rule: AnswerRule, _ value: JSONValue) -> Bool {
        if case .success = rule.check(value, context: Self.context) { return true }
        return false
    }

    func reason(_ rule: AnswerRule, _ value: JSONValue) -> String? {
        if case .failure(let violation) = rule.check(value, context: Self.context) { return violation.reason }
        return nil
    }

    @Test("one_of: exact, case-insensitive and loose matching; the stored value is the allowed one; personas resolve")
    func oneOf() throws {
        let exact = rule(.oneOf(among: nil, values: ["yes", "no"], matching: .exact))
        #expect(passes(exact, "yes") && !passes(exact, "Yes") && !passes(exact, "maybe"))
        let folded = rule(.oneOf(among: .list("labels"), values: [], matching: .caseInsensitive))
        let matched = try folded.check("  Weather", context: Self.context).get()
        #expect(matched.value == "weather" && matched.description == "forecasts")
        #expect(reason(folded, "rain") == "bad")
        let personas = rule(.oneOf(among: .personas, values: [], matching: .loose))
        let pilot = try personas.check("a ferry  pilot in bergen", context: Self.context).get()
        #expect(pilot.value == "A ferry pilot in Bergen." && pilot.personaID == 7)
        #expect(!passes(personas, "A fisher in Bergen."))
        #expect(!passes(exact, 3), "a number is not a listed string")
    }

    @Test("not_empty, not_placeholder, not_prompt_echo")
    func emptiness() {
        let empty = rule(.notEmpty)
        #expect(passes(empty, "x") && !passes(empty, "") && !passes(empty, .array([])) && passes(empty, .array(["a"])))
        let placeholder = rule(.notPlaceholder)
        #expect(!passes(placeholder, "<the answer>") && !passes(placeholder, "{{text}}") && !passes(placeholder, "text"))
        #expect(passes(placeholder, "how many pilots does the night ferry need"))
        let echo = rule(.notPromptEcho)
        #expect(!passes(echo, "Query: night ferry pilots") && !passes(echo, "Here is the query: night ferry"))
        #expect(passes(echo, "night ferry pilots on the bridge"))
    }

    @Test("length: words against a drawn target with a ratio, characters against bounds, two reasons")
    func length() {
        let words = rule(.length(unit: .words, target: "length", ratio: 0.5...2.0, min: nil, max: nil), reason: "short", long: "long")
        // target 6: 3…13 words.
        #expect(passes(words, "one two three") && passes(words, .string(Array(repeating: "w", count: 13).joined(separator: " "))))
        #expect(reason(words, "one two") == "short")
        #expect(reason(words, .string(Array(repeating: "w", count: 14).joined(separator: " "))) == "long")
        let characters = rule(.length(unit: .characters, target: nil, ratio: nil, min: 3, max: 5), reason: "short", long: "long")
        #expect(passes(characters, "abc") && passes(characters, "東京大学") && reason(characters, "ab") == "short")
        #expect(reason(characters, "abcdef") == "long")
    }

    @Test("language: detected against the drawn target; scripts decide short texts")
    func language() {
        let german = rule(.language(expected: .variable("target")))
        #expect(passes(german, "Wie oft fährt die Fähre über die Meerenge in der Nacht?"))
        #expect(!passes(german, "How often does the ferry cross the strait at night?"))
        #expect(!passes(german, "渡轮每天几班"))
        let passageLanguage = rule(.language(expected: .passageLanguageCode))
        #expect(passes(passageLanguage, "night ferry pilots") && !passes(passageLanguage, "Паром ходит ночью через пролив"))
    }

    @Test("not_copy: a sentence lifted from the source fails; a paraphrase passes")
    func notCopy() {
        let copy = rule(.notCopy(of: .passage, maxOverlap: 0.8, minWords: 4))
        #expect(!passes(copy, "Night crossings need two pilots on the bridge"))
        #expect(passes(copy, "how many pilots does a ferry need after dark"))
        #expect(passes(copy, "two pilots"), "too short to judge")
        let fromAnswer = rule(.notCopy(of: .field(stage: "first", field: "text"), maxOverlap: 0.8, minWords: 3))
        #expect(!passes(fromAnswer, "Wie oft fährt die Fähre") && passes(fromAnswer, "Fahrplan der Nachtfähre nach Bergen"))
    }

    @Test("not_equal: the same text (case and spacing folded) as another source fails")
    func notEqual() {
        let different = rule(.notEqual(other: .field(stage: "first", field: "text")))
        #expect(!passes(different, "wie  oft fährt die FÄHRE") && passes(different, "Wann fährt die Fähre?"))
    }

    @Test("range: numbers (and numeric strings) within bounds; others fail")
    func range() {
        let level = rule(.range(min: 1, max: 5))
        #expect(passes(level, 1) && passes(level, 5) && passes(level, 3.5) && passes(level, "4"))
        #expect(!passes(level, 0) && !passes(level, 6) && !passes(level, "high"))
        let floor = rule(.range(min: 0, max: nil))
        #expect(passes(floor, 1e9) && !passes(floor, -0.1))
    }

    @Test("does_not_mention: a text that names a label fails; one that only evokes it passes")
    func doesNotMention() {
        let mention = rule(.doesNotMention(among: .list("labels")))
        #expect(!passes(mention, "Today's sports news: the final went to extra time"))
        #expect(!passes(mention, "The weather tomorrow looks grim"))
        #expect(passes(mention, "The final went to extra time and the fans stayed until midnight"))
    }
}

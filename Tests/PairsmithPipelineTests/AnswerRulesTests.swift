import PairsmithPipeline
import Testing

@Suite("Answer rules")
struct AnswerRulesTests {
    let rules = AnswerRules(settings: .init(lengthRatioMin: 0.5, lengthRatioMax: 2.0, maxPassageOverlap: 0.8))
    let candidates = PromptTests.characters

    @Test("a configure answer must name a candidate and valid enums; small copying slips are forgiven")
    func configure() throws {
        let exact = try rules.check(character: candidates[2], questionType: "summary", difficulty: "phd", candidates: candidates).get()
        #expect(exact.candidateIndex == 2 && exact.questionType == .summary && exact.difficulty == .phd)
        let loose = "  a retired railway worker in kraków   who collects old timetables "
        let forgiven = try rules.check(character: loose, questionType: "Yes_or_No", difficulty: " university", candidates: candidates).get()
        #expect(forgiven.character == candidates[1])
        #expect(forgiven.questionType == .yesOrNo)
        let stranger = rules.check(character: "A baker in Lyon.", questionType: "summary", difficulty: "phd", candidates: candidates)
        #expect(stranger == .failure(.characterNotCandidate("A baker in Lyon.")))
        #expect(rules.check(character: candidates[0], questionType: "factual", difficulty: "phd", candidates: candidates)
            == .failure(.unknownQuestionType("factual")))
        #expect(rules.check(character: candidates[0], questionType: "keywords", difficulty: "expert", candidates: candidates)
            == .failure(.unknownDifficulty("expert")))
        #expect(AnswerRejection.characterNotCandidate("x").reason == "character_not_candidate")
    }

    @Test("words are counted by spaces, or by characters in scripts without spaces")
    func wordCounts() {
        #expect(WordCounter.count("how do ferries cross the strait") == 6)
        #expect(WordCounter.count("  state-of-the-art   ventilator / alarms ") == 3)
        #expect(WordCounter.count("地铁每天运送多少乘客") == 7)  // 10 Han characters at 1.5 per word
        #expect(WordCounter.count("図書館") == 2)
        #expect(WordCounter.count("") == 0)
    }

    @Test("a query must be non-empty, within its length bounds, not copied, and in the requested language")
    func query() {
        let passage = "The ferry crosses the strait eight times a day. Night crossings need two pilots on the bridge."
        let plan = QueryPlan(lengthWords: 6, language: "en", crossLingual: false)
        #expect(rules.lengthBounds(requested: 6) == 3...13)
        #expect(rules.check(query: "  how many pilots does a night ferry need? ", plan: plan, passage: passage)
            == .success("how many pilots does a night ferry need?"))
        #expect(rules.check(query: "   ", plan: plan, passage: passage) == .failure(.emptyQuery))
        #expect(rules.check(query: "ferry", plan: plan, passage: passage) == .failure(.tooShort(words: 1, minimum: 3)))
        let long = Array(repeating: "word", count: 14).joined(separator: " ")
        #expect(rules.check(query: long, plan: plan, passage: passage) == .failure(.tooLong(words: 14, maximum: 13)))
        let copied = rules.check(query: "Night crossings need two pilots on the bridge", plan: plan, passage: passage)
        #expect((try? copied.get()) == nil)
        if case .failure(.copiesPassage(let overlap)) = copied { #expect(overlap == 1) } else { Issue.record("\(copied)") }
        // Another script is caught even in a short query.
        #expect(rules.check(query: "渡轮每天几班", plan: plan, passage: passage)
            == .failure(.wrongLanguage(detected: "zh", expected: "en")))
        // Within a script, only queries long enough to judge.
        let german = QueryPlan(lengthWords: 8, language: "fr", crossLingual: true)
        #expect(rules.check(query: "Wie oft fährt die Fähre über die Meerenge und wann?", plan: german, passage: passage)
            == .failure(.wrongLanguage(detected: "de", expected: "fr")))
        let shortPlan = QueryPlan(lengthWords: 2, language: "fr", crossLingual: true)
        #expect(rules.check(query: "Fähre Nacht", plan: shortPlan, passage: passage) == .success("Fähre Nacht"))
        let chinese = QueryPlan(lengthWords: 6, language: "zh", crossLingual: true)
        #expect(rules.check(query: "夜间渡轮需要几名驾驶员", plan: chinese, passage: passage) == .success("夜间渡轮需要几名驾驶员"))
    }
}

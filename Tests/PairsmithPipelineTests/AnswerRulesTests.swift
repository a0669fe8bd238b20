import PairsmithStages
import PairsmithText
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
        #expect(
            rules.check(character: candidates[0], questionType: "factual", difficulty: "phd", candidates: candidates)
                == .failure(.unknownQuestionType("factual")))
        #expect(
            rules.check(character: candidates[0], questionType: "keywords", difficulty: "expert", candidates: candidates)
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
        #expect(
            rules.check(query: "  how many pilots does a night ferry need? ", plan: plan, passage: passage)
                == .success("how many pilots does a night ferry need?"))
        #expect(rules.check(query: "   ", plan: plan, passage: passage) == .failure(.emptyQuery))
        #expect(rules.check(query: "ferry", plan: plan, passage: passage) == .failure(.tooShort(words: 1, minimum: 3)))
        let long = Array(repeating: "word", count: 14).joined(separator: " ")
        #expect(rules.check(query: long, plan: plan, passage: passage) == .failure(.tooLong(words: 14, maximum: 13)))
        let copied = rules.check(query: "Night crossings need two pilots on the bridge", plan: plan, passage: passage)
        #expect((try? copied.get()) == nil)
        if case .failure(.copiesPassage(let overlap)) = copied { #expect(overlap == 1) } else { Issue.record("\(copied)") }
        // Another script is caught even in a short query.
        #expect(
            rules.check(query: "渡轮每天几班", plan: plan, passage: passage)
                == .failure(.wrongLanguage(detected: "zh", expected: "en")))
        // Within a script, only queries long enough to judge.
        let german = QueryPlan(lengthWords: 8, language: "fr", crossLingual: true)
        #expect(
            rules.check(query: "Wie oft fährt die Fähre über die Meerenge und wann?", plan: german, passage: passage)
                == .failure(.wrongLanguage(detected: "de", expected: "fr")))
        let shortPlan = QueryPlan(lengthWords: 2, language: "fr", crossLingual: true)
        #expect(rules.check(query: "Fähre Nacht", plan: shortPlan, passage: passage) == .success("Fähre Nacht"))
        let chinese = QueryPlan(lengthWords: 6, language: "zh", crossLingual: true)
        #expect(rules.check(query: "夜间渡轮需要几名驾驶员", plan: chinese, passage: passage) == .success("夜间渡轮需要几名驾驶员"))
    }

    @Test("placeholders, field names and template tags are rejected as query_placeholder")
    func placeholders() {
        let passage = "The ferry crosses the strait eight times a day. Night crossings need two pilots on the bridge."
        let plan = QueryPlan(lengthWords: 3, language: "en", crossLingual: false)
        for answer in [
            "<the query>", "  <your search query here>  ", "<query>", "query", "Query", "\"the query\"",
            "[your query here]", "question_type", "{{query}}", "ferry {{ query_language }} pilots",
            "{{#characters}} pilots", "...",
        ] {
            let result = rules.check(query: answer, plan: plan, passage: passage)
            guard case .failure(let rejection) = result else {
                Issue.record("\(answer) was accepted")
                continue
            }
            #expect(rejection.reason == "query_placeholder", "\(answer): \(rejection)")
            #expect(rejection.description.contains("placeholder"))
        }
        // Angle brackets or braces inside a real query are fine.
        #expect(rules.check(query: "is 3 < 5 in ferry math", plan: plan, passage: passage) == .success("is 3 < 5 in ferry math"))
        #expect(rules.check(query: "ferry pilots {night}", plan: plan, passage: passage) == .success("ferry pilots {night}"))
        #expect(
            rules.check(query: "query language ferry pilots", plan: plan, passage: passage)
                == .success("query language ferry pilots"))
    }

    @Test("answers that echo the prompt or repeat the requirement are rejected as query_echoes_prompt")
    func promptEchoes() {
        let passage = "The ferry crosses the strait eight times a day. Night crossings need two pilots on the bridge."
        let plan = QueryPlan(lengthWords: 8, language: "en", crossLingual: false)
        let echoes = [
            "Query: how many pilots does a night ferry need",
            "**Query**: night ferry pilots needed on the bridge",
            "search query: night ferry pilots",
            "Here is the query: night ferry pilots on the bridge",
            "Type: keywords Difficulty: university night ferry pilots",
            "keywords (a few search keywords, typed the way people type into a search box)",
            "a question that the Passage lets one answer with yes or no",
            "night ferry pilots, about 8 words, in English",
            "yes_or_no question about night ferry pilots",
            "acquire_knowledge about the number of ferry pilots",
            "high_school level question on ferry crossings",
            "**Requirement**: ferry pilots at night on the bridge",
            "Length: about eight words on night ferry pilots",
        ]
        for answer in echoes {
            let result = rules.check(query: answer, plan: plan, passage: passage)
            guard case .failure(let rejection) = result else {
                Issue.record("\(answer) was accepted")
                continue
            }
            #expect(rejection.reason == "query_echoes_prompt", "\(answer): \(rejection)")
        }
        // Ordinary queries that merely use the same words pass.
        for answer in [
            "what type of ferry crosses the strait at night", "which language do ferry pilots use on the radio",
            "how long is the night ferry crossing with two pilots", "ferry pilot difficulty at night in bad weather",
        ] {
            #expect(rules.check(query: answer, plan: plan, passage: passage) == .success(answer))
        }
        #expect(AnswerRejection.placeholderQuery(query: "<q>", why: "w").reason == "query_placeholder")
        #expect(AnswerRejection.echoesPrompt(query: "q", why: "w").reason == "query_echoes_prompt")
    }
}

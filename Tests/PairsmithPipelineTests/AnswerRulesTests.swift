import PairsmithStages
import PairsmithText
import Testing

/// The retrieval recipe's rules as `pipelines/retrieval.yaml` declares them, judged by the generic engine.
@Suite("Answer rules")
struct AnswerRulesTests {
    let recipe: RetrievalRecipe
    let candidates = PromptTests.characters

    init() throws { recipe = try RetrievalRecipe() }

    /// The reason code of a rejected result, or nil when it passed.
    func reason<T>(_ result: Result<T, RuleViolation>) -> String? {
        if case .failure(let violation) = result { return violation.reason }
        return nil
    }

    @Test("a configure answer must name a candidate and valid enums; small copying slips are forgiven")
    func configure() throws {
        let exact = try recipe.checkConfigure(character: candidates[2], questionType: "summary", difficulty: "phd", candidates: candidates).get()
        #expect(exact.personaID == 3 && exact.fields["question_type"] == "summary" && exact.fields["difficulty"] == "phd")
        let loose = "  a retired railway worker in kraków   who collects old timetables "
        let forgiven = try recipe.checkConfigure(character: loose, questionType: "Yes_or_No", difficulty: " university", candidates: candidates).get()
        #expect(forgiven.fields["character"]?.stringValue == candidates[1])
        #expect(forgiven.fields["question_type"] == "yes_or_no")
        #expect(forgiven.fields["difficulty"] == "university")
        #expect(forgiven.descriptions["question_type"] == "a question that the Passage lets one answer with yes or no")
        let stranger = recipe.checkConfigure(character: "A baker in Lyon.", questionType: "summary", difficulty: "phd", candidates: candidates)
        #expect(reason(stranger) == "character_not_candidate")
        if case .failure(let violation) = stranger { #expect(violation.detail.contains("is not one of the five candidates")) }
        #expect(
            reason(recipe.checkConfigure(character: candidates[0], questionType: "factual", difficulty: "phd", candidates: candidates))
                == "unknown_question_type")
        #expect(
            reason(recipe.checkConfigure(character: candidates[0], questionType: "keywords", difficulty: "expert", candidates: candidates))
                == "unknown_difficulty")
        // An answer that breaks the schema's shape is a schema violation before any rule.
        let schema = try recipe.configureStage.schema.instantiatedValue(enums: ["characters": candidates])
        let extra = recipe.pipeline.judge(
            ["character": .string(candidates[0]), "question_type": "summary", "difficulty": "phd", "mood": "happy"],
            stage: recipe.configureStage, schema: schema,
            context: recipe.configureContext(passage: "p", passageLanguage: "en", characters: candidates))
        #expect(reason(extra) == "schema_violation")
        let number = recipe.pipeline.judge(
            ["character": .string(candidates[0]), "question_type": 3, "difficulty": "phd"], stage: recipe.configureStage,
            schema: schema, context: recipe.configureContext(passage: "p", passageLanguage: "en", characters: candidates))
        #expect(reason(number) == "schema_violation")
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
        #expect(AnswerRule.lengthBounds(requested: 6, ratio: 0.5...2.0) == 3...13)
        #expect(
            recipe.checkQuery("  how many pilots does a night ferry need? ", length: 6, language: "en", passage: passage)
                == .success("how many pilots does a night ferry need?"))
        #expect(reason(recipe.checkQuery("   ", length: 6, language: "en", passage: passage)) == "empty_query")
        let short = recipe.checkQuery("ferry", length: 6, language: "en", passage: passage)
        #expect(short == .failure(RuleViolation(reason: "query_too_short", detail: "the query has 1 words, fewer than the 3 required")))
        let long = Array(repeating: "word", count: 14).joined(separator: " ")
        #expect(
            recipe.checkQuery(long, length: 6, language: "en", passage: passage)
                == .failure(RuleViolation(reason: "query_too_long", detail: "the query has 14 words, more than the 13 allowed")))
        let copied = recipe.checkQuery("Night crossings need two pilots on the bridge", length: 6, language: "en", passage: passage)
        #expect(
            copied
                == .failure(
                    RuleViolation(
                        reason: "query_copies_passage", detail: "the query copies the passage (100% of its words come from one sentence)")))
        // Another script is caught even in a short query.
        #expect(
            recipe.checkQuery("渡轮每天几班", length: 6, language: "en", passage: passage)
                == .failure(RuleViolation(reason: "query_wrong_language", detail: "the query looks Chinese, not English as requested")))
        // Within a script, only queries long enough to judge.
        #expect(
            recipe.checkQuery("Wie oft fährt die Fähre über die Meerenge und wann?", length: 8, language: "fr", passage: passage)
                == .failure(RuleViolation(reason: "query_wrong_language", detail: "the query looks German, not French as requested")))
        #expect(recipe.checkQuery("Fähre Nacht", length: 2, language: "fr", passage: passage) == .success("Fähre Nacht"))
        #expect(recipe.checkQuery("夜间渡轮需要几名驾驶员", length: 6, language: "zh", passage: passage) == .success("夜间渡轮需要几名驾驶员"))
    }

    @Test("placeholders, field names and template tags are rejected as query_placeholder")
    func placeholders() {
        let passage = "The ferry crosses the strait eight times a day. Night crossings need two pilots on the bridge."
        for answer in [
            "<the query>", "  <your search query here>  ", "<query>", "query", "Query", "\"the query\"",
            "[your query here]", "question_type", "{{query}}", "ferry {{ query_language }} pilots",
            "{{#characters}} pilots", "...",
        ] {
            let result = recipe.checkQuery(answer, length: 3, language: "en", passage: passage)
            guard case .failure(let rejection) = result else {
                Issue.record("\(answer) was accepted")
                continue
            }
            #expect(rejection.reason == "query_placeholder", "\(answer): \(rejection)")
            #expect(rejection.detail.contains("placeholder"))
        }
        // Angle brackets or braces inside a real query are fine.
        #expect(recipe.checkQuery("is 3 < 5 in ferry math", length: 3, language: "en", passage: passage) == .success("is 3 < 5 in ferry math"))
        #expect(recipe.checkQuery("ferry pilots {night}", length: 3, language: "en", passage: passage) == .success("ferry pilots {night}"))
        #expect(
            recipe.checkQuery("query language ferry pilots", length: 3, language: "en", passage: passage)
                == .success("query language ferry pilots"))
    }

    @Test("answers that echo the prompt or repeat the requirement are rejected as query_echoes_prompt")
    func promptEchoes() {
        let passage = "The ferry crosses the strait eight times a day. Night crossings need two pilots on the bridge."
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
            let result = recipe.checkQuery(answer, length: 8, language: "en", passage: passage)
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
            #expect(recipe.checkQuery(answer, length: 8, language: "en", passage: passage) == .success(answer))
        }
    }
}

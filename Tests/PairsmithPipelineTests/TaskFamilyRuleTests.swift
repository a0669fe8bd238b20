import PairsmithConfiguration
import PairsmithJSON
import PairsmithStages
import Testing

/// The rules the bitext, STS and classification pipelines use, with answers that must pass and answers that must
/// fail, in eleven languages and six scripts (Latin, Han, kana, Cyrillic, Arabic, Devanagari, Hangul).
@Suite("Task-family rules in many languages")
struct TaskFamilyRuleTests {
    static let location = DeclarationLocation(file: "test.yaml", line: 1, field: "stages[0].rules[0]")

    /// One sentence and its translation per language (written by hand; the English is the source of all of them).
    static let english = "The old harbour was rebuilt after the storm, and the fishermen went back to work in the spring."
    static let translations: [(code: String, text: String)] = [
        ("de", "Der alte Hafen wurde nach dem Sturm wieder aufgebaut, und die Fischer gingen im Frühling wieder an die Arbeit."),
        ("fr", "Le vieux port a été reconstruit après la tempête, et les pêcheurs ont repris le travail au printemps."),
        ("es", "El viejo puerto fue reconstruido después de la tormenta y los pescadores volvieron al trabajo en primavera."),
        ("pt", "O velho porto foi reconstruído depois da tempestade e os pescadores voltaram ao trabalho na primavera."),
        ("it", "Il vecchio porto è stato ricostruito dopo la tempesta e i pescatori sono tornati al lavoro in primavera."),
        ("zh", "暴风雨过后，旧港口得到了重建，渔民们在春天回到了工作岗位。"),
        ("ja", "嵐のあとで古い港は建て直され、漁師たちは春に仕事へ戻りました。"),
        ("ru", "Старый порт был восстановлен после шторма, и весной рыбаки вернулись к работе."),
        ("ar", "أعيد بناء الميناء القديم بعد العاصفة، وعاد الصيادون إلى العمل في الربيع."),
        ("hi", "तूफ़ान के बाद पुराने बंदरगाह को फिर से बनाया गया और मछुआरे वसंत में काम पर लौट आए।"),
        ("ko", "폭풍이 지나간 뒤 옛 항구가 다시 지어졌고 어부들은 봄에 일터로 돌아왔다."),
    ]

    func rule(_ kind: RuleDeclaration.Kind, field: String = "translation") -> AnswerRule {
        AnswerRule(RuleDeclaration(name: "r", field: field, kind: kind, reason: "bad", location: Self.location))
    }

    func context(source: String, language: String, target: String) -> UnitContext {
        var context = UnitContext(
            passage: source, passageLanguage: language, passageKey: "doc", candidates: [],
            lists: ["labels": [ListItem(name: "sports", description: "games and athletes"), ListItem(name: "food", description: "cooking")]])
        context.sentence = source
        context.variables = ["target": .string(target)]
        return context
    }

    func passes(_ rule: AnswerRule, _ value: String, _ context: UnitContext) -> Bool {
        if case .success = rule.check(.string(value), context: context) { return true }
        return false
    }

    @Test("a faithful translation passes every bitext rule, English into each of eleven languages and back")
    func faithfulTranslations() {
        let rules = [
            rule(.language(expected: .variable("target"))),
            rule(.notCopy(of: .passageSentence, maxOverlap: 0.6, minWords: 4)),
            rule(.lengthRatio(of: .passageSentence, min: 0.45, max: 2.2, minUnits: 12)),
            rule(.noUntranslatedSpan(of: .passageSentence, maxWords: 4)),
        ]
        for (code, text) in Self.translations {
            let forward = context(source: Self.english, language: "en", target: code)
            for (index, rule) in rules.enumerated() {
                #expect(passes(rule, text, forward), "en→\(code) rule \(index): \(rule.check(.string(text), context: forward))")
            }
            let back = context(source: text, language: code, target: "en")
            for (index, rule) in rules.enumerated() {
                #expect(passes(rule, Self.english, back), "\(code)→en rule \(index): \(rule.check(.string(Self.english), context: back))")
            }
        }
    }

    @Test("non-English pairs pass too: zh↔ja, es↔pt, ar↔fr, hi↔ru")
    func nonEnglishPairs() {
        let byCode = Dictionary(uniqueKeysWithValues: Self.translations.map { ($0.code, $0.text) })
        let ratio = rule(.lengthRatio(of: .passageSentence, min: 0.45, max: 2.2, minUnits: 12))
        let span = rule(.noUntranslatedSpan(of: .passageSentence, maxWords: 4))
        let language = rule(.language(expected: .variable("target")))
        for (from, to) in [("zh", "ja"), ("ja", "zh"), ("es", "pt"), ("pt", "es"), ("ar", "fr"), ("fr", "ar"), ("hi", "ru"), ("ru", "hi")] {
            let pair = context(source: byCode[from] ?? "", language: from, target: to)
            let text = byCode[to] ?? ""
            #expect(passes(ratio, text, pair), "\(from)→\(to): \(ratio.check(.string(text), context: pair))")
            #expect(passes(span, text, pair), "\(from)→\(to): \(span.check(.string(text), context: pair))")
            #expect(passes(language, text, pair), "\(from)→\(to): \(language.check(.string(text), context: pair))")
        }
    }

    @Test("the wrong language fails: another script always, the same script once the text is long enough")
    func wrongLanguage() {
        let language = rule(.language(expected: .variable("target")))
        let byCode = Dictionary(uniqueKeysWithValues: Self.translations.map { ($0.code, $0.text) })
        // Asked for X, answered in Y.
        for (asked, given) in [("zh", "ru"), ("ru", "zh"), ("ar", "en"), ("hi", "ar"), ("ja", "ko"), ("es", "de"), ("fr", "ru"), ("ko", "ja")] {
            let text = given == "en" ? Self.english : byCode[given] ?? ""
            #expect(!passes(language, text, context(source: Self.english, language: "en", target: asked)), "asked \(asked), got \(given)")
        }
    }

    @Test("length_ratio is script-aware: a Chinese translation a third as long in characters passes, a stub fails")
    func lengthRatio() {
        let ratio = rule(.lengthRatio(of: .passageSentence, min: 0.45, max: 2.2, minUnits: 12))
        let zh = context(source: Self.english, language: "en", target: "zh")
        // 28 Han characters against 76 Latin letters: by characters alone 0.37, script-aware 1.1.
        #expect(passes(ratio, "暴风雨过后，旧港口得到了重建，渔民们在春天回到了工作岗位。", zh))
        #expect(!passes(ratio, "港口重建。", zh), "a five-character stub is no translation of the sentence")
        let ru = context(source: Self.english, language: "en", target: "ru")
        #expect(!passes(ratio, "Порт восстановлен.", ru))
        let padded =
            (Self.translations.first { $0.code == "ru" }?.text ?? "")
            + " Это было очень давно, и об этом помнят все жители города и деревни вокруг, и многие другие люди."
        #expect(!passes(ratio, padded + " " + padded, ru), "a translation with a paragraph added is too long")
        let hi = context(source: Self.english, language: "en", target: "hi")
        #expect(!passes(ratio, "बंदरगाह बना।", hi))
        // A source too short to judge passes whatever the answer.
        #expect(passes(ratio, "x", context(source: "Yes.", language: "en", target: "de")))
    }

    @Test("no_untranslated_span: a long run of the source left in the answer fails, names and short runs pass")
    func untranslatedSpan() {
        let span = rule(.noUntranslatedSpan(of: .passageSentence, maxWords: 4))
        let de = context(source: Self.english, language: "en", target: "de")
        #expect(!passes(span, "Der alte Hafen was rebuilt after the storm, und die Fischer kehrten im Frühling zurück.", de))
        let zh = context(source: Self.english, language: "en", target: "zh")
        #expect(!passes(span, "旧港口 the fishermen went back to work 在春天。", zh))
        let fromZh = context(source: "暴风雨过后，旧港口得到了重建，渔民们在春天回到了工作岗位。", language: "zh", target: "ja")
        #expect(!passes(span, "嵐のあと、旧港口得到了重建，渔民们在春天に戻った。", fromZh), "a Chinese clause copied into Japanese")
        #expect(passes(span, "嵐のあとで古い港は建て直され、漁師たちは春に仕事へ戻りました。", fromZh), "shared kanji are not a copied span")
        let ar = context(source: "أعيد بناء الميناء القديم بعد العاصفة، وعاد الصيادون إلى العمل في الربيع.", language: "ar", target: "fr")
        #expect(!passes(span, "Le port أعيد بناء الميناء القديم بعد العاصفة a été reconstruit.", ar))
        let names = context(source: "Maria Lopez flew from Buenos Aires to New York on Monday.", language: "en", target: "es")
        #expect(passes(span, "Maria Lopez voló de Buenos Aires a New York el lunes.", names), "names of two words each stay")
    }

    @Test("not_copy catches a source handed back as its own translation, in every script")
    func copies() {
        let copy = rule(.notCopy(of: .passageSentence, maxOverlap: 0.6, minWords: 4))
        for (code, text) in Self.translations {
            #expect(!passes(copy, text, context(source: text, language: code, target: "en")), "\(code) copied back")
        }
    }

    @Test("one_of with a list and values: the taxonomy's labels copied exactly and none pass; others and near misses fail")
    func labels() throws {
        let label = rule(.oneOf(among: .list("labels"), values: ["none"], matching: .exact), field: "label")
        let unit = context(source: Self.english, language: "en", target: "en")
        #expect(passes(label, "sports", unit) && passes(label, "food", unit) && passes(label, "none", unit))
        #expect(!passes(label, "Sports", unit) && !passes(label, "travel", unit) && !passes(label, "sport", unit))
        let matched = try label.check("food", context: unit).get()
        #expect(matched.description == "cooking")
        #expect(try label.check("none", context: unit).get().description == nil, "none has no list entry")
        let mention = rule(.doesNotMention(among: .list("labels")), field: "text")
        #expect(!passes(mention, "A great sports day at the school.", unit))
        #expect(passes(mention, "Der Verein gewann das Spiel am Samstag mit zwei Toren.", unit))
    }

    @Test("TranslationMeasure weighs scripts as documented")
    func measure() {
        #expect(TranslationMeasure.units("abc") == 3)
        #expect(TranslationMeasure.units("港口") == 6)
        #expect(abs(TranslationMeasure.units("みなと") - 5.4) < 1e-9)
        #expect(TranslationMeasure.units("항구") == 5)
        #expect(TranslationMeasure.units("порт, 12!") == 6)
    }
}

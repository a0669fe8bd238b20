import Foundation

/// Answers for the bitext, STS and classification prompts (`prompts/{bitext,sts,classification}/`), so that each task
/// can be run end to end against the test endpoint: a "translation" or a sentence in the language the prompt asks
/// for (from a small bank of sentences per language), a label of the prompt's list, a text for a label — and, at
/// fixed shares drawn from the request's seeded generator, the bad answers the rules must catch: the wrong
/// language, a copy of the source, a label outside the taxonomy, a text that names its label. `none` is answered
/// for some passages. Prompts of other tasks get nil (the schema-driven answer).
enum TaskFamilyAnswers {
    /// The share of bitext and STS answers in the wrong language, and of those that copy the source.
    static let wrongLanguageShare = 0.12
    /// The share that hands the source back.
    static let copyShare = 0.10
    /// The share of labels outside the taxonomy.
    static let outOfTaxonomyShare = 0.25
    /// The share of `none` labels.
    static let noneShare = 0.10
    /// The share of written texts that name their label.
    static let namesLabelShare = 0.10

    /// The answer object for `prompt` (the last user message), or nil when it is not one of these tasks' prompts.
    static func answer(prompt rendered: String, random: inout SeededRandom) -> [String: Any]? {
        let prompt = rendered.trimmingCharacters(in: .whitespacesAndNewlines)
        if prompt.hasPrefix("Translate the **Sentence** below") { return translation(prompt, random: &random) }
        if prompt.hasPrefix("Write one new sentence that stands to the **Sentence**") { return similar(prompt, random: &random) }
        if prompt.hasPrefix("Task: ") && prompt.contains("assign it exactly one label") { return label(prompt, random: &random) }
        if prompt.hasPrefix("Write one short text of the kind a classifier") { return written(prompt, random: &random) }
        return nil
    }

    // MARK: Tasks

    private static func translation(_ prompt: String, random: inout SeededRandom) -> [String: Any] {
        let source = section("Sentence", in: prompt)
        let target = requirement("Into", in: prompt)
        let draw = random.unit()
        if draw < copyShare { return ["translation": source] }
        if draw < copyShare + wrongLanguageShare { return ["translation": sentence(in: other(than: target), key: source)] }
        return ["translation": sentence(in: target, key: source)]
    }

    private static func similar(_ prompt: String, random: inout SeededRandom) -> [String: Any] {
        let source = section("Sentence", in: prompt)
        let language = requirement("Language", in: prompt)
        let level = requirement("Level", in: prompt).prefix(1)
        let draw = random.unit()
        if draw < copyShare { return ["sentence": source] }
        if draw < copyShare + wrongLanguageShare { return ["sentence": sentence(in: other(than: language), key: source + level)] }
        return ["sentence": sentence(in: language, key: source + level)]
    }

    private static func label(_ prompt: String, random: inout SeededRandom) -> [String: Any] {
        let labels = listed("Labels", in: prompt)
        let draw = random.unit()
        if draw < outOfTaxonomyShare || labels.isEmpty { return ["label": "miscellaneous"] }
        if draw < outOfTaxonomyShare + noneShare { return ["label": "none"] }
        return ["label": labels[Int(random.next() % UInt64(labels.count))]]
    }

    private static func written(_ prompt: String, random: inout SeededRandom) -> [String: Any] {
        let characters = section("Characters", in: prompt).split(separator: "\n").map { line -> String in
            let text = String(line)
            guard let dot = text.firstIndex(of: "."), text[..<dot].allSatisfy(\.isNumber) else { return text }
            return String(text[text.index(after: dot)...]).trimmingCharacters(in: .whitespaces)
        }
        let label = requirement("Label", in: prompt).split(separator: " ").first.map(String.init) ?? ""
        let language = requirement("Language", in: prompt)
        let length = Int(requirement("Length", in: prompt).split(separator: " ").dropFirst().first ?? "") ?? 20
        let character = characters.isEmpty ? "" : characters[Int(random.next() % UInt64(characters.count))]
        let draw = random.unit()
        var chosen = language
        if draw < wrongLanguageShare { chosen = other(than: language) }
        var text = Self.text(in: chosen, words: length, key: label + character)
        if draw >= wrongLanguageShare && draw < wrongLanguageShare + namesLabelShare {
            text = "This is about \(label.replacingOccurrences(of: "_", with: " ")). " + text
        }
        return ["character": character, "text": text]
    }

    // MARK: Prompt reading

    /// The text under `**NAME**:` up to the next blank line.
    static func section(_ name: String, in prompt: String) -> String {
        guard let start = prompt.range(of: "**\(name)**:\n") else { return "" }
        let rest = prompt[start.upperBound...]
        let end = rest.range(of: "\n\n")?.lowerBound ?? rest.endIndex
        return String(rest[..<end]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The value of the requirement line `- NAME: value`.
    static func requirement(_ name: String, in prompt: String) -> String {
        for line in prompt.split(separator: "\n") where line.hasPrefix("- \(name): ") {
            return String(line.dropFirst(name.count + 4)).trimmingCharacters(in: .whitespaces)
        }
        return ""
    }

    /// The names of a `- name: description` list under `**NAME**:`.
    static func listed(_ name: String, in prompt: String) -> [String] {
        section(name, in: prompt).split(separator: "\n").compactMap { line in
            guard line.hasPrefix("- "), let colon = line.firstIndex(of: ":") else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: 2)..<colon])
        }
    }

    // MARK: Sentences

    /// Sentences per language (English name), each about fourteen English words' worth.
    static let bank: [String: [String]] = [
        "English": [
            "The old harbour was rebuilt after the storm, and the fishermen returned to work in spring.",
            "Many families in the valley still grow their own vegetables and sell the rest at the market.",
            "The new train line will connect the two cities in less than an hour from next year.",
        ],
        "Chinese": [
            "暴风雨过后，旧港口得到了重建，渔民们在春天回到了工作岗位。",
            "山谷里的许多家庭仍然自己种菜，并把剩下的拿到市场上去卖。",
            "从明年起，新的铁路线将在不到一小时内连接这两座城市。",
        ],
        "Japanese": [
            "嵐のあとで古い港は建て直され、漁師たちは春に仕事へ戻りました。",
            "谷の多くの家族は今も自分で野菜を育て、残りを市場で売っています。",
            "新しい鉄道は来年から二つの都市を一時間足らずで結ぶ予定です。",
        ],
        "Spanish": [
            "El viejo puerto fue reconstruido después de la tormenta y los pescadores volvieron en primavera.",
            "Muchas familias del valle todavía cultivan sus verduras y venden el resto en el mercado.",
            "La nueva línea de tren unirá las dos ciudades en menos de una hora a partir del año que viene.",
        ],
        "Portuguese": [
            "O velho porto foi reconstruído depois da tempestade e os pescadores voltaram ao trabalho na primavera.",
            "Muitas famílias do vale ainda cultivam os seus legumes e vendem o resto no mercado.",
            "A nova linha de comboio vai ligar as duas cidades em menos de uma hora a partir do próximo ano.",
        ],
        "French": [
            "Le vieux port a été reconstruit après la tempête et les pêcheurs sont revenus au printemps.",
            "Beaucoup de familles de la vallée cultivent encore leurs légumes et vendent le reste au marché.",
            "La nouvelle ligne de train reliera les deux villes en moins d'une heure dès l'année prochaine.",
        ],
        "German": [
            "Der alte Hafen wurde nach dem Sturm wieder aufgebaut, und die Fischer kehrten im Frühling zurück.",
            "Viele Familien im Tal bauen ihr Gemüse noch selbst an und verkaufen den Rest auf dem Markt.",
            "Die neue Bahnlinie wird die beiden Städte ab dem nächsten Jahr in weniger als einer Stunde verbinden.",
        ],
        "Russian": [
            "Старый порт был восстановлен после шторма, и весной рыбаки вернулись к работе.",
            "Многие семьи в долине до сих пор сами выращивают овощи и продают остальное на рынке.",
            "С будущего года новая железная дорога соединит два города меньше чем за час.",
        ],
        "Arabic": [
            "أعيد بناء الميناء القديم بعد العاصفة، وعاد الصيادون إلى العمل في الربيع.",
            "ما زالت عائلات كثيرة في الوادي تزرع خضرواتها وتبيع الباقي في السوق.",
            "سيربط خط القطار الجديد بين المدينتين في أقل من ساعة ابتداء من العام المقبل.",
        ],
        "Hindi": [
            "तूफ़ान के बाद पुराने बंदरगाह को फिर से बनाया गया और मछुआरे वसंत में काम पर लौट आए।",
            "घाटी के कई परिवार आज भी अपनी सब्ज़ियाँ खुद उगाते हैं और बाकी बाज़ार में बेचते हैं।",
            "अगले साल से नई रेल लाइन दोनों शहरों को एक घंटे से कम समय में जोड़ेगी।",
        ],
        "Korean": [
            "폭풍이 지나간 뒤 옛 항구가 다시 지어졌고 어부들은 봄에 일터로 돌아왔다.",
            "계곡의 많은 가족들은 아직도 채소를 직접 기르고 남은 것을 시장에서 판다.",
            "내년부터 새 철도는 두 도시를 한 시간 안에 연결할 것이다.",
        ],
        "Italian": [
            "Il vecchio porto è stato ricostruito dopo la tempesta e i pescatori sono tornati al lavoro in primavera.",
            "Molte famiglie della valle coltivano ancora le loro verdure e vendono il resto al mercato.",
            "La nuova linea ferroviaria collegherà le due città in meno di un'ora dal prossimo anno.",
        ],
        "Turkish": [
            "Eski liman fırtınadan sonra yeniden inşa edildi ve balıkçılar baharda işlerine döndü.",
            "Vadideki birçok aile hâlâ kendi sebzesini yetiştiriyor ve kalanını pazarda satıyor.",
            "Yeni tren hattı gelecek yıldan itibaren iki şehri bir saatten kısa sürede birbirine bağlayacak.",
        ],
    ]

    /// A sentence in `language` chosen by `key` (the same key always gives the same sentence).
    static func sentence(in language: String, key: String) -> String {
        let sentences = bank[language] ?? bank["English"] ?? []
        guard !sentences.isEmpty else { return "" }
        return sentences[Int(stableHash(key) % UInt64(sentences.count))]
    }

    /// A text of about `words` words in `language`: bank sentences of that language joined.
    static func text(in language: String, words: Int, key: String) -> String {
        let sentences = bank[language] ?? bank["English"] ?? []
        var out: [String] = []
        var start = Int(stableHash(key) % UInt64(max(sentences.count, 1)))
        var count = 0
        while count < max(words, 1) && out.count < 12 {
            let sentence = sentences[start % sentences.count]
            out.append(sentence)
            count += max(1, sentence.split(separator: " ").count > 3 ? sentence.split(separator: " ").count : sentence.count / 2)
            start += 1
        }
        let cjk = language == "Chinese" || language == "Japanese"
        return out.joined(separator: cjk ? "" : " ")
    }

    /// A language of the bank other than `language` (English, or French when English is the one asked for).
    static func other(than language: String) -> String { language == "English" ? "French" : "English" }

    /// FNV-1a over the UTF-8 bytes (stable across runs, unlike `Hasher`).
    static func stableHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}

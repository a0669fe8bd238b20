import Foundation
import PairsmithText
import Testing

/// Deterministic multilingual texts for the chunker.
enum ChunkTexts {
    /// English paragraphs of `sentences` sentences each.
    static func english(paragraphs: Int, sentences: Int) -> String {
        let subjects = ["The harbour master", "An old fisherman", "The ferry captain", "A young sailor", "The lighthouse keeper"]
        let verbs = ["counted", "repaired", "painted", "watched", "described"]
        let objects = ["the wooden boats near the pier", "three nets by the market", "the long stone wall", "every gull on the roof"]
        return (0..<paragraphs).map { p in
            (0..<sentences).map { s in
                let k = p * sentences + s
                return "\(subjects[k % subjects.count]) \(verbs[(k / 2) % verbs.count]) \(objects[(k / 3) % objects.count]) on day \(k + 1)."
            }.joined(separator: " ")
        }.joined(separator: "\n\n")
    }

    /// Chinese sentences ending in 。！？, no spaces.
    static func chinese(sentences: Int) -> String {
        let parts = ["今天早上港口里停满了渔船", "老船长说海上的风浪越来越大了", "你知道灯塔是什么时候建成的吗", "孩子们在码头边看着海鸥飞来飞去"]
        let ends = ["。", "！", "？", "。"]
        return (0..<sentences).map { k in "第\(k + 1)天，\(parts[k % parts.count])\(ends[k % ends.count])" }.joined()
    }

    /// Chinese without punctuation or spaces.
    static func chineseRun(characters: Int) -> String {
        let run = Array("港口渔船灯塔海鸥码头风浪老船长孩子们早上停满了建成飞来飞去")
        return String((0..<characters).map { run[($0 * 7 + $0 / run.count) % run.count] })
    }

    /// Thai sentences separated by single spaces (Thai has no sentence punctuation).
    static func thai(sentences: Int) -> String {
        let parts = ["วันนี้อากาศดีมาก", "เราไปเดินเล่นที่สวนสาธารณะใกล้บ้าน", "แม่ซื้อผลไม้สดจากตลาดตอนเช้า", "พ่ออ่านหนังสือพิมพ์ที่ระเบียงบ้าน", "ฝนตกหนักในตอนบ่ายจนถึงค่ำ"]
        return (0..<sentences).map { parts[$0 % parts.count] }.joined(separator: " ")
    }

    /// English words with no punctuation at all.
    static func unpunctuated(words: Int) -> String {
        let vocabulary = "the boats came in slowly while gulls circled above harbour water and old men talked about weather".split(separator: " ")
        return (0..<words).map { String(vocabulary[($0 * 5 + $0 / 17) % vocabulary.count]) }.joined(separator: " ")
    }
}

@Suite("Passage chunker")
struct PassageChunkerTests {
    private func qwenChunker(max: Int, min: Int) throws -> PassageChunker {
        try PassageChunker(maxTokens: max, minTokens: min, counter: try ChunkReference.qwen.get())
    }

    @Test("every chunk is within the budget, its offsets give its text, and HF tokenizers counts the same tokens")
    func checkedByHF() throws {
        let exact = try ChunkReference.exactText(tokens: 512)
        let hugeSentence = (0..<300).map { "and the boat number \($0) sailed past the long pier" }.joined(separator: ", ") + "."
        let inputs: [(name: String, text: String, max: Int, min: Int)] = [
            ("english paragraphs", ChunkTexts.english(paragraphs: 12, sentences: 6), 128, 32),
            ("chinese", ChunkTexts.chinese(sentences: 80), 128, 32),
            ("chinese without punctuation or spaces", ChunkTexts.chineseRun(characters: 3_000), 100, 20),
            ("thai", ChunkTexts.thai(sentences: 120), 128, 32),
            ("no punctuation", ChunkTexts.unpunctuated(words: 1_500), 200, 50),
            ("one huge sentence", hugeSentence, 256, 64),
            ("exactly the budget", exact, 512, 64),
            ("one token over the budget", exact + " pier", 512, 64),
            ("short", "A short passage stays whole.\n\n", 512, 64),
            (
                "mixed scripts",
                ChunkTexts.english(paragraphs: 2, sentences: 4) + "\n\n" + ChunkTexts.chinese(sentences: 12) + "\n\n"
                    + ChunkTexts.thai(sentences: 20) + "\n\nयह एक वाक्य है। यह दूसरा है। 😀 " + ChunkTexts.english(paragraphs: 2, sentences: 3), 64, 16
            ),
        ]
        var cases: [(name: String, source: String, chunker: PassageChunker, chunks: [PassageChunk])] = []
        for input in inputs {
            let chunker = try qwenChunker(max: input.max, min: input.min)
            cases.append((input.name, input.text, chunker, chunker.chunks(of: input.text)))
        }
        let checked = try ChunkReference.check(cases)
        for item in cases {
            let result = try #require(checked[item.name], "\(item.name): no answer from the reference")
            #expect(result.problems.isEmpty, "\(item.name): \(result.problems.prefix(5))")
            #expect(item.chunks.map(\.index) == Array(0..<item.chunks.count))
            if result.source_tokens > item.chunker.maxTokens {
                #expect(item.chunks.count >= 2, "\(item.name): \(result.source_tokens) tokens in \(item.chunks.count) chunk")
                #expect(
                    result.chunk_tokens.allSatisfy { $0 >= item.chunker.minTokens },
                    "\(item.name): a chunk under min_tokens: \(result.chunk_tokens)")
            }
        }
        let byName = Dictionary(cases.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        // A document of exactly the budget stays whole; one token more is cut.
        #expect(checked["exactly the budget"]?.source_tokens == 512)
        #expect(byName["exactly the budget"]?.chunks.map(\.text) == [exact])
        #expect(checked["one token over the budget"]?.source_tokens == 513)
        #expect((byName["one token over the budget"]?.chunks.count ?? 0) == 2)
        #expect(byName["short"]?.chunks.map(\.text) == ["A short passage stays whole.\n\n"])
        // Where sentence ends exist, the cuts are there: Chinese chunks end with a stop, Thai chunks at a space.
        let chinese = try #require(byName["chinese"])
        #expect(chinese.chunks.allSatisfy { "。！？".contains($0.text.last!) }, "\(chinese.chunks.map { $0.text.suffix(3) })")
        let thai = try #require(byName["thai"])
        let thaiScalars = Array(thai.source.unicodeScalars)
        #expect(thai.chunks.dropLast().allSatisfy { thaiScalars[$0.end] == " " })
        #expect(thai.chunks.allSatisfy { chunk in ChunkTexts.thai(sentences: 5).split(separator: " ").contains { chunk.text.hasPrefix($0) } })
        // English paragraphs of 6 sentences (~70 tokens) fit one at a time in 128 tokens: every cut is at a blank line.
        let english = try #require(byName["english paragraphs"])
        let englishScalars = Array(english.source.unicodeScalars)
        #expect(english.chunks.count == 12)
        #expect(english.chunks.dropLast().allSatisfy { String(String.UnicodeScalarView(englishScalars[$0.end..<($0.end + 2)])) == "\n\n" })
        // Without punctuation the cuts fall at spaces; without spaces, between characters.
        let unpunctuated = try #require(byName["no punctuation"])
        let unpunctuatedScalars = Array(unpunctuated.source.unicodeScalars)
        #expect(unpunctuated.chunks.dropLast().allSatisfy { unpunctuatedScalars[$0.end] == " " })
        #expect((byName["chinese without punctuation or spaces"]?.chunks.count ?? 0) >= 2)
    }

    @Test("the same text gives the same chunks")
    func deterministic() throws {
        let text = ChunkTexts.english(paragraphs: 5, sentences: 9) + "\n\n" + ChunkTexts.chinese(sentences: 30)
        let first = try qwenChunker(max: 96, min: 24).chunks(of: text)
        let second = try qwenChunker(max: 96, min: 24).chunks(of: text)
        #expect(first == second)
        #expect(first.count > 3)
    }

    /// Three 45-scalar sentences and a short paragraph, counted in scalars.
    private static let sentence = String(repeating: "a", count: 44) + "."

    @Test("a short tail joins the chunk before it when the two fit")
    func shortTailJoins() throws {
        let chunker = try PassageChunker(maxTokens: 100, minTokens: 40, counter: ScalarCounter())
        let tail = "Tail text."
        let text = [Self.sentence, Self.sentence, Self.sentence].joined(separator: " ") + "\n\n" + tail
        // Greedy: [s1 s2] (91), [s3] (45), [tail] (10); the tail joins s3: 45 + 2 + 10.
        let chunks = chunker.chunks(of: text)
        #expect(chunks.map(\.text) == [Self.sentence + " " + Self.sentence, Self.sentence + "\n\n" + tail])
        #expect(chunks.map(\.tokens) == [91, 57])
        #expect(chunks.map(\.start) == [0, 92])
        #expect(chunks.last?.end == text.unicodeScalars.count)
    }

    @Test("a short tail that cannot join is re-balanced with the chunk before it, at a sentence end")
    func shortTailRebalanced() throws {
        let chunker = try PassageChunker(maxTokens: 100, minTokens: 40, counter: ScalarCounter())
        let sentence = String(repeating: "b", count: 29) + "."  // 30
        let tail = String(repeating: "t", count: 19) + "."  // 20
        let text = [sentence, sentence, sentence].joined(separator: " ") + "\n\n" + tail
        // Greedy: [paragraph 1] (92), [tail] (20); together 114 > 100, so the pair is cut again at its most
        // balanced sentence end that leaves both parts at 40 or more: [s1 s2] (61), [s3 + tail] (52).
        let chunks = chunker.chunks(of: text)
        #expect(chunks.map(\.text) == [sentence + " " + sentence, sentence + "\n\n" + tail])
        #expect(chunks.map(\.tokens) == [61, 52])
    }

    @Test("a short first chunk joins the next; a short middle paragraph joins the one before it")
    func shortFirstAndMiddle() throws {
        let chunker = try PassageChunker(maxTokens: 100, minTokens: 40, counter: ScalarCounter())
        let heading = "Title"
        let long = [Self.sentence, Self.sentence, Self.sentence].joined(separator: " ")
        let text = heading + "\n\n" + long + "\n\nShort one.\n\n" + long
        let chunks = chunker.chunks(of: text)
        // Greedy: [Title] (5), [s s] (91), [s] (45), [Short one.] (10), [s s] (91), [s] (45). The title cannot join
        // a chunk before it and joins the next (98); the short paragraph joins the chunk before it (57).
        #expect(
            chunks.map(\.text) == [
                heading + "\n\n" + Self.sentence + " " + Self.sentence, Self.sentence + "\n\nShort one.",
                Self.sentence + " " + Self.sentence, Self.sentence,
            ])
        #expect(chunks.allSatisfy { $0.tokens <= 100 })
    }

    @Test("a word over the budget is cut between graphemes, never inside one")
    func graphemes() throws {
        let chunker = try PassageChunker(maxTokens: 16, minTokens: 4, counter: ScalarCounter())
        let word = String(repeating: "e\u{301}", count: 50)  // 100 scalars, 50 graphemes
        let chunks = chunker.chunks(of: word)
        #expect(chunks.count == 7)
        #expect(chunks.allSatisfy { $0.tokens <= 16 && $0.text.unicodeScalars.first == "e" && $0.text.unicodeScalars.last == "\u{301}" })
        #expect(chunks.map(\.text).joined() == word)
        #expect(zip(chunks, chunks.dropFirst()).allSatisfy { $0.end == $1.start })
    }

    @Test("a budget under 16 tokens, or min_tokens not below it, is refused")
    func invalidBudget() {
        #expect(throws: ChunkingError.invalidBudget(maxTokens: 8, minTokens: 2)) {
            try PassageChunker(maxTokens: 8, minTokens: 2, counter: ScalarCounter())
        }
        #expect(throws: ChunkingError.invalidBudget(maxTokens: 64, minTokens: 64)) {
            try PassageChunker(maxTokens: 64, minTokens: 64, counter: ScalarCounter())
        }
        #expect(ChunkingError.invalidBudget(maxTokens: 8, minTokens: 2).description.contains("max_tokens must be at least 16"))
    }
}

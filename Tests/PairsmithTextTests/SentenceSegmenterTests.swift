import Foundation
import PairsmithText
import Testing

@Suite("Sentence segmenter")
struct SentenceSegmenterTests {
    /// A text and the sentences it must give.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var sentences: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "English: abbreviations and decimals do not end a sentence",
            text: "Dr. Smith paid $3.14 for the tea. Then he left! Did he return? Yes.",
            sentences: ["Dr. Smith paid $3.14 for the tea.", "Then he left!", "Did he return?", "Yes."]),
        Case(
            name: "English: initials, e.g., a numbered figure, a lower-case continuation",
            text: "J. R. R. Tolkien wrote it, e.g. in 1937. See Fig. 3 for details. It sold well, etc. and more. The end",
            sentences: ["J. R. R. Tolkien wrote it, e.g. in 1937.", "See Fig. 3 for details.", "It sold well, etc. and more.", "The end"]),
        Case(
            name: "closing quotes and brackets stay with their sentence; an ellipsis before lower case goes on",
            text: "He said \"Stop.\" Then he went home (slowly.) Wait... what happened?! Nothing.",
            sentences: ["He said \"Stop.\"", "Then he went home (slowly.)", "Wait... what happened?!", "Nothing."]),
        Case(
            name: "URLs and version numbers are not cut",
            text: "Visit example.com/a.b for v2.0.1 notes. Done.", sentences: ["Visit example.com/a.b for v2.0.1 notes.", "Done."]),
        Case(
            name: "Cyrillic: т.е. and см. are abbreviations",
            text: "Привет, мир. Как дела? Всё хорошо, т.е. отлично! См. рис. 2 ниже. Конец.",
            sentences: ["Привет, мир.", "Как дела?", "Всё хорошо, т.е. отлично!", "См. рис. 2 ниже.", "Конец."]),
        Case(
            name: "Chinese: 。！？ end sentences without a space, closing quotes stay",
            text: "今天天气很好。我们去公园吧！你去吗？“好的。”他说。",
            sentences: ["今天天气很好。", "我们去公园吧！", "你去吗？", "“好的。”", "他说。"]),
        Case(
            name: "Japanese: 。 and the halfwidth ｡; a fullwidth ．between digits is a decimal point",
            text: "東京は晴れです。価格は３．５ドルです｡大阪は雨でした。",
            sentences: ["東京は晴れです。", "価格は３．５ドルです｡", "大阪は雨でした。"]),
        Case(
            name: "Thai: a space between Thai letters ends a sentence, a space next to Latin does not",
            text: "วันนี้อากาศดีมาก เราไปเดินเล่นที่สวน  ผมชอบ iPhone มาก",
            sentences: ["วันนี้อากาศดีมาก", "เราไปเดินเล่นที่สวน", "ผมชอบ iPhone มาก"]),
        Case(
            name: "Devanagari danda, with or without a space",
            text: "यह एक वाक्य है। यह दूसरा है।तीसरा॥ अंत", sentences: ["यह एक वाक्य है।", "यह दूसरा है।", "तीसरा॥", "अंत"]),
        Case(name: "Arabic question mark", text: "كيف حالك؟أنا بخير. شكرا", sentences: ["كيف حالك؟", "أنا بخير.", "شكرا"]),
        Case(
            name: "a blank line always ends a sentence; a single line break does not",
            text: "\n  First line without stop\nstill the first\n\nSecond paragraph. Still second.\n \t\nThird\r\n\r\nFourth\u{2029}Fifth  \n",
            sentences: ["First line without stop\nstill the first", "Second paragraph.", "Still second.", "Third", "Fourth", "Fifth"]),
        Case(
            name: "astral scalars: emoji and flags", text: "😀 Emoji first. Then 🇫🇷 flag! 終わり。", sentences: ["😀 Emoji first.", "Then 🇫🇷 flag!", "終わり。"]),
        Case(name: "empty and blank texts have no sentences", text: " \n\n\t ", sentences: []),
    ]

    @Test("sentences by rule, per writing system", arguments: cases)
    func sentences(_ item: Case) {
        #expect(SentenceSegmenter().sentences(of: item.text) == item.sentences)
    }

    @Test("paragraph numbers follow blank lines")
    func paragraphs() {
        let segments = SentenceSegmenter().segments(of: "A one. A two.\n\n\nB one.\n\nC one! C two? C three.")
        #expect(segments.map(\.paragraph) == [0, 0, 1, 2, 2, 2])
        #expect(segments.map(\.text) == ["A one.", "A two.", "B one.", "C one!", "C two?", "C three."])
    }

    @Test("offsets are Unicode scalar indices: Python's source[start:end] is each segment, and only whitespace is left out")
    func offsetsCheckedByPython() throws {
        let segmenter = SentenceSegmenter()
        let checked = try ChunkReference.checkSegments(Self.cases.map { ($0.name, $0.text, segmenter.segments(of: $0.text)) })
        #expect(checked.count == Self.cases.count)
        for item in Self.cases {
            #expect(checked[item.name] == [], "\(item.name): \(checked[item.name] ?? ["no answer"])")
        }
    }
}

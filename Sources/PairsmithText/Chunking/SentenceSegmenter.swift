/// One sentence of a text: where it is (Unicode scalar offsets, the indices Python's `str` uses, so
/// `source[start:end] == text` there) and which paragraph it belongs to.
public struct TextSegment: Sendable, Hashable {
    /// The offset of the sentence's first Unicode scalar in the source.
    public var start: Int
    /// The offset just past the sentence's last Unicode scalar.
    public var end: Int
    /// The 0-based paragraph the sentence belongs to (paragraphs are separated by blank lines).
    public var paragraph: Int
    /// The sentence text: exactly the source's scalars `start..<end`, never rewritten.
    public var text: String

    /// Creates a segment.
    public init(start: Int, end: Int, paragraph: Int, text: String) {
        self.start = start
        self.end = end
        self.paragraph = paragraph
        self.text = text
    }

    /// The scalar offsets `start..<end`.
    public var range: Range<Int> { start..<end }
}

/// Splits text into sentences by rule, for many writing systems, without a model or a dictionary.
///
/// A sentence ends
/// - after `.` `!` `?` `…` (and the Greek, Armenian and Ethiopic stops) followed by whitespace or the end of the
///   text, unless the `.` ends a known abbreviation (`Dr.`, `e.g.`, `z.B.`, `т.е.`), a single-letter initial
///   (`J. R. R. Tolkien`), an abbreviation that numbers something (`No. 5`, `Fig. 3`), or the next word starts
///   in lower case; a `.` between digits (`3.14`) is never an end since no space follows;
/// - right after the CJK stops `。` `！` `？` `｡` `．` (a fullwidth `．` between digits excepted), the Devanagari
///   dandas `।` `॥`, the Arabic question mark `؟`, the Urdu stop `۔`, the Burmese `။` and the Khmer `។`, space
///   or no space;
/// - at a run of whitespace between two Thai (or Lao) letters: Thai has no sentence punctuation and puts a space
///   between sentences;
/// - at a paragraph break: a run of whitespace holding two or more line breaks (a blank line) or U+2029.
///
/// Closing quotes and brackets after a stop stay with its sentence (`He said "Stop." Then…`). Segments are
/// trimmed of whitespace; every other scalar of the text belongs to exactly one segment, in order.
public struct SentenceSegmenter: Sendable {
    /// Creates a segmenter.
    public init() {}

    /// The sentences of `text`, in order, with their Unicode scalar offsets and paragraph numbers.
    public func segments(of text: String) -> [TextSegment] {
        let scalars = Array(text.unicodeScalars)
        return spans(of: scalars).map { span in
            TextSegment(
                start: span.start, end: span.end, paragraph: span.paragraph,
                text: String(String.UnicodeScalarView(scalars[span.start..<span.end])))
        }
    }

    /// The sentences of `text` as strings, in order.
    public func sentences(of text: String) -> [String] { segments(of: text).map(\.text) }

    /// A sentence's offsets and paragraph, before its text is copied out.
    struct Span: Hashable {
        var start: Int
        var end: Int
        var paragraph: Int
    }

    /// The sentence spans of a scalar array (the chunker calls this on the scalars it already has).
    func spans(of scalars: [Unicode.Scalar]) -> [Span] {
        var spans: [Span] = []
        var paragraph = 0
        var start: Int?  // the first scalar of the sentence being read
        var lastNonSpace = -1  // the last non-whitespace scalar seen
        let count = scalars.count

        func close(at end: Int) {
            if let first = start, end > first { spans.append(Span(start: first, end: end, paragraph: paragraph)) }
            start = nil
        }

        var i = 0
        while i < count {
            let scalar = scalars[i]
            if Self.isSpace(scalar) {
                var j = i
                var lineBreaks = 0
                var paragraphSeparator = false
                while j < count, Self.isSpace(scalars[j]) {
                    switch scalars[j].value {
                    case 0x0A, 0x0B, 0x0C, 0x85, 0x2028: lineBreaks += 1
                    case 0x0D: if j + 1 >= count || scalars[j + 1].value != 0x0A { lineBreaks += 1 }  // CR LF: one break
                    case 0x2029: paragraphSeparator = true
                    default: break
                    }
                    j += 1
                }
                if lineBreaks >= 2 || paragraphSeparator {
                    if start != nil {
                        close(at: lastNonSpace + 1)
                        paragraph += 1
                    } else if !spans.isEmpty && spans.last!.paragraph == paragraph {
                        paragraph += 1
                    }
                } else if lastNonSpace >= 0, j < count, Self.isThaiOrLao(scalars[lastNonSpace]), Self.isThaiOrLao(scalars[j]) {
                    close(at: lastNonSpace + 1)
                }
                i = j
                continue
            }
            if start == nil { start = i }
            lastNonSpace = i
            guard let stop = Self.stopKind(scalar) else {
                i += 1
                continue
            }
            // The stop's cluster: more stops, then closing quotes and brackets.
            var stopsEnd = i + 1
            while stopsEnd < count, Self.stopKind(scalars[stopsEnd]) != nil { stopsEnd += 1 }
            var k = stopsEnd
            while k < count, Self.isCloser(scalars[k]) { k += 1 }
            let ends: Bool
            switch stop {
            case .unspaced:
                // A fullwidth `．` between digits is a decimal point.
                ends = !(scalar == "\u{FF0E}" && k < count && i > 0 && Self.isDigit(scalars[i - 1]) && Self.isDigit(scalars[k]))
            case .spaced:
                if k < count && !Self.isSpace(scalars[k]) {
                    ends = false  // `3.14`, `example.com`, `?!x`
                } else if scalars[i..<stopsEnd].allSatisfy({ $0 == "." }) {
                    ends = !continuesAfterPeriods(scalars, period: i, single: stopsEnd == i + 1, after: k)
                } else {
                    ends = true
                }
            }
            lastNonSpace = k - 1
            if ends {
                close(at: k)
            }
            i = k
        }
        close(at: lastNonSpace + 1)
        return spans
    }

    /// Whether the sentence goes on after the periods starting at `period` (their cluster ends before `after` and
    /// whitespace follows): the next word starts in lower case, or a single period ends an abbreviation or initial.
    private func continuesAfterPeriods(_ scalars: [Unicode.Scalar], period: Int, single: Bool, after: Int) -> Bool {
        // The next non-space scalar.
        var next = after
        while next < scalars.count, Self.isSpace(scalars[next]) { next += 1 }
        guard next < scalars.count else { return false }  // the end of the text ends the sentence
        let following = scalars[next]
        if following.properties.isLowercase { return true }
        guard single else { return false }
        // The word before the period, without opening punctuation.
        var wordStart = period
        while wordStart > 0, !Self.isSpace(scalars[wordStart - 1]) { wordStart -= 1 }
        while wordStart < period, Self.isOpener(scalars[wordStart]) { wordStart += 1 }
        guard wordStart < period else { return false }
        let word = String(String.UnicodeScalarView(scalars[wordStart..<period])).lowercased()
        if Self.abbreviations.contains(word) { return true }
        if Self.isDigit(following) && Self.numberingAbbreviations.contains(word) { return true }
        // `J.` (an initial) and `U.S.`, `e.g.`, `z.B.`, `т.е.` (short letter groups joined by periods).
        let scalarsOfWord = word.unicodeScalars
        if scalarsOfWord.count == 1 && scalarsOfWord.first!.properties.isAlphabetic { return true }
        if word.contains("."), scalarsOfWord.allSatisfy({ $0 == "." || $0.properties.isAlphabetic }),
            word.split(separator: ".").allSatisfy({ $0.unicodeScalars.count <= 3 })
        {
            return true
        }
        return false
    }

    /// Abbreviations (lower case, without their final period) after which a period never ends a sentence.
    static let abbreviations: Set<String> = [
        // English titles and Latin
        "mr", "mrs", "ms", "mx", "dr", "prof", "sr", "jr", "st", "mt", "rev", "hon", "gen", "col", "lt", "sgt", "capt",
        "cmdr", "gov", "sen", "rep", "pres", "messrs", "vs", "cf", "viz", "approx", "ca", "resp", "incl", "esp", "dept",
        "univ", "assn", "ave", "blvd", "rd",
        // German, French, Spanish, Portuguese, Italian
        "bzw", "vgl", "ggf", "evtl", "inkl", "hr", "fr", "mme", "mlle", "mm", "sra", "srta", "dra", "ud", "uds", "sig",
        "dott", "ing", "dipl",
        // Russian and other Cyrillic
        "ул", "им", "стр", "см", "рис", "тыс", "млн", "млрд", "руб", "коп", "гг", "проф", "акад", "пр", "д-р",
    ]

    /// Abbreviations after which a period does not end a sentence when a number follows (`No. 5`, `Jan. 3`).
    static let numberingAbbreviations: Set<String> = [
        "no", "nos", "nr", "art", "fig", "figs", "vol", "vols", "p", "pp", "ch", "sec", "para", "eq", "ref", "tab",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "bd", "s", "abs", "№",
    ]

    /// How a stop ends a sentence.
    enum StopKind {
        /// Only when whitespace or the end of the text follows.
        case spaced
        /// Always (the script writes no space between sentences, or the mark is unambiguous).
        case unspaced
    }

    /// The kind of sentence stop `scalar` is, or nil.
    static func stopKind(_ scalar: Unicode.Scalar) -> StopKind? {
        switch scalar.value {
        case 0x2E, 0x21, 0x3F,  // . ! ?
            0x2026, 0x203C, 0x2047, 0x2048, 0x2049,  // … ‼ ⁇ ⁈ ⁉
            0x037E, 0x0589, 0x1362, 0x1367, 0x1368:  // Greek ;  Armenian ։  Ethiopic ። ፧ ፨
            return .spaced
        case 0x3002, 0xFF01, 0xFF1F, 0xFF61, 0xFF0E,  // 。 ！ ？ ｡ ．
            0x0964, 0x0965,  // Devanagari । ॥
            0x061F, 0x06D4,  // Arabic ؟  Urdu ۔
            0x104B, 0x17D4, 0x17D5:  // Burmese ။  Khmer ។ ៕
            return .unspaced
        default:
            return nil
        }
    }

    /// Closing quotes and brackets that stay with the sentence before them.
    static func isCloser(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x22, 0x27, 0x29, 0x5D, 0x7D, 0xBB, 0x2019, 0x201D, 0x203A,  // " ' ) ] } » ’ ” ›
            0x300D, 0x300F, 0xFF09, 0x3011, 0x3009, 0x300B, 0x3015, 0x3017, 0x3019, 0x301B, 0xFF02, 0xFF07, 0xFF3D, 0xFF5D:
            return true
        default:
            return false
        }
    }

    /// Opening quotes and brackets before a word.
    static func isOpener(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x22, 0x27, 0x28, 0x5B, 0x7B, 0xAB, 0x2018, 0x201C, 0x201E, 0x2039, 0xBF, 0xA1: return true
        default: return false
        }
    }

    /// Whitespace (the Unicode White_Space property: spaces, tabs, line breaks, U+3000, no-break spaces).
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.isWhitespace }

    /// ASCII or fullwidth digits.
    static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        (0x30...0x39).contains(scalar.value) || (0xFF10...0xFF19).contains(scalar.value)
    }

    /// Thai or Lao letters, vowels, tone marks and digits.
    static func isThaiOrLao(_ scalar: Unicode.Scalar) -> Bool { (0x0E01...0x0EFF).contains(scalar.value) }
}

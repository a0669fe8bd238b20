/// Counts the tokens of a text (for chunking: the model's tokenizer without special tokens). Kept as a protocol so
/// that PairsmithText does not depend on a tokenizer.
public protocol TokenCounting: Sendable {
    /// The number of tokens of `text`.
    func count(_ text: String) -> Int
}

/// One passage cut from a document.
public struct PassageChunk: Sendable, Hashable {
    /// The 0-based position of the chunk in its document.
    public var index: Int
    /// The chunk text: exactly the source's Unicode scalars `start..<end`, never rewritten.
    public var text: String
    /// The offset of the chunk's first Unicode scalar in the source (Python: `source[start:end] == text`).
    public var start: Int
    /// The offset just past the chunk's last Unicode scalar.
    public var end: Int
    /// The chunk's tokens, as the chunker's counter counts them.
    public var tokens: Int

    /// Creates a chunk.
    public init(index: Int, text: String, start: Int, end: Int, tokens: Int) {
        self.index = index
        self.text = text
        self.start = start
        self.end = end
        self.tokens = tokens
    }
}

/// Why a chunker cannot be made.
public enum ChunkingError: Error, CustomStringConvertible, Hashable {
    /// The budget is out of range or `minTokens` is not below it.
    case invalidBudget(maxTokens: Int, minTokens: Int)

    public var description: String {
        switch self {
        case .invalidBudget(let maxTokens, let minTokens):
            "a chunk budget of max_tokens \(maxTokens) and min_tokens \(minTokens) is not valid: max_tokens must be at "
                + "least \(PassageChunker.smallestBudget) and min_tokens from 0 to max_tokens - 1"
        }
    }
}

/// Cuts documents longer than a token budget into passages of at most `maxTokens` tokens.
///
/// A document within the budget is one chunk, its text unchanged (offsets `0..<scalar count`). A longer one is cut
/// at paragraph breaks (blank lines) first: consecutive paragraphs are packed greedily while they fit. A paragraph
/// over the budget is cut at sentence ends (``SentenceSegmenter``), its sentences packed the same way; a sentence
/// over the budget (or text without punctuation) is cut at whitespace; a run without whitespace over the budget
/// (CJK without punctuation, a long URL) at grapheme boundaries, and a grapheme over the budget at Unicode scalars.
/// Packing never crosses the cut of a coarser level, so every chunk edge is the best boundary available there.
/// Cut chunks are trimmed of whitespace at their edges; their offsets point at the trimmed text.
///
/// A chunk under `minTokens` (a short tail, or a short paragraph between two long ones) joins the chunk before it
/// when the two fit the budget together, else the chunk after it when those fit; when neither fits, it and the
/// chunk before it (the one after, for a first chunk) are re-balanced: their joined span is cut again at its most
/// balanced boundary (paragraph, then sentence, whitespace, grapheme) that leaves both parts within
/// `minTokens...maxTokens`. No chunk of a cut document exceeds `maxTokens`. The cut depends only on the text, the
/// budget and the counter: the same input gives the same chunks.
public struct PassageChunker: Sendable {
    /// The default budget, in tokens.
    public static let defaultMaxTokens = 512
    /// The default smallest chunk, in tokens.
    public static let defaultMinTokens = 64
    /// The smallest budget accepted (a Unicode scalar is at most a few byte-level tokens).
    public static let smallestBudget = 16

    /// The most tokens a chunk holds.
    public let maxTokens: Int
    /// Chunks under this many tokens are joined to a neighbour or re-balanced.
    public let minTokens: Int
    /// Counts tokens.
    public let counter: any TokenCounting
    /// Finds sentence ends and paragraph breaks.
    public let segmenter: SentenceSegmenter

    /// Creates a chunker; throws when `maxTokens` is under ``smallestBudget`` or `minTokens` is not in `0..<maxTokens`.
    public init(
        maxTokens: Int = PassageChunker.defaultMaxTokens, minTokens: Int = PassageChunker.defaultMinTokens,
        counter: any TokenCounting, segmenter: SentenceSegmenter = SentenceSegmenter()
    ) throws(ChunkingError) {
        guard maxTokens >= Self.smallestBudget, minTokens >= 0, minTokens < maxTokens else {
            throw .invalidBudget(maxTokens: maxTokens, minTokens: minTokens)
        }
        self.maxTokens = maxTokens
        self.minTokens = minTokens
        self.counter = counter
        self.segmenter = segmenter
    }

    /// The chunks of `text`, in order: one (the whole text) when it fits the budget; none for a text of only
    /// whitespace over the budget.
    public func chunks(of text: String) -> [PassageChunk] {
        let whole = counter.count(text)
        if whole <= maxTokens {
            return [PassageChunk(index: 0, text: text, start: 0, end: text.unicodeScalars.count, tokens: whole)]
        }
        var work = ChunkWork(scalars: Array(text.unicodeScalars), chunker: self)
        work.counts[0..<work.scalars.count] = whole
        let ranges = work.cut()
        return ranges.enumerated().map { index, range in
            PassageChunk(index: index, text: work.text(range), start: range.lowerBound, end: range.upperBound, tokens: work.count(range))
        }
    }
}

/// The state of one ``PassageChunker/chunks(of:)`` call: the scalars, their sentences, and token counts of spans.
private struct ChunkWork {
    /// The cut levels, coarsest first.
    enum Level: Int, CaseIterable {
        case paragraph, sentence, word, grapheme, scalar

        var finer: Level? { Level(rawValue: rawValue + 1) }
    }

    let scalars: [Unicode.Scalar]
    let chunker: PassageChunker
    let sentences: [SentenceSegmenter.Span]
    /// Token counts of spans already counted.
    var counts: [Range<Int>: Int] = [:]

    init(scalars: [Unicode.Scalar], chunker: PassageChunker) {
        self.scalars = scalars
        self.chunker = chunker
        sentences = chunker.segmenter.spans(of: scalars)
    }

    var budget: Int { chunker.maxTokens }

    func text(_ range: Range<Int>) -> String { String(String.UnicodeScalarView(scalars[range])) }

    mutating func count(_ range: Range<Int>) -> Int {
        if let known = counts[range] { return known }
        let tokens = chunker.counter.count(text(range))
        counts[range] = tokens
        return tokens
    }

    mutating func fits(_ range: Range<Int>) -> Bool { count(range) <= budget }

    /// `range` without whitespace at either end (empty when it is all whitespace).
    func trimmed(_ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, SentenceSegmenter.isSpace(scalars[lower]) { lower += 1 }
        while upper > lower, SentenceSegmenter.isSpace(scalars[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    /// The whole cut: paragraphs packed (long ones cut finer), then short chunks joined or re-balanced.
    mutating func cut() -> [Range<Int>] {
        var paragraphs: [Range<Int>] = []
        var current: Int?
        for sentence in sentences {
            if sentence.paragraph == current {
                paragraphs[paragraphs.count - 1] = paragraphs[paragraphs.count - 1].lowerBound..<sentence.end
            } else {
                paragraphs.append(sentence.start..<sentence.end)
                current = sentence.paragraph
            }
        }
        guard !paragraphs.isEmpty else { return [] }
        var chunks = pack(paragraphs, level: .paragraph)
        settleShortChunks(&chunks)
        return chunks
    }

    /// The sentences that start inside `range`, in order.
    private func sentences(in range: Range<Int>) -> ArraySlice<SentenceSegmenter.Span> {
        func firstStarting(atOrAfter position: Int) -> Int {
            var low = 0
            var high = sentences.count
            while low < high {
                let middle = (low + high) / 2
                if sentences[middle].start < position { low = middle + 1 } else { high = middle }
            }
            return low
        }
        return sentences[firstStarting(atOrAfter: range.lowerBound)..<firstStarting(atOrAfter: range.upperBound)]
    }

    /// The pieces of `range` at `level`: its sentences, its whitespace-separated words, its graphemes or scalars.
    private func pieces(of range: Range<Int>, at level: Level) -> [Range<Int>] {
        switch level {
        case .paragraph:
            return [range]
        case .sentence:
            return sentences(in: range).filter { $0.end <= range.upperBound }.map { $0.start..<$0.end }
        case .word:
            var words: [Range<Int>] = []
            var i = range.lowerBound
            while i < range.upperBound {
                while i < range.upperBound, SentenceSegmenter.isSpace(scalars[i]) { i += 1 }
                let start = i
                while i < range.upperBound, !SentenceSegmenter.isSpace(scalars[i]) { i += 1 }
                if i > start { words.append(start..<i) }
            }
            return words
        case .grapheme:
            var graphemes: [Range<Int>] = []
            var position = range.lowerBound
            for character in text(range) {
                let next = position + character.unicodeScalars.count
                graphemes.append(position..<next)
                position = next
            }
            return graphemes
        case .scalar:
            return range.map { $0..<($0 + 1) }
        }
    }

    /// Chunks of `range`, which is over the budget, cut at `level` or finer.
    private mutating func split(_ range: Range<Int>, at level: Level) -> [Range<Int>] {
        let parts = pieces(of: range, at: level)
        guard parts.count > 1 else {
            guard let finer = level.finer else { return [range] }  // a single scalar: nothing smaller exists
            return split(range, at: finer)
        }
        return pack(parts, level: level)
    }

    /// Packs consecutive `pieces` (cut at `level`) greedily into chunks that fit the budget; a piece over the budget
    /// is cut finer and its chunks stand alone.
    private mutating func pack(_ pieces: [Range<Int>], level: Level) -> [Range<Int>] {
        // Estimated tokens per piece, to guess where each chunk ends: exact counts of paragraphs, sentences and
        // words; for graphemes and scalars a share of the whole span's count by length.
        let estimates: [Double]
        if level.rawValue < Level.grapheme.rawValue {
            estimates = pieces.map { Double(count($0)) }
        } else {
            let span = pieces[0].lowerBound..<pieces[pieces.count - 1].upperBound
            let perScalar = Double(count(span)) / Double(max(1, span.count))
            estimates = pieces.map { Double($0.count) * perScalar }
        }
        let budget = Double(self.budget)
        // Joined pieces count a little differently from the sum of their counts (a word's leading space merges into
        // it, a line break does not); each chunk's exact count corrects the next guess.
        var scale = 1.0
        var chunks: [Range<Int>] = []
        var i = 0
        while i < pieces.count {
            if !fits(pieces[i]) {
                chunks += level.finer.map { split(pieces[i], at: $0) } ?? [pieces[i]]
                i += 1
                continue
            }
            // Pieces from `i` up to `limit` (exclusive) may join: a piece over the budget stops the run, and so does
            // an estimate far over the budget (widened below if the chunk reaches it).
            let first = pieces[i].lowerBound
            var reach = 4.0
            while true {
                var limit = i + 1
                var estimated = estimates[i]
                var guess = i
                var capped = false
                while limit < pieces.count {
                    if estimates[limit] > budget && !fits(pieces[limit]) { break }
                    if estimated > budget * reach {
                        capped = true
                        break
                    }
                    estimated += estimates[limit]
                    if estimated * scale <= budget { guess = limit }
                    limit += 1
                }
                let last = Self.largestFitting(lower: i, upper: limit - 1, guess: guess) { j in
                    fits(first..<pieces[j].upperBound)
                }
                if capped && last == limit - 1 {
                    reach *= 2
                    continue
                }
                let chunk = first..<pieces[last].upperBound
                let estimatedChunk = estimates[i...last].reduce(0, +)
                if last > i && estimatedChunk > 0 { scale = Double(count(chunk)) / estimatedChunk }
                chunks.append(chunk)
                i = last + 1
                break
            }
        }
        return chunks
    }

    /// The largest `j` in `lower...upper` for which `fits(j)`, where `fits(lower)` holds and `fits` is taken to be
    /// true up to some point and false after it; searched outward from `guess`, then by bisection. Only a `j`
    /// for which `fits` was seen to hold is returned.
    private static func largestFitting(lower: Int, upper: Int, guess: Int, fits: (Int) -> Bool) -> Int {
        var good = lower
        var bad = upper + 1  // the smallest index known not to fit (or past the end)
        let start = min(max(guess, lower), upper)
        if start > good {
            if fits(start) { good = start } else { bad = start }
        }
        var step = 1
        if bad == upper + 1 {
            while good + step < bad {
                let probe = good + step
                guard fits(probe) else {
                    bad = probe
                    break
                }
                good = probe
                step *= 2
            }
        } else {
            while bad - step > good {
                let probe = bad - step
                if fits(probe) {
                    good = probe
                    break
                }
                bad = probe
                step *= 2
            }
        }
        while bad - good > 1 {
            let middle = (good + bad) / 2
            if fits(middle) { good = middle } else { bad = middle }
        }
        return good
    }

    /// Joins or re-balances every chunk under `minTokens` (see ``PassageChunker``).
    private mutating func settleShortChunks(_ chunks: inout [Range<Int>]) {
        let minimum = chunker.minTokens
        var i = 0
        while i < chunks.count {
            guard chunks.count > 1, count(chunks[i]) < minimum else {
                i += 1
                continue
            }
            if i > 0, fits(chunks[i - 1].lowerBound..<chunks[i].upperBound) {
                chunks[i - 1] = chunks[i - 1].lowerBound..<chunks[i].upperBound
                chunks.remove(at: i)
                i -= 1  // the joined chunk may still be short
                continue
            }
            if i + 1 < chunks.count, fits(chunks[i].lowerBound..<chunks[i + 1].upperBound) {
                chunks[i] = chunks[i].lowerBound..<chunks[i + 1].upperBound
                chunks.remove(at: i + 1)
                continue
            }
            let pair = i > 0 ? i - 1 : i
            if let balanced = rebalance(chunks[pair].lowerBound..<chunks[pair + 1].upperBound) {
                chunks[pair] = balanced.head
                chunks[pair + 1] = balanced.tail
            }
            i += 1
        }
    }

    /// The most balanced cut of `range` (over the budget) into two chunks of `minTokens...maxTokens` tokens, at the
    /// coarsest level that has one; nil when no boundary gives one.
    private mutating func rebalance(_ range: Range<Int>) -> (head: Range<Int>, tail: Range<Int>)? {
        let minimum = chunker.minTokens
        for level in [Level.paragraph, .sentence, .word, .grapheme, .scalar] {
            let cuts = boundaries(in: range, at: level)
            guard !cuts.isEmpty else { continue }
            func halves(_ cut: Int) -> (head: Range<Int>, tail: Range<Int>) {
                (trimmed(range.lowerBound..<cut), trimmed(cut..<range.upperBound))
            }
            // The first cut whose head has at least as many tokens as its tail.
            var low = 0
            var high = cuts.count
            while low < high {
                let middle = (low + high) / 2
                let (head, tail) = halves(cuts[middle])
                if count(head) >= count(tail) { high = middle } else { low = middle + 1 }
            }
            var best: (head: Range<Int>, tail: Range<Int>, gap: Int)?
            for index in [low - 1, low] where index >= 0 && index < cuts.count {
                let (head, tail) = halves(cuts[index])
                guard !head.isEmpty, !tail.isEmpty else { continue }
                let headTokens = count(head)
                let tailTokens = count(tail)
                guard headTokens <= budget, tailTokens <= budget, headTokens >= minimum, tailTokens >= minimum else { continue }
                let gap = abs(headTokens - tailTokens)
                if best == nil || gap < best!.gap { best = (head, tail, gap) }
            }
            if let best { return (best.head, best.tail) }
        }
        return nil
    }

    /// Positions strictly inside `range` where a chunk may start at `level`.
    private func boundaries(in range: Range<Int>, at level: Level) -> [Int] {
        let inside = { (position: Int) in position > range.lowerBound && position < range.upperBound }
        switch level {
        case .paragraph:
            var starts: [Int] = []
            var previous: Int?
            for sentence in sentences(in: range) {
                if let previous, sentence.paragraph != previous, inside(sentence.start) { starts.append(sentence.start) }
                previous = sentence.paragraph
            }
            return starts
        case .sentence:
            return sentences(in: range).map(\.start).filter(inside)
        case .word:
            return pieces(of: range, at: .word).map(\.lowerBound).filter(inside)
        case .grapheme:
            return pieces(of: range, at: .grapheme).map(\.lowerBound).filter(inside)
        case .scalar:
            return Array((range.lowerBound + 1)..<range.upperBound)
        }
    }
}

/// The Qwen2 `Split` pre-tokenizer, written out by hand over Unicode scalars.
///
/// It reproduces, with Oniguruma's semantics (leftmost match, alternatives tried in order), the regex
/// `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
/// with `behavior: Isolated`. Every scalar lands in exactly one piece, so the pieces tile the input.
enum Qwen2PreTokenizer {
    /// The exact pattern string of the Qwen2 `Split` pre-tokenizer in `tokenizer.json`.
    static let pattern =
        #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#

    /// Reusable buffers for one encode call.
    struct Scratch {
        /// Scalar values of the segment.
        var values: [UInt32] = []
        /// Their classes (``ScalarClass`` raw values).
        var classes: [UInt8] = []
        /// Byte offset where each scalar starts, plus the end offset.
        var offsets: [Int32] = []
        /// Byte offsets of the piece boundaries: piece k is `bounds[k]..<bounds[k+1]`.
        var bounds: [Int32] = []
    }

    /// Splits valid UTF-8 `bytes` into pieces; their byte boundaries are left in `scratch.bounds`.
    static func split(_ bytes: UnsafeBufferPointer<UInt8>, scratch: inout Scratch) {
        decode(bytes, into: &scratch)
        scratch.bounds.removeAll(keepingCapacity: true)
        let n = scratch.values.count
        scratch.bounds.append(0)
        guard n > 0 else { return }
        scratch.values.withUnsafeBufferPointer { values in
            scratch.classes.withUnsafeBufferPointer { classes in
                scratch.offsets.withUnsafeBufferPointer { offsets in
                    var i = 0
                    while i < n {
                        let end = matchEnd(at: i, count: n, values: values, classes: classes)
                        scratch.bounds.append(offsets[end])
                        i = end
                    }
                }
            }
        }
    }

    /// Decodes valid UTF-8 into scalar values, classes and byte offsets.
    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>, into scratch: inout Scratch) {
        scratch.values.removeAll(keepingCapacity: true)
        scratch.classes.removeAll(keepingCapacity: true)
        scratch.offsets.removeAll(keepingCapacity: true)
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            var value: UInt32
            var length: Int
            if lead < 0x80 {
                value = UInt32(lead); length = 1
            } else if lead < 0xE0 {
                value = UInt32(lead & 0x1F); length = 2
            } else if lead < 0xF0 {
                value = UInt32(lead & 0x0F); length = 3
            } else {
                value = UInt32(lead & 0x07); length = 4
            }
            if length > 1 {
                var k = 1
                while k < length && index + k < count {
                    value = (value << 6) | UInt32(bytes[index + k] & 0x3F)
                    k += 1
                }
            }
            scratch.values.append(value)
            scratch.classes.append(ScalarClass.of(value))
            scratch.offsets.append(Int32(index))
            index += length
        }
        scratch.offsets.append(Int32(count))
    }

    private static let letter = ScalarClass.letter.rawValue
    private static let number = ScalarClass.number.rawValue
    private static let space = ScalarClass.space.rawValue
    private static let newline = ScalarClass.newline.rawValue

    /// The scalar index where the regex match starting at `i` ends (always > i).
    @inline(__always)
    private static func matchEnd(
        at i: Int, count n: Int, values: UnsafeBufferPointer<UInt32>, classes: UnsafeBufferPointer<UInt8>
    ) -> Int {
        let c = classes[i]
        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if values[i] == 0x27, i + 1 < n {
            let first = foldedASCII(values[i + 1])
            switch first {
            case 0x73, 0x74, 0x6D, 0x64: return i + 2  // s t m d
            case 0x72, 0x76:  // r v → 're 've
                if i + 2 < n, foldedASCII(values[i + 2]) == 0x65 { return i + 3 }
            case 0x6C:  // l → 'll
                if i + 2 < n, foldedASCII(values[i + 2]) == 0x6C { return i + 3 }
            default: break
            }
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if c & letter != 0 {
            var j = i + 1
            while j < n && classes[j] & letter != 0 { j += 1 }
            return j
        }
        if c & (newline | number) == 0, i + 1 < n, classes[i + 1] & letter != 0 {
            var j = i + 2
            while j < n && classes[j] & letter != 0 { j += 1 }
            return j
        }
        // \p{N}
        if c & number != 0 { return i + 1 }
        // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        var runStart = -1
        if c & space == 0 {
            runStart = i
        } else if values[i] == 0x20, i + 1 < n, classes[i + 1] & (space | letter | number) == 0 {
            runStart = i + 1
        }
        if runStart >= 0 {
            var j = runStart + 1
            while j < n && classes[j] & (space | letter | number) == 0 { j += 1 }
            while j < n && classes[j] & newline != 0 { j += 1 }
            return j
        }
        // Here scalar i is whitespace. Find the whitespace run i..<j and its last \r or \n.
        var j = i
        var lastNewline = -1
        while j < n && classes[j] & space != 0 {
            if classes[j] & newline != 0 { lastNewline = j }
            j += 1
        }
        // \s*[\r\n]+
        if lastNewline >= 0 { return lastNewline + 1 }
        // \s+(?!\S)
        if j == n { return j }
        if j - i >= 2 { return j - 1 }
        // \s+
        return j
    }

    /// The lower-case ASCII letter a scalar matches under Oniguruma's case folding, for the contraction
    /// letters (s t r e v m l d); U+017F LATIN SMALL LETTER LONG S folds to `s`.
    @inline(__always)
    private static func foldedASCII(_ value: UInt32) -> UInt32 {
        if value >= 0x41 && value <= 0x5A { return value + 0x20 }
        if value == 0x17F { return 0x73 }
        return value
    }
}

/// The character classes the Qwen2 pre-tokenizer regex uses, with Oniguruma's Unicode meanings.
///
/// `\p{L}` is general category L (Lu Ll Lt Lm Lo), `\p{N}` is N (Nd Nl No), and `\s` is the Unicode
/// White_Space property (U+0009–000D, U+0020, U+0085, U+00A0, U+1680, U+2000–200A, U+2028, U+2029,
/// U+202F, U+205F, U+3000) — unlike ICU's `\s`, it includes U+000B and U+0085.
struct ScalarClass: OptionSet, Sendable {
    let rawValue: UInt8

    /// `\p{L}`.
    static let letter = ScalarClass(rawValue: 1)
    /// `\p{N}`.
    static let number = ScalarClass(rawValue: 2)
    /// `\s`.
    static let space = ScalarClass(rawValue: 4)
    /// `\r` or `\n`.
    static let newline = ScalarClass(rawValue: 8)

    /// The class of any scalar value (a table for the BMP, Unicode properties above it).
    @inline(__always)
    static func of(_ value: UInt32) -> UInt8 {
        if value < 0x10000 { return bmp[Int(value)] }
        return compute(value)
    }

    /// Classes of every BMP scalar, computed once from the standard library's Unicode tables.
    static let bmp: [UInt8] = (0..<0x10000).map { compute(UInt32($0)) }

    /// The class of one scalar value from its Unicode properties (surrogates and non-scalars: none).
    static func compute(_ value: UInt32) -> UInt8 {
        guard let scalar = Unicode.Scalar(value) else { return 0 }
        var result: UInt8 = 0
        let properties = scalar.properties
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            result |= letter.rawValue
        case .decimalNumber, .letterNumber, .otherNumber:
            result |= number.rawValue
        default:
            break
        }
        if properties.isWhitespace { result |= space.rawValue }
        if value == 0x0A || value == 0x0D { result |= newline.rawValue }
        return result
    }
}

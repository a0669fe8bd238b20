import Foundation

/// The `normalizer` of `tokenizer.json`: Unicode normalization forms, alone or in a sequence.
enum Normalizer: Sendable, Equatable {
    /// Canonical composition (what Qwen uses).
    case nfc
    /// Canonical decomposition.
    case nfd
    /// Compatibility composition.
    case nfkc
    /// Compatibility decomposition.
    case nfkd

    /// `bytes` (valid UTF-8) normalized, or nil when they are already in this form (so nothing to copy).
    func normalize(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        if self == .nfc && NFCQuickCheck.isStable(bytes) { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        let normalized = switch self {
        case .nfc: text.precomposedStringWithCanonicalMapping
        case .nfd: text.decomposedStringWithCanonicalMapping
        case .nfkc: text.precomposedStringWithCompatibilityMapping
        case .nfkd: text.decomposedStringWithCompatibilityMapping
        }
        return Array(normalized.utf8)
    }

    /// Normalizes a whole string (for added tokens with `normalized: true`).
    func normalize(_ text: String) -> String {
        var copy = text
        return copy.withUTF8 { bytes in
            normalize(bytes).map { String(decoding: $0, as: UTF8.self) } ?? text
        }
    }
}

/// A conservative NFC quick check: true when no scalar of the text can change under NFC.
///
/// A scalar is stable when its canonical combining class is 0, NFC leaves it alone, and it never
/// appears after the first position of any canonical decomposition (so it cannot compose with what
/// precedes it). Everything below U+0300 is stable. In the supplementary planes only the emoji and
/// symbol block and the CJK ideograph extensions count as stable; any other scalar sends the text
/// through full normalization.
enum NFCQuickCheck {
    /// Whether normalizing the UTF-8 text to NFC certainly leaves it unchanged.
    static func isStable(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0xCC {  // < U+0300
                index += lead < 0x80 ? 1 : 2
                continue
            }
            if lead < 0xE0 {
                let value = Int(lead & 0x1F) << 6 | Int(bytes[index + 1] & 0x3F)
                if !bmpStable[value] { return false }
                index += 2
            } else if lead < 0xF0 {
                let value = Int(lead & 0x0F) << 12 | Int(bytes[index + 1] & 0x3F) << 6 | Int(bytes[index + 2] & 0x3F)
                if !bmpStable[value] { return false }
                index += 3
            } else {
                let value = Int(lead & 0x07) << 18 | Int(bytes[index + 1] & 0x3F) << 12
                    | Int(bytes[index + 2] & 0x3F) << 6 | Int(bytes[index + 3] & 0x3F)
                let stable = (0x1F000..<0x1FC00).contains(value) || (0x20000..<0x2F800).contains(value)
                    || (0x30000..<0x32400).contains(value)
                if !stable { return false }
                index += 4
            }
        }
        return true
    }

    /// Stability of every BMP scalar, computed once with Foundation's normalization.
    static let bmpStable: [Bool] = {
        var stable = [Bool](repeating: true, count: 0x10000)
        for value in 0x300..<0x10000 {
            guard let scalar = Unicode.Scalar(UInt32(value)) else { continue }
            if scalar.properties.canonicalCombiningClass.rawValue != 0 {
                stable[value] = false
                continue
            }
            // Hangul syllables compose algorithmically and are NFC; their jamo are handled below.
            if value >= 0xAC00 && value <= 0xD7A3 { continue }
            // Only scalars with a decomposition can differ under NFC or take part in one.
            if scalar.properties.isFullCompositionExclusion {
                stable[value] = false
            }
        }
        for value in 0x300..<0x10000 {
            guard let scalar = Unicode.Scalar(UInt32(value)) else { continue }
            let text = String(scalar)
            let decomposed = text.decomposedStringWithCanonicalMapping.unicodeScalars
            if decomposed.count == 1 && decomposed.first == scalar { continue }
            // Has a canonical decomposition: unstable unless NFC maps it back to itself.
            if text.precomposedStringWithCanonicalMapping.unicodeScalars.elementsEqual([scalar]) == false {
                stable[value] = false
            }
            for later in decomposed.dropFirst() where later.value < 0x10000 { stable[Int(later.value)] = false }
        }
        // Conjoining jamo: vowels and trailing consonants compose with what precedes them.
        for value in 0x1160...0x11FF { stable[value] = false }
        return stable
    }()
}

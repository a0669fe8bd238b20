/// Writing systems the language detector tells apart by Unicode scalar ranges.
package enum Script: CaseIterable, Hashable, Sendable {
    case latin, cyrillic, greek, armenian, hebrew, arabic, devanagari, bengali, gurmukhi, gujarati, tamil, telugu
    case kannada, malayalam, sinhala, thai, lao, myanmar, georgian, ethiopic, khmer, hangul, kana, han

    /// The script of a letter scalar, or nil for digits, punctuation, spaces and symbols.
    package static func of(_ scalar: Unicode.Scalar) -> Script? {
        let v = scalar.value
        switch v {
        case 0x41...0x5A, 0x61...0x7A: return .latin
        case 0xC0...0x24F where v != 0xD7 && v != 0xF7: return .latin
        case 0x1E00...0x1EFF: return .latin
        case 0x370...0x3FF, 0x1F00...0x1FFF: return .greek
        case 0x400...0x52F: return .cyrillic
        case 0x531...0x58F: return .armenian
        case 0x591...0x5FF: return .hebrew
        case 0x600...0x6FF, 0x750...0x77F, 0x8A0...0x8FF, 0xFB50...0xFDFF, 0xFE70...0xFEFF:
            return (0x660...0x669).contains(v) || (0x6F0...0x6F9).contains(v) ? nil : .arabic
        case 0x900...0x97F: return .devanagari
        case 0x980...0x9FF: return .bengali
        case 0xA00...0xA7F: return .gurmukhi
        case 0xA80...0xAFF: return .gujarati
        case 0xB80...0xBFF: return .tamil
        case 0xC00...0xC7F: return .telugu
        case 0xC80...0xCFF: return .kannada
        case 0xD00...0xD7F: return .malayalam
        case 0xD80...0xDFF: return .sinhala
        case 0xE00...0xE7F: return .thai
        case 0xE80...0xEFF: return .lao
        case 0x1000...0x109F: return .myanmar
        case 0x10A0...0x10FF: return .georgian
        case 0x1200...0x139F: return .ethiopic
        case 0x1780...0x17FF: return .khmer
        case 0x1100...0x11FF, 0x3130...0x318F, 0xAC00...0xD7AF: return .hangul
        case 0x3040...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9F: return v == 0x30FB || v == 0x30FC ? nil : .kana
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x2FA1F: return .han
        default: return nil
        }
    }

    /// The language a script alone implies, for scripts used by (mostly) one language.
    var soleLanguage: String? {
        switch self {
        case .greek: "el"
        case .armenian: "hy"
        case .hebrew: "he"
        case .devanagari: "hi"
        case .bengali: "bn"
        case .gurmukhi: "pa"
        case .gujarati: "gu"
        case .tamil: "ta"
        case .telugu: "te"
        case .kannada: "kn"
        case .malayalam: "ml"
        case .sinhala: "si"
        case .thai: "th"
        case .lao: "lo"
        case .myanmar: "my"
        case .georgian: "ka"
        case .ethiopic: "am"
        case .khmer: "km"
        case .hangul: "ko"
        case .latin, .cyrillic, .arabic, .kana, .han: nil
        }
    }
}

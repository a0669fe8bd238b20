import Foundation

/// The languages pairsmith names in prompts and configuration: ISO 639-1 codes and English names.
public enum Languages {
    /// The code used when a passage's language is unknown.
    public static let undetermined = "und"

    /// English names by ISO 639-1 code, for the prompts (`the Passage is in German`).
    public static let names: [String: String] = [
        "af": "Afrikaans", "am": "Amharic", "ar": "Arabic", "az": "Azerbaijani", "be": "Belarusian", "bg": "Bulgarian",
        "bn": "Bengali", "ca": "Catalan", "cs": "Czech", "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek",
        "en": "English", "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian", "fi": "Finnish",
        "fil": "Filipino", "fr": "French", "ga": "Irish", "gl": "Galician", "gu": "Gujarati", "ha": "Hausa",
        "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "hy": "Armenian", "id": "Indonesian",
        "ig": "Igbo", "is": "Icelandic", "it": "Italian", "ja": "Japanese", "ka": "Georgian", "kk": "Kazakh",
        "km": "Khmer", "kn": "Kannada", "ko": "Korean", "lo": "Lao", "lt": "Lithuanian", "lv": "Latvian",
        "mk": "Macedonian", "ml": "Malayalam", "mn": "Mongolian", "mr": "Marathi", "ms": "Malay", "my": "Burmese",
        "ne": "Nepali", "nl": "Dutch", "no": "Norwegian", "pa": "Punjabi", "pl": "Polish", "pt": "Portuguese",
        "ro": "Romanian", "ru": "Russian", "si": "Sinhala", "sk": "Slovak", "sl": "Slovenian", "sq": "Albanian",
        "sr": "Serbian", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil", "te": "Telugu", "th": "Thai",
        "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "uz": "Uzbek", "vi": "Vietnamese",
        "yo": "Yoruba", "zh": "Chinese", "zu": "Zulu",
    ]

    /// The English name of `code`, or the code itself when it is not in the table.
    public static func name(of code: String) -> String {
        names[code] ?? (code == undetermined ? "an unknown" : code)
    }

    /// Normalises a language tag from a corpus line (`pt-BR`, `ZH_hant`, `en`) to its lower-case primary subtag;
    /// nil when it is not a plausible tag (2–3 ASCII letters before any `-` or `_`).
    public static func normalise(_ tag: String) -> String? {
        let primary = tag.trimmingCharacters(in: .whitespaces).lowercased()
            .split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map(String.init) ?? ""
        guard (2...3).contains(primary.count), primary.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) }) else {
            return nil
        }
        return primary
    }
}

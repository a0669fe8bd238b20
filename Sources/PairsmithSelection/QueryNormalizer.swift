import Foundation

/// The normal form under which two queries count as exact duplicates.
public enum QueryNormalizer {
    /// `text` in Unicode NFKC, lower-cased with full case folding of ß (→ ss) and final sigma (→ σ), whitespace
    /// runs collapsed to one space, leading and trailing whitespace and trailing punctuation removed.
    public static func normalize(_ text: String) -> String {
        let folded = text.precomposedStringWithCompatibilityMapping.lowercased()
            .replacingOccurrences(of: "ß", with: "ss").replacingOccurrences(of: "ς", with: "σ")
            .precomposedStringWithCompatibilityMapping
        var joined = folded.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        while let last = joined.last, last.isWhitespace || last.unicodeScalars.allSatisfy({ isPunctuation($0) }) {
            joined.removeLast()
        }
        return joined
    }

    private static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation:
            true
        default:
            false
        }
    }
}

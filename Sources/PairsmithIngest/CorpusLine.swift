import Foundation
import PairsmithJSON
import PairsmithText

/// One corpus JSONL line, decoded strictly: `text` must be a string, `id` a string or an integer, `lang` a
/// string or null; other fields are ignored.
struct CorpusLine: Sendable {
    /// The `id` field as text (integers are written in decimal), nil when absent.
    var id: String?
    /// The passage text.
    var text: String
    /// The given language tag, normalised, nil when absent.
    var lang: String?

    /// Decodes a line's bytes or says why it is rejected.
    static func parse(_ bytes: [UInt8], textField: String = "text") -> Result<CorpusLine, InputRejection> {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            return .failure(InputRejection(reason: .invalidUTF8, detail: "the line is not valid UTF-8"))
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes: bytes, duplicateKeys: .firstWins)
        } catch {
            return .failure(InputRejection(reason: .invalidJSON, detail: "the line is not valid JSON"))
        }
        guard case .object(let object) = value else {
            return .failure(InputRejection(reason: .notObject, detail: "the line is JSON but not an object"))
        }
        guard let textValue = object[textField], textValue != .null else {
            return .failure(InputRejection(reason: .missingText, detail: "the object has no \"\(textField)\" field"))
        }
        guard case .string(let text) = textValue else {
            return .failure(
                InputRejection(
                    reason: .wrongType, detail: "\"\(textField)\" must be a string, found \(textValue.kindDescription)"))
        }
        guard !text.allSatisfy(\.isWhitespace) else {
            return .failure(InputRejection(reason: .emptyText, detail: "\"\(textField)\" is empty or only whitespace"))
        }
        var id: String?
        switch object["id"] {
        case nil, .null?: id = nil
        case .string(let value)?:
            guard !value.isEmpty else { return .failure(InputRejection(reason: .wrongType, detail: "\"id\" is an empty string")) }
            id = value
        case .integer(let value)?: id = String(value)
        case .number(let value)? where Int64(exactly: value) != nil: id = String(Int64(value))  // 1.0, 1e2: as JSONDecoder read them
        case let other?:
            return .failure(
                InputRejection(
                    reason: .wrongType, detail: "\"id\" must be a string or an integer, found \(other.kindDescription)"))
        }
        var lang: String?
        switch object["lang"] {
        case nil, .null?: lang = nil
        case .string(let tag)?:
            guard let normalised = Languages.normalise(tag) else {
                return .failure(
                    InputRejection(
                        reason: .invalidLanguage, detail: "\"lang\" must be a language code such as \"en\" or \"pt-BR\", found \"\(tag)\""))
            }
            lang = normalised
        case let other?:
            return .failure(InputRejection(reason: .wrongType, detail: "\"lang\" must be a string, found \(other.kindDescription)"))
        }
        return .success(CorpusLine(id: id, text: text, lang: lang))
    }
}

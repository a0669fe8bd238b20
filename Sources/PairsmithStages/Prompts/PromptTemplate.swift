import Foundation
import Mustache

/// A Mustache prompt template read from a file (templates start with `{{% CONTENT_TYPE: TEXT}}`, so nothing is
/// HTML-escaped).
public struct PromptTemplate: Sendable {
    /// The file the template came from.
    public let file: URL
    private let template: MustacheTemplate

    /// Reads and parses the template at `file`.
    public init(file: URL) throws {
        let text: String
        do {
            text = try String(contentsOf: file, encoding: .utf8)
        } catch {
            throw PromptError.unreadable(path: file.path, reason: error.localizedDescription)
        }
        try self.init(text: text, file: file)
    }

    /// Parses template text (for tests and embedded templates); `file` is used in messages.
    public init(text: String, file: URL) throws {
        self.file = file
        do {
            template = try MustacheTemplate(string: text)
        } catch {
            throw PromptError.invalidTemplate(path: file.path, reason: String(describing: error))
        }
    }

    /// Renders the template with `context` (strings, numbers, booleans, arrays and dictionaries of them).
    public func render(_ context: [String: Any]) -> String {
        template.render(context)
    }
}

/// Errors reading prompt templates and answer schemas.
public enum PromptError: Error, CustomStringConvertible, Equatable {
    /// A template or schema file cannot be read.
    case unreadable(path: String, reason: String)
    /// A template that Mustache cannot parse.
    case invalidTemplate(path: String, reason: String)
    /// A schema file that is not a JSON object.
    case invalidSchema(path: String, reason: String)
    /// A schema asks for a run-time enum (`x-pairsmith-enum`) that was not supplied.
    case missingEnum(path: String, name: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .invalidTemplate(let path, let reason): "\(path) is not a valid Mustache template: \(reason)"
        case .invalidSchema(let path, let reason): "\(path) is not a valid JSON schema object: \(reason)"
        case .missingEnum(let path, let name):
            "\(path) asks for the run-time enum \"\(name)\" (x-pairsmith-enum) but no values were supplied"
        }
    }
}

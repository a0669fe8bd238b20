import Foundation

/// The names a Mustache template reads, with the sections they sit in, so that a pipeline can be checked before
/// any request: every name must be a declared input (or, inside a list's section, a field of its items).
struct TemplateReferences {
    /// One variable or section tag.
    struct Reference: Hashable {
        /// The name as written (`passage`, `item.name`, `.`).
        var name: String
        /// The names of the enclosing sections, outermost first.
        var sections: [String]
        /// The 1-based line in the template.
        var line: Int
    }

    /// Every variable and section-opening tag, in order.
    let references: [Reference]

    /// A problem in the template's tags (an unclosed or mismatched section).
    struct TagError: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    private static let tag = try? NSRegularExpression(pattern: #"\{\{(\{)?\s*([#^/&!>%=]?)\s*([^}]*?)\s*\}?\}\}"#)

    /// Scans `text`.
    init(text: String) throws(TagError) {
        var found: [Reference] = []
        var stack: [(name: String, line: Int)] = []
        let ns = text as NSString
        let matches = Self.tag?.matches(in: text, range: NSRange(location: 0, length: ns.length)) ?? []
        for match in matches {
            let line = ns.substring(to: match.range.location).reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
            let sigil = match.range(at: 2).location == NSNotFound ? "" : ns.substring(with: match.range(at: 2))
            let name = ns.substring(with: match.range(at: 3)).trimmingCharacters(in: .whitespaces)
            switch sigil {
            case "!", "%", ">", "=":
                continue  // comments, pragmas, partials (none are used), delimiter changes
            case "#", "^":
                found.append(Reference(name: name, sections: stack.map(\.name), line: line))
                stack.append((name, line))
            case "/":
                guard let open = stack.popLast() else { throw TagError(line: line, message: "{{/\(name)}} closes no section") }
                guard open.name == name else {
                    throw TagError(line: line, message: "{{/\(name)}} closes {{#\(open.name)}} (opened on line \(open.line))")
                }
            default:
                found.append(Reference(name: name, sections: stack.map(\.name), line: line))
            }
        }
        if let open = stack.last { throw TagError(line: open.line, message: "{{#\(open.name)}} is never closed") }
        references = found
    }
}

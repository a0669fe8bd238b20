import Foundation

/// Where an endpoint's bearer key comes from. Only the source is kept in configuration, never the key itself.
public enum APIKeySource: Sendable, Hashable, CustomStringConvertible {
    /// No key: no `Authorization` header.
    case none
    /// The key is the value of this environment variable.
    case environment(String)
    /// The key is the content of this file (surrounding whitespace removed).
    case file(String)

    public var description: String {
        switch self {
        case .none: "none"
        case .environment(let name): "env:\(name)"
        case .file(let path): "file:\(path)"
        }
    }

    /// Reads the key now; nil for ``none``.
    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> BearerToken? {
        switch self {
        case .none:
            return nil
        case .environment(let name):
            guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else {
                throw EndpointConfigurationError.missingKey("environment variable \(name) is not set or empty; export it or use a key file")
            }
            return BearerToken(value)
        case .file(let path):
            let text: String
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw EndpointConfigurationError.missingKey("cannot read the key file \(path): \(error.localizedDescription)")
            }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { throw EndpointConfigurationError.missingKey("the key file \(path) is empty") }
            return BearerToken(value)
        }
    }
}

/// A bearer key held in memory only; every printed form of it is redacted.
struct BearerToken: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let secret: String

    init(_ secret: String) { self.secret = secret }

    /// The `Authorization` header value.
    var headerValue: String { "Bearer " + secret }

    var description: String { "<redacted>" }
    var debugDescription: String { "<redacted>" }
    var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

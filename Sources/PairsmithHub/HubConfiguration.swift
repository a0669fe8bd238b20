import Foundation

/// Where the Hugging Face hub is and how to authenticate to it.
///
/// The token is kept in memory only; ``description`` never shows it.
public struct HubConfiguration: Sendable, CustomStringConvertible {
    /// The hub's base URL (`HF_ENDPOINT`, default `https://huggingface.co`).
    public var endpoint: URL
    /// The access token sent as `Authorization: Bearer …`, if any.
    public var token: String?

    /// Creates a configuration from explicit values.
    public init(endpoint: URL, token: String? = nil) {
        self.endpoint = endpoint
        self.token = token
    }

    /// Reads `HF_ENDPOINT` and the token from `HF_TOKEN`, else `HF_TOKEN_PATH`, else `$HF_HOME/token`
    /// (`~/.cache/huggingface/token`), the places the Hugging Face tools use.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(HubError) -> HubConfiguration
    {
        let endpointText = environment["HF_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://huggingface.co"
        guard let endpoint = URL(string: endpointText.hasSuffix("/") ? String(endpointText.dropLast()) : endpointText),
              let scheme = endpoint.scheme, ["http", "https"].contains(scheme), endpoint.host != nil
        else { throw .invalidConfiguration("HF_ENDPOINT '\(endpointText)' is not an http(s) URL, e.g. https://huggingface.co") }
        if let token = environment["HF_TOKEN"], !token.isEmpty {
            return HubConfiguration(endpoint: endpoint, token: token)
        }
        let home = environment["HF_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/huggingface")
        let tokenFile = environment["HF_TOKEN_PATH"].map { URL(fileURLWithPath: $0) } ?? home.appendingPathComponent("token")
        let stored = (try? String(contentsOf: tokenFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        return HubConfiguration(endpoint: endpoint, token: stored?.isEmpty == false ? stored : nil)
    }

    public var description: String {
        "HubConfiguration(endpoint: \(endpoint.absoluteString), token: \(token == nil ? "none" : "<redacted>"))"
    }
}

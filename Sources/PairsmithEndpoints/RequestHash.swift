import Crypto
import PairsmithJSON

/// The stable key under which an answer is stored: SHA-256 of the model, messages, sampling parameters and schema.
public enum RequestHash {
    /// A version tag folded into every hash, bumped if the canonical form ever changes.
    public static let version = "pairsmith-chat-v1"

    /// The canonical JSON text that is hashed (sorted keys, absent parameters as null).
    public static func canonicalText(of request: ChatRequest, model: String) -> String {
        func optional(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
        func optional(_ value: Int?) -> JSONValue { value.map(JSONValue.integer) ?? .null }
        let document: JSONValue = [
            "version": .string(version),
            "model": .string(model),
            "messages": .array(request.messages.map { ["role": .string($0.role), "content": .string($0.content)] }),
            "temperature": optional(request.temperature),
            "top_p": optional(request.topP),
            "max_tokens": optional(request.maxTokens),
            "seed": optional(request.seed),
            "schema": request.schema?.value ?? .null,
            "schema_name": .string(request.schemaName),
        ]
        return document.canonicalText
    }

    /// The lowercase hex SHA-256 of ``canonicalText(of:model:)``.
    public static func sha256(of request: ChatRequest, model: String) -> String {
        let digest = SHA256.hash(data: Array(canonicalText(of: request, model: model).utf8))
        return digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

extension ChatRequest {
    /// The request's storage key for `model` (see ``RequestHash``).
    public func hash(model: String) -> String { RequestHash.sha256(of: self, model: model) }
}

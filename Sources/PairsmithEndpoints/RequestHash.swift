import Crypto
import PairsmithJSON

/// The stable key under which an answer is stored: SHA-256 of the model, messages, sampling parameters and schema.
public enum RequestHash {
    /// A version tag folded into every hash, bumped if the canonical form ever changes.
    public static let version = "pairsmith-chat-v1"

    /// The canonical JSON text that is hashed (sorted keys, absent parameters as null).
    public static func canonicalText(of request: ChatRequest, model: String) -> String {
        String(decoding: canonicalBytes(of: request, model: model), as: UTF8.self)
    }

    /// The lowercase hex SHA-256 of ``canonicalText(of:model:)``.
    public static func sha256(of request: ChatRequest, model: String) -> String {
        hex(SHA256.hash(data: canonicalBytes(of: request, model: model)))
    }

    /// The UTF-8 bytes of ``canonicalText(of:model:)``, written field by field in sorted key order with the schema's
    /// bytes as ``JSONSchema`` keeps them: the same bytes as the canonical text of the document
    /// `{"max_tokens", "messages": [{"content", "role"}…], "model", "schema", "schema_name", "seed", "temperature",
    /// "top_p", "version"}`, without building it (this runs for every request a run sends).
    static func canonicalBytes(of request: ChatRequest, model: String) -> [UInt8] {
        var capacity = 192 + model.utf8.count + request.schemaName.utf8.count + (request.schema?.canonicalBytes.count ?? 0)
        for message in request.messages { capacity += message.content.utf8.count + message.role.utf8.count + 24 }
        var w = JSONWriter(style: .canonical, capacity: capacity)
        w.raw(#"{"max_tokens":"#)
        if let m = request.maxTokens { w.integer(m) } else { w.raw("null") }
        w.raw(#","messages":["#)
        for (i, message) in request.messages.enumerated() {
            if i > 0 { w.raw(",") }
            w.raw(#"{"content":"#)
            w.string(message.content)
            w.raw(#","role":"#)
            w.string(message.role)
            w.raw("}")
        }
        w.raw(#"],"model":"#)
        w.string(model)
        w.raw(#","schema":"#)
        if let schema = request.schema { w.raw(schema.canonicalBytes) } else { w.raw("null") }
        w.raw(#","schema_name":"#)
        w.string(request.schemaName)
        w.raw(#","seed":"#)
        if let s = request.seed { w.integer(s) } else { w.raw("null") }
        w.raw(#","temperature":"#)
        if let t = request.temperature { w.number(t) } else { w.raw("null") }
        w.raw(#","top_p":"#)
        if let p = request.topP { w.number(p) } else { w.raw("null") }
        w.raw(#","version":"#)
        w.string(version)
        w.raw("}")
        return w.bytes
    }

    /// Lowercase hex of a digest, written into one string (no per-byte strings).
    static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits: StaticString = "0123456789abcdef"
        let bytes = Array(digest)
        return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            digits.withUTF8Buffer { table in
                for (i, byte) in bytes.enumerated() {
                    out[2 * i] = table[Int(byte >> 4)]
                    out[2 * i + 1] = table[Int(byte & 0x0F)]
                }
            }
            return bytes.count * 2
        }
    }
}

extension ChatRequest {
    /// The request's storage key for `model` (see ``RequestHash``).
    public func hash(model: String) -> String { RequestHash.sha256(of: self, model: model) }
}

import Foundation
import PairsmithJSON

/// The JSON bodies of `/v1/embeddings` (vLLM, TEI's OpenAI route, llama.cpp): the request we send and the reply.
enum EmbeddingWire {
    /// The request body: `model`, `input` (a list), `encoding_format`, and `dimensions` when given.
    static func requestBody(model: String, texts: [String], encoding: EmbeddingEncoding, dimensions: Int?) -> String {
        var body: [String: JSONValue] = [
            "model": .string(model),
            "input": .array(texts.map { .string($0) }),
            "encoding_format": .string(encoding.rawValue),
        ]
        if let dimensions { body["dimensions"] = .integer(dimensions) }
        return JSONValue.object(body).canonicalText
    }

    /// One `data` element: its `index` (when the server sent one) and its vector.
    struct Item {
        var index: Int?
        var vector: [Float]
    }

    /// The parts of an embeddings reply we use.
    struct Reply {
        var items: [Item]
        var promptTokens: Int

        init(items: [Item], promptTokens: Int) {
            self.items = items
            self.promptTokens = promptTokens
        }

        /// Reads `data[*].index` and `data[*].embedding` (numbers or base64 float32) and `usage.prompt_tokens`:
        /// with the fast scanner when the reply has the usual shape, else with the strict parser (which says what
        /// is wrong).
        init(parsing body: Data) throws {
            if let reply = EmbeddingReplyScanner.scan(body) {
                self = reply
                return
            }
            try self.init(parsingStrictly: body)
        }

        /// Reads the reply with the strict JSON parser.
        init(parsingStrictly body: Data) throws {
            let reply = try JSONValue.parse(body)
            guard let data = reply["data"]?.arrayValue else {
                throw WireFormat.MalformedReply(reason: "the reply has no 'data' list")
            }
            items = try data.enumerated().map { position, element in
                guard case .object = element else {
                    throw WireFormat.MalformedReply(reason: "data[\(position)] is not an object")
                }
                var index: Int?
                if let value = element["index"], value != .null {
                    guard let i = value.intValue else {
                        throw WireFormat.MalformedReply(reason: "data[\(position)].index is not an integer")
                    }
                    index = i
                }
                switch element["embedding"] {
                case .array(let numbers)?:
                    var vector = [Float]()
                    vector.reserveCapacity(numbers.count)
                    for (k, number) in numbers.enumerated() {
                        guard let value = number.doubleValue else {
                            throw WireFormat.MalformedReply(reason: "data[\(position)].embedding[\(k)] is \(number.typeName), not a number")
                        }
                        vector.append(Float(value))
                    }
                    return Item(index: index, vector: vector)
                case .string(let text)?:
                    guard let vector = EmbeddingWire.decodeBase64(text) else {
                        throw WireFormat.MalformedReply(
                            reason: "data[\(position)].embedding is not base64 of little-endian float32 values")
                    }
                    return Item(index: index, vector: vector)
                case let other?:
                    throw WireFormat.MalformedReply(reason: "data[\(position)].embedding is \(other.typeName), not a list or base64")
                case nil:
                    throw WireFormat.MalformedReply(reason: "data[\(position)] has no 'embedding'")
                }
            }
            promptTokens = reply["usage"]?["prompt_tokens"]?.intValue ?? 0
        }
    }

    /// Little-endian float32 values from base64 text; nil when it is not base64 or not a whole number of floats.
    static func decodeBase64(_ text: String) -> [Float]? {
        guard let data = Data(base64Encoded: text), data.count % 4 == 0 else { return nil }
        let count = data.count / 4
        return data.withUnsafeBytes { raw in
            (0..<count).map { i in
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
            }
        }
    }

    /// Base64 of little-endian float32 values (the inverse of ``decodeBase64(_:)``).
    static func encodeBase64(_ vector: [Float]) -> String {
        var data = Data(capacity: vector.count * 4)
        for value in vector {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data.base64EncodedString()
    }

    /// Whether a 4xx message says the server takes no `encoding_format: base64`.
    static func rejectsBase64(status: Int, message: String) -> Bool {
        guard status == 400 || status == 422 || status == 501 else { return false }
        let lower = message.lowercased()
        return lower.contains("base64") || lower.contains("encoding_format") || lower.contains("encoding format")
    }

    /// Whether a 4xx message says the server (or model) takes no `dimensions`.
    static func rejectsDimensions(status: Int, message: String) -> Bool {
        guard status == 400 || status == 422 || status == 501 else { return false }
        let lower = message.lowercased()
        return lower.contains("dimension") || lower.contains("matryoshka")
    }

    /// The first `dimensions` values (all when nil) scaled to unit L2 norm; a zero vector stays zero.
    static func normalize(_ vector: [Float], dimensions: Int?) -> [Float] {
        let slice = dimensions.map { vector.prefix($0) } ?? vector[...]
        let norm = slice.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
        guard norm > 0 else { return Array(slice) }
        return slice.map { Float(Double($0) / norm) }
    }
}

import Foundation
import PairsmithJSON
import Testing

@testable import PairsmithEndpoints

/// The request body written field by field against the same body built as a `JSONValue` object (the way it
/// was written before the fast path), and the parser reading it back.
@Suite("Request body encoding")
struct WireBodyTests {
    /// The request body as a `JSONValue` object, built from the OpenAI field names.
    static func referenceBody(_ request: ChatRequest, model: String, disableThinking: Bool, mode: ResponseFormatMode) -> JSONValue {
        var messages = request.messages
        if mode == .plainText, let schema = request.schema {
            messages.insert(.system(WireFormat.schemaInstruction(schema)), at: messages.firstIndex { $0.role != "system" } ?? messages.endIndex)
        }
        var body: [String: JSONValue] = [
            "model": .string(model),
            "messages": .array(messages.map { ["role": .string($0.role), "content": .string($0.content)] }),
            "stream": false,
        ]
        if let t = request.temperature { body["temperature"] = .number(t) }
        if let p = request.topP { body["top_p"] = .number(p) }
        if let m = request.maxTokens { body["max_tokens"] = .integer(m) }
        if let s = request.seed { body["seed"] = .integer(s) }
        switch (mode, request.schema) {
        case (.jsonSchema, let schema?):
            body["response_format"] = [
                "type": "json_schema", "json_schema": ["name": .string(request.schemaName), "schema": schema.value, "strict": true],
            ]
        case (.jsonObject, let schema?):
            body["response_format"] = ["type": "json_object", "schema": schema.value]
        case (.jsonSchema, nil), (.jsonObject, nil):
            body["response_format"] = ["type": "json_object"]
        case (.plainText, _):
            break
        }
        if disableThinking { body["chat_template_kwargs"] = ["enable_thinking": false] }
        return .object(body)
    }

    static let schema = JSONSchema.object([
        "query": .string(minLength: 5, maxLength: 60), "kind": .string(enum: ["fact", "how-to", "naïve \"q\""]),
        "n": .integer(minimum: 1, maximum: 9), "tags": .array(of: .string(), minItems: 1),
    ])

    static let requests: [ChatRequest] = [
        ChatRequest(messages: [.user("hello")]),
        ChatRequest(
            messages: [.system("be brief"), .user("a \"quoted\"\\ line\nand\ttab \u{01} ünïcödé 🦀")],
            temperature: 0.7, topP: 0.95, maxTokens: 128, seed: 42, schema: schema, schemaName: "pair"),
        ChatRequest(messages: [.user("whole temperature")], temperature: 1, topP: 1e-20, maxTokens: 0, seed: -3, schema: schema),
        ChatRequest(messages: [.system("s1"), .system("s2"), .user("u"), .assistant("a"), .user("again")], schema: schema),
        ChatRequest(messages: [], temperature: 12_345_678_901_234_567, schema: nil),
    ]

    @Test("every mode and option: the same bytes as the canonical text of the JSONValue body")
    func sameAsCanonical() throws {
        for (i, request) in Self.requests.enumerated() {
            for mode in [ResponseFormatMode.jsonSchema, .jsonObject, .plainText] {
                for thinking in [false, true] {
                    let fast = WireFormat.requestBody(request, model: "Qwen/Qwen3-8B", disableThinking: thinking, mode: mode)
                    let reference = Self.referenceBody(request, model: "Qwen/Qwen3-8B", disableThinking: thinking, mode: mode)
                    #expect(String(decoding: fast, as: UTF8.self) == reference.canonicalText, "request \(i), \(mode), thinking \(thinking)")
                    // (Parsed, 1.0 reads back as the integer 1, as in any JSON reader.)
                    #expect(try JSONValue.parse(bytes: fast) == JSONValue.parse(reference.canonicalText), "request \(i), \(mode)")
                }
            }
        }
    }

    @Test("the body Foundation reads back has the request's messages and schema")
    func foundationReadsIt() throws {
        let request = Self.requests[1]
        let body = WireFormat.requestBody(request, model: "m", disableThinking: false, mode: .jsonSchema)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let messages = try #require(object["messages"] as? [[String: String]])
        #expect(messages.map { $0["content"] } == request.messages.map(\.content))
        let format = try #require(object["response_format"] as? [String: Any])
        let schemaText = try JSONSerialization.data(withJSONObject: try #require((format["json_schema"] as? [String: Any])?["schema"]))
        #expect(try JSONValue.parse(schemaText) == Self.schema.value)
    }

    @Test("a schema's cached bytes follow changes to its value")
    func schemaBytesFollowValue() {
        var schema = JSONSchema.object(["a": .boolean])
        let before = schema.description
        schema.value = ["type": "string"]
        #expect(schema.description == #"{"type":"string"}"#)
        #expect(schema.description != before)
        #expect(schema == JSONSchema(["type": "string"]))
    }
}

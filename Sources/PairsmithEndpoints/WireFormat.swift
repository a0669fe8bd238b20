import Foundation

/// The JSON bodies of `/v1/chat/completions`: the request we send and the reply we read.
enum WireFormat {
    /// The request body for `endpoint`, asking for JSON in `mode`.
    static func requestBody(_ request: ChatRequest, endpoint: EndpointConfiguration, mode: ResponseFormatMode) -> String {
        var messages = request.messages
        if mode == .plainText, let schema = request.schema {
            messages.insert(.system(schemaInstruction(schema)), at: messages.firstIndex { $0.role != "system" } ?? messages.endIndex)
        }
        var body: [String: JSONValue] = [
            "model": .string(endpoint.model),
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
                "type": "json_schema",
                "json_schema": ["name": .string(request.schemaName), "schema": schema.value, "strict": true],
            ]
        case (.jsonObject, let schema?):
            body["response_format"] = ["type": "json_object", "schema": schema.value]
        case (.jsonSchema, nil), (.jsonObject, nil):
            body["response_format"] = ["type": "json_object"]
        case (.plainText, _):
            break
        }
        if endpoint.sendsDisableThinking { body["chat_template_kwargs"] = ["enable_thinking": false] }
        return JSONValue.object(body).canonicalText
    }

    /// The system message that carries the schema when the server takes no `response_format`.
    static func schemaInstruction(_ schema: JSONSchema) -> String {
        "Answer with one JSON object and nothing else (no prose, no code fences). It must match this JSON Schema:\n"
            + schema.value.canonicalText
    }

    /// The parts of a chat completion we use, read with the strict parser.
    struct Completion {
        struct Choice {
            var content: String
            var finishReason: String?
        }
        var choice: Choice
        var usage: TokenUsage

        /// Reads `choices[0].message.content`, `choices[0].finish_reason` and `usage`; throws when the
        /// reply is not JSON or has no choice.
        init(parsing body: Data) throws {
            let reply = try JSONValue.parse(body)
            guard let first = reply["choices"]?.arrayValue?.first else {
                throw MalformedReply(reason: "the reply has no 'choices'")
            }
            let content = first["message"]?["content"]
            guard content == nil || content == .null || content?.stringValue != nil else {
                throw MalformedReply(reason: "choices[0].message.content is not a string")
            }
            choice = Choice(content: content?.stringValue ?? "", finishReason: first["finish_reason"]?.stringValue)
            usage = TokenUsage(promptTokens: reply["usage"]?["prompt_tokens"]?.intValue ?? 0,
                               completionTokens: reply["usage"]?["completion_tokens"]?.intValue ?? 0)
        }
    }

    /// A reply that is JSON but not a chat completion.
    struct MalformedReply: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    /// The server's error message from an error body (`{"error":{"message":…}}`, `{"error":"…"}`, `{"message":…}` or text).
    static func errorMessage(from body: Data) -> String {
        if let value = try? JSONValue.parse(body) {
            if let message = value["error"]?["message"]?.stringValue { return message }
            if let message = value["error"]?.stringValue { return message }
            if let message = value["message"]?.stringValue { return message }
            if let message = value["detail"]?.stringValue { return message }
        }
        let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "(empty body)" : preview(text, limit: 500)
    }

    /// Whether a 4xx message says the server rejected the `response_format` we sent.
    static func rejectsResponseFormat(status: Int, message: String) -> Bool {
        guard status == 400 || status == 422 || status == 501 else { return false }
        let lower = message.lowercased()
        return ["response_format", "json_schema", "json_object", "schema", "grammar"].contains { lower.contains($0) }
    }

    /// Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date.
    static func retryAfter(_ header: String?, now: Date) -> Double? {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else { return nil }
        if let seconds = Double(header), seconds >= 0 { return seconds }
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: header) { return max(0, date.timeIntervalSince(now)) }
        }
        return nil
    }
}

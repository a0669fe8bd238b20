import Foundation
import PairsmithJSON

/// The JSON bodies of `/v1/chat/completions`: the request we send and the reply we read.
enum WireFormat {
    /// The request body for `endpoint`, asking for JSON in `mode`: compact JSON with sorted keys, written
    /// field by field (the schema's bytes are written once per ``JSONSchema``), the same bytes as the
    /// canonical text of the equivalent ``JSONValue`` object.
    static func requestBody(_ request: ChatRequest, endpoint: EndpointConfiguration, mode: ResponseFormatMode) -> [UInt8] {
        requestBody(request, model: endpoint.model, disableThinking: endpoint.sendsDisableThinking, mode: mode)
    }

    /// The request body for a server serving `model` (see ``requestBody(_:endpoint:mode:)``).
    static func requestBody(_ request: ChatRequest, model: String, disableThinking: Bool, mode: ResponseFormatMode) -> [UInt8] {
        var capacity = 192 + model.utf8.count + (request.schema?.canonicalBytes.count ?? 0)
        for message in request.messages { capacity += message.content.utf8.count + 32 }
        var w = JSONWriter(style: .canonical, capacity: capacity)
        w.raw("{")
        if disableThinking { w.raw(#""chat_template_kwargs":{"enable_thinking":false},"#) }
        if let m = request.maxTokens {
            w.raw(#""max_tokens":"#)
            w.integer(m)
            w.raw(",")
        }
        w.raw(#""messages":["#)
        var first = true
        func message(_ role: String, _ content: String) {
            if !first { w.raw(",") }
            first = false
            w.raw(#"{"content":"#)
            w.string(content)
            w.raw(#","role":"#)
            w.string(role)
            w.raw("}")
        }
        if mode == .plainText, let schema = request.schema {
            let at = request.messages.firstIndex { $0.role != "system" } ?? request.messages.endIndex
            for m in request.messages[..<at] { message(m.role, m.content) }
            message("system", schemaInstruction(schema))
            for m in request.messages[at...] { message(m.role, m.content) }
        } else {
            for m in request.messages { message(m.role, m.content) }
        }
        w.raw(#"],"model":"#)
        w.string(model)
        switch (mode, request.schema) {
        case (.jsonSchema, let schema?):
            w.raw(#","response_format":{"json_schema":{"name":"#)
            w.string(request.schemaName)
            w.raw(#","schema":"#)
            w.raw(schema.canonicalBytes)
            w.raw(#","strict":true},"type":"json_schema"}"#)
        case (.jsonObject, let schema?):
            w.raw(#","response_format":{"schema":"#)
            w.raw(schema.canonicalBytes)
            w.raw(#","type":"json_object"}"#)
        case (.jsonSchema, nil), (.jsonObject, nil):
            w.raw(#","response_format":{"type":"json_object"}"#)
        case (.plainText, _):
            break
        }
        if let s = request.seed {
            w.raw(#","seed":"#)
            w.integer(s)
        }
        w.raw(#","stream":false"#)
        if let t = request.temperature {
            w.raw(#","temperature":"#)
            w.number(t)
        }
        if let p = request.topP {
            w.raw(#","top_p":"#)
            w.number(p)
        }
        w.raw("}")
        return w.bytes
    }

    /// The system message that carries the schema when the server takes no `response_format`.
    static func schemaInstruction(_ schema: JSONSchema) -> String {
        "Answer with one JSON object and nothing else (no prose, no code fences). It must match this JSON Schema:\n"
            + schema.description
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
        init(parsing body: [UInt8]) throws {
            let reply = try JSONValue.parse(bytes: body)
            guard let first = reply["choices"]?.arrayValue?.first else {
                throw MalformedReply(reason: "the reply has no 'choices'")
            }
            let content = first["message"]?["content"]
            guard content == nil || content == .null || content?.stringValue != nil else {
                throw MalformedReply(reason: "choices[0].message.content is not a string")
            }
            choice = Choice(content: content?.stringValue ?? "", finishReason: first["finish_reason"]?.stringValue)
            usage = TokenUsage(
                promptTokens: reply["usage"]?["prompt_tokens"]?.intValue ?? 0,
                completionTokens: reply["usage"]?["completion_tokens"]?.intValue ?? 0)
        }
    }

    /// A reply that is JSON but not a chat completion.
    struct MalformedReply: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    /// The server's error message from an error body (`{"error":{"message":…}}`, `{"error":"…"}`, `{"message":…}` or text).
    static func errorMessage(from body: Data) -> String { errorMessage(from: Array(body)) }

    /// The server's error message from an error body (see ``errorMessage(from:)-(Data)``).
    static func errorMessage(from body: [UInt8]) -> String {
        if let value = try? JSONValue.parse(bytes: body) {
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

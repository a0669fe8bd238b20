import Foundation

/// What the test endpoint sends back for one request (pure: no I/O, so it is easy to reason about).
enum TestEndpointReply {
    /// An HTTP reply with a JSON (or text) body and extra headers.
    case http(status: Int, body: String, headers: [String: String])
    /// Close the connection without replying.
    case drop
    /// Announce `body`'s full length, send its first half, then close.
    case truncated(body: String)

    /// The reply to a `/v1/chat/completions` request body under `behaviour` with `fault`.
    static func chatCompletion(
        body: Data, behaviour: TestEndpointBehaviour, fault: TestFault?, contentHash: UInt64, now: Date
    )
        -> TestEndpointReply
    {
        guard let request = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            return error(400, "the request body is not a JSON object", type: "invalid_request_error")
        }
        guard let messages = request["messages"] as? [[String: Any]], !messages.isEmpty else {
            return error(400, "'messages' must be a non-empty array", type: "invalid_request_error")
        }
        let format = request["response_format"] as? [String: Any]
        let formatType = format?["type"] as? String
        if formatType == "json_schema", behaviour.rejectJSONSchema {
            return error(400, "response_format type 'json_schema' is not supported by this server", type: "invalid_request_error")
        }
        if formatType == "json_object", behaviour.rejectJSONObject {
            return error(400, "response_format type 'json_object' is not supported by this server", type: "invalid_request_error")
        }
        let schema: Any? =
            ((format?["json_schema"] as? [String: Any])?["schema"]) ?? format?["schema"] ?? schemaInPrompt(messages)

        switch fault {
        case .serverError: return error(500, "injected internal server error", type: "server_error")
        case .badRequest: return error(400, "injected: the prompt exceeds the context length", type: "invalid_request_error")
        case .rateLimited:
            let value: String
            switch behaviour.retryAfter {
            case .seconds(let s): value = String(s)
            case .httpDate(let s): value = httpDate(now.addingTimeInterval(Double(s)))
            }
            let reply = error(429, "injected rate limit; retry later", type: "rate_limit_error")
            if case .http(let status, let body, _) = reply { return .http(status: status, body: body, headers: ["Retry-After": value]) }
            return reply
        case .dropConnection: return .drop
        default: break
        }

        var random = SeededRandom(seed: contentHash)
        let prompt = (messages.last?["content"] as? String) ?? ""
        // Spelled out: `family ?? schema.map { … } ?? [...]` type-checks as `Optional<[String: Any]>` boxed in `Any`,
        // so every answer that was not a task family's came out as `null`.
        let answer: Any
        if let family = TaskFamilyAnswers.answer(prompt: prompt, random: &random) {
            answer = family
        } else if let schema {
            answer = SchemaInstanceGenerator.instance(of: schema, random: &random)
        } else {
            answer = ["answer": "ok"]
        }
        let json = text(of: answer)
        var content = json
        var finishReason = "stop"
        switch fault {
        case .notJSON: content = "I am sorry, but I cannot answer that in the requested format."
        case .thinkPrefix: content = "<think>\nThe user wants JSON. Let me write it.\n</think>\n\n" + json
        case .codeFences: content = "```json\n" + json + "\n```"
        case .wrongSchema: content = text(of: schema.map { SchemaInstanceGenerator.violation(of: $0, random: &random) } ?? [json])
        case .lengthCut:
            content = String(json.prefix(max(1, json.count / 2)))
            finishReason = "length"
        default: break
        }
        let promptCharacters = messages.reduce(0) { $0 + (($1["content"] as? String)?.count ?? 0) }
        var promptTokens = max(1, promptCharacters / 4)
        let completionTokens = max(1, content.count / 4)
        if let counter = behaviour.promptTokenCounter {
            promptTokens = counter(messages.map { (role: $0["role"] as? String ?? "user", content: $0["content"] as? String ?? "") })
        }
        // The envelope is written by hand, keys in sorted order (the same text `text(of:)` gives for the
        // equivalent dictionary, at a fraction of the cost: this runs once per benchmark request).
        var bodyText = ""
        bodyText.reserveCapacity(content.utf8.count + 320)
        bodyText += #"{"choices":[{"finish_reason":"#
        writeString(finishReason, into: &bodyText)
        bodyText += #","index":0,"message":{"content":"#
        writeString(content, into: &bodyText)
        bodyText += #","role":"assistant"}}],"created":0,"id":"chatcmpl-test-"#
        bodyText += String(contentHash, radix: 16)
        bodyText += #"","model":"#
        writeString((request["model"] as? String) ?? behaviour.model, into: &bodyText)
        bodyText += #","object":"chat.completion","usage":{"completion_tokens":"#
        bodyText += String(completionTokens)
        bodyText += #","prompt_tokens":"#
        bodyText += String(promptTokens)
        bodyText += #","total_tokens":"#
        bodyText += String(promptTokens + completionTokens)
        bodyText += "}}"
        if fault == .truncatedBody { return .truncated(body: bodyText) }
        return .http(status: 200, body: bodyText, headers: [:])
    }

    /// An OpenAI-style error reply.
    static func error(_ status: Int, _ message: String, type: String) -> TestEndpointReply {
        .http(status: status, body: text(of: ["error": ["message": message, "type": type, "code": status]]), headers: [:])
    }

    /// The schema a client put into a system message (a line that is a JSON object with a "type"), if any.
    private static func schemaInPrompt(_ messages: [[String: Any]]) -> Any? {
        for message in messages {
            guard let content = message["content"] as? String else { continue }
            for line in content.split(separator: "\n") where line.hasPrefix("{") {
                if let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], object["type"] != nil {
                    return object
                }
            }
        }
        return nil
    }

    /// Compact JSON text with sorted keys (hand-written: Foundation's sorted-keys writer costs more than the
    /// whole HTTP exchange, which would make the endpoint the bottleneck of the chat benchmark).
    static func text(of value: Any) -> String {
        var out = ""
        out.reserveCapacity(512)
        write(value, into: &out)
        return out
    }

    private static func write(_ value: Any, into out: inout String) {
        switch value {
        case let string as String: writeString(string, into: &out)
        case let bool as Bool where type(of: value) == Bool.self: out += bool ? "true" : "false"
        case let int as Int where type(of: value) == Int.self: out += String(int)
        case let double as Double where type(of: value) == Double.self: out += double.isFinite ? "\(double)" : "null"
        case let object as [String: Any]:
            out += "{"
            for (i, key) in object.keys.sorted().enumerated() {
                if i > 0 { out += "," }
                writeString(key, into: &out)
                out += ":"
                write(object[key] ?? NSNull(), into: &out)
            }
            out += "}"
        case let array as [Any]:
            out += "["
            for (i, element) in array.enumerated() {
                if i > 0 { out += "," }
                write(element, into: &out)
            }
            out += "]"
        case let number as NSNumber: out += number.description
        default: out += "null"
        }
    }

    private static func writeString(_ string: String, into out: inout String) {
        out += "\""
        // Fast path: nothing to escape (the common case) is appended in one piece.
        if !string.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += string
            out += "\""
            return
        }
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// An IMF-fixdate, as HTTP writes dates.
    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}

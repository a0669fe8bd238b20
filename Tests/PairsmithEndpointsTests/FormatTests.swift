import Foundation
import PairsmithJSON
import PairsmithTestSupport
import Testing

@testable import PairsmithEndpoints

@Suite("Response format fallback and request options")
struct FormatTests {
    @Test("json_schema rejected: falls back to json_object, spends no attempt, and remembers it")
    func fallbackToJSONObject() async throws {
        try await TestEndpoint.withRunning(.init(rejectJSONSchema: true)) { endpoint in
            let recorder = Recorder()
            let config = configuration([endpoint.url], time: ManualTime(), recorder: recorder)
            try await ChatClient.withClient(config) { client in
                let first = try await client.complete(answerRequest("one"), as: Answer.self)
                #expect(first.format == .jsonObject && first.attempts == 1)
                let second = try await client.complete(answerRequest("two"), as: Answer.self)
                #expect(second.format == .jsonObject)
                let types = try endpoint.recordedRequests().map { try JSONValue.parse($0.body)["response_format"]?["type"] }
                #expect(types == ["json_schema", "json_object", "json_object"])
                let body = try JSONValue.parse(try #require(endpoint.recordedRequests().last).body)
                #expect(body["response_format"]?["schema"] == answerSchema.value)
                #expect(await client.statistics()[0].format == .jsonObject)
                #expect(recorder.events.count == 1)
            }
        }
    }

    @Test("both JSON formats rejected: plain text with the schema in a system message")
    func fallbackToPlainText() async throws {
        try await TestEndpoint.withRunning(.init(rejectJSONSchema: true, rejectJSONObject: true)) { endpoint in
            let config = configuration([endpoint.url], time: ManualTime())
            try await ChatClient.withClient(config) { client in
                let result = try await client.complete(answerRequest("plain"), as: Answer.self)
                #expect(result.format == .plainText)
                let body = try JSONValue.parse(try #require(endpoint.recordedRequests().last).body)
                #expect(body["response_format"] == nil)
                let messages = body["messages"]?.arrayValue ?? []
                #expect(messages.count == 3)
                #expect(messages[1]["role"] == "system")
                #expect(messages[1]["content"]?.stringValue?.contains(answerSchema.value.canonicalText) == true)
                #expect(endpoint.counts().requests == 3)
            }
        }
    }

    @Test("Qwen3 models get enable_thinking false; others do not unless asked")
    func thinking() async throws {
        try await TestEndpoint.withRunning { endpoint in
            let cases: [(String, Bool?, Bool)] = [
                ("Qwen/Qwen3-8B", nil, true), ("smollm2", nil, false),
                ("qwen3-30b-a3b", false, false), ("llama", true, true),
            ]
            for (model, setting, expected) in cases {
                var config = configuration([endpoint.url], time: ManualTime(), model: model)
                config.endpoints[0].disableThinking = setting
                try await ChatClient.withClient(config) { client in
                    _ = try await client.completeJSON(answerRequest("think \(model)"))
                }
                let body = try JSONValue.parse(try #require(endpoint.recordedRequests().last).body)
                #expect((body["chat_template_kwargs"]?["enable_thinking"] == false) == expected, "\(model)")
                #expect(body["model"] == .string(model))
            }
        }
    }

    @Test("endpoint URLs: base, /v1 and full paths all reach /v1/chat/completions")
    func urls() {
        for url in ["http://h:1", "http://h:1/", "http://h:1/v1", "http://h:1/v1/", "http://h:1/v1/chat/completions"] {
            #expect(EndpointConfiguration(url: url, model: "m").chatCompletionsURL == "http://h:1/v1/chat/completions")
        }
    }

    @Test("Retry-After: seconds, IMF-fixdate, obsolete date forms, garbage")
    func retryAfterParsing() {
        let now = Date(timeIntervalSince1970: 1_784_000_000)
        #expect(WireFormat.retryAfter("12", now: now) == 12)
        #expect(WireFormat.retryAfter(" 0 ", now: now) == 0)
        let date = TestEndpointReplyDate.format(now.addingTimeInterval(90))
        #expect(WireFormat.retryAfter(date, now: now) == 90)
        #expect(WireFormat.retryAfter(TestEndpointReplyDate.format(now.addingTimeInterval(-5)), now: now) == 0)
        #expect(WireFormat.retryAfter("soon", now: now) == nil)
        #expect(WireFormat.retryAfter(nil, now: now) == nil)
    }

    @Test("invalid configurations are refused with a message")
    func invalidConfiguration() {
        #expect(throws: EndpointConfigurationError.self) { try ChatClient(ChatClientConfiguration(endpoints: [])) }
        #expect(throws: EndpointConfigurationError.self) {
            try ChatClient(ChatClientConfiguration(endpoints: [EndpointConfiguration(url: "ftp://x", model: "m")]))
        }
        #expect(throws: EndpointConfigurationError.self) {
            try ChatClient(ChatClientConfiguration(endpoints: [EndpointConfiguration(url: "http://x", model: "m", maxConcurrentRequests: 0)]))
        }
    }
}

/// An IMF-fixdate formatter independent of the client's parser.
enum TestEndpointReplyDate {
    static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}

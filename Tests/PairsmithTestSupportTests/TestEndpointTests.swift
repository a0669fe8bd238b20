import Foundation
@testable import PairsmithTestSupport
import Testing

/// The test endpoint seen from outside, through curl.
@Suite("Test endpoint over HTTP")
struct TestEndpointTests {
    static var schema: [String: Any] { [
        "type": "object",
        "properties": [
            "query": ["type": "string", "minLength": 5, "maxLength": 40],
            "kind": ["type": "string", "enum": ["fact", "how-to", "opinion"]],
            "n": ["type": "integer", "minimum": 1, "maximum": 3],
            "tags": ["type": "array", "items": ["type": "string"], "minItems": 2, "maxItems": 2],
        ],
        "required": ["query", "kind", "n", "tags"],
        "additionalProperties": false,
    ] }

    static func body(_ topic: String, format: String = "json_schema") -> String {
        let request: [String: Any] = [
            "model": "m", "messages": [["role": "user", "content": "about \(topic)"]],
            "response_format": format == "json_schema"
                ? ["type": "json_schema", "json_schema": ["name": "a", "schema": schema, "strict": true]]
                : ["type": format, "schema": schema],
        ]
        return TestEndpointReply.text(of: request)
    }

    /// curl's exit status, the HTTP status and headers, and the body. curl runs on its own thread so the
    /// endpoint's tasks keep the (small) cooperative pool while it waits.
    static func curl(_ url: String, body: String? = nil) async throws -> (exit: Int32, headers: String, body: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try blockingCurl(url, body: body) })
            }
        }
    }

    static func blockingCurl(_ url: String, body: String? = nil) throws -> (exit: Int32, headers: String, body: String) {
        var arguments = ["-s", "-S", "--max-time", "20", "-D", "-", url]
        if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
        let result = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/curl"), arguments)
        let text = result.stdoutText
        let parts = text.components(separatedBy: "\r\n\r\n")
        return (result.status, parts.first ?? "", parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    static func content(_ body: String) throws -> (content: String, finish: String) {
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        let choice = try #require((envelope["choices"] as? [[String: Any]])?.first)
        let message = try #require(choice["message"] as? [String: Any])
        return (try #require(message["content"] as? String), try #require(choice["finish_reason"] as? String))
    }

    static func checkMeetsSchema(_ content: String) throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(content.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["query", "kind", "n", "tags"])
        let query = try #require(object["query"] as? String)
        #expect((5...40).contains(query.count))
        #expect(["fact", "how-to", "opinion"].contains(try #require(object["kind"] as? String)))
        #expect((1...3).contains(try #require(object["n"] as? Int)))
        #expect((try #require(object["tags"] as? [String])).count == 2)
    }

    @Test("answers meet the request's schema, deterministically, with usage; /v1/models and /health answer")
    func answers() async throws {
        try await TestEndpoint.withRunning(.init(model: "smol")) { endpoint in
            let chat = endpoint.url + "/chat/completions"
            let first = try await Self.curl(chat, body: Self.body("rope"))
            #expect(first.headers.hasPrefix("HTTP/1.1 200"))
            let (content, finish) = try Self.content(first.body)
            try Self.checkMeetsSchema(content)
            #expect(finish == "stop")
            #expect(first.body.contains("\"prompt_tokens\""))
            #expect(try Self.content(try await Self.curl(chat, body: Self.body("rope")).body).content == content)
            try Self.checkMeetsSchema(try Self.content(try await Self.curl(chat, body: Self.body("x", format: "json_object")).body).content)
            #expect(try await Self.curl(endpoint.url + "/models").body.contains("\"smol\""))
            #expect(try await Self.curl("http://127.0.0.1:\(endpoint.port)/health").body.contains("ok"))
            #expect(endpoint.counts().requests == 3)
        }
    }

    @Test("every fault class is injected as described")
    func faults() async throws {
        try await TestEndpoint.withRunning(.init(retryAfter: .httpDate(secondsFromNow: 30))) { endpoint in
            let chat = endpoint.url + "/chat/completions"
            endpoint.script([.serverError, .rateLimited, .dropConnection, .truncatedBody, .notJSON, .thinkPrefix,
                             .codeFences, .wrongSchema, .lengthCut, .badRequest])
            let r500 = try await Self.curl(chat, body: Self.body("f"))
            #expect(r500.headers.hasPrefix("HTTP/1.1 500") && r500.body.contains("\"message\""))
            let r429 = try await Self.curl(chat, body: Self.body("f"))
            #expect(r429.headers.hasPrefix("HTTP/1.1 429"))
            #expect(r429.headers.lowercased().contains("retry-after: ") && r429.headers.contains("GMT"))
            #expect(try await Self.curl(chat, body: Self.body("f")).exit == 52)  // empty reply from server
            #expect(try await Self.curl(chat, body: Self.body("f")).exit == 18)  // transfer closed with bytes missing
            #expect(try Self.content(try await Self.curl(chat, body: Self.body("f")).body).content.hasPrefix("I am sorry"))
            let think = try Self.content(try await Self.curl(chat, body: Self.body("f")).body).content
            #expect(think.hasPrefix("<think>"))
            let close = try #require(think.range(of: "</think>"))
            try Self.checkMeetsSchema(String(think[close.upperBound...]).trimmingCharacters(in: .whitespacesAndNewlines))
            let fenced = try Self.content(try await Self.curl(chat, body: Self.body("f")).body).content
            #expect(fenced.hasPrefix("```json\n") && fenced.hasSuffix("\n```"))
            let wrong = try Self.content(try await Self.curl(chat, body: Self.body("f")).body).content
            let wrongObject = try #require(try JSONSerialization.jsonObject(with: Data(wrong.utf8)) as? [String: Any])
            #expect(wrongObject["kind"] == nil)  // the first required member (sorted) is removed
            let cut = try Self.content(try await Self.curl(chat, body: Self.body("f")).body)
            #expect(cut.finish == "length")
            #expect((try? JSONSerialization.jsonObject(with: Data(cut.content.utf8))) == nil)
            #expect(try await Self.curl(chat, body: Self.body("f")).headers.hasPrefix("HTTP/1.1 400"))
            #expect(endpoint.counts().faults.count == TestFault.allCases.count - 1)  // all but slowAnswer
        }
    }

    @Test("a slow answer arrives after the slow delay")
    func slow() async throws {
        try await TestEndpoint.withRunning(.init(slowDelay: .milliseconds(300))) { endpoint in
            endpoint.script([.slowAnswer])
            let clock = ContinuousClock(), start = clock.now
            let reply = try await Self.curl(endpoint.url + "/chat/completions", body: Self.body("slow"))
            #expect(clock.now - start >= .milliseconds(300))
            try Self.checkMeetsSchema(try Self.content(reply.body).content)
        }
    }

    @Test("fault rates: draws follow the rates and a repeated request draws again")
    func rates() async throws {
        try await TestEndpoint.withRunning(.init(faultRates: [.serverError: 0.5])) { endpoint in
            var statuses: [String] = []
            for _ in 0..<40 { statuses.append(String(try await Self.curl(endpoint.url + "/chat/completions", body: Self.body("same")).headers.prefix(12))) }
            let errors = statuses.filter { $0.hasSuffix("500") }.count
            #expect((8...32).contains(errors), "\(errors) of 40")
        }
    }

    @Test("json_schema and json_object can be rejected with 400 to exercise fallbacks")
    func rejections() async throws {
        try await TestEndpoint.withRunning(.init(rejectJSONSchema: true)) { endpoint in
            let reply = try await Self.curl(endpoint.url + "/chat/completions", body: Self.body("r"))
            #expect(reply.headers.hasPrefix("HTTP/1.1 400") && reply.body.contains("json_schema"))
            let accepted = try await Self.curl(endpoint.url + "/chat/completions", body: Self.body("r", format: "json_object"))
            #expect(accepted.headers.hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test("a dead URL refuses connections")
    func dead() async throws {
        let url = try await TestEndpoint.deadURL()
        #expect(try await Self.curl(url + "/models").exit == 7)  // failed to connect
    }
}

@Suite("Schema instance generator")
struct TestEndpointGeneratorTests {
    @Test("instances meet bounds for many seeds; violations break a required member")
    func generator() throws {
        for seed in 0..<200 {
            var random = SeededRandom(seed: UInt64(seed))
            let value = SchemaInstanceGenerator.instance(of: TestEndpointTests.schema, random: &random)
            try TestEndpointTests.checkMeetsSchema(TestEndpointReply.text(of: value))
            let broken = SchemaInstanceGenerator.violation(of: TestEndpointTests.schema, random: &random)
            #expect((broken as? [String: Any])?.count == 3)
        }
    }
}

/// The test endpoint in its own process (`pairsmith-bench serve-endpoint`), as the chat benchmark runs it.
@Suite("Test endpoint in a child process")
struct TestEndpointProcessTests {
    static var bench: URL { TestEnvironment.productsDirectory.appendingPathComponent("pairsmith-bench") }

    @Test("serve-endpoint starts, answers chat requests, reports its CPU time, and stops when told")
    func startsAnswersStops() async throws {
        let bench = Self.bench
        try #require(FileManager.default.isExecutableFile(atPath: bench.path),
                     "pairsmith-bench is not built next to the tests (\(bench.path)); run swift build --build-tests")
        let server = try await TestEndpointProcess.launch(bench, ["serve-endpoint", "--latency-ms", "1", "--model", "child-model"])
        #expect(server.url.hasPrefix("http://127.0.0.1:") && server.url.hasSuffix("/v1"))
        #expect(server.isRunning)
        let reply = try await TestEndpointTests.curl(server.url + "/chat/completions", body: TestEndpointTests.body("child"))
        #expect(reply.headers.hasPrefix("HTTP/1.1 200"))
        try TestEndpointTests.checkMeetsSchema(try TestEndpointTests.content(reply.body).content)
        #expect(try await TestEndpointTests.curl(server.url + "/models").body.contains("\"child-model\""))
        let cpu = try #require(server.cpuSeconds())
        #expect(cpu >= 0)
        #expect(await server.stop() == 0)  // closing its standard input ends it cleanly
        #expect(!server.isRunning)
        #expect(server.cpuSeconds() == nil)
        #expect(await server.stop() == 0)  // stopping twice is harmless
        #expect(try await TestEndpointTests.curl(server.url + "/models").exit == 7)  // nothing listens any more
    }

    @Test("a child that exits or stays silent instead of listening is reported (and killed)")
    func notReady() async throws {
        await #expect(throws: TestEndpointProcessError.self) {
            _ = try await TestEndpointProcess.launch(URL(fileURLWithPath: "/bin/sh"), ["-c", "echo hello; exit 3"])
        }
        await #expect(throws: TestEndpointProcessError.self) {
            _ = try await TestEndpointProcess.launch(URL(fileURLWithPath: "/bin/sleep"), ["600"], readyTimeout: .milliseconds(300))
        }
        await #expect(throws: TestEndpointProcessError.self) {
            _ = try await TestEndpointProcess.launch(URL(fileURLWithPath: "/nonexistent/pairsmith-bench"), ["serve-endpoint"])
        }
    }

    @Test("the CPU time of a process is read from /proc")
    func cpuOfSelf() throws {
        let cpu = try #require(TestEndpointProcess.cpuSeconds(ofProcess: getpid()))
        #expect(cpu > 0)
        #expect(TestEndpointProcess.cpuSeconds(ofProcess: Int32.max) == nil)
    }
}

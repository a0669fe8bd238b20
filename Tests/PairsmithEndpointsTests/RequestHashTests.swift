import Foundation
import PairsmithEndpoints
import PairsmithJSON
import PairsmithTestSupport
import Testing

@Suite("Request hash")
struct RequestHashTests {
    @Test("the hash is the SHA-256 of the canonical text, as sha256sum computes it")
    func matchesSha256sum() throws {
        let request = answerRequest("rotary embeddings")
        let text = RequestHash.canonicalText(of: request, model: "qwen3-8b")
        let result = try ProcessRunner.run(URL(fileURLWithPath: "/usr/bin/sha256sum"), [], stdin: Data(text.utf8))
        try #require(result.status == 0, "sha256sum failed: \(result.stderr)")
        #expect(request.hash(model: "qwen3-8b") == String(result.stdoutText.prefix(64)))
    }

    @Test("the hash is stable and changes with the model, each message, each sampling parameter and the schema")
    func sensitivity() {
        let base = answerRequest("x")
        let h = base.hash(model: "m")
        #expect(h == answerRequest("x").hash(model: "m"))
        #expect(h.count == 64)
        var variants: [ChatRequest] = []
        var r = base; r.messages[1].content += "!"; variants.append(r)
        r = base; r.messages[0].role = "user"; variants.append(r)
        r = base; r.temperature = 0.8; variants.append(r)
        r = base; r.topP = nil; variants.append(r)
        r = base; r.maxTokens = 201; variants.append(r)
        r = base; r.seed = 2; variants.append(r)
        r = base; r.schema = .object(["q": .string()]); variants.append(r)
        r = base; r.schemaName = "other"; variants.append(r)
        let hashes = Set(variants.map { $0.hash(model: "m") } + [h, base.hash(model: "m2")])
        #expect(hashes.count == variants.count + 2)
    }

    @Test("the canonical text and hash are Python's json.dumps(sort_keys) and hashlib.sha256 of the same fields")
    func matchesPython() throws {
        guard TestEnvironment.python != nil else {
            try #require(!TestEnvironment.isCI, "the Python venv is missing (scripts/setup --deps)")
            return
        }
        var odd = ChatRequest(
            messages: [
                .system("caf\u{E9} \u{1F600} \"quoted\" back\\slash\ttab\nnew line \u{01} \u{2028} \u{7F}"), .assistant(""),
                .user("Write a query about \u{4E2D}\u{6587}."),
            ],
            temperature: 1.0, topP: 1e-7, maxTokens: 7, seed: -3, schema: .object(["q": .string(maxLength: 5)]), schemaName: "a b")
        let requests: [(ChatRequest, String)] = [
            (answerRequest("rotary embeddings"), "qwen3-8b"),
            (odd, "Qwen/Qwen3-32B \"AWQ\""),
            (ChatRequest(messages: [.user("only the prompt")]), "m"),
            (ChatRequest(messages: [], temperature: 0.1, topP: 0.95, seed: 0), ""),
        ]
        odd.temperature = 12_345.678
        let inputs = (requests + [(odd, "m")]).map { request, model -> JSONValue in
            .object([
                ("model", .string(model)),
                ("messages", .array(request.messages.map { .object([("role", .string($0.role)), ("content", .string($0.content))]) })),
                ("temperature", .number(request.temperature)), ("top_p", .number(request.topP)),
                ("max_tokens", request.maxTokens.map(JSONValue.integer) ?? .null), ("seed", request.seed.map(JSONValue.integer) ?? .null),
                ("schema", request.schema.map { .string($0.description) } ?? .null), ("schema_name", .string(request.schemaName)),
            ])
        }
        // Whole doubles are written as integers (below 1e15), as the canonical writer does.
        let script = """
            import hashlib, json, sys
            def whole(v):
                if isinstance(v, float) and v.is_integer() and abs(v) < 1e15: return int(v)
                if isinstance(v, dict): return {k: whole(x) for k, x in v.items()}
                if isinstance(v, list): return [whole(x) for x in v]
                return v
            for r in json.load(sys.stdin):
                doc = {"version": "pairsmith-chat-v1", "model": r["model"], "messages": r["messages"],
                       "temperature": r["temperature"], "top_p": r["top_p"], "max_tokens": r["max_tokens"], "seed": r["seed"],
                       "schema": None if r["schema"] is None else json.loads(r["schema"]), "schema_name": r["schema_name"]}
                text = json.dumps(whole(doc), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
                print(text.hex(), hashlib.sha256(text).hexdigest())
            """
        let output = try ProcessRunner.python(script, stdin: Data(JSONValue.array(inputs).bytes(.compact)))
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
        try #require(lines.count == inputs.count, "python printed \(lines.count) lines for \(inputs.count) requests")
        for (i, (request, model)) in (requests + [(odd, "m")]).enumerated() {
            let parts = lines[i].split(separator: " ")
            let hexText = Array(parts[0].utf8)
            let expected = String(
                decoding: stride(from: 0, to: hexText.count, by: 2).map {
                    UInt8(String(decoding: hexText[$0..<$0 + 2], as: UTF8.self), radix: 16) ?? 0
                },
                as: UTF8.self)
            #expect(RequestHash.canonicalText(of: request, model: model) == expected, "request \(i)")
            #expect(request.hash(model: model) == String(parts[1]), "request \(i)")
        }
    }
}

import Foundation
import PairsmithEndpoints
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
}

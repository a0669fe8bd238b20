import Foundation
@testable import PairsmithEndpoints
import PairsmithTestSupport
import Testing

/// The fast embeddings-reply scanner reads exactly what the strict parser reads, and gives up (nil) on anything
/// unusual so the strict parser can say what is wrong.
@Suite("Embedding reply scanner")
struct EmbeddingReplyScannerTests {
    /// Both readings of `text`, as comparable values.
    static func both(_ text: String) throws -> (fast: [[Float]], fastIndices: [Int?], strict: [[Float]], strictIndices: [Int?], tokens: (Int, Int))? {
        let data = Data(text.utf8)
        guard let fast = EmbeddingReplyScanner.scan(data) else { return nil }
        let strict = try EmbeddingWire.Reply(parsingStrictly: data)
        return (fast.items.map(\.vector), fast.items.map(\.index), strict.items.map(\.vector), strict.items.map(\.index),
                (fast.promptTokens, strict.promptTokens))
    }

    @Test("usual replies read the same as with the strict parser", arguments: [
        #"{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,-0.25,3e-5,1E+2,-0.0,0,7]}],"model":"m","usage":{"prompt_tokens":5,"total_tokens":5}}"#,
        #"{"data":[{"embedding":[1.5,2.5],"index":1},{"index":0,"embedding":[-1,1e39]}],"usage":{"prompt_tokens":3}}"#,
        "{\n  \"data\" : [\n    { \"index\" : 0 , \"embedding\" : [ 0.5 , 0.25 ] }\n  ] ,\n  \"model\" : \"a\\\"b\\\\c\\u00e9\",\n  \"extra\": {\"x\": [true, false, null, {\"y\": -1.5e-3}]}\n}\n",
        #"{"data":[{"embedding":"AACAPwAAAMA=","index":0,"object":"embedding"}],"model":"m"}"#,
        #"{"data":[],"usage":{"prompt_tokens":0}}"#,
    ])
    func same(text: String) throws {
        let readings = try #require(try Self.both(text), "the scanner gave up on a usual reply")
        #expect(readings.fast == readings.strict)
        #expect(readings.fastIndices == readings.strictIndices)
        #expect(readings.tokens.0 == readings.tokens.1)
    }

    @Test("random vectors in several number spellings read bit-for-bit like the strict parser")
    func random() throws {
        var generator = SystemRandomNumberGenerator()
        for round in 0..<20 {
            let vectors = (0..<4).map { _ in (0..<64).map { _ in Float.random(in: -3...3, using: &generator) * pow(10, Float(Int.random(in: -8...3, using: &generator))) } }
            let items = vectors.enumerated().map { index, vector -> String in
                let numbers = vector.map { value -> String in
                    switch round % 3 {
                    case 0: "\(value)"
                    case 1: "\(Double(value))"
                    default: String(format: "%.9e", Double(value))
                    }
                }
                return #"{"index":\#(index),"embedding":[\#(numbers.joined(separator: ","))]}"#
            }
            let text = #"{"data":[\#(items.joined(separator: ","))],"usage":{"prompt_tokens":\#(round)}}"#
            let readings = try #require(try Self.both(text))
            #expect(readings.fast == readings.strict)
            #expect(readings.fast.map { $0.map(\.bitPattern) } == vectors.map { $0.map(\.bitPattern) } || round % 3 != 1)  // exact only when written as doubles
        }
    }

    @Test("the test endpoint's float and base64 replies take the fast path", arguments: EmbeddingEncoding.allCases)
    func endpointReplies(encoding: EmbeddingEncoding) async throws {
        var behaviour = TestEndpointBehaviour()
        behaviour.embedding.dimension = 256
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            let body = #"{"encoding_format":"\#(encoding)","input":["a","bb","tiny values"],"model":"m"}"#
            let curl = try await ProcessRunner.runAsync(URL(fileURLWithPath: "/usr/bin/curl"), [
                "-s", "-H", "Content-Type: application/json", "--data-binary", body, endpoint.url + "/embeddings",
            ])
            let reply = try #require(EmbeddingReplyScanner.scan(curl.stdout), "\(curl.stdoutText.prefix(300))")
            #expect(reply.items.map(\.vector) == (try EmbeddingWire.Reply(parsingStrictly: curl.stdout)).items.map(\.vector))
            #expect(reply.items.count == 3 && reply.items.allSatisfy { $0.vector.count == 256 })
        }
    }

    @Test("anything unusual makes the scanner give up", arguments: [
        #"{"data":[{"embedding":[01],"index":0}]}"#,
        #"{"data":[{"embedding":[1.],"index":0}]}"#,
        #"{"data":[{"embedding":[1],"index":0}]} trailing"#,
        #"{"data":[{"embedding":[1],"index":0}]"#,
        #"{"data":[{"embedding":{"x":1},"index":0}]}"#,
        #"{"data":[{"embedding":[1],"index":0.5}]}"#,
        #"{"data":[{"embedding":["1"],"index":0}]}"#,
        #"{"d\u0061ta":[{"embedding":[1],"index":0}]}"#,
        #"{"data":[{"embedding":[NaN],"index":0}]}"#,
        #"{"model":"m"}"#,
        #"{"data":[{"index":0}]}"#,
        "embeddings are on their way",
        "",
    ])
    func givesUp(text: String) {
        #expect(EmbeddingReplyScanner.scan(Data(text.utf8)) == nil)
    }
}

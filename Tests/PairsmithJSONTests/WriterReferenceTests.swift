import Foundation
import PairsmithJSON
import PairsmithTestSupport
import Testing

/// The writer's three styles against Python's `json.dumps` on the same values.
@Suite("PairsmithJSON writer against Python's json")
struct WriterReferenceTests {
    static let documents: [String] = [
        #"{"b":[1,2.5,"x\n\"y"],"a":{"d":null,"c":true},"e":"caf\u00e9 \ud83d\ude00","f":[],"g":{}}"#,
        #"{"z":0.1,"y":1e-05,"x":1e16,"w":-0.0,"v":123456789,"u":"tab\tquote\"back\\slash\u0001"}"#,
        #"[{"nested":[[],[{}],{"k":[1,[2,[3]]]}]},"plain",false]"#,
    ]

    /// Runs `body` (Python, reading the documents as a JSON list on stdin) and returns its lines.
    static func python(_ body: String, _ inputs: [String]) throws -> [String] {
        let script = "import json, sys\nfor doc in json.load(sys.stdin):\n" + body
        let stdin = JSONValue.array(inputs.map { .string($0) }).bytes(.compact)
        let output = try ProcessRunner.python(script, stdin: Data(stdin))
        return String(decoding: output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// The UTF-8 text of a hex string (how the script hands back text with newlines in it).
    static func unhex(_ hex: String) -> String {
        let digits = Array(hex.utf8)
        let bytes = stride(from: 0, to: digits.count - 1, by: 2).map { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)! }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test("pretty text is Python's json.dumps(indent=2) byte for byte; compact is its separators=(',',':')")
    func prettyAndCompact() throws {
        guard TestEnvironment.python != nil else {
            try #require(!TestEnvironment.isCI, "the Python venv is missing (scripts/setup --deps)")
            return
        }
        // \b and \f are left out: Python writes them as \b and \f, we as \u0008 and \u000c (both valid JSON).
        let pretty = try Self.python(
            "    print(json.dumps(json.loads(doc), indent=2, ensure_ascii=False).encode().hex())", Self.documents
        ).map(Self.unhex)
        let compact = try Self.python(
            "    print(json.dumps(json.loads(doc), separators=(',', ':'), ensure_ascii=False).encode().hex())", Self.documents
        )
        .map(Self.unhex)
        for (i, document) in Self.documents.enumerated() {
            let value = try JSONValue.parse(document)
            #expect(value.prettyText == pretty[i] + "\n", "document \(i)")
            #expect(value.compactText == compact[i], "document \(i)")
        }
    }

    @Test("canonical text sorts keys as Python's sort_keys does and reads back as the same value")
    func canonical() throws {
        guard TestEnvironment.python != nil else {
            try #require(!TestEnvironment.isCI, "the Python venv is missing (scripts/setup --deps)")
            return
        }
        let ours = try Self.documents.map { try JSONValue.parse($0).canonicalText }
        let checks = try Self.python(
            "    ours, original = json.loads(doc)\n"
                + "    keys_sorted = ours == json.dumps(json.loads(ours), sort_keys=True, separators=(',', ':'), ensure_ascii=False)\n"
                + "    print(json.loads(ours) == json.loads(original), keys_sorted)",
            zip(ours, Self.documents).map { JSONValue.array([.string($0.0), .string($0.1)]).compactText })
        #expect(checks == ["True True", "True True", "True True"])
        // Whole doubles below 1e15 are written as integers in canonical text (request hashes depend on it).
        #expect(ours[1].contains(#""w":0,"#))
        #expect(ours[1].contains(#""x":1e+16"#))
    }

    @Test("U+2028 and U+2029 are escaped in compact and pretty text, kept raw in canonical text")
    func lineSeparators() throws {
        let value = JSONValue.string("a\u{2028}b\u{2029}c")
        #expect(value.compactText == #""a\u2028b\u2029c""#)
        #expect(value.canonicalText == "\"a\u{2028}b\u{2029}c\"")
        #expect(try JSONValue.parse(value.compactText) == value)
    }
}

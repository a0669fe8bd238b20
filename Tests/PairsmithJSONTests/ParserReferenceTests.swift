import Foundation
import PairsmithJSON
import PairsmithTestSupport
import Testing

/// The parser against Python's `json` module on tricky documents: the same values (as a typed tree both sides
/// write the same way), and the same documents rejected.
@Suite("PairsmithJSON against Python's json")
struct ParserReferenceTests {
    /// Documents both readers take, or must both refuse (Python run strictly: no NaN/Infinity, no lone surrogates,
    /// no non-finite floats, duplicate keys refused).
    static let corpus: [String] = [
        #"{"a":1,"b":[true,false,null],"c":"x"}"#,
        #""esc \" \\ \/ \b \f \n \r \t \u0041 \u00e9 \u20ac""#,
        #""pair \ud83d\ude00 and raw 😀 and é""#,
        #"[0, -0, -0.0, 0.0, 1.5e3, 1E-2, -1e+2, 2.5E0]"#,
        #"[9223372036854775807, -9223372036854775808, 9223372036854775808, 123456789012345678901234567890]"#,
        #"[1e308, 1e-400, 5e-324, 0.1, 3.141592653589793]"#,
        #"{"k":1,"k":2}"#,
        #"{"": "", " ": [{}, []]}"#,
        String(repeating: "[", count: 200) + String(repeating: "]", count: 200),
        " \n\t{ \"spaced\" : [ 1 , 2 ] } \r\n",
        // Rejected by both.
        #"{"a":1,}"#, #"[1,2,]"#, "{'a':1}", #"{"a":1} x"#, "[01]", "[1.]", "[.5]", "[1e]", "[-]", "[+1]",
        "[NaN]", "[Infinity]", #""\x41""#, #""\ud800""#, #""\udc00x""#, "\"tab\there\"", #"{"a" 1}"#, "[1 2]",
        "tru", "nul", "", "   ", #""unterminated"#, "[1e400]", "{1:2}", "[\"a\"]]", "/* c */ 1",
    ]

    /// Python's reading of each document: a typed tree, or `["reject"]`.
    static func pythonTrees() throws -> [String] {
        let script = #"""
            import json, struct, sys
            class Pairs(list): pass
            def tag(v):
                if v is None: return ["null"]
                if v is True or v is False: return ["bool", v]
                if isinstance(v, int):
                    if -2**63 <= v < 2**63: return ["int", str(v)]
                    return ["float", str(struct.unpack("<q", struct.pack("<d", float(v)))[0])]
                if isinstance(v, float): return ["float", str(struct.unpack("<q", struct.pack("<d", v))[0])]
                if isinstance(v, str):
                    v.encode("utf-8")  # lone surrogates raise
                    return ["str", [ord(c) for c in v]]
                if isinstance(v, Pairs): return ["obj", [[[ord(c) for c in k], tag(x)] for k, x in v]]
                return ["arr", [tag(x) for x in v]]
            def pairs(items):
                keys = [k for k, _ in items]
                if len(set(keys)) != len(keys): raise ValueError("duplicate")
                return Pairs(items)
            def const(name): raise ValueError(name)
            def flt(text):
                f = float(text)
                if f in (float("inf"), float("-inf")): raise ValueError("inf")
                return f
            for doc in json.load(sys.stdin):
                try:
                    out = tag(json.loads(doc, object_pairs_hook=pairs, parse_constant=const, parse_float=flt))
                except Exception:
                    out = ["reject"]
                print(json.dumps(out, separators=(",", ":")))
            """#
        let input = Data(("[" + corpus.map(Self.pythonString).joined(separator: ",") + "]").utf8)
        let output = try ProcessRunner.python(script, stdin: input)
        return String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// `text` as a JSON string literal with every non-ASCII scalar escaped (written here, not by the writer under test).
    static func pythonString(_ text: String) -> String {
        var out = "\""
        for unit in text.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x20..<0x7F: out += String(UnicodeScalar(UInt8(unit)))
            default: out += String(format: "\\u%04x", unit)
            }
        }
        return out + "\""
    }

    /// Our value as the same typed tree Python prints.
    static func tree(_ value: JSONValue) -> String {
        func codes(_ s: String) -> String { "[" + s.unicodeScalars.map { String($0.value) }.joined(separator: ",") + "]" }
        switch value {
        case .null: return #"["null"]"#
        case .bool(let b): return #"["bool",\#(b)]"#
        case .integer(let i): return #"["int","\#(i)"]"#
        case .number(let d): return #"["float","\#(Int64(bitPattern: d.bitPattern))"]"#
        case .string(let s): return #"["str",\#(codes(s))]"#
        case .array(let a): return #"["arr",["# + a.map(tree).joined(separator: ",") + "]]"
        case .object(let o): return #"["obj",["# + o.map { "[\(codes($0.key)),\(tree($0.value))]" }.joined(separator: ",") + "]]"
        }
    }

    @Test("same values as Python, same documents rejected, errors inside the document")
    func matchesPython() throws {
        guard TestEnvironment.python != nil else {
            try #require(!TestEnvironment.isCI, "the Python venv is missing (scripts/setup --deps)")
            return
        }
        let expected = try Self.pythonTrees()
        try #require(expected.count == Self.corpus.count)
        var rejected = 0
        for (document, reference) in zip(Self.corpus, expected) {
            do {
                let value = try JSONValue.parse(document)
                #expect(Self.tree(value) == reference, "document \(document.debugDescription)")
            } catch {
                rejected += 1
                #expect(reference == #"["reject"]"#, "we reject \(document.debugDescription) (\(error)); Python reads \(reference)")
                #expect((0...document.utf8.count).contains(error.offset), "\(error)")
            }
        }
        #expect(rejected == expected.filter { $0 == #"["reject"]"# }.count)
        #expect(rejected > 25)
    }

    @Test("last-wins keeps the first place and the last value, as Python's dict does; first-wins keeps the first")
    func duplicatePolicies() throws {
        let text = #"{"k":1,"m":0,"k":2}"#
        #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
        let last = try JSONValue.parse(text, duplicateKeys: .lastWins)
        #expect(last.objectValue?.keys == ["k", "m"])
        #expect(last["k"] == 2)
        let reference = try ProcessRunner.python(
            "import json,sys; print(json.dumps(list(json.loads(sys.stdin.read()).items())))",
            stdin: Data(text.utf8))
        #expect(String(decoding: reference, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == #"[["k", 2], ["m", 0]]"#)
        #expect(try JSONValue.parse(text, duplicateKeys: .firstWins)["k"] == 1)
        // A large object takes the hashed path.
        let big = "{" + (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k7\":-1}"
        #expect(throws: JSONParseError.self) { try JSONValue.parse(big) }
        #expect(try JSONValue.parse(big, duplicateKeys: .lastWins)["k7"] == -1)
        #expect(try JSONValue.parse(big, duplicateKeys: .lastWins).objectValue?.count == 40)
    }

    @Test("nesting deeper than the limit is rejected with its position")
    func deepNesting() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(throws: Never.self) { try JSONValue.parse(ok) }
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        do {
            _ = try JSONValue.parse(deep)
            Issue.record("parsed 513 levels")
        } catch {
            #expect(error.offset == 512)
        }
    }
}

import PairsmithJSON
import Testing

/// The field reader's errors name where in the document the problem is.
@Suite("PairsmithJSON field reader")
struct FieldReaderTests {
    static let document = #"{"model":{"vocab":{"x y":"3","ok":1},"merges":["a b"],"dropout":null,"type":"BPE"},"list":[{"id":2.0}]}"#

    @Test("typed reads, null as absent, whole doubles as integers")
    func reads() throws {
        let root = try JSONFieldReader(JSONValue.parse(Self.document), path: "")
        let model = try root.object("model")
        #expect(model.path == "model")
        #expect(try model.string("type") == "BPE")
        #expect(try model.optionalString("dropout") == nil)
        #expect(try model.bool("fuse_unk", default: true))
        #expect(try model.array("merges") == ["a b"])
        let item = try JSONFieldReader(root.array("list")[0], path: JSONFieldReader.path("list", index: 0))
        #expect(try item.int("id") == 2)
    }

    @Test("errors name the path: members, keys of maps, array elements")
    func errorsNameThePath() throws {
        let root = try JSONFieldReader(JSONValue.parse(Self.document), path: "")
        let vocab = try root.object("model").object("vocab")
        #expect(vocab.keyPath("x y") == #"model.vocab["x y"]"#)
        #expect(JSONFieldReader.path("model.vocab", member: "x y") == #"model.vocab["x y"]"#)
        #expect(throws: JSONFieldError(path: #"model.vocab["x y"]"#, expected: "an integer", found: "3")) { try vocab.int("x y") }
        let error = #expect(throws: JSONFieldError.self) { try root.object("model").int("missing") }
        #expect(error?.description == "model.missing: expected an integer, but it is missing")
        #expect(throws: JSONFieldError(path: "list", expected: "an object", found: .array([]))) { try root.object("list") }
        let mismatch = #expect(throws: JSONFieldError.self) { try vocab.int("x y") }
        #expect(mismatch?.description == #"model.vocab["x y"]: expected an integer, found "3""#)
    }
}

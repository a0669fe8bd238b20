import PairsmithEndpoints
import PairsmithJSON
import Testing

@Suite("JSON values and the schema validator")
struct SchemaValidatorTests {
    @Test("a value that meets the schema has no violations")
    func valid() throws {
        let value = try JSONValue.parse(#"{"query":"what is rope","difficulty":"hard","score":7,"tags":["nlp"],"relevant":true}"#)
        #expect(SchemaValidator.violations(of: answerSchema, by: value).isEmpty)
    }

    @Test(
        "each keyword of the subset is enforced, with the path of the fault",
        arguments: [
            (#"{"query":"ab","difficulty":"hard","score":7,"tags":["x"],"relevant":true}"#, "$.query", "minLength"),
            (#"{"query":"abcd","difficulty":"extreme","score":7,"tags":["x"],"relevant":true}"#, "$.difficulty", "not one of"),
            (#"{"query":"abcd","difficulty":"easy","score":7.5,"tags":["x"],"relevant":true}"#, "$.score", "expected integer"),
            (#"{"query":"abcd","difficulty":"easy","score":11,"tags":["x"],"relevant":true}"#, "$.score", "maximum"),
            (#"{"query":"abcd","difficulty":"easy","score":1,"tags":[],"relevant":true}"#, "$.tags", "minItems"),
            (#"{"query":"abcd","difficulty":"easy","score":1,"tags":["a","b","c","d"],"relevant":true}"#, "$.tags", "maxItems"),
            (#"{"query":"abcd","difficulty":"easy","score":1,"tags":[3],"relevant":true}"#, "$.tags[0]", "expected string"),
            (#"{"query":"abcd","difficulty":"easy","score":1,"tags":["a"],"relevant":"yes"}"#, "$.relevant", "expected boolean"),
            (#"{"query":"abcd","difficulty":"easy","score":1,"tags":["a"]}"#, "$", "'relevant' is missing"),
            (#"{"query":"abcd","difficulty":"easy","score":1,"tags":["a"],"relevant":true,"x":1}"#, "$", "not allowed"),
            (#"["query"]"#, "$", "expected object"),
        ])
    func violations(json: String, path: String, fragment: String) throws {
        let found = SchemaValidator.violations(of: answerSchema, by: try JSONValue.parse(json))
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.path == path)
        #expect(found.first?.message.contains(fragment) == true, "\(found)")
    }

    @Test("maxLength counts characters, not bytes")
    func characters() throws {
        let schema = JSONSchema.string(maxLength: 3)
        #expect(SchemaValidator.violations(of: schema, by: "日本語").isEmpty)
        #expect(SchemaValidator.violations(of: schema, by: "日本語だ").count == 1)
    }

    @Test("number accepts integers; integer accepts 2.0 but not 2.5")
    func numbers() {
        #expect(SchemaValidator.violations(of: .number, by: .integer(3)).isEmpty)
        #expect(SchemaValidator.violations(of: .integer(), by: .number(2.0)).isEmpty)
        #expect(SchemaValidator.violations(of: .integer(), by: .number(2.5)).count == 1)
    }

    @Test("parsing is strict: trailing text, comments and single quotes are rejected")
    func strictParsing() {
        #expect(throws: (any Error).self) { try JSONValue.parse(#"{"a":1} trailing"#) }
        #expect(throws: (any Error).self) { try JSONValue.parse(#"{"a":1 /* c */}"#) }
        #expect(throws: (any Error).self) { try JSONValue.parse("{'a':1}") }
        #expect(throws: (any Error).self) { try JSONValue.parse(#"{"a":1,}"#) }
    }

    @Test("canonical text sorts keys and round-trips")
    func canonical() throws {
        let value = try JSONValue.parse(#"{"b":[1,2.5,"x\n\"y"],"a":{"d":null,"c":true}}"#)
        #expect(value.canonicalText == #"{"a":{"c":true,"d":null},"b":[1,2.5,"x\n\"y"]}"#)
        #expect(try JSONValue.parse(value.canonicalText) == value)
    }
}

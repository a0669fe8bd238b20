import Foundation
import PairsmithJSON
import PairsmithTestSupport
import Testing

/// The checker's messages, JSON pointers into schema text, and the property listing the pipeline loader reads.
@Suite("JSON Schema messages, pointers and properties")
struct SchemaCheckTests {
    static let configure = #"""
        {
          "type": "object",
          "properties": {
            "character": {
              "type": "string",
              "description": "One of the five candidate characters, copied exactly.",
              "enum": [],
              "x-pairsmith-enum": "characters"
            },
            "question_type": {
              "type": "string",
              "enum": ["keywords", "acquire_knowledge", "summary"]
            },
            "score": {"type": ["integer", "null"], "minimum": 0, "maximum": 5},
            "query": {"type": "string", "minLength": 1, "maxLength": 80, "pattern": "\\S"}
          },
          "required": ["character", "question_type", "query"],
          "additionalProperties": false
        }
        """#

    @Test("a wrong value type names the pointer, what was found and what would be valid")
    func valueTypeMessages() throws {
        let schema = try JSONValue.parse(#"{"type":"object","properties":{"query":{"type":"string","minLength":"1"}}}"#)
        #expect(throws: JSONSchemaError(pointer: "/properties/query/minLength", message: #"must be a non-negative integer, found "1""#)) {
            try JSONSchemaCheck.validateSchema(schema)
        }
        #expect(
            JSONSchemaCheck.problems(in: try JSONValue.parse(#"{"type":"int"}"#)).map(\.description)
                == [#"/type: "int" is not a JSON Schema type; did you mean integer?"#])
        #expect(
            JSONSchemaCheck.problems(in: try JSONValue.parse(#"{"items":[{"type":"string"}]}"#)).map(\.description)
                == [
                    "/items: must be one schema that every element matches (an object, or true or false); the array form is "
                        + "from drafts before 2020-12: write prefixItems for per-position schemas"
                ])
        #expect(
            JSONSchemaCheck.problems(in: try JSONValue.parse(#"{"exclusiveMinimum":true}"#)).map(\.description)
                == [
                    "/exclusiveMinimum: must be a number: in 2020-12 exclusiveMinimum is the bound itself (the boolean form is draft 4's), found true"
                ])
        #expect(JSONSchemaCheck.problems(in: 3).map(\.description) == ["(root): must be a schema (an object, or true or false), found 3"])
    }

    @Test("every problem is listed in document order")
    func allProblems() throws {
        let schema = try JSONValue.parse(#"{"properties":{"a":{"minLenght":1},"b":{"type":"strng"}},"required":"a","anyOf":[]}"#)
        #expect(
            JSONSchemaCheck.problems(in: schema).map(\.pointer) == ["/properties/a/minLenght", "/properties/b/type", "/required", "/anyOf"])
    }

    @Test("an empty enum is valid only where x-pairsmith-enum fills it")
    func runtimeEnum() throws {
        #expect(JSONSchemaCheck.problems(in: try JSONValue.parse(Self.configure)).isEmpty)
        let without = try JSONValue.parse(#"{"type":"string","enum":[]}"#)
        #expect(JSONSchemaCheck.problems(in: without).map(\.pointer) == ["/enum"])
        #expect(JSONSchemaCheck.problems(in: try JSONValue.parse(#"{"type":"string","x-pairsmith-enum":"names"}"#)).isEmpty)
        #expect(JSONSchemaCheck.problems(in: try JSONValue.parse(#"{"x-notes":{"anything":[1]}}"#)).isEmpty)
    }

    @Test("violations name the answer's pointer, the keyword and what was wrong")
    func violationMessages() throws {
        let schema = try JSONValue.parse(Self.configure)
        let answer = try JSONValue.parse(#"{"character":"Zed","question_type":"essay","score":2.5,"query":"","mood":"x"}"#)
        let found = JSONSchemaCheck.violations(of: answer, against: schema)
        #expect(
            found.map(\.description) == [
                #"/character: no value is allowed (the enum is empty), found "Zed""#,
                #"/question_type: must be one of "keywords", "acquire_knowledge", "summary", found "essay""#,
                "/score: must be an integer or null, found 2.5",
                "/query: must be at least 1 character long, found 0",
                #"/query: must match the pattern "\\S", found """#,
                #"(root): member "mood" is not allowed; allowed: character, question_type, score, query"#,
            ])
        #expect(found.map(\.keyword) == ["enum", "enum", "type", "minLength", "pattern", "additionalProperties"])
        #expect(found[3].schemaPath == "/properties/query/minLength")
        let structural = JSONSchemaCheck.violations(of: answer, against: schema, structuralOnly: true)
        #expect(
            structural.map(\.description) == [
                "/score: must be an integer or null, found 2.5",
                #"(root): member "mood" is not allowed; allowed: character, question_type, score, query"#,
            ])
        let missing = JSONSchemaCheck.violations(of: try JSONValue.parse(#"{"character":"A"}"#), against: schema, structuralOnly: true)
        #expect(missing.map(\.description) == [#"(root): missing required member "question_type""#, #"(root): missing required member "query""#])
        #expect(
            JSONSchemaCheck.isValid(
                try JSONValue.parse(#"{"character":"A","question_type":"summary","query":"q"}"#), against: schema, structuralOnly: true))
    }

    @Test("nested and combinator violations")
    func nestedViolations() throws {
        let schema = try JSONValue.parse(
            #"{"type":"object","properties":{"items":{"type":"array","maxItems":2,"items":{"anyOf":[{"type":"string"},{"type":"integer"}]}},"pair":{"prefixItems":[true],"items":false}}}"#
        )
        let found = JSONSchemaCheck.violations(of: try JSONValue.parse(#"{"items":["a",1.5,"c"],"pair":[1,2,3]}"#), against: schema)
        #expect(
            found.map(\.description) == [
                "/items: must hold at most 2 elements, found 3",
                "/items/1: matches none of the 2 alternatives of anyOf (0: /items/1: must be a string, found 1.5; 1: /items/1: must be an integer, found 1.5)",
                "/pair: must hold at most 1 element (the prefixItems), found 3",
            ])
        #expect(found.map(\.schemaPath) == ["/properties/items/maxItems", "/properties/items/items/anyOf", "/properties/pair/items"])
        let oneOf = try JSONValue.parse(#"{"oneOf":[{"type":"integer"},{"type":"number"}]}"#)
        #expect(
            JSONSchemaCheck.violations(of: 1, against: oneOf).map(\.message) == ["matches 2 alternatives of oneOf (0, 1); exactly one must match"])
        #expect(JSONSchemaCheck.violations(of: 1, against: oneOf, structuralOnly: true).isEmpty)
        #expect(JSONSchemaCheck.violations(of: "x", against: false).map(\.description) == [#"(root): no value is allowed here, found "x""#])
    }

    @Test("integers as 2020-12 counts them: 1.0 is one, booleans are not numbers")
    func integerTypes() {
        #expect(JSONSchemaCheck.value(.number(1.0), isOfType: "integer"))
        #expect(JSONSchemaCheck.value(.integer(1), isOfType: "number"))
        #expect(!JSONSchemaCheck.value(.number(1.5), isOfType: "integer"))
        #expect(!JSONSchemaCheck.value(.bool(true), isOfType: "integer"))
        #expect(JSONSchemaCheck.equal(.integer(1), .number(1.0)))
        #expect(!JSONSchemaCheck.equal(.integer(1), .bool(true)))
        #expect(!JSONSchemaCheck.equal(.integer(Int.max), .number(9_223_372_036_854_775_807.0)))
    }

    @Test("did-you-mean finds near keywords and nothing for far ones")
    func suggestions() {
        #expect(JSONSchemaCheck.suggestion(for: "minLenght") == "minLength")
        #expect(JSONSchemaCheck.suggestion(for: "additionalproperties") == "additionalProperties")
        #expect(JSONSchemaCheck.suggestion(for: "requird") == "required")
        #expect(JSONSchemaCheck.suggestion(for: "x-pairsmith-enm") == "x-pairsmith-enum")
        #expect(JSONSchemaCheck.suggestion(for: "colour") == nil)
    }

    @Test("pointers escape and unescape, and lead to the line of the key in the schema text")
    func pointers() {
        #expect(JSONPointer.appending("/properties", "a/b~c") == "/properties/a~1b~0c")
        #expect(JSONPointer.tokens("/properties/a~1b~0c/0") == ["properties", "a/b~c", "0"])
        #expect(JSONPointer.tokens("") == [])
        #expect(JSONPointer.tokens("properties") == nil)
        let text = Self.configure
        #expect(JSONPointer.line(of: "", in: text) == 1)
        #expect(JSONPointer.line(of: "/properties", in: text) == 3)
        #expect(JSONPointer.line(of: "/properties/character/enum", in: text) == 7)
        #expect(JSONPointer.line(of: "/properties/character/x-pairsmith-enum", in: text) == 8)
        #expect(JSONPointer.line(of: "/properties/query/pattern", in: text) == 15)
        #expect(JSONPointer.line(of: "/required/2", in: text) == 17)
        #expect(JSONPointer.line(of: "/additionalProperties", in: text) == 18)
        #expect(JSONPointer.line(of: "/properties/missing", in: text) == nil)
        #expect(JSONPointer.line(of: "/required/3", in: text) == nil)
        #expect(JSONPointer.byteOffset(of: "/b/1", in: #"{"a":"x}[,","b":[ 1 ,{"c":2}]}"#) == 21)
        #expect(JSONPointer.byteOffset(of: "/a\"b", in: #"{"a\"b":1}"#) == 1)
    }

    @Test("the property listing reads type, enum and constraints of each top-level property, in order")
    func properties() throws {
        let listed = JSONSchemaProperties.of(try JSONValue.parse(Self.configure))
        #expect(listed.map(\.name) == ["character", "question_type", "score", "query"])
        #expect(listed.map(\.required) == [true, true, false, true])
        #expect(listed[0].type == "string" && listed[0].runtimeEnum == "characters" && listed[0].enumValues == nil)
        #expect(listed[0].description == "One of the five candidate characters, copied exactly.")
        #expect(listed[1].enumStrings == ["keywords", "acquire_knowledge", "summary"])
        #expect(listed[2].type == nil && listed[2].types == ["integer", "null"])
        #expect(listed[2].minimum == 0 && listed[2].maximum == 5 && listed[2].minLength == nil)
        #expect(listed[3].minLength == 1 && listed[3].maxLength == 80 && listed[3].pattern == "\\S")
        #expect(JSONSchemaProperties.of(.bool(true)).isEmpty)
        #expect(JSONSchemaProperties.of(try JSONValue.parse(#"{"properties":{"a":false,"b":{"enum":[1,"x"]}}}"#)).map(\.enumStrings) == [nil, nil])
    }
}

import Foundation
import PairsmithJSON
import PairsmithTestSupport
import Testing

/// The JSON Schema checker against Python's `jsonschema` (Draft202012Validator): the same verdicts and the same
/// failing (instance path, keyword) pairs on answers, the same schemas refused.
@Suite("JSON Schema checks against Python's jsonschema")
struct SchemaReferenceTests {
    /// Schemas (JSON text) with instances (JSON text, so `1` and `1.0` reach both sides as written).
    static let corpus: [(schema: String, instances: [String])] = [
        // The shipped generate schema.
        (
            #"{"type":"object","properties":{"query":{"type":"string","minLength":1}},"required":["query"],"additionalProperties":false}"#,
            [
                #"{"query":"x"}"#, #"{"query":""}"#, "{}", #"{"query":"x","extra":1}"#, #"{"query":3}"#, "[]", #""x""#,
                #"{"query":null}"#, #"{"extra":1,"other":2}"#,
            ]
        ),
        // The configure schema with its run-time enum filled.
        (
            #"{"type":"object","properties":{"character":{"type":"string","enum":["1","2"]},"question_type":{"type":"string","enum":["keywords","summary"]},"difficulty":{"type":"string","enum":["phd"]}},"required":["character","question_type","difficulty"],"additionalProperties":false}"#,
            [
                #"{"character":"1","question_type":"summary","difficulty":"phd"}"#,
                #"{"character":"3","question_type":"summary","difficulty":"phd"}"#,
                #"{"character":1,"question_type":"summary"}"#, #"{"character":"2","question_type":"keywords","difficulty":"phd","x":0}"#,
            ]
        ),
        // Integer against number, as 2020-12 defines them.
        (#"{"type":"integer"}"#, ["1", "1.0", "1.5", #""1""#, "true", "1e3", "123456789012345678901234567890", "-0.0", "null"]),
        (#"{"type":"number"}"#, ["1", "1.5", "true", "null", #""2""#]),
        (#"{"type":["integer","null"]}"#, ["null", "2", "2.5", "false"]),
        (#"{"type":"boolean"}"#, ["true", "0"]),
        // Numeric bounds.
        (#"{"type":"number","minimum":0,"exclusiveMaximum":1}"#, ["0", "1", "0.5", "-0.0", "-1", "0.999"]),
        (#"{"exclusiveMinimum":2,"maximum":3.5}"#, ["2", "2.0001", "3.5", "3.6", #""text""#]),
        (#"{"multipleOf":0.5}"#, ["1.5", "1.25", "3", "0"]),
        (#"{"multipleOf":3}"#, ["9", "10", "9.0", "-6", "7.5"]),
        (#"{"multipleOf":0.1}"#, ["0.3", "0.5", "1"]),
        // Strings: lengths count code points; pattern searches.
        (#"{"type":"string","minLength":2,"maxLength":3}"#, [#""é""#, #""ab""#, #""abcd""#, #""😀""#, #""e\u0301""#, "12"]),
        (#"{"maxLength":1}"#, [#""😀""#, #""e\u0301""#, #""""#]),
        (#"{"type":"string","pattern":"^[a-z]+$"}"#, [#""abc""#, #""abC""#, #""""#]),
        (#"{"pattern":"b"}"#, [#""abc""#, #""xyz""#, "5"]),
        // Arrays.
        (
            #"{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":3,"uniqueItems":true}"#,
            [#"["a"]"#, "[]", #"["a","a"]"#, #"["a",1]"#, #"["a","b","c","d"]"#, "{}"]
        ),
        (#"{"uniqueItems":true}"#, ["[1,1.0]", "[1,true]", "[0,false]", #"[{"a":1},{"a":1.0}]"#, "[[1],[1,2]]"]),
        (
            #"{"prefixItems":[{"type":"string"},{"type":"integer"}],"items":false}"#,
            [#"["a",1]"#, #"["a",1,2]"#, #"["a"]"#, #"[1,"a"]"#, "[]"]
        ),
        (#"{"prefixItems":[{"type":"string"}],"items":{"type":"integer"}}"#, [#"["a",1,2]"#, #"["a","b"]"#, "[3]"]),
        // Nested objects in arrays.
        (
            #"{"type":"object","properties":{"negatives":{"type":"array","items":{"type":"object","properties":{"text":{"type":"string","maxLength":5}},"required":["text"],"additionalProperties":false}}},"required":["negatives"]}"#,
            [
                #"{"negatives":[{"text":"ok"}]}"#, #"{"negatives":[{}]}"#, #"{"negatives":[{"text":"ok","why":1}]}"#,
                #"{"negatives":[{"text":"toolong"}]}"#, #"{"negatives":{}}"#, #"{"other":[]}"#, #"{"negatives":[],"more":true}"#,
            ]
        ),
        (#"{"type":"object","additionalProperties":{"type":"integer"}}"#, [#"{"a":1}"#, #"{"a":"x"}"#, "{}", #"{"a/b~c":"x"}"#]),
        (#"{"properties":{"a":false,"b":true}}"#, [#"{"a":1}"#, "{}", #"{"b":[1]}"#, "3"]),
        // Combinators.
        (#"{"anyOf":[{"type":"string"},{"type":"integer"}]}"#, [#""x""#, "1.5", "2"]),
        (#"{"oneOf":[{"type":"integer"},{"type":"number"}]}"#, ["1", "1.5", #""s""#]),
        (#"{"allOf":[{"minimum":0},{"maximum":10}]}"#, ["5", "11", "-1"]),
        (#"{"oneOf":[{"const":"a"},{"const":"b"}]}"#, [#""a""#, #""c""#]),
        // const and enum with JSON equality.
        (#"{"const":{"a":[1,2]}}"#, [#"{"a":[1,2.0]}"#, #"{"a":[2,1]}"#, #"{"a":[1,2],"b":0}"#]),
        (#"{"enum":[1,"1",null,[true]]}"#, ["1.0", "true", "null", #""1""#, "[true]", "[1]"]),
        // Boolean schemas.
        ("true", ["1", "{}"]),
        ("false", ["1", "null"]),
    ]

    /// Every (schema, instance) pair of the corpus.
    static var pairs: [(schema: String, instance: String)] {
        corpus.flatMap { entry in entry.instances.map { (schema: entry.schema, instance: $0) } }
    }

    /// Schemas both sides must refuse.
    static let invalidSchemas: [String] = [
        #"{"type":"int"}"#, #"{"type":[]}"#, #"{"type":["string","string"]}"#, #"{"type":3}"#, #"{"enum":"a"}"#,
        #"{"minLength":-1}"#, #"{"minLength":"1"}"#, #"{"minLength":1.5}"#, #"{"maxItems":true}"#, #"{"multipleOf":0}"#,
        #"{"multipleOf":-2}"#, #"{"exclusiveMinimum":true}"#, #"{"items":[{"type":"string"}]}"#, #"{"anyOf":[]}"#,
        #"{"anyOf":{}}"#, #"{"oneOf":[3]}"#, #"{"allOf":[]}"#, #"{"properties":[]}"#, #"{"properties":{"a":3}}"#,
        #"{"additionalProperties":"no"}"#, #"{"uniqueItems":"yes"}"#, #"{"required":"a"}"#, #"{"required":[1]}"#,
        #"{"required":["a","a"]}"#, #"{"pattern":"("}"#, #"{"pattern":"[a-"}"#, #"{"pattern":3}"#, #"{"title":3}"#,
        #"{"description":[]}"#, #"{"examples":{}}"#, #"{"prefixItems":[]}"#, #"{"$id":3}"#, #"{"$comment":1}"#,
        #"{"$schema":3}"#, "3", #""x""#, "[]", "null", #"{"minimum":"0"}"#, #"{"maximum":null}"#,
        #"{"properties":{"q":{"type":"string","minLength":true}}}"#, #"{"items":{"anyOf":[{"type":"strin"}]}}"#,
    ]

    /// Schemas the 2020-12 meta-schema accepts that the subset refuses, each with the message it must give.
    static let stricterRefusals: [(schema: String, message: String)] = [
        (
            #"{"type":"object","properties":{"query":{"type":"string","minLenght":1}}}"#,
            "/properties/query/minLenght: unknown keyword; did you mean minLength?"
        ),
        (#"{"Type":"string"}"#, "/Type: unknown keyword; did you mean type?"),
        (
            #"{"enum":[]}"#,
            "/enum: must list at least one value (an empty enum accepts nothing); only an enum that x-pairsmith-enum fills at run time may be empty"
        ),
        (#"{"enum":[1,1.0]}"#, "/enum/1: 1 is listed twice; list each value once"),
        (#"{"type":"string","enum":["a",3]}"#, "/enum/1: 3 is not a string, as type requires: no answer can take it"),
        (#"{"type":["string","null"],"const":0}"#, "/const: 0 is not a string or null, as type requires: no value can match"),
        (#"{"type":"integer","minLength":1}"#, "/minLength: applies to strings only, but type is an integer; remove minLength or change type"),
        (#"{"type":"string","properties":{}}"#, "/properties: applies to objects only, but type is a string; remove properties or change type"),
        (#"{"minLength":5,"maxLength":3}"#, "/minLength: 5 is above maxLength 3: no string can satisfy both"),
        (#"{"minItems":2,"maxItems":1}"#, "/minItems: 2 is above maxItems 1: no array can satisfy both"),
        (
            #"{"minimum":1,"exclusiveMaximum":1}"#,
            "/minimum: 1 and exclusiveMaximum 1 leave no number between them; lower minimum or raise exclusiveMaximum"
        ),
        (
            #"{"type":"object","properties":{"a":{}},"required":["a","b"],"additionalProperties":false}"#,
            "/required/1: \"b\" is required but not in properties, and additionalProperties is false: no object can satisfy both; add it to properties or remove it from required"
        ),
        (
            #"{"$schema":"http://json-schema.org/draft-07/schema#"}"#,
            "/$schema: must be \"https://json-schema.org/draft/2020-12/schema\" (pairsmith reads draft 2020-12 only), found \"http://json-schema.org/draft-07/schema#\""
        ),
        (
            #"{"properties":{"a":{"$schema":"https://json-schema.org/draft/2020-12/schema"}}}"#,
            "/properties/a/$schema: only the root schema may declare $schema; remove it here"
        ),
        (
            #"{"type":"string","format":"date"}"#,
            "/format: JSON Schema keyword outside pairsmith's subset; use pattern, or a stage rule (supported: \(JSONSchemaCheck.supportedKeywords.joined(separator: ", ")))"
        ),
        (
            #"{"$defs":{"a":{}}}"#,
            "/$defs: JSON Schema keyword outside pairsmith's subset; write the subschema in place (supported: \(JSONSchemaCheck.supportedKeywords.joined(separator: ", ")))"
        ),
        (#"{"x-pairsmith-enum":3}"#, "/x-pairsmith-enum: must name the list whose values fill enum at run time (a non-empty string), found 3"),
        (
            #"{"type":"integer","x-pairsmith-enum":"levels"}"#,
            "/x-pairsmith-enum: fills enum with strings, but type is an integer; declare \"type\": \"string\""
        ),
        (#"{"properties":{"a~b/c":{"maximun":3}}}"#, "/properties/a~0b~1c/maximun: unknown keyword; did you mean maximum?"),
        (
            #"{"anyOf":[{"type":"string"},{"zzz":1}]}"#,
            "/anyOf/1/zzz: unknown keyword; pairsmith's JSON Schema subset has \(JSONSchemaCheck.supportedKeywords.joined(separator: ", ")), and extension keywords that start with x-"
        ),
    ]

    /// The Python side: `check` prints whether each schema passes `check_schema`; `full` and `structural` print
    /// each pair's verdict and its failing (instance pointer, keyword) pairs, `structural` on the schema with the value
    /// keywords removed at every depth and `oneOf` renamed `anyOf`. A `false` subschema is given to jsonschema as the
    /// equivalent `{"not": {}}` and its error reported as `false`: jsonschema reports a `false` subschema's error
    /// without the instance path that leads to it (its `descend` returns before adding the path); the corpus has no
    /// `not` of its own.
    static let script = #"""
        import json, sys
        from jsonschema import Draft202012Validator as V, SchemaError
        VALUE = {"enum", "const", "minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum",
                 "exclusiveMaximum", "multipleOf"}
        def pointer(path):
            return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)
        def rewrite(schema, strip):
            def sub(value): return {"not": {}} if value is False else rewrite(value, strip)
            if not isinstance(schema, dict): return schema
            out = {}
            for key, value in schema.items():
                if strip and key in VALUE: continue
                if key == "properties": value = {name: sub(v) for name, v in value.items()}
                elif key in ("additionalProperties", "items"): value = rewrite(value, strip)
                elif key in ("prefixItems", "anyOf", "oneOf", "allOf"): value = [sub(v) for v in value]
                if strip and key == "oneOf":
                    assert "anyOf" not in schema
                    key = "anyOf"
                out[key] = value
            return out
        mode = sys.argv[1]
        for case in json.load(sys.stdin):
            if mode == "check":
                try:
                    V.check_schema(case)
                    print("true")
                except SchemaError:
                    print("false")
                continue
            assert '"not":' not in json.dumps(case["schema"])
            validator = V(rewrite(case["schema"], mode == "structural"))
            keyword = lambda e: "false" if e.validator in (None, "not") else e.validator
            errors = sorted({pointer(e.absolute_path) + " " + keyword(e) for e in validator.iter_errors(case["instance"])})
            print(json.dumps({"valid": validator.is_valid(case["instance"]), "errors": errors}))
        """#

    /// True when the reference can run; false (the test passes without checking) only off CI without the venv.
    static func referenceAvailable() throws -> Bool {
        guard TestEnvironment.python != nil else {
            try #require(!TestEnvironment.isCI, "the Python venv is missing (scripts/setup --deps)")
            return false
        }
        let probe = try ProcessRunner.python("import importlib.util; print(importlib.util.find_spec('jsonschema') is not None)")
        try #require(
            String(decoding: probe, as: UTF8.self).hasPrefix("True"),
            "the reference venv lacks jsonschema: run scripts/setup --deps (or pip install jsonschema into it)")
        return true
    }

    /// Python's output lines for `mode` on a JSON array written from the given texts.
    static func python(_ mode: String, _ items: [String]) throws -> [String] {
        let input = Data(("[" + items.joined(separator: ",") + "]").utf8)
        let output = try ProcessRunner.python(script, arguments: [mode], stdin: input)
        return String(decoding: output, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// One pair's reference result.
    struct Reference: Decodable {
        var valid: Bool
        var errors: [String]
    }

    static func references(_ mode: String) throws -> [Reference] {
        let lines = try python(mode, pairs.map { #"{"schema":\#($0.schema),"instance":\#($0.instance)}"# })
        return try lines.map { try JSONDecoder().decode(Reference.self, from: Data($0.utf8)) }
    }

    /// Our violations as Python prints them: sorted unique `pointer keyword` strings.
    static func errorKeys(_ violations: [JSONSchemaViolation], renaming: [String: String] = [:]) -> [String] {
        Set(violations.map { "\($0.instancePath) \(renaming[$0.keyword] ?? $0.keyword)" }).sorted()
    }

    @Test("the same verdict and failing keywords as Draft202012Validator on every corpus pair")
    func verdictsMatch() throws {
        guard try Self.referenceAvailable() else { return }
        let expected = try Self.references("full")
        try #require(expected.count == Self.pairs.count)
        var invalid = 0
        for (pair, reference) in zip(Self.pairs, expected) {
            let schema = try JSONValue.parse(pair.schema)
            let violations = JSONSchemaCheck.violations(of: try JSONValue.parse(pair.instance), against: schema)
            let context = "\(pair.instance) against \(pair.schema): \(violations)"
            #expect(violations.isEmpty == reference.valid, "\(context)")
            #expect(Self.errorKeys(violations) == reference.errors, "\(context)")
            if !reference.valid { invalid += 1 }
        }
        #expect(Self.pairs.count >= 100)
        #expect(invalid >= 40 && invalid <= Self.pairs.count - 40, "the corpus holds both kinds: \(invalid) invalid")
    }

    @Test("structural-only checks agree with Draft202012Validator on the schemas stripped of value keywords")
    func structuralVerdictsMatch() throws {
        guard try Self.referenceAvailable() else { return }
        let expected = try Self.references("structural")
        try #require(expected.count == Self.pairs.count)
        var differsFromFull = 0
        for (pair, reference) in zip(Self.pairs, expected) {
            let schema = try JSONValue.parse(pair.schema)
            let instance = try JSONValue.parse(pair.instance)
            let violations = JSONSchemaCheck.violations(of: instance, against: schema, structuralOnly: true)
            let context = "\(pair.instance) against \(pair.schema): \(violations)"
            #expect(violations.isEmpty == reference.valid, "\(context)")
            #expect(Self.errorKeys(violations, renaming: ["oneOf": "anyOf"]) == reference.errors, "\(context)")
            #expect(!violations.contains { JSONSchemaCheck.valueKeywords.contains($0.keyword) }, "\(context)")
            if violations.isEmpty != JSONSchemaCheck.violations(of: instance, against: schema).isEmpty { differsFromFull += 1 }
        }
        #expect(differsFromFull >= 15, "structural-only must accept what only value keywords refuse")
    }

    @Test("every corpus schema is valid for both; every invalid schema is refused by both")
    func schemaVerdictsMatch() throws {
        let valid = Self.corpus.map(\.schema)
        for text in valid {
            #expect(throws: Never.self, "\(text)") { try JSONSchemaCheck.validateSchema(try JSONValue.parse(text)) }
        }
        for text in Self.invalidSchemas {
            let problems = JSONSchemaCheck.problems(in: try JSONValue.parse(text))
            #expect(!problems.isEmpty, "\(text) passed")
            #expect(throws: JSONSchemaError.self, "\(text)") { try JSONSchemaCheck.validateSchema(try JSONValue.parse(text)) }
        }
        guard try Self.referenceAvailable() else { return }
        #expect(try Self.python("check", valid) == Array(repeating: "true", count: valid.count))
        #expect(try Self.python("check", Self.invalidSchemas) == Array(repeating: "false", count: Self.invalidSchemas.count))
    }

    @Test("the subset's own refusals: jsonschema accepts these, the checker names the pointer and what would be valid")
    func stricterRefusals() throws {
        for (text, message) in Self.stricterRefusals {
            let problems = JSONSchemaCheck.problems(in: try JSONValue.parse(text))
            #expect(problems.map(\.description) == [message], "\(text)")
        }
        guard try Self.referenceAvailable() else { return }
        let texts = Self.stricterRefusals.map(\.schema)
        #expect(try Self.python("check", texts) == Array(repeating: "true", count: texts.count))
    }

    @Test("the shipped retrieval schemas are valid, as written and with their run-time enum filled")
    func shippedSchemas() throws {
        let folder = TestEnvironment.packageRoot.appendingPathComponent("prompts/retrieval")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".schema.json") }.sorted()
        #expect(files == ["configure.schema.json", "generate.schema.json", "judge.schema.json"])
        var texts: [String] = []
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            let schema = try JSONValue.parse(text)
            #expect(JSONSchemaCheck.problems(in: schema).isEmpty, "\(file): \(JSONSchemaCheck.problems(in: schema))")
            let filled = Self.fillingRuntimeEnums(schema, with: ["Alice", "Bob"])
            #expect(JSONSchemaCheck.problems(in: filled).isEmpty, "\(file) filled: \(JSONSchemaCheck.problems(in: filled))")
            texts += [text, filled.canonicalText]
        }
        guard try Self.referenceAvailable() else { return }
        #expect(try Self.python("check", texts) == Array(repeating: "true", count: texts.count))
    }

    /// `schema` with every `x-pairsmith-enum` replaced by an `enum` of `values` (what the stage engine does).
    static func fillingRuntimeEnums(_ schema: JSONValue, with values: [String]) -> JSONValue {
        switch schema {
        case .object(var object):
            if object.removeValue(forKey: JSONSchemaCheck.runtimeEnumKeyword) != nil { object["enum"] = .strings(values) }
            return .object(JSONObject(object.members.map { ($0.key, fillingRuntimeEnums($0.value, with: values)) }))
        case .array(let elements): return .array(elements.map { fillingRuntimeEnums($0, with: values) })
        default: return schema
        }
    }
}

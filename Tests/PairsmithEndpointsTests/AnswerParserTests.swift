import PairsmithEndpoints
import Testing

@Suite("Answer cleaning and parsing")
struct AnswerParserTests {
    let valid = #"{"query":"what is rope","difficulty":"hard","score":7,"tags":["nlp"],"relevant":true}"#

    @Test("a <think> block and code fences are removed before parsing")
    func cleaning() throws {
        for text in [
            valid,
            "<think>\nplanning {not json}\n</think>\n" + valid,
            "```json\n" + valid + "\n```",
            "```\n" + valid + "\n```",
            "<think>x</think>\n```json\n" + valid + "\n```\n",
        ] {
            let value = try AnswerParser.parse(text, schema: answerSchema, endpoint: "e")
            #expect(value["difficulty"] == "hard")
        }
    }

    @Test("prose, empty answers and unclosed <think> are 'not JSON'")
    func notJSON() {
        for text in ["Sure! Here is the JSON you asked for.", "", "<think>still thinking", #"{"query": "#] {
            #expect {
                _ = try AnswerParser.parse(text, schema: answerSchema, endpoint: "e")
            } throws: { error in
                guard case ChatError.notJSON(let endpoint, _, let raw) = error else { return false }
                return endpoint == "e" && raw == text
            }
        }
    }

    @Test("JSON that breaks the schema is a schema violation carrying the raw answer")
    func violation() {
        let text = #"{"query":"what","difficulty":"impossible","score":7,"tags":["nlp"],"relevant":true}"#
        #expect {
            _ = try AnswerParser.parse(text, schema: answerSchema, endpoint: "e")
        } throws: { error in
            guard case ChatError.schemaViolation(_, let violations, let raw) = error else { return false }
            return violations.map(\.path) == ["$.difficulty"] && raw == text
        }
    }
}

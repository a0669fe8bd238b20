import Foundation
import PairsmithTestSupport
import Testing

/// `pairsmith tokenize`: JSON Lines in, JSON Lines out, ids from HF tokenizers' reference.
@Suite("pairsmith tokenize")
struct TokenizeCommandTests {
    /// The Qwen3 tokenizer.json, located by the reference script.
    private func tokenizerPath() throws -> String {
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference/tokenizer_reference.py").path
        let python = try TestEnvironment.requirePython()
        let result = try ProcessRunner.run(python, [script, "locate"])
        guard result.status == 0 else {
            throw TestSupportError.processFailed(command: "tokenizer_reference.py locate", status: result.status, stderr: result.stderr)
        }
        return result.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func pairsmith(_ arguments: [String]) throws -> ProcessResult {
        try ProcessRunner.run(TestEnvironment.pairsmithExecutable, arguments)
    }

    @Test("encodes {\"text\"} lines to {\"ids\"} in order, and --decode turns them back")
    func encodeAndDecode() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let input = folder.file("in.jsonl"), output = folder.file("out.jsonl"), back = folder.file("back.jsonl")
        let texts = ["Hello world", " Hello world", "<|im_start|>system\n", "", "中文 \"quoted\"\ttab\n"]
        let lines = try texts.map { String(decoding: try JSONSerialization.data(withJSONObject: ["text": $0]), as: UTF8.self) }
        try (lines.joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        let path = try tokenizerPath()

        let result = try pairsmith(["tokenize", "--tokenizer", path, "--input", input.path, "--output", output.path])
        #expect(result.status == 0, "\(result.stderr)")
        let outputLines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(outputLines.count == texts.count + 1)
        #expect(outputLines[0] == #"{"ids":[9707,1879]}"#)
        #expect(outputLines[1] == #"{"ids":[21927,1879]}"#)
        #expect(outputLines[2] == #"{"ids":[151644,8948,198]}"#)
        #expect(outputLines[3] == #"{"ids":[]}"#)

        let decoded = try pairsmith(["tokenize", "--decode", "--tokenizer", path, "--input", output.path, "--output", back.path])
        #expect(decoded.status == 0, "\(decoded.stderr)")
        let backTexts = try String(contentsOf: back, encoding: .utf8).split(separator: "\n").map { line in
            (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])?["text"]
        }
        #expect(backTexts == texts.map { Optional($0) })
    }

    @Test("--no-special-tokens drops special tokens when decoding")
    func noSpecialTokens() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let input = folder.file("ids.jsonl"), output = folder.file("text.jsonl")
        try #"{"ids":[151644,8948,198,151645]}"#.write(to: input, atomically: true, encoding: .utf8)
        let result = try pairsmith(["tokenize", "--decode", "--no-special-tokens", "--tokenizer", try tokenizerPath(),
                                    "--input", input.path, "--output", output.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try String(contentsOf: output, encoding: .utf8) == #"{"text":"system\n"}"# + "\n")
    }

    @Test("a bad line is an error naming the file and the line")
    func badLine() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let input = folder.file("bad.jsonl")
        try "{\"text\": \"fine\"}\n{\"txt\": \"typo\"}\n".write(to: input, atomically: true, encoding: .utf8)
        let result = try pairsmith(["tokenize", "--tokenizer", try tokenizerPath(), "--input", input.path,
                                    "--output", folder.file("out.jsonl").path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("bad.jsonl:2"), "\(result.stderr)")
        #expect(result.stderr.contains("\"text\""))
    }

    @Test("an unreadable tokenizer file is a one-line error, not a crash")
    func missingTokenizer() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let input = folder.file("in.jsonl")
        try "{\"text\": \"x\"}\n".write(to: input, atomically: true, encoding: .utf8)
        let result = try pairsmith(["tokenize", "--tokenizer", folder.file("missing.json").path, "--input", input.path,
                                    "--output", folder.file("out.jsonl").path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("missing.json"))
    }
}

import Foundation
import PairsmithJSON

/// Tokenizes a JSON Lines file: `{"text": ...}` lines → `{"ids": [...]}` lines, or back with ``Mode/decode``.
///
/// This is the logic behind `pairsmith tokenize`; output lines keep the input order.
public struct TokenizeJSONLines: Sendable {
    /// Which way to convert.
    public enum Mode: Sendable {
        /// `{"text"}` → `{"ids"}`.
        case encode
        /// `{"ids"}` → `{"text"}`.
        case decode
    }

    /// The tokenizer to use.
    public let tokenizer: Tokenizer
    /// Which way to convert.
    public var mode: Mode
    /// Encode: run the post-processor (append `<|endoftext|>` for the embedding tokenizer).
    /// Decode: keep special tokens in the text.
    public var specialTokens: Bool

    /// A converter with the given tokenizer and options.
    public init(tokenizer: Tokenizer, mode: Mode = .encode, specialTokens: Bool = true) {
        self.tokenizer = tokenizer
        self.mode = mode
        self.specialTokens = specialTokens
    }

    /// Converts the file at `input` and writes the result to `output`; returns the number of records.
    @discardableResult
    public func run(input: URL, output: URL) throws -> Int {
        let data: Data
        do {
            data = try Data(contentsOf: input)
        } catch {
            throw JSONLinesError.unreadable(path: input.path, reason: error.localizedDescription)
        }
        let result = try convert(data, source: input.path)
        do {
            try result.data.write(to: output, options: .atomic)
        } catch {
            throw JSONLinesError.unwritable(path: output.path, reason: error.localizedDescription)
        }
        return result.count
    }

    /// Converts JSON Lines in memory; `source` names the input in errors. Blank lines are skipped.
    public func convert(_ data: Data, source: String) throws -> (data: Data, count: Int) {
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        var output = Data()
        var count = 0
        for (index, line) in lines.enumerated() {
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) { continue }
            let item = try parse(Data(line), source: source, line: index + 1)
            output.append(contentsOf: Array(render(item).utf8))
            output.append(UInt8(ascii: "\n"))
            count += 1
        }
        return (output, count)
    }

    /// One parsed input line.
    private enum JSONLinesItem: Sendable {
        case text(String)
        case ids([Int])
    }

    /// Parses one input line into the field this mode needs.
    private func parse(_ line: Data, source: String, line number: Int) throws -> JSONLinesItem {
        let object: JSONValue
        do {
            object = try JSONValue.parse(line, duplicateKeys: .lastWins)
        } catch {
            throw JSONLinesError.invalidLine(path: source, line: number, reason: "not valid JSON (\(error))")
        }
        guard case .object = object else {
            throw JSONLinesError.invalidLine(path: source, line: number, reason: "expected a JSON object")
        }
        switch mode {
        case .encode:
            guard case .string(let text)? = object["text"] else {
                throw JSONLinesError.invalidLine(path: source, line: number, reason: "missing string field \"text\"")
            }
            return .text(text)
        case .decode:
            guard case .array(let raw)? = object["ids"] else {
                throw JSONLinesError.invalidLine(path: source, line: number, reason: "missing array field \"ids\"")
            }
            var ids: [Int] = []
            ids.reserveCapacity(raw.count)
            for value in raw {
                guard let id = value.intValue else {
                    throw JSONLinesError.invalidLine(path: source, line: number, reason: "\"ids\" must hold integers only")
                }
                ids.append(id)
            }
            return .ids(ids)
        }
    }

    /// The output line for one item.
    private func render(_ item: JSONLinesItem) -> String {
        switch item {
        case .text(let text):
            let ids = tokenizer.encode(text, addSpecialTokens: specialTokens)
            return "{\"ids\":[" + ids.map(String.init).joined(separator: ",") + "]}"
        case .ids(let ids):
            return "{\"text\":" + JSONValue.string(tokenizer.decode(ids, skipSpecialTokens: !specialTokens)).compactText + "}"
        }
    }
}

/// Why a JSON Lines file could not be tokenized.
public enum JSONLinesError: Error, CustomStringConvertible, Equatable {
    /// The input file could not be read.
    case unreadable(path: String, reason: String)
    /// The output file could not be written.
    case unwritable(path: String, reason: String)
    /// A line of the input is not what the mode expects.
    case invalidLine(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .unwritable(let path, let reason): "cannot write \(path): \(reason)"
        case .invalidLine(let path, let line, let reason): "\(path):\(line): \(reason)"
        }
    }
}

import Foundation

/// A malformed line of a JSONL input file.
public struct JSONLInputError: Error, Equatable, CustomStringConvertible {
    /// The input file.
    public var path: String
    /// The 1-based line number.
    public var line: Int
    /// What is wrong with it.
    public var reason: String

    public var description: String { "\(path):\(line): \(reason)" }
}

/// The file-to-file jobs behind `pairsmith embed` and `pairsmith rerank`: JSONL in, JSONL out, same order.
///
/// Inputs are read and processed in chunks so memory stays bounded; blank lines are skipped; a bad line stops
/// the job with an error naming `file:line` before anything of its chunk is written.
public enum JSONLJobs {
    /// Lines per chunk handed to the engine at once (the engine packs them into forward batches).
    public static let chunkSize = 256

    private struct TextLine: Decodable { var text: String }
    private struct PairLine: Decodable {
        var query: String
        var document: String
    }

    /// `{"text"}` → `{"embedding":[…]}`; queries when `instruction` is given; `dimensions` for MRL.
    public static func embed(
        embedder: Embedder, input: URL, output: URL, instruction: String? = nil, dimensions: Int? = nil
    ) async throws -> Int {
        if let dimensions, !embedder.dimensionRange.contains(dimensions) {
            throw EngineError.invalidDimensions(requested: dimensions, minimum: embedder.dimensionRange.lowerBound,
                                                maximum: embedder.dimensionRange.upperBound)
        }
        return try await embed(input: input, output: output) { texts in
            try await embedder.embed(texts, instruction: instruction, dimensions: dimensions)
        }
    }

    /// `{"text"}` → `{"embedding":[…]}` with any embedder (e.g. a remote `/v1/embeddings` client).
    public static func embed(
        input: URL, output: URL, embed: ([String]) async throws -> [[Float]]
    ) async throws -> Int {
        try await process(input: input, output: output, decode: { (item: TextLine) in item.text }) { texts in
            try await embed(texts).map { vector in
                "{\"embedding\":[" + vector.map { "\($0)" }.joined(separator: ",") + "]}"
            }
        }
    }

    /// `{"query","document"}` → `{"score"}`.
    public static func rerank(reranker: Reranker, input: URL, output: URL, instruction: String? = nil) async throws -> Int {
        try await process(input: input, output: output, decode: { (item: PairLine) in
            RerankPair(query: item.query, document: item.document)
        }) { pairs in
            try await reranker.score(pairs, instruction: instruction).map { "{\"score\":\($0)}" }
        }
    }

    /// Reads `input` line by line, decodes each with `decode`, runs `work` per chunk and writes its lines.
    private static func process<Line: Decodable, Item>(
        input: URL, output: URL, decode: (Line) -> Item, work: ([Item]) async throws -> [String]
    ) async throws -> Int {
        let data: Data
        do { data = try Data(contentsOf: input, options: .mappedIfSafe) } catch {
            throw EngineError.unreadableFile(path: input.path, reason: error.localizedDescription)
        }
        guard FileManager.default.createFile(atPath: output.path, contents: nil),
              let handle = try? FileHandle(forWritingTo: output) else {
            throw EngineError.unreadableFile(path: output.path, reason: "cannot create the output file")
        }
        defer { try? handle.close() }
        let decoder = JSONDecoder()
        var chunk: [Item] = []
        var written = 0
        var lineNumber = 0
        func flush() async throws {
            guard !chunk.isEmpty else { return }
            let lines = try await work(chunk)
            try handle.write(contentsOf: Data((lines.joined(separator: "\n") + "\n").utf8))
            written += lines.count
            chunk.removeAll(keepingCapacity: true)
        }
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            do {
                chunk.append(decode(try decoder.decode(Line.self, from: Data(line))))
            } catch let error as DecodingError {
                throw JSONLInputError(path: input.path, line: lineNumber, reason: Self.explain(error))
            }
            if chunk.count == chunkSize { try await flush() }
        }
        try await flush()
        return written
    }

    private static func explain(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing field \"\(key.stringValue)\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            "field \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\" has the wrong type (\(context.debugDescription))"
        case .dataCorrupted: "not a JSON object"
        @unknown default: "\(error)"
        }
    }
}

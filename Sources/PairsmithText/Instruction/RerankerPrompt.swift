/// The Qwen3-Reranker prompt of the model card, shared by the local engine and the rerank client: a fixed system
/// prefix, the body `<Instruct>: …\n<Query>: …\n<Document>: …`, and an assistant turn with an empty think block.
public enum RerankerPrompt {
    /// The default instruction of the model card.
    public static let defaultInstruction = "Given a web search query, retrieve relevant passages that answer the query"
    /// The system prompt and the user turn's opening.
    public static let prefix =
        "<|im_start|>system\nJudge whether the Document meets the requirements based on the Query and the Instruct provided. Note that the answer can only be \"yes\" or \"no\".<|im_end|>\n<|im_start|>user\n"
    /// The end of the user turn and an assistant turn with an empty think block.
    public static let suffix = "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"

    /// The instruction and query part of the body: `<Instruct>: {instruction}\n<Query>: {query}`.
    public static func instructedQuery(_ query: String, instruction: String) -> String {
        "<Instruct>: \(instruction)\n<Query>: \(query)"
    }

    /// The whole body the model reads between prefix and suffix.
    public static func body(query: String, document: String, instruction: String) -> String {
        instructedQuery(query, instruction: instruction) + "\n<Document>: \(document)"
    }
}

/// The Qwen3-Embedding query prompt, `Instruct: {task}\nQuery:{query}` (no space after the colon): the one
/// definition the local engine, the embeddings client, the score stage and the exports share.
public enum QueryInstruction {
    /// `query` as the model reads it under the task `instruction`.
    public static func format(_ query: String, instruction: String) -> String {
        prefix(instruction: instruction) + query
    }

    /// What comes before the query: `Instruct: {instruction}\nQuery:` (what trainers call the query prompt).
    public static func prefix(instruction: String) -> String {
        "Instruct: \(instruction)\nQuery:"
    }
}

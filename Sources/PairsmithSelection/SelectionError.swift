/// Errors that stop scoring, selection or the hard-negative search.
public enum SelectionError: Error, CustomStringConvertible, Equatable {
    /// A pair's passage is not in the documents table.
    case missingDocument(id: Int64)
    /// The embedder returned a different number of vectors than texts.
    case wrongCount(requested: Int, returned: Int)
    /// A pair's query and passage vectors differ in size.
    case dimensionMismatch(pairID: Int64, query: Int, passage: Int)
    /// Percentile bounds were asked for but the database has no scores under the model.
    case noScoresForPercentile(model: String)
    /// The run has no pairs.
    case noPairs(run: String)
    /// No embedding model has scores for the run, so there is nothing to select from.
    case noScores(run: String)
    /// Several models have scores for the run and none was named.
    case ambiguousModel(run: String, models: [String])
    /// A selection parameter out of range.
    case invalidParameter(String)
    /// A reranker criterion was asked for but the run has no rerank scores (or several models and none named).
    case noRerankScores(run: String, models: [String])

    public var description: String {
        switch self {
        case .missingDocument(let id): "pair refers to document \(id), which is not in the database"
        case .wrongCount(let requested, let returned): "the embedder returned \(returned) vectors for \(requested) texts"
        case .dimensionMismatch(let pairID, let query, let passage):
            "pair \(pairID): the query vector has \(query) dimensions but the passage vector \(passage); were they made by "
                + "different models under the same name?"
        case .noScoresForPercentile(let model):
            "percentile bounds need scores, but the database has none under the embedding model \"\(model)\"; run the score "
                + "stage (pairsmith run) first or give --threshold/--band"
        case .noPairs(let run): "run \"\(run)\" has no pairs; generate some with `pairsmith run` first"
        case .noScores(let run):
            "run \"\(run)\" has no scored pairs; `pairsmith run` scores them after generating (or give an embedding model)"
        case .ambiguousModel(let run, let models):
            "run \"\(run)\" has scores under several embedding models (\(models.joined(separator: ", "))); name one with --model"
        case .invalidParameter(let message): message
        case .noRerankScores(let run, let models):
            models.isEmpty
                ? "min_rerank needs rerank scores, but run \"\(run)\" has none; rerank it first (`pairsmith run … "
                    + "--reranker-model DIR` or `--reranker-url URL`) or drop min_rerank"
                : "run \"\(run)\" has rerank scores under several models (\(models.joined(separator: ", "))); name one with "
                    + "--rerank-model or `selection.rerank_model`"
        }
    }
}

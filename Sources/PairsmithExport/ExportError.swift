/// Why an export could not be made; every message says what to do about it.
public enum ExportError: Error, CustomStringConvertible, Equatable {
    /// The database holds no run at all.
    case noRuns(database: String)
    /// `--run` names a run the database does not hold.
    case unknownRun(name: String, available: [String])
    /// Several runs and no `--run`.
    case severalRuns(available: [String])
    /// No selection for the set in the run yet.
    case noSelection(run: String, set: String)
    /// The newest selection holds no pairs.
    case emptySelection(run: String, set: String, selectionID: Int64)
    /// The shard size is not a positive number.
    case badShardSize(Int)
    /// `--negatives` is negative.
    case badNegativeCount(Int)
    /// Every selected pair has fewer negatives than the sentence-transformers columns.
    case noRowWithNegatives(run: String, set: String, columns: Int)
    /// The output folder exists and `--overwrite` was not given.
    case outputExists(path: String)
    /// An example has no anchor instruction and the run's configuration no query instruction, which the format needs.
    case missingInstruction(run: String)
    /// `--split` is not `name=size,…` with sizes all fractions summing to 1 or all counts, or cannot be met.
    case badSplit(String, reason: String)
    /// No format, or one format twice, in `--format`.
    case badFormatList(reason: String)
    /// A format that needs a negative in every row found no example with one.
    case noRowsForFormat(run: String, set: String, format: String)
    /// A split got no row of a format (its examples all lacked what the format needs).
    case emptySplit(format: String, split: String)
    /// A BEIR id would be ambiguous (two entries with one id) or contains a character TSV cannot hold.
    case badEvaluationID(id: String, reason: String)
    /// A file or folder could not be written, synced or renamed.
    case cannotWrite(path: String, reason: String)
    /// The export read back did not match what was written.
    case validationFailed(path: String, reason: String)

    /// `--scores rerank` was asked but the run has no rerank scores (or several models).
    case noRerankScores(run: String, models: [String])
    /// `--scores` was asked but an example lacks a score for one side.
    case missingScore(kind: String, exampleID: Int64, side: String)
    /// `--scores` was asked with a format other than flagembedding.
    case scoresNeedFlagEmbedding(format: String)

    public var description: String {
        switch self {
        case .noRerankScores(let run, let models):
            models.isEmpty
                ? "--scores rerank needs rerank scores, but run \"\(run)\" has none; rerank it (`pairsmith run … "
                    + "--reranker-model DIR`) or export with --scores cosine"
                : "run \"\(run)\" has rerank scores under several models (\(models.joined(separator: ", "))); name one with --rerank-model"
        case .missingScore(let kind, let id, let side):
            "--scores \(kind): example \(id) has no \(kind) score for its \(side); "
                + (side == "generated negative"
                    ? "generated negatives carry no score, so export this set without --scores"
                    : "run the stage that scores it (the rerank stage, and a reranker-guarded negative search, for rerank; "
                        + "the score stage for cosine) or export without --scores")
        case .scoresNeedFlagEmbedding(let format):
            "--scores writes FlagEmbedding's pos_scores/neg_scores; it goes with --format flagembedding, not \(format)"
        case .noRuns(let database):
            "the database \(database) holds no run; run `pairsmith run PIPELINE --corpus FILE --db \(database)` first"
        case .unknownRun(let name, let available):
            "the database holds no run named \"\(name)\"; runs in it: \(Self.list(available))"
        case .severalRuns(let available):
            "the database holds several runs (\(Self.list(available))); pick one with --run NAME"
        case .noSelection(let run, let set):
            "run \"\(run)\" has no \(set) selection yet; run `pairsmith run` (or `pairsmith select`) first, which "
                + "scores the pairs and selects the \(set) set"
        case .emptySelection(let run, let set, let selectionID):
            "the newest \(set) selection of run \"\(run)\" (selection \(selectionID)) holds no pairs, so there is "
                + "nothing to export; loosen the thresholds and select again (`pairsmith select`), or export another set"
        case .badShardSize(let size):
            "--shard-size must be at least 1 (rows per shard), got \(size)"
        case .badNegativeCount(let count):
            "--negatives must be 0 or more (hard negatives per row), got \(count)"
        case .noRowWithNegatives(let run, let set, let columns):
            "no \(set) pair of run \"\(run)\" has \(columns) hard negatives, so no sentence-transformers row with "
                + "\(columns) negative columns can be written; pass a smaller --negatives N (0 exports anchor and positive only)"
        case .outputExists(let path):
            "the output folder \(path) already exists; pass --overwrite to replace it (it is replaced only once "
                + "the new export is complete), or choose another --out"
        case .missingInstruction(let run):
            "run \"\(run)\" has examples without an anchor instruction and its configuration has no "
                + "embedding.query_instruction to stand for it, and this format puts one in every row; export with "
                + "--format sentence-transformers, or re-run with a pipeline file that sets example.anchor_instruction"
        case .badSplit(let text, let reason):
            "--split \"\(text)\": \(reason); write it as NAME=SIZE,… e.g. train=0.95,validation=0.05 or train=900,validation=100"
        case .badFormatList(let reason):
            "--format: \(reason); give one or more of \(ExportFormat.names.joined(separator: ", ")), separated by commas"
        case .noRowsForFormat(let run, let set, let format):
            "no \(set) example of run \"\(run)\" has a negative, and \(format) needs one in every row (its trainer samples "
                + "negatives per query); mine hard negatives first (the pipeline's negatives stage), or export another format"
        case .emptySplit(let format, let split):
            "the split \"\(split)\" holds no \(format) row (its examples lack the negatives the format needs, or --negatives "
                + "asks for more than they have); give it a larger size in --split, a smaller --negatives, or export another format"
        case .badEvaluationID(let id, let reason):
            "the BEIR id \(id.debugDescription) \(reason); rename the passage (its corpus key) so every id is unique and has no "
                + "tab or line break"
        case .cannotWrite(let path, let reason):
            "cannot write \(path): \(reason); check that the folder is writable and the disk has room"
        case .validationFailed(let path, let reason):
            "the export read back from \(path) is not what was written (\(reason)); nothing was published, try again"
        }
    }

    private static func list(_ names: [String]) -> String {
        names.isEmpty ? "none" : names.map { "\"\($0)\"" }.joined(separator: ", ")
    }
}

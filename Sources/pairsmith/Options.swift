import ArgumentParser
import Foundation
import Logging
import PairsmithEngine
import PairsmithStore
import PairsmithText
import Synchronization

/// `--db FILE`: the run's SQLite database (run, status, select, export).
struct DatabaseOptions: ParsableArguments {
    @Option(help: "The run's SQLite database.")
    var db: String?

    func validate() throws {
        guard db != nil else { throw ValidationError("give the database with --db FILE") }
    }

    /// The path given (validated to be there).
    var path: String { db ?? "" }

    /// Opens the database, creating it when it is not there yet (`pairsmith run`).
    func openOrCreate() throws -> PairsmithStore { try PairsmithStore(path: path) }

    /// Opens a database that must exist already (readers and later steps).
    func openExisting() throws -> PairsmithStore { try PairsmithStore.openExisting(url: URL(fileURLWithPath: path)) }

    /// Opens a database that must exist already for reading only, leaving its file as it is (a finished shard's
    /// completion manifest stays valid); a database of an earlier schema is opened read-write, to migrate it.
    func openForReading() throws -> PairsmithStore {
        do {
            return try PairsmithStore.openReadOnly(url: URL(fileURLWithPath: path))
        } catch StoreError.schemaBehind {
            return try openExisting()
        }
    }
}

/// `--input FILE --output FILE`: a JSON Lines job (tokenize, embed, rerank); output lines keep the input order.
struct JSONLinesOptions: ParsableArguments {
    @Option(help: "Input JSON Lines file (the fields are in the command's description).")
    var input: String

    @Option(help: "Output JSON Lines file, one line per input line, in the same order.")
    var output: String

    /// The input file.
    var inputURL: URL { URL(fileURLWithPath: input) }
    /// The output file.
    var outputURL: URL { URL(fileURLWithPath: output) }
}

/// `--max-length N --precision P`: how the local engine runs a model (embed, rerank).
struct EngineOptions: ParsableArguments {
    @Option(help: "Most tokens per text or prompt, <|endoftext|> included (longer ones are cut to fit).")
    var maxLength = 8192

    @Option(help: "Local model arithmetic: auto (bf16 where this CPU runs it on AMX, else fp32), bf16 or fp32.")
    var precision: Precision = .auto
}

/// `--log-level LEVEL`: how much the libraries log on stderr; the logging system is set up once per process.
struct LoggingOptions: ParsableArguments {
    @Option(help: "The least severe log messages shown on stderr: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    private static let bootstrapped = Mutex(false)

    /// Sets up the process's logging (stderr, at `logLevel`) the first time it is called and returns a logger
    /// labelled `label`.
    func logger(_ label: String) -> Logger {
        let level = logLevel
        Self.bootstrapped.withLock { done in
            guard !done else { return }
            LoggingSystem.bootstrap { name in
                var handler = StreamLogHandler.standardError(label: name)
                handler.logLevel = level
                return handler
            }
            done = true
        }
        return Logger(label: label)
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// `--shard i/n`, `--shards n`: which corpus shard a run takes (see ``ShardSpec``).
struct ShardOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Take only shard i of n of the corpus (0 <= i < n), into its own database.",
            discussion:
                "Without it, i and n come from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT (or _MIN/_MAX) or JOB_COMPLETION_INDEX with --shards."))
    var shard: String?

    @Option(help: "The number of shards, for a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) or to override Slurm's count.")
    var shards: Int?

    func validate() throws {
        if let shards, shards < 1 { throw ValidationError("--shards must be at least 1") }
        if let shard {
            do { _ = try ShardSpec(parsing: shard) } catch { throw ValidationError(error.message) }
        }
    }

    /// The shard this process takes, nil for the whole corpus.
    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ShardSpec? {
        do {
            let explicit = try shard.map { text throws(ShardSpecError) in try ShardSpec(parsing: text) }
            return try ShardSpec.resolve(explicit: explicit, shards: shards, environment: environment)
        } catch {
            throw ValidationError(error.message)
        }
    }
}

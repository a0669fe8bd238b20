import ArgumentParser
import Foundation
import PairsmithConfiguration
import PairsmithEndpoints
import PairsmithIngest
import PairsmithMatching
import PairsmithPipeline
import PairsmithStages
import PairsmithStore
import PairsmithTestSupport

/// `pairsmith-bench pipeline`: passages per second through both LLM stages (configure, then generate) against the
/// test endpoint (in a child process, `serve-endpoint`, so the pipeline's CPU is measured apart from the server's)
/// with a fixed latency, on a temporary SQLite file, as a fraction of the ideal.
///
/// The ideal: with `--concurrency C`, the endpoint serves at most C requests at a time and each passage needs two
/// requests (one per stage), so the endpoint is the bottleneck at C ÷ (2 × latency) passages/s (retries after a
/// rejected answer make a passage need more; the table shows requests per passage). The same run also measures the
/// bare chat client at C in flight (no pipeline), whose rate ÷ 2 is what the pipeline could reach on this machine.
/// Persona matching uses a trivial deterministic embed closure (a hash of the text, not the engine) and is done
/// before the clock starts, so the figures are the LLM stages' alone.
struct PipelineBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Retrieval pipeline throughput (configure + generate) vs the ideal C ÷ (2 × latency) against the test endpoint.")

    @Option(help: "Comma-separated concurrency levels (units in flight per stage, requests in flight per endpoint).")
    var concurrency = "32,128"

    @Option(help: "The test endpoint's fixed latency in milliseconds.")
    var latencyMs = 50

    @Option(help: "Passages in the synthetic corpus (one sample each).")
    var passages = 4_000

    @Option(help: "Personas in the synthetic library.")
    var personas = 300

    @Option(help: "Repeat each level this many times (fresh database each time) and keep the best.")
    var repeats = 2

    func run() async throws {
        let levels = concurrency.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !levels.isEmpty, levels.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--concurrency needs positive numbers, e.g. 32,128")
        }
        guard passages > 0, personas >= 5 else { throw ValidationError("--passages must be positive and --personas at least 5") }
        let latency = Double(latencyMs) / 1_000
        var load = [0.0, 0.0, 0.0]
        _ = getloadavg(&load, 3)
        print(
            """
            pipeline: configure + generate against the test endpoint in a child process, latency \(latencyMs) ms, \
            \(passages) passages × 1 sample, \(personas) personas, SQLite in a temporary folder, \
            \(ProcessInfo.processInfo.activeProcessorCount) cores shared with the server, load average \
            \(String(format: "%.1f", load[0]))
            persona matching: trivial deterministic embed closure (text hash → 16-d vector), done before timing
            ideal = C ÷ (2 × latency) passages/s; bare = the chat client alone at C in flight, its req/s ÷ 2
            CPU: pipeline = this process during the stages (client, workers, SQLite); server = the child
            """)
        print("    C  passages  stages s  passages/s    ideal   ratio  req/passage  pipeline µs/p  server µs/p   bare p/s  vs bare  bare µs/req")
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        try await TestEndpointProcess.withRunning(executable, ["serve-endpoint", "--latency-ms", String(latencyMs)]) { server in
            for level in levels {
                var best: Measurement?
                for _ in 0..<max(1, repeats) {
                    let measured = try await Self.measure(
                        level: level, passages: passages, personas: personas, server: server)
                    if best == nil || measured.rate > best!.rate { best = measured }
                }
                let bare = try await Self.bareClient(level: level, latency: latency, url: server.url)
                guard let best else { continue }
                let ideal = Double(level) / (2 * latency)
                print(
                    String(
                        format: "%5d  %8d  %8.2f  %10.1f  %7.1f  %5.1f%%  %11.2f  %13.0f  %11.0f  %9.1f  %6.1f%%  %11.0f",
                        level, best.passages, best.seconds, best.rate, ideal, 100 * best.rate / ideal,
                        best.requestsPerPassage, best.cpuPerPassage * 1e6, best.serverCPUPerPassage * 1e6, bare.rate / 2,
                        100 * best.rate / (bare.rate / 2), bare.cpuPerRequest * 1e6))
            }
        }
    }

    /// One measured run of the LLM stages.
    struct Measurement {
        var passages: Int
        var seconds: Double
        var rate: Double
        var requestsPerPassage: Double
        var cpuPerPassage: Double
        var serverCPUPerPassage: Double
    }

    /// Prepares a fresh database (ingest, personas, matching), then runs the pipeline and measures its stages.
    static func measure(level: Int, passages: Int, personas: Int, server: TestEndpointProcess) async throws -> Measurement {
        let directory = try TemporaryDirectory(prefix: "pairsmith-bench-pipeline")
        defer { directory.remove() }
        let workspace = try Workspace.write(in: directory, passages: passages, personas: personas)
        let configuration = try PipelineConfiguration.load(from: workspace.pipeline)
            .overriding(chatURL: server.url, chatModel: "test-model", concurrency: level)
        let store = try PairsmithStore(url: directory.file("bench.sqlite"))
        let options = GenerationRunOptions(
            corpus: workspace.corpus, concurrency: level, embeddingModel: "hash-16", progressInterval: .seconds(3600))

        // Everything before the stages, done once here so the measured run finds it done.
        let prepare: @Sendable () async throws -> Void = {
            let run = try await store.beginRun(configuration.runRecord()).id
            _ = try await CorpusIngester(store: store).ingest(workspace.corpus)
            _ = try await PersonaLoader(store: store).load(workspace.personas)
            _ = try await PersonaMatcher(store: store, model: "hash-16", candidates: 5, batchSize: 256, embed: hashEmbed)
                .matchAll(run: run)
        }
        try await prepare()
        // The same steps again, as the run repeats them: their CPU is subtracted from the run's.
        let cpuBefore = cpuSeconds()
        try await prepare()
        let preludeCPU = cpuSeconds() - cpuBefore

        var chat = GenerationRun.chatConfiguration(for: configuration)
        chat.timeouts = EndpointTimeouts(connect: .seconds(10), read: .seconds(60), total: .seconds(120))
        let cpu0 = cpuSeconds()
        let serverCPU0 = server.cpuSeconds() ?? 0
        let summary = try await ChatClient.withClient(chat) { client in
            try await GenerationRun(
                configuration: configuration, store: store, client: client, embed: hashEmbed, options: options
            ).execute()
        }
        let cpu = max(0, cpuSeconds() - cpu0 - preludeCPU)
        let serverCPU = max(0, (server.cpuSeconds() ?? 0) - serverCPU0)
        guard summary.isComplete, summary.progress["configure"].total == passages else {
            throw ValidationError("the benchmark run did not complete: \(summary)")
        }
        let settled = summary.progress["generate"].done + summary.progress["generate"].failed
        let seconds = summary.progress.elapsedSeconds
        return Measurement(
            passages: settled, seconds: seconds, rate: Double(settled) / seconds,
            requestsPerPassage: Double(summary.progress.requestsSent) / Double(max(1, settled)),
            cpuPerPassage: cpu / Double(max(1, settled)), serverCPUPerPassage: serverCPU / Double(max(1, settled)))
    }

    /// The chat client alone: `level` workers sending prompts of the pipeline's size for about two seconds.
    static func bareClient(level: Int, latency: Double, url: String) async throws -> (rate: Double, cpuPerRequest: Double) {
        let config = ChatClientConfiguration(
            endpoints: [EndpointConfiguration(url: url, model: "test-model", maxConcurrentRequests: level)],
            timeouts: EndpointTimeouts(connect: .seconds(10), read: .seconds(60), total: .seconds(120)))
        let schema = JSONSchema.object(["query": .string(minLength: 1)])
        let filler = String(repeating: "A passage of ordinary words about harbours, mills and the weather. ", count: 25)
        return try await ChatClient.withClient(config) { client in
            let total = max(level * 4, Int(Double(level) / latency * 2))
            _ = try await load(client, level: level, total: level, schema: schema, prompt: filler, offset: -level)
            let cpu0 = cpuSeconds()
            let elapsed = try await load(client, level: level, total: total, schema: schema, prompt: filler, offset: 0)
            return (Double(total) / elapsed, (cpuSeconds() - cpu0) / Double(total))
        }
    }

    /// Sends `total` distinct requests with `level` in flight; returns the elapsed seconds.
    static func load(
        _ client: ChatClient, level: Int, total: Int, schema: JSONSchema, prompt: String, offset: Int
    ) async throws -> Double {
        let start = ContinuousClock.now
        let next = RequestCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<level {
                group.addTask {
                    while let i = next.take(below: total) {
                        let request = ChatRequest(
                            messages: [.user("\(prompt) #\(offset + i)")], maxTokens: 64, seed: i, schema: schema)
                        _ = try await client.completeJSON(request)
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// A deterministic stand-in for an embedding model: 16 numbers from a hash of the text, normalised.
    static let hashEmbed: EmbedTexts = { texts in
        texts.map { text in
            var state: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in text.utf8 { state = (state ^ UInt64(byte)) &* 0x100_0000_01b3 }
            var vector = [Float](repeating: 0, count: 16)
            for index in vector.indices {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                vector[index] = Float(Int64(bitPattern: state >> 11) % 2_000) / 1_000 - 1
            }
            let norm = max(1e-6, (vector.reduce(0) { $0 + $1 * $1 }).squareRoot())
            return vector.map { $0 / norm }
        }
    }

    /// User plus system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
    }
}

/// The benchmark's inputs in a temporary folder: pipeline file, prompts, corpus and personas.
private struct Workspace {
    var pipeline: URL
    var corpus: URL
    var personas: URL

    static func write(in directory: TemporaryDirectory, passages: Int, personas: Int) throws -> Workspace {
        let prompts = directory.file("prompts")
        try FileManager.default.createDirectory(at: prompts, withIntermediateDirectories: true)
        let shipped = TestEnvironment.packageRoot.appendingPathComponent("prompts/retrieval")
        for name in try FileManager.default.contentsOfDirectory(atPath: shipped.path) {
            try FileManager.default.copyItem(at: shipped.appendingPathComponent(name), to: prompts.appendingPathComponent(name))
        }
        let pipeline = directory.file("pipeline.yaml")
        try Data(yaml.utf8).write(to: pipeline)
        let corpus = directory.file("corpus.jsonl")
        let topics = [
            "harbour cranes", "water mills", "night trains", "salt marshes", "clock towers", "rope making",
            "lighthouse lenses", "canal locks", "paper mills", "weather stations", "stone bridges", "orchards",
        ]
        var lines = ""
        lines.reserveCapacity(passages * 260)
        for index in 0..<passages {
            let topic = topics[index % topics.count]
            lines +=
                #"{"id": "p\#(index)", "lang": "en", "text": "Record \#(index) on \#(topic): the district kept "#
                + #"\#(topic) working for \#(index % 97 + 3) years. Engineers wrote down each repair, the cost in "#
                + #"\#(index % 13 + 2) ledgers and the names of the crews who came in winter."}"# + "\n"
        }
        try Data(lines.utf8).write(to: corpus)
        let people = directory.file("personas.jsonl")
        let jobs = ["engineer", "historian", "teacher", "student", "archivist", "journalist", "surveyor", "farmer"]
        let places = ["Porto", "Lagos", "Osaka", "Kraków", "Recife", "Hanoi", "Leeds", "Quito", "Tunis", "Pune"]
        let library =
            (0..<personas).map { index in
                #"{"persona": "A \#(jobs[index % jobs.count]) from \#(places[index % places.count]) (number \#(index)) "#
                    + #"who reads about old infrastructure."}"#
            }.joined(separator: "\n") + "\n"
        try Data(library.utf8).write(to: people)
        return Workspace(pipeline: pipeline, corpus: corpus, personas: people)
    }

    /// Short queries with wide length bounds and no cross-lingual share, so the test endpoint's answers pass.
    static let yaml = """
        name: bench
        prompts:
          directory: prompts
          configure: configure.mustache
          configure_schema: configure.schema.json
          generate: generate.mustache
          generate_schema: generate.schema.json
        endpoints:
          - url: http://127.0.0.1:9/v1
            model: test-model
            concurrency: 32
        sampling:
          temperature: 0.7
          top_p: 0.8
          max_tokens: 256
        personas:
          library: personas.jsonl
          candidates: 5
        embedding:
          model: hash-16
          query_instruction: Given a web search query, retrieve relevant passages that answer the query
          batch_size: 256
        samples_per_passage: 1
        query:
          length:
            - { min: 3, max: 6, weight: 1.0 }
          language:
            cross_lingual_share: 0.0
            cross_lingual:
              en: 1.0
        concurrency:
          configure: 32
          generate: 32
        retries:
          answer_attempts: 3
          transport_attempts: 4
          initial_backoff_seconds: 0.01
          max_backoff_seconds: 0.05
        validation:
          length_ratio_min: 0.25
          length_ratio_max: 4.0
          max_passage_overlap: 0.8
        selection:
          similarity_threshold: 0.7

        """
}

/// Hands out request numbers to the workers.
private final class RequestCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}

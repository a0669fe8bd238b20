import ArgumentParser
import Foundation
import PairsmithEndpoints
import PairsmithJSON
import PairsmithStore
import PairsmithTestSupport
import Synchronization

/// `pairsmith-bench inflight`: thousands of chat requests in flight over several endpoint entries against the test
/// endpoint in its own process(es) with a long fixed latency (a loaded LLM server answers in seconds). Ideal rate =
/// in-flight ÷ latency. Three loads in the same run, in alternating order: our chat client alone, our client writing
/// every answer to SQLite as a run does (request hash, `llm_calls` row through the batch writer), and a bare
/// AsyncHTTPClient loop posting one prebuilt body (the reference). Reports each one's rate ÷ ideal, this process's
/// CPU µs per request (getrusage; the server's CPU is its own process's), the SQLite write rate and the peak RSS.
struct InFlightBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inflight",
        abstract: "Thousands of chat requests in flight over several endpoints: rate vs ideal, client CPU vs a bare loop, SQLite, RSS.")

    @Option(help: "Requests in flight in all (split evenly over the endpoint entries).")
    var concurrency = 3_000

    @Option(help: "Endpoint entries in the client's configuration.")
    var endpoints = 4

    @Option(help: "Test endpoint processes the entries are spread over (round robin).")
    var servers = 1

    @Option(help: "The test endpoint's fixed latency in milliseconds.")
    var latencyMs = 2_000

    @Option(help: "Seconds of load per round at the ideal rate (requests per round = ideal × seconds).")
    var seconds = 10.0

    @Option(help: "Rounds of each load (our client, our client + SQLite, bare AsyncHTTPClient).")
    var repeats = 1

    @Flag(help: "Skip the load that writes to SQLite.")
    var noStore = false

    @Option(help: "Connection pools (AsyncHTTPClient instances) per server for the `split` load (default: as many as our client opens).")
    var splitPools: Int?

    @Option(
        help:
            "The loads to run, comma-separated: ours, stored (ours + SQLite), bare, split (bare over --split-pools pools per server); one alone is for profiling."
    )
    var loads = "ours,stored,bare,split"

    @Option(
        help:
            "Two loads to run at the same time in two client processes (half the requests in flight each), e.g. ours,bare: their CPU per request compared under the same machine conditions."
    )
    var paired: String?

    /// The two loads of `--paired`, if given.
    var pairedLoads: [String]? {
        paired.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    /// The answer schema every benchmark request carries.
    static let benchmarkSchema = JSONSchema.object([
        "query": .string(minLength: 5, maxLength: 60), "kind": .string(enum: ["fact", "how-to"]), "n": .integer(minimum: 1, maximum: 9),
    ])

    /// The chat client's configuration: `endpoints` entries over `urls` (round robin), `concurrency` split evenly.
    static func clientConfiguration(urls: [String], endpoints: Int, concurrency: Int) -> ChatClientConfiguration {
        ChatClientConfiguration(
            endpoints: (0..<endpoints).map { k in
                EndpointConfiguration(
                    url: urls[k % urls.count], model: "bench",
                    maxConcurrentRequests: concurrency / endpoints + (k < concurrency % endpoints ? 1 : 0), name: "ep\(k)")
            },
            timeouts: EndpointTimeouts(connect: .seconds(30), read: .seconds(120), total: .seconds(300)))
    }

    /// Bare loops over `urls`: `poolsPerServer` clients per server, each allowed that server's share of `concurrency`
    /// connections, all posting the request our client sends for prompt 0.
    static func referenceClients(urls: [String], concurrency: Int, poolsPerServer: Int) -> [ChatReferenceClient] {
        let body = Array(ChatBenchmark.referenceBody(schema: benchmarkSchema).utf8)
        let perServer = (concurrency + urls.count - 1) / urls.count
        return urls.flatMap { url in
            (0..<max(1, poolsPerServer)).map { _ in ChatReferenceClient(url: url + "/chat/completions", body: body, connections: perServer) }
        }
    }

    /// The loads asked for (`--no-store` drops `stored`).
    var selectedLoads: Set<String> {
        var names = Set(loads.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        if noStore { names.remove("stored") }
        return names
    }

    func validate() throws {
        guard concurrency >= 1, endpoints >= 1, servers >= 1, endpoints <= concurrency else {
            throw ValidationError("--concurrency, --endpoints and --servers must be positive, with no more endpoints than requests in flight")
        }
        guard latencyMs > 0, seconds > 0, repeats >= 1 else { throw ValidationError("--latency-ms, --seconds and --repeats must be positive") }
        let unknown = selectedLoads.subtracting(["ours", "stored", "bare", "split"])
        if let paired = pairedLoads {
            guard paired.count == 2, Set(paired).isSubset(of: ["ours", "stored", "bare", "split"]), concurrency / 2 >= endpoints else {
                throw ValidationError("--paired takes two of ours, stored, bare and split, e.g. ours,bare (and --concurrency ≥ 2 × --endpoints)")
            }
        }
        guard unknown.isEmpty, !selectedLoads.isEmpty else {
            throw ValidationError("--loads takes ours, stored, bare and split, comma-separated; got '\(loads)'")
        }
    }

    func run() async throws {
        let latency = Double(latencyMs) / 1_000
        let ideal = Double(concurrency) / latency
        let total = max(concurrency, Int(ideal * seconds))
        let schema = Self.benchmarkSchema
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print(
            """
            inflight: \(concurrency) in flight over \(endpoints) endpoint entries on \(servers) test endpoint process(es), \
            latency \(latencyMs) ms → ideal \(String(format: "%.0f", ideal)) req/s; \(total) requests per round; \
            \(cores) cores shared by client and server; load average \(ChatBenchmark.loadAverage())
            client µs/req = this process's CPU (getrusage) ÷ requests; server µs/req = the children's (/proc/<pid>/stat)
            peak RSS = this process's VmHWM during the round (reset before it); SQLite = llm_calls rows committed ÷ round seconds
            """)
        print("load           round  requests   req/s  %ideal  steady  client µs  server µs  SQLite rows/s  peak RSS MiB  mean ms")
        try await Self.withServers(servers, executable: executable, latencyMs: latencyMs) { processes in
            if let paired = pairedLoads {
                try await InFlightPaired.run(
                    loads: paired, servers: processes, executable: executable, concurrency: concurrency, endpoints: endpoints,
                    latency: latency, seconds: seconds, repeats: repeats)
                return
            }
            let config = Self.clientConfiguration(urls: processes.map(\.url), endpoints: endpoints, concurrency: concurrency)
            var results: [String: [Round]] = [:]
            try await ChatClient.withClient(config) { client in
                // The bare loops: one pool per server, and as many pools per server as our client opens.
                let urls = processes.map(\.url)
                var bareLoads: [(name: String, clients: [ChatReferenceClient])] = []
                if selectedLoads.contains("bare") {
                    bareLoads.append(("bare AHC", Self.referenceClients(urls: urls, concurrency: concurrency, poolsPerServer: 1)))
                }
                if selectedLoads.contains("split") {
                    let pools = splitPools ?? client.connectionPoolCount
                    bareLoads.append(("bare split", Self.referenceClients(urls: urls, concurrency: concurrency, poolsPerServer: pools)))
                }
                // Warm-up: every connection opened once on the clients that run.
                if !selectedLoads.isDisjoint(with: ["ours", "stored"]) {
                    _ = try await ChatBenchmark.load(level: concurrency, total: concurrency) { i in
                        try await ChatBenchmark.ask(client, -1 - i, schema)
                    }
                }
                for (_, clients) in bareLoads {
                    _ = try await ChatBenchmark.load(level: concurrency, total: concurrency) { i in
                        try await clients[i % clients.count].post()
                    }
                }
                for round in 0..<repeats {
                    let offset = (round + 1) * 100_000_000
                    var loads: [(String, () async throws -> Round)] = []
                    if selectedLoads.contains("ours") {
                        loads.append(
                            (
                                "ours",
                                {
                                    try await Self.measure(processes, level: self.concurrency, total: total) { i in
                                        try await ChatBenchmark.ask(client, offset + i, schema)
                                    }
                                }
                            ))
                    }
                    if selectedLoads.contains("stored") {
                        loads.append(
                            (
                                "ours+SQLite",
                                {
                                    try await Self.measureWithStore(
                                        client, processes, level: self.concurrency, total: total, offset: offset + 50_000_000, schema: schema)
                                }
                            ))
                    }
                    for (name, clients) in bareLoads {
                        loads.append(
                            (
                                name,
                                {
                                    try await Self.measure(processes, level: self.concurrency, total: total) { i in
                                        try await clients[i % clients.count].post()
                                    }
                                }
                            ))
                    }
                    if round % 2 == 1 { loads.reverse() }
                    for (name, load) in loads {
                        let before = await client.statistics()
                        var r = try await load()
                        if !name.hasPrefix("bare") {
                            // Mean time from sending to the reply's last byte, as our client accounts it.
                            let stats = await client.statistics()
                            r.windows = stats.map(\.window)
                            let seconds = zip(stats, before).reduce(0.0) { $0 + $1.0.totalLatencySeconds - $1.1.totalLatencySeconds }
                            let answered = zip(stats, before).reduce(0) { $0 + $1.0.answered - $1.1.answered }
                            r.meanLatency = seconds / Double(max(1, answered))
                        }
                        results[name, default: []].append(r)
                        print(r.line(name, round: round + 1, ideal: ideal))
                    }
                }
                for reference in bareLoads.flatMap(\.clients) { try await reference.shutdown() }
            }
            print("\nsummary (best round of each by steady rate):")
            func best(_ name: String) -> Round? { results[name]?.max { ($0.steadyRate ?? $0.rate) < ($1.steadyRate ?? $1.rate) } }
            for name in ["ours", "ours+SQLite", "bare AHC", "bare split"] {
                guard let r = best(name) else { continue }
                print(
                    String(
                        format:
                            "  %-13@ %.1f%% of ideal steady (%@ of %.0f req/s), %.1f%% over the whole round, client %.0f µs/req, server %@ µs/req, peak RSS %.0f MiB%@",
                        name as NSString, 100 * (r.steadyRate ?? r.rate) / ideal, String(format: "%.0f", r.steadyRate ?? r.rate) as NSString, ideal,
                        100 * r.rate / ideal, r.clientMicros, (r.serverMicros.map { String(format: "%.0f", $0) } ?? "?") as NSString, r.peakRSSMiB,
                        (r.sqliteRate.map { String(format: ", SQLite %.0f rows/s", $0) } ?? "") as NSString))
            }
            // Client CPU ratios round by round (the loads of one round run back to back), raw and with each load's
            // client µs divided by the server's µs of the same load: the server does the same work in every load, so
            // that divides out the machine's speed, which drifts between loads on a shared host.
            print("client CPU per request, the median of the rounds' ratios (each round's ratios in brackets):")
            for (name, reference) in [("ours", "bare AHC"), ("ours+SQLite", "bare AHC"), ("ours", "bare split"), ("bare split", "bare AHC")] {
                guard let a = results[name], let b = results[reference] else { continue }
                let raw = zip(a, b).map { x, y in x.clientMicros / y.clientMicros }
                let perServer = zip(a, b).compactMap { x, y -> Double? in
                    guard let xs = x.serverMicros, let ys = y.serverMicros, xs > 0, ys > 0 else { return nil }
                    return (x.clientMicros / xs) / (y.clientMicros / ys)
                }
                func list(_ values: [Double]) -> String { values.map { String(format: "%.2f", $0) }.joined(separator: " ") }
                print(
                    "  \(name) ÷ \(reference): median \(String(format: "%.2f", Self.median(raw))) (\(list(raw))); per server µs: median "
                        + "\(perServer.isEmpty ? "?" : String(format: "%.2f", Self.median(perServer))) (\(list(perServer)))")
            }
            if let ours = best("ours") {
                let perRequest = ours.clientMicros + (ours.serverMicros ?? 0)
                print(
                    String(
                        format: "  CPU bound with %d cores: %.0f req/s (client + server %.0f µs/req) = %.0f%% of ideal",
                        cores, Double(cores) / perRequest * 1e6, perRequest, 100 * Double(cores) / perRequest * 1e6 / ideal))
            }
            if let windows = best("ours")?.windows { print("  endpoint windows after the rounds: \(windows)") }
        }
    }

    /// A measured round (`Codable`: a paired worker writes its round to a file).
    struct Round: Codable {
        var total: Int
        var elapsed: Double
        var clientCPU: Double
        var serverCPU: Double?
        var peakRSSMiB: Double
        var sqliteRate: Double?
        var meanLatency: Double?
        var windows: [Int]?
        /// Requests per second while every worker was busy (nil for a round too short to have such a stretch).
        var steadyRate: Double?

        /// Requests per second over the whole round, start-up burst and drain included.
        var rate: Double { Double(total) / elapsed }
        var clientMicros: Double { clientCPU / Double(total) * 1e6 }
        var serverMicros: Double? { serverCPU.map { $0 / Double(total) * 1e6 } }

        func line(_ name: String, round: Int, ideal: Double) -> String {
            String(
                format: "%-13@  %5d  %8d  %6.0f  %5.1f%%  %@  %9.0f  %@  %@  %12.0f  %@",
                name as NSString, round, total, rate, 100 * rate / ideal,
                (steadyRate.map { String(format: "%6.1f%%", 100 * $0 / ideal) } ?? "      -") as NSString, clientMicros,
                (serverMicros.map { String(format: "%9.0f", $0) } ?? "        ?") as NSString,
                (sqliteRate.map { String(format: "%13.0f", $0) } ?? "            -") as NSString, peakRSSMiB,
                (meanLatency.map { String(format: "%7.0f", $0 * 1000) } ?? "      -") as NSString)
        }
    }

    /// Runs `body(i)` for `total` requests with `level` in flight and measures the round.
    static func measure(
        _ servers: [TestEndpointProcess], level: Int, total: Int, _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws -> Round {
        resetPeakRSS()
        let client0 = ChatBenchmark.cpuSeconds(), server0 = serverCPU(servers)
        let load = try await trackedLoad(level: level, total: total, body)
        let client1 = ChatBenchmark.cpuSeconds(), server1 = serverCPU(servers)
        let server: Double? = if let server0, let server1 { server1 - server0 } else { nil }
        return Round(
            total: total, elapsed: load.elapsed, clientCPU: client1 - client0, serverCPU: server, peakRSSMiB: peakRSSMiB(),
            steadyRate: load.steadyRate)
    }

    /// How a tracked load went: its wall seconds, and the rate while every worker was busy (see ``trackedLoad``).
    struct TrackedLoad {
        var elapsed: Double
        var steadyRate: Double?
    }

    /// Runs `body(i)` for i in 0..<total with `level` workers, sampling the count of finished requests every 50 ms.
    /// The steady rate is the finished requests per second from the moment the first `level` requests (the start-up
    /// burst) are done to the moment the last request starts (after which fewer than `level` are in flight): what a
    /// run of days sustains, without the start-up wave and the final drain that a round of seconds also holds.
    static func trackedLoad(
        level: Int, total: Int, _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws -> TrackedLoad {
        let clock = ContinuousClock()
        let start = clock.now
        let progress = LoadProgress(total: total)
        var samples: [(seconds: Double, finished: Int, allStarted: Bool)] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<level {
                group.addTask {
                    while let i = progress.take() {
                        try await body(i)
                        progress.finishOne()
                    }
                }
            }
            // The sampler runs here, on the parent task, until every request is done.
            while true {
                let (finished, allStarted) = progress.snapshot()
                samples.append((seconds(clock.now - start), finished, allStarted))
                if finished >= total { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            try await group.waitForAll()
        }
        let elapsed = seconds(clock.now - start)
        guard let from = samples.first(where: { $0.finished >= level }), let to = samples.first(where: { $0.allStarted }),
            to.seconds - from.seconds >= 1
        else { return TrackedLoad(elapsed: elapsed, steadyRate: nil) }
        return TrackedLoad(elapsed: elapsed, steadyRate: Double(to.finished - from.finished) / (to.seconds - from.seconds))
    }

    /// The median of `values` (the mean of the middle two for an even count).
    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Seconds of a duration.
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    /// Our client with every answer stored as a run stores it: the request's hash and canonical text, an `llm_calls`
    /// row through the batch writer (256 rows or 100 ms per transaction) into a fresh SQLite file. The rows are
    /// counted back from the database afterwards.
    static func measureWithStore(
        _ client: ChatClient, _ servers: [TestEndpointProcess], level: Int, total: Int, offset: Int, schema: JSONSchema
    ) async throws -> Round {
        let directory = try TemporaryDirectory(prefix: "pairsmith-bench-inflight")
        defer { directory.remove() }
        let store = try PairsmithStore(url: directory.file("calls.sqlite"))
        let writer = BatchWriter(store: store, configuration: .init(maxBatchSize: 256, maxDelay: .milliseconds(100)))
        var round = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.run() }
            let round = try await measure(servers, level: level, total: total) { i in
                let request = ChatRequest(messages: [.user("benchmark request \(offset + i)")], maxTokens: 64, seed: offset + i, schema: schema)
                let hash = client.hash(of: request)
                let text = RequestHash.canonicalText(of: request, model: "bench")
                let result = try await client.completeJSON(request)
                let call = LLMCallRecord(
                    requestHash: hash, unitKey: nil, endpoint: result.endpoint, model: result.model, request: text,
                    response: result.json.canonicalText, status: .ok, httpStatus: 200, promptTokens: result.usage.promptTokens,
                    completionTokens: result.usage.completionTokens,
                    latencyMilliseconds: Double(result.latency.components.seconds) * 1e3 + Double(result.latency.components.attoseconds) / 1e15)
                try await writer.submit(.llmCall(call))
            }
            group.cancelAll()
            try await group.waitForAll()
            return round
        }
        try await writer.close()
        let rows = try await store.status().llmCalls
        guard rows == total else { throw ValidationError("the SQLite load stored \(rows) rows for \(total) requests") }
        round.sqliteRate = Double(rows) / round.elapsed
        return round
    }

    /// The servers' summed CPU seconds (nil if one cannot be read).
    static func serverCPU(_ servers: [TestEndpointProcess]) -> Double? {
        var sum = 0.0
        for server in servers {
            guard let cpu = server.cpuSeconds() else { return nil }
            sum += cpu
        }
        return sum
    }

    /// Starts `count` test endpoints (child processes) with the latency, runs `body`, stops them.
    static func withServers<R: Sendable>(
        _ count: Int, executable: URL, latencyMs: Int, _ body: ([TestEndpointProcess]) async throws -> R
    ) async throws -> R {
        var started: [TestEndpointProcess] = []
        do {
            for _ in 0..<count {
                started.append(try await TestEndpointProcess.launch(executable, ["serve-endpoint", "--latency-ms", String(latencyMs)]))
            }
            let result = try await body(started)
            for server in started { _ = await server.stop() }
            return result
        } catch {
            for server in started { _ = await server.stop() }
            throw error
        }
    }

    /// Resets this process's peak RSS (VmHWM) to its current RSS (`5` into /proc/self/clear_refs).
    static func resetPeakRSS() {
        try? Data("5".utf8).write(to: URL(fileURLWithPath: "/proc/self/clear_refs"))
    }

    /// This process's peak RSS (VmHWM) in MiB, 0 if unknown.
    static func peakRSSMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kilobytes / 1_024
        }
        return 0
    }
}

/// The request numbers handed to a tracked load's workers, and how many requests are done.
private final class LoadProgress: Sendable {
    private struct State {
        var next = 0
        var finished = 0
    }
    private let total: Int
    private let state = Mutex(State())

    init(total: Int) { self.total = total }

    /// The next request number, or nil once all have started.
    func take() -> Int? {
        state.withLock { state in
            guard state.next < total else { return nil }
            state.next += 1
            return state.next - 1
        }
    }

    /// Counts one finished request.
    func finishOne() { state.withLock { $0.finished += 1 } }

    /// Finished requests, and whether every request has started.
    func snapshot() -> (finished: Int, allStarted: Bool) { state.withLock { ($0.finished, $0.next >= total) } }
}

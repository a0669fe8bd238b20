import ArgumentParser
import Foundation
import PairsmithEndpoints
import PairsmithJSON
import PairsmithTestSupport

/// `pairsmith-bench chat`: chat-client throughput against the test endpoint (in a child process) with a fixed
/// latency, at several in-flight levels, as a fraction of the ideal (in-flight ÷ latency); the client's and
/// the server's CPU time per request apart; and a bare AsyncHTTPClient loop as the reference, measured in
/// the same run in paired rounds.
struct ChatBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat client throughput vs the ideal (in-flight ÷ latency) and vs a bare AsyncHTTPClient loop.")

    @Option(help: "Comma-separated numbers of requests in flight.")
    var inFlight = "64,256,1024"

    @Option(help: "The test endpoint's fixed latency in milliseconds.")
    var latencyMs = 50

    @Option(help: "Seconds of measured load per round.")
    var seconds = 3.0

    @Option(help: "Rounds per level (each: our client and the reference, in alternating order); the best of each is summarised.")
    var repeats = 2

    @Flag(help: "Skip the bare AsyncHTTPClient reference.")
    var noReference = false

    func run() async throws {
        let levels = inFlight.split(separator: ",").compactMap { Int($0) }
        guard !levels.isEmpty, levels.allSatisfy({ $0 > 0 }) else { throw ValidationError("--in-flight needs positive numbers, e.g. 64,256") }
        guard repeats >= 1, seconds > 0, latencyMs > 0 else { throw ValidationError("--repeats, --seconds and --latency-ms must be positive") }
        let latency = Double(latencyMs) / 1000
        let schema = JSONSchema.object([
            "query": .string(minLength: 5, maxLength: 60), "kind": .string(enum: ["fact", "how-to"]), "n": .integer(minimum: 1, maximum: 9),
        ])
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        print(
            "chat: test endpoint in a child process, latency \(latencyMs) ms, \(cores) cores (shared by client and server), load average \(Self.loadAverage())"
        )
        print("CPU µs/req: client = this process (getrusage), server = the child (/proc/<pid>/stat)")
        print("cores used = (client + server CPU seconds) ÷ wall seconds of the round")
        print("level  client     round  requests   req/s    ideal  %ideal  client µs  server µs  mean ms  cores used")
        var summary: [String] = []
        try await TestEndpointProcess.withRunning(executable, ["serve-endpoint", "--latency-ms", String(latencyMs)]) { server in
            let chatURL = server.url + "/chat/completions"
            let referenceBody = Array(Self.referenceBody(schema: schema).utf8)
            for level in levels {
                let ideal = Double(level) / latency
                let total = max(level, Int(ideal * seconds))
                let config = ChatClientConfiguration(
                    endpoints: [EndpointConfiguration(url: server.url, model: "bench", maxConcurrentRequests: level)],
                    timeouts: EndpointTimeouts(connect: .seconds(10), read: .seconds(30), total: .seconds(60)))
                let reference = noReference ? nil : ChatReferenceClient(url: chatURL, body: referenceBody, connections: level)
                var ours: [Round] = [], bare: [Round] = []
                try await ChatClient.withClient(config) { client in
                    // Warm-up: open the connections on both clients.
                    _ = try await Self.load(level: level, total: level) { i in try await Self.ask(client, i - level, schema) }
                    if let reference { _ = try await Self.load(level: level, total: level) { _ in try await reference.post() } }
                    // Paired rounds; odd rounds run the reference first, so neither client always gets the
                    // machine's better moment.
                    for round in 0..<repeats {
                        let offset = (round + 1) * 10_000_000
                        func runOurs() async throws {
                            let before = await client.statistics()[0]
                            var r = try await Self.measure(server, level: level, total: total) { i in
                                try await Self.ask(client, offset + i, schema)
                            }
                            let after = await client.statistics()[0]
                            r.meanLatency =
                                (after.totalLatencySeconds - before.totalLatencySeconds)
                                / Double(max(1, after.answered - before.answered))
                            ours.append(r)
                            print(r.line(level: level, client: "ours", round: round + 1, ideal: ideal))
                        }
                        func runBare(_ reference: ChatReferenceClient) async throws {
                            let b = try await Self.measure(server, level: level, total: total) { _ in try await reference.post() }
                            bare.append(b)
                            print(b.line(level: level, client: "bare AHC", round: round + 1, ideal: ideal))
                        }
                        if let reference, round % 2 == 1 {
                            try await runBare(reference)
                            try await runOurs()
                        } else {
                            try await runOurs()
                            if let reference { try await runBare(reference) }
                        }
                    }
                }
                try await reference?.shutdown()
                let available = CPUCalibration.availableCores(threads: cores)
                print(
                    String(
                        format: "%5d  CPU the machine gives us now (%d spinning threads, 0.5 s): %.2f cores; load average %@",
                        level, cores, available, Self.loadAverage() as NSString))
                summary.append(Self.summarise(level: level, ideal: ideal, cores: cores, available: available, ours: ours, bare: bare))
            }
        }
        print("\nsummary (best round by rate; CPU bound = cores ÷ (client + server CPU per request), with all \(cores) cores")
        print("and with the cores the spinners got right after the level; the machine is shared, so the second is the real ceiling):")
        for line in summary { print(line) }
    }

    /// One request of our client with a distinct prompt.
    static func ask(_ client: ChatClient, _ i: Int, _ schema: JSONSchema) async throws {
        let request = ChatRequest(messages: [.user("benchmark request \(i)")], maxTokens: 64, seed: i, schema: schema)
        _ = try await client.completeJSON(request)
    }

    /// The body the reference posts: the request our client sends for prompt 0, written out here.
    static func referenceBody(schema: JSONSchema) -> String {
        let body: JSONValue = [
            "model": "bench", "stream": false, "max_tokens": 64, "seed": 0,
            "messages": [["role": "user", "content": "benchmark request 0"]],
            "response_format": ["type": "json_schema", "json_schema": ["name": "answer", "schema": schema.value, "strict": true]],
        ]
        return body.canonicalText
    }

    /// A measured round: requests, wall seconds, and CPU seconds of this process and of the server.
    struct Round {
        var total: Int
        var elapsed: Double
        var clientCPU: Double
        var serverCPU: Double?
        /// Mean time from sending to the last byte of the reply (our client's accounting), if known.
        var meanLatency: Double?

        var rate: Double { Double(total) / elapsed }
        var clientMicros: Double { clientCPU / Double(total) * 1e6 }
        var serverMicros: Double? { serverCPU.map { $0 / Double(total) * 1e6 } }

        func line(level: Int, client: String, round: Int, ideal: Double) -> String {
            let name = client.padding(toLength: 9, withPad: " ", startingAt: 0)
            let server = serverMicros.map { String(format: "%9.0f", $0) } ?? "        ?"
            let latency = meanLatency.map { String(format: "%7.1f", $0 * 1000) } ?? "      -"
            let used = (clientCPU + (serverCPU ?? 0)) / elapsed
            return String(
                format: "%5d  %@  %5d  %8d  %7.0f  %7.0f  %5.1f%%  %9.0f  %@  %@  %5.2f", level, name as NSString, round, total, rate,
                ideal, 100 * rate / ideal, clientMicros, server as NSString, latency as NSString, used)
        }
    }

    static func measure(
        _ server: TestEndpointProcess, level: Int, total: Int, _ body: @escaping @Sendable (Int) async throws -> Void
    )
        async throws -> Round
    {
        let client0 = cpuSeconds(), server0 = server.cpuSeconds()
        let elapsed = try await load(level: level, total: total, body)
        let client1 = cpuSeconds(), server1 = server.cpuSeconds()
        let serverCPU: Double? = if let server0, let server1 { server1 - server0 } else { nil }
        return Round(total: total, elapsed: elapsed, clientCPU: client1 - client0, serverCPU: serverCPU)
    }

    static func summarise(level: Int, ideal: Double, cores: Int, available: Double, ours: [Round], bare: [Round]) -> String {
        func best(_ rounds: [Round]) -> Round? { rounds.max { $0.rate < $1.rate } }
        func describe(_ name: String, _ r: Round) -> String {
            let cpu = r.clientMicros + (r.serverMicros ?? 0)
            let bound = Double(cores) / cpu * 1e6, got = available / cpu * 1e6
            return String(
                format:
                    "%@ %.1f%% of ideal (%.0f req/s), client %.0f µs, server %@ µs; CPU bound %.0f req/s = %.0f%% of ideal, with %.2f cores %.0f%%",
                name as NSString, 100 * r.rate / ideal, r.rate, r.clientMicros,
                (r.serverMicros.map { String(format: "%.0f", $0) } ?? "?") as NSString, bound, 100 * min(bound / ideal, 9.99),
                available, 100 * min(got / ideal, 9.99))
        }
        var line = String(format: "%5d in flight: ", level)
        if let o = best(ours) { line += describe("ours", o) }
        if let b = best(bare), let o = best(ours) {
            line += "\n                 " + describe("bare", b)
            line += String(
                format: "\n                 ours/bare: rate %.2f, client CPU per request %.2f", o.rate / b.rate, o.clientMicros / b.clientMicros)
        }
        return line
    }

    /// Runs `body(i)` for i in 0..<total with exactly `level` in flight; returns the elapsed seconds.
    static func load(level: Int, total: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let next = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<level {
                group.addTask {
                    while let i = next.take(below: total) { try await body(i) }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// The 1, 5 and 15 minute load averages.
    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// User plus system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
    }
}

/// A shared counter handing out request numbers to the workers.
private final class Counter: @unchecked Sendable {
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

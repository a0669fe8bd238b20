import ArgumentParser
import Foundation
import PairsmithEndpoints
import PairsmithTestSupport

/// `pairsmith-bench chat`: chat-client throughput against the test endpoint with a fixed latency, at several
/// in-flight levels, as a fraction of the ideal (in-flight ÷ latency), plus CPU time per request.
struct ChatBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Chat client throughput vs the ideal (in-flight ÷ latency) against the in-process test endpoint.")

    @Option(help: "Comma-separated numbers of requests in flight.")
    var inFlight = "64,256,1024"

    @Option(help: "The test endpoint's fixed latency in milliseconds.")
    var latencyMs = 50

    @Option(help: "Seconds of measured load per level (after a warm-up round).")
    var seconds = 3.0

    @Option(help: "Repeat each level this many times and keep the best.")
    var repeats = 2

    func run() async throws {
        let levels = inFlight.split(separator: ",").compactMap { Int($0) }
        guard !levels.isEmpty, levels.allSatisfy({ $0 > 0 }) else { throw ValidationError("--in-flight needs positive numbers, e.g. 64,256") }
        let latency = Double(latencyMs) / 1000
        let schema = JSONSchema.object([
            "query": .string(minLength: 5, maxLength: 60), "kind": .string(enum: ["fact", "how-to"]), "n": .integer(minimum: 1, maximum: 9),
        ])
        print("chat: test endpoint in this process (server CPU included), latency \(latencyMs) ms, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("in-flight  requests   req/s     ideal   ratio   CPU µs/req")
        try await TestEndpoint.withRunning(.init(latency: .milliseconds(latencyMs), recordRequests: false)) { endpoint in
            for level in levels {
                let config = ChatClientConfiguration(
                    endpoints: [EndpointConfiguration(url: endpoint.url, model: "bench", maxConcurrentRequests: level)],
                    timeouts: ChatTimeouts(connect: .seconds(10), read: .seconds(30), total: .seconds(60)))
                try await ChatClient.withClient(config) { client in
                    // Warm-up: open the connections.
                    _ = try await Self.load(client, level: level, total: level, schema: schema, offset: -level)
                    var best: (rate: Double, cpu: Double, total: Int) = (0, 0, 0)
                    for round in 0..<repeats {
                        let total = max(level, Int(Double(level) / latency * seconds))
                        let cpu0 = Self.cpuSeconds()
                        let elapsed = try await Self.load(client, level: level, total: total, schema: schema, offset: round * 10_000_000)
                        let cpu = (Self.cpuSeconds() - cpu0) / Double(total)
                        let rate = Double(total) / elapsed
                        if rate > best.rate { best = (rate, cpu, total) }
                    }
                    let ideal = Double(level) / latency
                    print(String(format: "%9d  %8d  %7.0f  %7.0f  %5.1f%%  %10.0f", level, best.total, best.rate, ideal,
                                 100 * best.rate / ideal, best.cpu * 1e6))
                }
            }
        }
    }

    /// Sends `total` distinct requests with exactly `level` in flight; returns the elapsed seconds.
    static func load(_ client: ChatClient, level: Int, total: Int, schema: JSONSchema, offset: Int) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let next = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<level {
                group.addTask {
                    while let i = next.take(below: total) {
                        let request = ChatRequest(messages: [.user("benchmark request \(offset + i)")], maxTokens: 64, seed: i, schema: schema)
                        _ = try await client.completeJSON(request)
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
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

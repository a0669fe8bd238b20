import ArgumentParser
import Foundation
import PairsmithEndpoints
import PairsmithJSON
import PairsmithTestSupport

/// `pairsmith-bench inflight --paired ours,bare`: two loads at the same moment, each in its own client process against
/// the same test endpoint(s), each with half the requests in flight. Loads that run one after the other in one process
/// see the shared machine at different speeds (the server's CPU per request, the same work in every load, drifts by
/// up to 50% between rounds here); two processes that run together see the same machine, so the ratio of their CPU
/// per request holds still.
struct InFlightPaired {
    /// Runs `repeats` paired rounds of `loads` (two load names) and prints each round and the median ratio.
    static func run(
        loads: [String], servers: [TestEndpointProcess], executable: URL, concurrency: Int, endpoints: Int, latency: Double,
        seconds: Double, repeats: Int
    ) async throws {
        let perWorker = concurrency / 2
        let ideal = Double(perWorker) / latency
        let total = max(perWorker, Int(ideal * seconds))
        print(
            "paired: \(loads[0]) and \(loads[1]) at the same time in two client processes, \(perWorker) in flight each over \(endpoints) entries "
                + "(ideal \(String(format: "%.0f", ideal)) req/s each), \(total) requests each per round")
        print("round  load          requests  %ideal steady  client µs   ratio")
        var ratios: [Double] = []
        let directory = try TemporaryDirectory(prefix: "pairsmith-bench-paired")
        defer { directory.remove() }
        for round in 1...repeats {
            let results = try await pairedRound(
                loads: loads, urls: servers.map(\.url), executable: executable, concurrency: perWorker, endpoints: endpoints,
                total: total, directory: directory.url, round: round)
            let ratio = results[0].clientMicros / results[1].clientMicros
            ratios.append(ratio)
            for (k, r) in results.enumerated() {
                print(
                    String(
                        format: "%5d  %-12@  %8d  %@  %9.0f  %@", round, loads[k] as NSString, r.total,
                        (r.steadyRate.map { String(format: "%12.1f%%", 100 * $0 / ideal) } ?? "            -") as NSString, r.clientMicros,
                        (k == 0 ? String(format: "%6.2f", ratio) : "") as NSString))
            }
        }
        print(
            String(
                format: "%@ ÷ %@ client CPU per request: median %.2f over %d paired rounds (%@)", loads[0] as NSString, loads[1] as NSString,
                InFlightBenchmark.median(ratios), ratios.count, ratios.map { String(format: "%.2f", $0) }.joined(separator: " ") as NSString))
    }

    /// Starts one worker per load, waits until both have warmed up, starts them together, and reads their results.
    static func pairedRound(
        loads: [String], urls: [String], executable: URL, concurrency: Int, endpoints: Int, total: Int, directory: URL, round: Int
    ) async throws -> [InFlightBenchmark.Round] {
        var workers: [(process: Process, input: Pipe, result: URL)] = []
        defer { for worker in workers where worker.process.isRunning { kill(worker.process.processIdentifier, SIGKILL) } }
        for (k, load) in loads.enumerated() {
            let result = directory.appendingPathComponent("round\(round)-\(k).json")
            let process = Process()
            process.executableURL = executable
            process.arguments = [
                "inflight-worker", "--load", load, "--urls", urls.joined(separator: ","), "--concurrency", String(concurrency),
                "--endpoints", String(endpoints), "--total", String(total), "--offset", String(round * 100_000_000 + k * 10_000_000),
                "--result", result.path,
            ]
            let input = Pipe()
            process.standardInput = input
            process.standardError = FileHandle.standardError
            try process.run()
            workers.append((process, input, result))
        }
        // Ready once each has written its `.ready` file (after opening its connections).
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(120)
        while !workers.allSatisfy({ FileManager.default.fileExists(atPath: $0.result.path + ".ready") }) {
            guard clock.now < deadline, workers.allSatisfy({ $0.process.isRunning }) else {
                throw ValidationError("a paired worker did not get ready (see its messages above)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        for worker in workers { worker.input.fileHandleForWriting.write(Data("go\n".utf8)) }
        while workers.contains(where: { $0.process.isRunning }) { try await Task.sleep(for: .milliseconds(50)) }
        return try workers.map { worker in
            guard worker.process.terminationStatus == 0, let data = FileManager.default.contents(atPath: worker.result.path) else {
                throw ValidationError("a paired worker failed with status \(worker.process.terminationStatus)")
            }
            return try JSONDecoder().decode(InFlightBenchmark.Round.self, from: data)
        }
    }
}

/// `pairsmith-bench inflight-worker`: one side of a paired round (started by `inflight --paired`, not by hand).
struct InFlightWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inflight-worker", abstract: "One client process of `inflight --paired` (started by it).", shouldDisplay: false)

    @Option(help: "ours, stored, bare or split.") var load: String
    @Option(help: "The test endpoints' base URLs, comma-separated.") var urls: String
    @Option(help: "Requests in flight.") var concurrency: Int
    @Option(help: "Endpoint entries over the URLs.") var endpoints: Int
    @Option(help: "Requests in the measured load.") var total: Int
    @Option(help: "The first request number (distinct prompts per worker).") var offset: Int
    @Option(help: "Where to write the result (JSON); `<result>.ready` marks the end of the warm-up.") var result: String

    func run() async throws {
        let servers = urls.split(separator: ",").map(String.init)
        guard !servers.isEmpty, concurrency >= endpoints, endpoints >= 1, total >= 1 else {
            throw ValidationError("inflight-worker needs --urls, and --concurrency ≥ --endpoints ≥ 1")
        }
        let schema = InFlightBenchmark.benchmarkSchema
        let config = InFlightBenchmark.clientConfiguration(urls: servers, endpoints: endpoints, concurrency: concurrency)
        let measured: InFlightBenchmark.Round = try await ChatClient.withClient(config) { client in
            // The bare loops (none for our client's loads); the split one opens as many pools per server as ours does.
            let references =
                ["bare", "split"].contains(load)
                ? InFlightBenchmark.referenceClients(
                    urls: servers, concurrency: concurrency, poolsPerServer: load == "split" ? client.connectionPoolCount : 1)
                : []
            // Warm-up: every connection of this load opened once.
            _ = try await ChatBenchmark.load(level: concurrency, total: concurrency) { i in
                if load == "ours" || load == "stored" {
                    try await ChatBenchmark.ask(client, -1 - offset - i, schema)
                } else {
                    try await references[i % references.count].post()
                }
            }
            FileManager.default.createFile(atPath: result + ".ready", contents: Data())
            _ = readLine()  // "go"
            let round: InFlightBenchmark.Round
            switch load {
            case "ours":
                round = try await InFlightBenchmark.measure([], level: concurrency, total: total) { i in
                    try await ChatBenchmark.ask(client, offset + i, schema)
                }
            case "stored":
                round = try await InFlightBenchmark.measureWithStore(
                    client, [], level: concurrency, total: total, offset: offset, schema: schema)
            case "bare", "split":
                round = try await InFlightBenchmark.measure([], level: concurrency, total: total) { i in
                    try await references[i % references.count].post()
                }
            default:
                throw ValidationError("--load takes ours, stored, bare or split; got '\(load)'")
            }
            for reference in references { try await reference.shutdown() }
            return round
        }
        try JSONEncoder().encode(measured).write(to: URL(fileURLWithPath: result))
    }
}

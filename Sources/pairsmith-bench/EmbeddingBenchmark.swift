import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PairsmithEndpoints
import PairsmithTestSupport

/// `pairsmith-bench embed-remote`: remote embedder throughput (texts/s) against the in-process test endpoint,
/// as a ratio of a bare AsyncHTTPClient loop posting the same batches (no routing, parsing, checks or
/// normalising) measured in the same run, for base64 and float replies.
struct EmbeddingBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed-remote",
        abstract: "Remote embedder throughput vs a bare HTTP loop, against the in-process test endpoint.")

    @Option(help: "Texts per round.")
    var texts = 4096

    @Option(help: "Texts per request.")
    var batchSize = 32

    @Option(help: "Vector length the endpoint answers (1024 = Qwen3-Embedding-0.6B).")
    var dimension = 1024

    @Option(help: "Requests in flight.")
    var inFlight = 8

    @Option(help: "The test endpoint's fixed latency in milliseconds.")
    var latencyMs = 20

    @Option(help: "Paired rounds (reference, base64, float); the median ratio is reported.")
    var rounds = 3

    func validate() throws {
        guard texts > 0, batchSize > 0, dimension > 0, inFlight > 0, rounds > 0 else {
            throw ValidationError("every option must be positive")
        }
    }

    func run() async throws {
        var behaviour = TestEndpointBehaviour(latency: .milliseconds(latencyMs), recordRequests: false)
        behaviour.embedding.dimension = dimension
        print("embed-remote: test endpoint in this process (server CPU included), \(texts) texts/round, batch \(batchSize), "
            + "dimension \(dimension), \(inFlight) in flight, latency \(latencyMs) ms, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("round  bare texts/s b64/float  base64 (ratio)    float (ratio)   client CPU µs/text beyond bare, base64/float")
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            var ratios: (base64: [Double], float: [Double]) = ([], [])
            let reference = BareEmbeddingLoop(url: endpoint.url + "/embeddings", connections: inFlight)
            do {
                for round in 0...rounds {  // round 0 warms up connections and caches
                    let batches = Self.batches(texts: texts, size: batchSize, round: round)
                    var measured: [EmbeddingEncoding: (rate: Double, cpu: Double, bare: Double)] = [:]
                    for encoding in [EmbeddingEncoding.base64, .float] {
                        let bareCPU0 = Self.cpuSeconds()
                        let bare = try await Self.timed { try await reference.post(batches, inFlight: inFlight, encoding: encoding) }
                        let bareCPU = (Self.cpuSeconds() - bareCPU0) / Double(texts)
                        let config = EmbeddingClientConfiguration(
                            endpoints: [EndpointConfiguration(url: endpoint.url, model: "bench", maxConcurrentRequests: inFlight)],
                            batchSize: batchSize, encoding: encoding)
                        let all = batches.flatMap { $0 }
                        let cpu0 = Self.cpuSeconds()
                        let seconds = try await EmbeddingClient.withClient(config) { client in
                            try await Self.timed { _ = try await client.embed(all) }
                        }
                        // CPU beyond the bare loop's (server and HTTP included in both): the client's own work.
                        let extra = (Self.cpuSeconds() - cpu0) / Double(texts) - bareCPU
                        measured[encoding] = (Double(texts) / seconds, extra, Double(texts) / bare)
                    }
                    let b64 = measured[.base64] ?? (0, 0, 1), flt = measured[.float] ?? (0, 0, 1)
                    if round > 0 {
                        ratios.base64.append(b64.rate / b64.bare)
                        ratios.float.append(flt.rate / flt.bare)
                    }
                    print(String(format: "%5@  %8.0f / %8.0f   %8.0f (%5.2f)  %8.0f (%5.2f)       %7.1f / %7.1f",
                                 round == 0 ? "warm" : "\(round)", b64.bare, flt.bare, b64.rate, b64.rate / b64.bare, flt.rate,
                                 flt.rate / flt.bare, b64.cpu * 1e6, flt.cpu * 1e6))
                }
                try await reference.shutdown()
            } catch {
                try? await reference.shutdown()
                throw error
            }
            print(String(format: "median ratio vs the bare loop of the same encoding: base64 %.2f, float %.2f",
                         Self.median(ratios.base64), Self.median(ratios.float)))
        }
    }

    /// Distinct texts for a round, cut into request batches.
    static func batches(texts: Int, size: Int, round: Int) -> [[String]] {
        let all = (0..<texts).map { "round \(round) passage \($0): a sentence of ordinary length to embed for the benchmark" }
        return stride(from: 0, to: texts, by: size).map { Array(all[$0..<min($0 + size, texts)]) }
    }

    static func timed(_ body: () async throws -> Void) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        try await body()
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    /// User plus system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
    }
}

/// The reference: posts prebuilt `/v1/embeddings` bodies with a fixed number in flight and only collects
/// the replies.
final class BareEmbeddingLoop: Sendable {
    private let http: HTTPClient
    private let url: String

    init(url: String, connections: Int) {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(60))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, connections))
        configuration.decompression = .disabled
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        self.url = url
    }

    /// Posts every batch, `inFlight` at a time; throws unless each reply is HTTP 200.
    func post(_ batches: [[String]], inFlight: Int, encoding: EmbeddingEncoding) async throws {
        let bodies = batches.map { batch -> [UInt8] in
            let input = batch.map { "\"\($0)\"" }.joined(separator: ",")
            return Array("{\"encoding_format\":\"\(encoding)\",\"input\":[\(input)],\"model\":\"bench\"}".utf8)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func launch() {
                let body = bodies[next]
                group.addTask {
                    var request = HTTPClientRequest(url: self.url)
                    request.method = .POST
                    request.headers.add(name: "Content-Type", value: "application/json")
                    request.body = .bytes(body)
                    let response = try await self.http.execute(request, deadline: .now() + .seconds(120), logger: nil)
                    let reply = try await response.body.collect(upTo: 256 << 20)
                    guard response.status.code == 200, reply.readableBytes > 0 else {
                        throw ValidationError("the bare loop got HTTP \(response.status.code)")
                    }
                }
                next += 1
            }
            while next < bodies.count, next < inFlight { launch() }
            while try await group.next() != nil {
                if next < bodies.count { launch() }
            }
        }
    }

    func shutdown() async throws { try await http.shutdown() }
}

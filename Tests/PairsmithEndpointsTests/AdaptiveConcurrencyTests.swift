import Foundation
import PairsmithTestSupport
import Synchronization
import Testing

@testable import PairsmithEndpoints

@Suite("Adaptive concurrency against a server with a fixed capacity", .serialized)
struct AdaptiveConcurrencyTests {
    /// Samples the client's window and the server's in-flight count every 10 ms until stopped.
    final class Sampler: Sendable {
        struct Sample: Sendable {
            var window: Int
            var served: Int
        }

        let samples = Mutex<[Sample]>([])

        /// Hands out request numbers to the callers.
        final class Counter: Sendable {
            private let next = Mutex(0)

            func take() -> Int {
                next.withLock { value in
                    defer { value += 1 }
                    return value
                }
            }
        }

        func run(_ client: ChatClient, _ endpoint: TestEndpoint) async {
            while !Task.isCancelled {
                let window = await client.statistics()[0].window
                let served = endpoint.inFlightCounts().now
                samples.withLock { $0.append(Sample(window: window, served: served)) }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
    }

    @Test("429 above 20 in flight: the window settles near 20, never above the limit, and no request is lost")
    func settlesNearCapacity() async throws {
        var behaviour = TestEndpointBehaviour(latency: .milliseconds(40), recordRequests: false)
        behaviour.maxInFlight = 20
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            let limit = 64
            let config = ChatClientConfiguration(
                endpoints: [EndpointConfiguration(url: endpoint.url, model: "test-model", maxConcurrentRequests: limit, name: "capped")],
                retry: RetryPolicy(maxAttempts: 3, baseDelay: .milliseconds(10), maxDelay: .milliseconds(50)),
                timeouts: EndpointTimeouts(connect: .seconds(5), read: .seconds(30), total: .seconds(60)))
            try await ChatClient.withClient(config) { client in
                let sampler = Sampler()
                let total = 1_200
                let answers = try await withThrowingTaskGroup(of: [String].self, returning: [String].self) { group in
                    group.addTask {
                        await sampler.run(client, endpoint)
                        return []
                    }
                    let work = Sampler.Counter()
                    return try await withThrowingTaskGroup(of: [String].self, returning: [String].self) { workers in
                        for _ in 0..<limit {  // more callers than the server takes: the window is what holds them back
                            workers.addTask {
                                var mine: [String] = []
                                while true {
                                    let i = work.take()
                                    guard i < total else { return mine }
                                    let result = try await client.completeJSON(answerRequest("capacity \(i)", seed: i))
                                    mine.append("\(i) \(result.rawContent)")
                                }
                            }
                        }
                        var all: [String] = []
                        for try await part in workers { all += part }
                        group.cancelAll()
                        return all
                    }
                }
                // No request lost: every one answered, once.
                #expect(answers.count == total)
                #expect(Set(answers.map { $0.split(separator: " ")[0] }).count == total)
                let stats = await client.statistics()[0]
                let served = endpoint.inFlightCounts()
                #expect(stats.answered == total && stats.inFlight == 0)
                #expect(served.peak <= 20 && served.admitted == total)
                #expect(stats.rateLimited == served.turnedAway && served.turnedAway > 0)
                #expect(stats.windowCuts >= 1)
                // 429s pace the window; they are not the endpoint failing: it was never set aside.
                #expect(stats.timesSetAside == 0)

                let samples = sampler.samples.withLock { $0 }
                #expect(samples.count > 20)
                #expect(samples.allSatisfy { $0.window <= limit && $0.window >= 1 })
                // Settled: over the second half the window stays near 20 and the server is kept busy near its capacity.
                let settled = samples.suffix(samples.count / 2)
                let meanWindow = Double(settled.map(\.window).reduce(0, +)) / Double(settled.count)
                let meanServed = Double(settled.map(\.served).reduce(0, +)) / Double(settled.count)
                #expect((13...27).contains(meanWindow), "mean window \(meanWindow)")
                #expect(meanServed >= 12, "mean served \(meanServed)")
                #expect(settled.map(\.window).max() ?? 0 <= 32, "\(settled.map(\.window))")
                // Far fewer 429s than answers once the window has found the capacity.
                #expect(Double(served.turnedAway) < 0.5 * Double(total), "\(served.turnedAway) turned away")
            }
        }
    }

    @Test("a fixed window keeps the limit in flight and treats a bare 429 as a failure, as before")
    func fixedWindow() async throws {
        var behaviour = TestEndpointBehaviour(latency: .milliseconds(40), recordRequests: false)
        behaviour.maxInFlight = 4
        try await TestEndpoint.withRunning(behaviour) { endpoint in
            let config = ChatClientConfiguration(
                endpoints: [
                    EndpointConfiguration(
                        url: endpoint.url, model: "test-model", maxConcurrentRequests: 8, name: "fixed", adaptive: .fixed)
                ],
                retry: RetryPolicy(maxAttempts: 500, baseDelay: .milliseconds(5), maxDelay: .milliseconds(20)),
                health: HealthPolicy(failureThreshold: 1_000, coolingPeriod: .milliseconds(10)),
                timeouts: EndpointTimeouts(connect: .seconds(5), read: .seconds(30), total: .seconds(60)))
            try await ChatClient.withClient(config) { client in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<40 { group.addTask { _ = try await client.completeJSON(answerRequest("fixed \(i)")) } }
                    try await group.waitForAll()
                }
                let stats = await client.statistics()[0]
                #expect(stats.window == 8 && stats.windowCuts == 0 && !stats.adaptive)
                #expect(stats.answered == 40 && stats.rateLimited > 0)
                #expect(stats.retries >= stats.rateLimited)
            }
        }
    }
}

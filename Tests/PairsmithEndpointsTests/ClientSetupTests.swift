import PairsmithTestSupport
import Testing

@testable import PairsmithEndpoints

/// How the client sets up AsyncHTTPClient, and the waiting-caller hand-over the router relies on.
@Suite("Client setup and waiters")
struct ClientSetupTests {
    @Test("the connection pool per host follows the endpoints' concurrency (never AsyncHTTPClient's default 8)")
    func poolFollowsConcurrency() {
        func limit(_ endpoints: [EndpointConfiguration]) -> Int {
            ChatClient.httpConfiguration(for: ChatClientConfiguration(endpoints: endpoints))
                .connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit
        }
        #expect(limit([EndpointConfiguration(url: "http://127.0.0.1:8080/v1", model: "m", maxConcurrentRequests: 256)]) == 256)
        #expect(limit([EndpointConfiguration(url: "http://127.0.0.1:8080/v1", model: "m", maxConcurrentRequests: 1024)]) == 1024)
        // Two endpoints on one host and port share its pool: their limits add up.
        #expect(
            limit([
                EndpointConfiguration(url: "http://127.0.0.1:8080/v1", model: "a", maxConcurrentRequests: 100),
                EndpointConfiguration(url: "http://127.0.0.1:8080", model: "b", maxConcurrentRequests: 50),
            ]) == 150)
        // On different ports each has its own pool: the largest limit counts.
        #expect(
            limit([
                EndpointConfiguration(url: "http://127.0.0.1:8080/v1", model: "a", maxConcurrentRequests: 100),
                EndpointConfiguration(url: "http://127.0.0.1:8081/v1", model: "a", maxConcurrentRequests: 300),
            ]) == 300)
        // Small limits keep AsyncHTTPClient's floor.
        #expect(limit([EndpointConfiguration(url: "http://127.0.0.1:8080/v1", model: "m", maxConcurrentRequests: 2)]) == 8)
        let http = ChatClient.httpConfiguration(for: ChatClientConfiguration(endpoints: [EndpointConfiguration(url: "http://h:1", model: "m")]))
        let decompressionOff = if case .disabled = http.decompression { true } else { false }
        #expect(decompressionOff)
    }

    @Test("one connection pool per started 256 connections of the busiest host, each sized for that whole host")
    func poolsPerBusiestHost() {
        func pools(_ limits: [(port: Int, limit: Int)]) -> (count: Int, perPool: Int) {
            let configuration = ChatClientConfiguration(
                endpoints: limits.enumerated().map { k, e in
                    EndpointConfiguration(url: "http://127.0.0.1:\(e.port)/v1", model: "m", maxConcurrentRequests: e.limit, name: "ep\(k)")
                })
            return (
                EndpointTransport.poolCount(for: configuration, url: \.chatCompletionsURL),
                ChatClient.httpConfiguration(for: configuration).connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit
            )
        }
        #expect(pools([(8080, 1)]) == (1, 8))
        #expect(pools([(8080, 256)]) == (1, 256))
        #expect(pools([(8080, 257)]) == (2, 257))
        // The in-flight benchmark's layout: 4 entries of 750 on one host and port, 3000 connections there.
        #expect(pools([(8080, 750), (8080, 750), (8080, 750), (8080, 750)]) == (12, 3000))
        // On two hosts the busier one decides: 300 + 300 on 8080 beat 500 on 8081.
        #expect(pools([(8080, 300), (8080, 300), (8081, 500)]) == (3, 600))
    }

    @Test("700 requests at once over 3 connection pools: all are served at the same time and answered, twice")
    func manyPoolsServeEveryRequestAtOnce() async throws {
        try await TestEndpoint.withRunning(.init(latency: .seconds(3), recordRequests: false)) { endpoint in
            let config = configuration([endpoint.url], time: ManualTime(), limit: 700)
            try await ChatClient.withClient(config) { client in
                #expect(client.connectionPoolCount == 3)
                for round in 0..<2 {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for i in 0..<700 { group.addTask { _ = try await client.completeJSON(answerRequest("pool \(round) \(i)", seed: i)) } }
                        try await group.waitForAll()
                    }
                }
                let statistics = await client.statistics()[0]
                #expect(statistics.answered == 1_400)
                #expect(statistics.inFlight == 0)
                // No pool held a request back for a connection: (nearly) all 700 were at the server together. With 3 s
                // of latency, a queued request would have kept the peak well below that.
                #expect(endpoint.inFlightCounts().peak >= 690, "peak \(endpoint.inFlightCounts().peak)")
            }
        }
    }

    @Test("a waiter claimed before it installs its continuation gets the slot; one cancelled first throws")
    func waiterOrder() async throws {
        let lease = EndpointRouter.Acquisition.lease(.init(index: 3, isProbe: false, format: .jsonSchema))

        let early = WaiterBox()
        #expect(early.claim(lease))
        #expect(!early.cancel())  // claimed: the caller gets the slot and gives it back itself
        let got = try await withCheckedThrowingContinuation { early.install($0) }
        guard case .lease(let l) = got else { Issue.record("expected a lease"); return }
        #expect(l.index == 3)

        let late = WaiterBox()
        let waited = try await withCheckedThrowingContinuation { continuation in
            late.install(continuation)
            #expect(late.claim(lease))
            late.deliver()
            late.deliver()  // a second delivery is a no-op
        }
        guard case .lease = waited else { Issue.record("expected a lease"); return }

        let cancelled = WaiterBox()
        #expect(cancelled.cancel())
        #expect(!cancelled.claim(lease))
        await #expect(throws: CancellationError.self) {
            _ = try await withCheckedThrowingContinuation { cancelled.install($0) }
        }
    }
}

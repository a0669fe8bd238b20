@testable import PairsmithEndpoints
import Testing

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
        #expect(limit([EndpointConfiguration(url: "http://127.0.0.1:8080/v1", model: "a", maxConcurrentRequests: 100),
                       EndpointConfiguration(url: "http://127.0.0.1:8080", model: "b", maxConcurrentRequests: 50)]) == 150)
        // On different ports each has its own pool: the largest limit counts.
        #expect(limit([EndpointConfiguration(url: "http://127.0.0.1:8080/v1", model: "a", maxConcurrentRequests: 100),
                       EndpointConfiguration(url: "http://127.0.0.1:8081/v1", model: "a", maxConcurrentRequests: 300)]) == 300)
        // Small limits keep AsyncHTTPClient's floor.
        #expect(limit([EndpointConfiguration(url: "http://127.0.0.1:8080/v1", model: "m", maxConcurrentRequests: 2)]) == 8)
        let http = ChatClient.httpConfiguration(for: ChatClientConfiguration(endpoints: [EndpointConfiguration(url: "http://h:1", model: "m")]))
        let decompressionOff = if case .disabled = http.decompression { true } else { false }
        #expect(decompressionOff)
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

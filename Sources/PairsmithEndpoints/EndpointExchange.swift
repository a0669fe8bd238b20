import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// What the chat and embeddings clients share around one request: waiting for a slot without spending attempts,
/// and one POST with a total deadline and a bounded body, its transport failures classified.
enum EndpointExchange {
    /// A reply that came back (any status).
    struct Reply {
        /// The HTTP status code.
        var status: Int
        /// The response headers.
        var headers: HTTPHeaders
        /// The body, at most the client's `maxResponseBytes`.
        var body: ByteBuffer
        /// From sending the request to the end of the body.
        var latency: Duration
    }

    /// How one POST ended.
    enum Result {
        /// A reply came back.
        case reply(Reply)
        /// The caller's task was cancelled.
        case cancelled
        /// The connection failed, timed out (`timedOut`) or the body was too large.
        case transportFailure(timedOut: Bool, reason: String)
    }

    /// Sends `request` and collects the reply within `total`.
    static func post(_ request: HTTPClientRequest, with http: HTTPClient, total: Duration, maxResponseBytes: Int) async -> Result {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let deadline = NIODeadline.now() + .nanoseconds(Int64(seconds(total) * 1e9))
            let response = try await http.execute(request, deadline: deadline, logger: nil)
            let body = try await response.body.collect(upTo: maxResponseBytes)
            return .reply(Reply(status: Int(response.status.code), headers: response.headers, body: body, latency: clock.now - start))
        } catch {
            if Task.isCancelled || error is CancellationError || (error as? HTTPClientError) == .cancelled { return .cancelled }
            let timedOut = [HTTPClientError.connectTimeout, .readTimeout, .deadlineExceeded]
                .contains { (error as? HTTPClientError) == $0 }
            return .transportFailure(timedOut: timedOut, reason: String(describing: error))
        }
    }

    /// A slot on one of `router`'s endpoints; sleeps (without spending attempts) while every endpoint rests.
    static func acquire(_ router: EndpointRouter, isRetry: Bool, environment: ChatEnvironment) async throws -> EndpointRouter.Lease {
        while true {
            try Task.checkCancellation()
            switch try await router.acquire(isRetry: isRetry) {
            case .lease(let lease):
                return lease
            case .allDown(let until, _):
                let wait = max(0, until - environment.now())
                try await environment.sleep(.seconds(wait))
            }
        }
    }
}

import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// The errors both clients report for what the transport sees: a failed connection, a non-2xx status, and running
/// out of attempts. ``ChatError`` and ``EmbeddingError`` conform with their cases of the same names.
protocol EndpointFailure: Error, Sendable, CustomStringConvertible {
    /// The connection failed or timed out.
    static func transport(endpoint: String, reason: String, timedOut: Bool) -> Self
    /// The server answered with a non-2xx status.
    static func httpStatus(endpoint: String, status: Int, message: String) -> Self
    /// Every allowed attempt failed with a retryable fault; `last` is the final one.
    static func attemptsExhausted(attempts: Int, last: Self) -> Self
}

/// A client holding pooled connections that ``shutdown()`` closes.
protocol ClosingClient: Sendable {
    /// Closes the client's connections.
    func shutdown() async throws
}

extension ClosingClient {
    /// Runs `body` with this client and shuts it down afterwards, also when `body` throws.
    func closing<R: Sendable>(after body: (Self) async throws -> R) async throws -> R {
        do {
            let result = try await body(self)
            try await shutdown()
            return result
        } catch {
            try? await shutdown()
            throw error
        }
    }
}

extension ChatError: EndpointFailure {}
extension EmbeddingError: EndpointFailure {}

/// What the chat and embeddings clients share under their own request and reply formats: the pooled HTTP client
/// and bearer keys, routing over the endpoints with accounting, one POST with a total deadline and a bounded body,
/// the classification of non-2xx answers (429 with its Retry-After, retryable 408/5xx, the rest refused), and the
/// retry loop with back-off, generic over the client's one attempt.
final class EndpointTransport: Sendable {
    /// The shared settings.
    let configuration: EndpointClientConfiguration
    /// Spreads attempts over the endpoints and keeps their health and statistics.
    let router: EndpointRouter
    /// What requests are for (`chat`, `embedding`), in log messages.
    let kind: String
    /// Where the client logs.
    let logger: Logger
    private let tokens: [BearerToken?]
    /// The connection pools requests take turns on (one unless an endpoint host needs more than
    /// ``connectionsPerPool`` connections).
    private let pools: [HTTPClient]
    private let nextPool = Atomic<UInt>(0)
    /// How many connection pools requests take turns on.
    var poolCount: Int { pools.count }
    private let ownsHTTP: Bool

    /// The connections one AsyncHTTPClient pool is sized for. Its pool scans all of a host's connections on every
    /// request and every release (finding an idle one, counting them). With 3000 in flight to one host, 12 pools took
    /// 0.91–1.00× the client CPU per request of one pool (median 0.94, `pairsmith-bench inflight --paired split,bare
    /// --concurrency 6000`); at 1500 it made no difference (0.98–1.03). So the transport opens one pool per started
    /// 256 connections of its busiest host.
    static let connectionsPerPool = 256

    /// Reads each endpoint's key now and opens its connection pools (or, with `sharedConnections`, uses the
    /// process-wide one, which needs no shutdown); `url` gives the URL requests go to, to size the pools per host.
    init(
        _ configuration: EndpointClientConfiguration, kind: String, url: (EndpointConfiguration) -> String,
        sharedConnections: Bool = false, logger: Logger
    ) throws {
        self.configuration = configuration
        self.kind = kind
        self.logger = logger
        tokens = try configuration.endpoints.map { try $0.apiKey.resolve() }
        if sharedConnections {
            pools = [HTTPClient.shared]
        } else {
            let http = Self.httpConfiguration(for: configuration, url: url)
            pools = (0..<Self.poolCount(for: configuration, url: url)).map { _ in
                HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http)
            }
        }
        ownsHTTP = !sharedConnections
        router = EndpointRouter(
            endpoints: configuration.endpoints, health: configuration.health, now: configuration.environment.now,
            onStatus: configuration.onStatus, kind: kind, logger: logger)
    }

    /// The AsyncHTTPClient settings of each pool: keep-alive connections, and per host (a host and port) as many as
    /// the endpoints there may have requests in flight, so no pool ever queues a request the router let through, even
    /// when turns give it more than its share (AsyncHTTPClient's default of 8 would cap the throughput).
    static func httpConfiguration(
        for configuration: EndpointClientConfiguration, url: (EndpointConfiguration) -> String
    ) -> HTTPClient.Configuration {
        var http = HTTPClient.Configuration()
        http.timeout = .init(
            connect: .nanoseconds(Int64(seconds(configuration.timeouts.connect) * 1e9)),
            read: .nanoseconds(Int64(seconds(configuration.timeouts.read) * 1e9)))
        http.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(8, busiestHost(configuration, url: url)))
        http.decompression = .disabled
        return http
    }

    /// How many pools the transport opens: one per started ``connectionsPerPool`` connections of the busiest host.
    static func poolCount(for configuration: EndpointClientConfiguration, url: (EndpointConfiguration) -> String) -> Int {
        max(1, (busiestHost(configuration, url: url) + connectionsPerPool - 1) / connectionsPerPool)
    }

    /// The most requests the endpoints of one host (a host and port) may have in flight together.
    static func busiestHost(_ configuration: EndpointClientConfiguration, url: (EndpointConfiguration) -> String) -> Int {
        var perHost: [String: Int] = [:]
        for endpoint in configuration.endpoints { perHost[hostKey(url(endpoint)), default: 0] += endpoint.maxConcurrentRequests }
        return perHost.values.max() ?? 0
    }

    /// `scheme://host:port` of `url`: the key AsyncHTTPClient pools connections under.
    static func hostKey(_ url: String) -> String {
        guard let parsed = URL(string: url) else { return url }
        return "\(parsed.scheme ?? "")://\(parsed.host ?? ""):\(parsed.port ?? (parsed.scheme == "https" ? 443 : 80))"
    }

    /// The text of a transport failure, for both clients' errors.
    static func describeTransportFailure(endpoint: String, reason: String, timedOut: Bool) -> String {
        "\(endpoint): \(timedOut ? "timed out" : "connection failed"): \(reason)"
    }

    /// The text of a non-2xx answer, for both clients' errors.
    static func describeStatus(endpoint: String, status: Int, message: String) -> String {
        "\(endpoint): HTTP \(status): \(message)"
    }

    /// Closes the pooled connections (not the shared ones).
    func shutdown() async throws {
        guard ownsHTTP else { return }
        var firstError: (any Error)?
        for pool in pools {
            do { try await pool.shutdown() } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }

    // MARK: Attempts

    /// How one attempt ended.
    enum Attempt<Success, Failure: EndpointFailure> {
        /// Done: the value and how the endpoint did.
        case success(Success, EndpointRouter.Outcome)
        /// The request cannot succeed (a refused request, a bad answer); thrown as is.
        case fatal(Failure, EndpointRouter.Outcome)
        /// A transient fault: try again (on this endpoint or another) unless the attempts are spent.
        case retryable(Failure, EndpointRouter.Outcome)
        /// The endpoint asks for another form of the request (a format fallback): send again, spending no attempt.
        case again(EndpointRouter.Outcome)
        /// The caller's task was cancelled.
        case cancelled
    }

    /// Runs `attempt` on a slot from the router until it succeeds, fails for good, or has failed retryably
    /// `retry.maxAttempts` times (then throws `attemptsExhausted`); backs off between attempts unless the endpoint
    /// rests (a 429 or set aside: the next acquire waits or goes elsewhere). Returns the value and the attempts spent.
    func send<Success, Failure: EndpointFailure>(
        _ attempt: (EndpointRouter.Lease) async -> Attempt<Success, Failure>
    ) async throws -> (value: Success, attempts: Int) {
        var failures = 0
        var rateLimited = 0
        var attempts = 0
        while true {
            let lease = try await acquire(isRetry: attempts > 0)
            attempts += 1
            switch await attempt(lease) {
            case .success(let value, let outcome):
                await router.finish(lease, outcome: outcome)
                return (value, attempts)
            case .fatal(let error, let outcome):
                await router.finish(lease, outcome: outcome)
                throw error
            case .again(let outcome):
                await router.finish(lease, outcome: outcome)
                attempts -= 1  // a fallback spends no attempt
            case .cancelled:
                await router.finish(lease, outcome: .cancelled)
                throw CancellationError()
            case .retryable(let error, let outcome):
                let resting = await router.finish(lease, outcome: outcome)
                if case .rateLimited = outcome, configuration.endpoints[lease.index].adaptive.isEnabled {
                    // Flow control, not a fault of the request: the cut window paces the retry, which waits for a
                    // slot like any request; its own budget keeps a server that only ever says 429 from looping.
                    rateLimited += 1
                    guard rateLimited < configuration.retry.maxRateLimitedAttempts else {
                        throw Failure.attemptsExhausted(attempts: failures + rateLimited, last: error)
                    }
                    continue
                }
                failures += 1
                logger.debug(
                    "\(kind) attempt failed; retrying",
                    metadata: [
                        "endpoint": "\(configuration.endpoints[lease.index].name)", "error": "\(error)",
                        "attempt": "\(failures)",
                    ])
                guard failures < configuration.retry.maxAttempts else {
                    throw Failure.attemptsExhausted(attempts: failures, last: error)
                }
                if resting { continue }
                try await configuration.environment.sleep(
                    configuration.retry.backoff(retry: failures, random: configuration.environment.random()))
            }
        }
    }

    /// A slot on one of the endpoints; sleeps (without spending attempts) while every endpoint rests.
    private func acquire(isRetry: Bool) async throws -> EndpointRouter.Lease {
        while true {
            try Task.checkCancellation()
            switch try await router.acquire(isRetry: isRetry) {
            case .lease(let lease):
                return lease
            case .allDown(let until, _):
                let wait = max(0, until - configuration.environment.now())
                try await configuration.environment.sleep(.seconds(wait))
            }
        }
    }

    // MARK: One POST

    /// `Content-Type` and `Accept` for JSON.
    static let jsonHeaders = HTTPHeaders([("Content-Type", "application/json"), ("Accept", "application/json")])

    /// How one POST came back.
    enum Posted<Success, Failure: EndpointFailure> {
        /// A 2xx reply: its body (at most `maxResponseBytes`) and the time from sending to its last byte.
        case reply(ByteBuffer, latency: Duration)
        /// A non-2xx status that retrying will not fix (4xx other than 408 and 429), with the server's message: the
        /// client decides between a fallback and ``Attempt/fatal(_:_:)``.
        case refused(Failure, status: Int, message: String)
        /// The attempt ends here: a transport failure, a 429, a 408 or 5xx (retryable), or cancellation.
        case ended(Attempt<Success, Failure>)
    }

    /// POSTs `body` to `url` for the endpoint of `lease` (with its bearer key, JSON content headers) within the total
    /// deadline, and classifies what came back.
    func post<Success, Failure: EndpointFailure>(
        _ body: ByteBuffer, to url: String, on lease: EndpointRouter.Lease, headers: HTTPHeaders = jsonHeaders
    ) async -> Posted<Success, Failure> {
        let name = configuration.endpoints[lease.index].name
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers = headers
        if let token = tokens[lease.index] { request.headers.add(name: "Authorization", value: token.headerValue) }
        request.body = .bytes(body)
        let clock = ContinuousClock()
        let start = clock.now
        let response: HTTPClientResponse
        let reply: ByteBuffer
        do {
            let deadline = NIODeadline.now() + .nanoseconds(Int64(seconds(configuration.timeouts.total) * 1e9))
            let http = pools.count == 1 ? pools[0] : pools[Int(nextPool.wrappingAdd(1, ordering: .relaxed).oldValue % UInt(pools.count))]
            response = try await http.execute(request, deadline: deadline, logger: nil)
            reply = try await response.body.collect(upTo: configuration.maxResponseBytes)
        } catch {
            if Task.isCancelled || error is CancellationError || (error as? HTTPClientError) == .cancelled { return .ended(.cancelled) }
            let timedOut = [HTTPClientError.connectTimeout, .readTimeout, .deadlineExceeded].contains { (error as? HTTPClientError) == $0 }
            let reason = String(describing: error)
            return .ended(.retryable(.transport(endpoint: name, reason: reason, timedOut: timedOut), .transport(timedOut: timedOut, reason: reason)))
        }
        let latency = clock.now - start
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            let message = WireFormat.errorMessage(from: Array(reply.readableBytesView))
            let error = Failure.httpStatus(endpoint: name, status: status, message: message)
            if status == 429 {
                let retryAfter = WireFormat.retryAfter(response.headers.first(name: "Retry-After"), now: configuration.environment.wallClock())
                let wait = min(retryAfter ?? 0, seconds(configuration.retry.maxRetryAfter))
                return .ended(.retryable(error, .rateLimited(seconds: wait)))
            }
            if status == 408 || status >= 500 { return .ended(.retryable(error, .serverError(reason: "HTTP \(status): \(message)"))) }
            return .refused(error, status: status, message: message)
        }
        return .reply(reply, latency: latency)
    }
}

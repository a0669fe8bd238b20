import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// An OpenAI-compatible chat server on 127.0.0.1 for tests and benchmarks: answers deterministically with
/// JSON that meets the request's schema, after a fixed latency, and injects faults by rate or by script.
///
/// ```swift
/// try await TestEndpoint.withRunning(.init(faultRates: [.serverError: 0.2])) { endpoint in
///     // point a client at endpoint.url
/// }
/// ```
public final class TestEndpoint: Sendable {
    /// The port it listens on (chosen by the system).
    public let port: Int
    private let state: TestEndpointState

    /// The base URL, `http://127.0.0.1:PORT/v1`.
    public var url: String { "http://127.0.0.1:\(port)/v1" }

    private init(port: Int, state: TestEndpointState) {
        self.port = port
        self.state = state
    }

    /// Starts an endpoint (on `port`, 0 = any free port), runs `body` with it, and stops it when `body` returns or throws.
    @discardableResult
    public static func withRunning<R: Sendable>(
        _ behaviour: TestEndpointBehaviour = TestEndpointBehaviour(), port: Int = 0, _ body: (TestEndpoint) async throws -> R
    ) async throws -> R {
        let state = TestEndpointState(behaviour)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "pairsmith.test-endpoint")
        logger.logLevel = .critical
        let app = Application(
            router: makeRouter(state),
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil, backlog: 4096),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger
        )
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer { portContinuation.finish() }
                do { try await app.run() } catch  where Task.isCancelled {}
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                group.cancelAll()
                try await group.waitForAll()
                throw TestSupportError.missingPrerequisite("the test endpoint could not listen on 127.0.0.1")
            }
            let endpoint = TestEndpoint(port: port, state: state)
            do {
                let result = try await body(endpoint)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    /// A URL where nothing listens (a port that was bound and released), for "dead endpoint" tests.
    public static func deadURL() async throws -> String {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 9
        try await channel.close()
        return "http://127.0.0.1:\(port)/v1"
    }

    /// The behaviour now.
    public var behaviour: TestEndpointBehaviour { state.current }

    /// Replaces the behaviour for the following requests.
    public func setBehaviour(_ behaviour: TestEndpointBehaviour) { state.set(behaviour) }

    /// Forces the next requests' faults in order (`nil` = a clean reply), before any rates apply.
    public func script(_ faults: [TestFault?]) { state.enqueue(faults) }

    /// Every request seen so far (when ``TestEndpointBehaviour/recordRequests`` is on).
    public func recordedRequests() -> [RecordedRequest] { state.requests }

    /// How many chat requests came in, and how many of each fault were injected.
    public func counts() -> (requests: Int, faults: [TestFault: Int]) { state.counts }

    /// Chat requests being served now, the most at once, and those turned away by ``TestEndpointBehaviour/maxInFlight``.
    public func inFlightCounts() -> InFlightCounts { state.inFlight }

    // MARK: Routes

    private static func makeRouter(_ state: TestEndpointState) -> Router<TestEndpointContext> {
        let router = Router(context: TestEndpointContext.self)
        router.get("/health") { _, _ in jsonResponse(200, "{\"status\":\"ok\"}") }
        router.get("/v1/models") { _, _ in
            let model = state.current.model
            return jsonResponse(
                200, TestEndpointReply.text(of: ["object": "list", "data": [["id": model, "object": "model", "owned_by": "pairsmith"]]]))
        }
        router.post("/v1/chat/completions") { request, context in
            let buffer = try await request.body.collect(upTo: 64 << 20)
            let body = Data(buffer.readableBytesView)
            let contentHash = SeededRandom.fnv1a(buffer.readableBytesView)
            let authorization = request.headers[.authorization]
            let (behaviour, fault) = state.admit(contentHash: contentHash)
            guard state.enter(limit: behaviour.maxInFlight) else {
                return response(for: TestEndpointReply.error(429, "over capacity: too many requests in flight", type: "rate_limit_error"))
            }
            defer { state.leave() }
            if behaviour.recordRequests {
                state.record(RecordedRequest(body: String(decoding: body, as: UTF8.self), authorization: authorization, fault: fault))
            }
            if let key = behaviour.requiredKey, authorization != "Bearer \(key)" {
                return response(for: TestEndpointReply.error(401, "invalid or missing API key", type: "authentication_error"))
            }
            if behaviour.latency > .zero {
                // The connection's event loop keeps the timer: cheaper than Task.sleep, whose timer wakes a
                // dispatch thread for every request (this runs once per benchmark request).
                let (seconds, attoseconds) = behaviour.latency.components
                let delay = TimeAmount.nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
                try await context.channel.eventLoop.scheduleTask(in: delay) {}.futureResult.get()
            }
            if fault == .slowAnswer { try await Task.sleep(for: behaviour.slowDelay) }
            let reply = TestEndpointReply.chatCompletion(
                body: body, behaviour: behaviour, fault: fault,
                contentHash: contentHash, now: Date())
            if case .drop = reply {
                try? await context.channel.close()
                throw TestEndpointDropped()
            }
            return response(for: reply)
        }
        addEmbeddingsRoute(to: router, state: state)
        addRerankRoutes(to: router, state: state)
        return router
    }

    private static func response(for reply: TestEndpointReply) -> Response {
        switch reply {
        case .http(let status, let body, let headers):
            var response = jsonResponse(status, body)
            if let retryAfter = headers["Retry-After"] { response.headers[.retryAfter] = retryAfter }
            return response
        case .truncated(let body):
            let bytes = ByteBuffer(string: body)
            let half = bytes.getSlice(at: 0, length: bytes.readableBytes / 2) ?? bytes
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(contentLength: bytes.readableBytes) { writer in
                    try await writer.write(half)
                    throw TestEndpointDropped()
                })
        case .drop:
            return jsonResponse(500, "{}")
        }
    }

    private static func jsonResponse(_ status: Int, _ body: String) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

/// Thrown inside a handler to abort the connection (dropped or truncated replies).
struct TestEndpointDropped: Error {}

/// The request context of the test endpoint: the standard storage plus the connection, so a handler can drop it.
struct TestEndpointContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// The chat benchmark's reference: a bare AsyncHTTPClient loop that posts one prebuilt body and collects the
/// reply, with the same pool settings as `ChatClient` but no routing, encoding, parsing or validation.
/// Its CPU time per request is the floor our client's overhead is measured against.
final class ChatReferenceClient: Sendable {
    private let http: HTTPClient
    private let url: String
    private let body: [UInt8]

    /// A client for `url` (the full `/v1/chat/completions` URL) keeping up to `connections` connections open.
    init(url: String, body: [UInt8], connections: Int) {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(30))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        configuration.decompression = .disabled
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        self.url = url
        self.body = body
    }

    /// Posts the body once; throws unless the reply is HTTP 200 with a body.
    func post() async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(body)
        let response = try await http.execute(request, deadline: .now() + .seconds(60), logger: nil)
        let reply = try await response.body.collect(upTo: 16 << 20)
        guard response.status.code == 200, reply.readableBytes > 0 else { throw ReferenceFailure(status: Int(response.status.code)) }
    }

    /// Closes the connections.
    func shutdown() async throws { try await http.shutdown() }
}

/// The reference client got something other than HTTP 200.
struct ReferenceFailure: Error, CustomStringConvertible {
    var status: Int
    var description: String { "the reference client got HTTP \(status) from the test endpoint" }
}

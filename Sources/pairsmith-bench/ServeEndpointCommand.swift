import ArgumentParser
import PairsmithTestSupport

/// `pairsmith-bench serve-endpoint`: the test endpoint in its own process (the chat benchmark starts it as a
/// child so that the client's CPU time is measured apart from the server's). Exits when standard input closes.
struct ServeEndpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve-endpoint",
        abstract: "Run the OpenAI-compatible test endpoint on 127.0.0.1 until standard input closes (Ctrl-D).")

    @Option(help: "The port to listen on (0: any free port; the URL is printed once it listens).")
    var port = 0

    @Option(help: "The fixed latency of every reply in milliseconds.")
    var latencyMs = 0

    @Option(help: "The model name /v1/models lists.")
    var model = "test-model"

    @Option(help: "Answer HTTP 429 (no Retry-After) to a chat request that arrives while this many are being served.")
    var maxInFlight: Int?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535, got \(port)") }
        guard latencyMs >= 0 else { throw ValidationError("--latency-ms must be 0 or more, got \(latencyMs)") }
        if let maxInFlight, maxInFlight < 1 { throw ValidationError("--max-in-flight must be at least 1, got \(maxInFlight)") }
    }

    func run() async throws {
        var behaviour = TestEndpointBehaviour(latency: .milliseconds(latencyMs), model: model, recordRequests: false)
        behaviour.maxInFlight = maxInFlight
        try await TestEndpoint.serveUntilInputCloses(behaviour, port: port)
    }
}

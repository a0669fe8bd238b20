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

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535, got \(port)") }
        guard latencyMs >= 0 else { throw ValidationError("--latency-ms must be 0 or more, got \(latencyMs)") }
    }

    func run() async throws {
        let behaviour = TestEndpointBehaviour(latency: .milliseconds(latencyMs), model: model, recordRequests: false)
        try await TestEndpoint.serveUntilInputCloses(behaviour, port: port)
    }
}

import Foundation
import Logging

@testable import PairsmithEndpoints

/// A manual clock: sleeping advances it at once and is recorded, so retry tests never wait.
final class ManualTime: @unchecked Sendable {
    private let lock = NSLock()
    private var current = 1000.0
    private var recorded: [Double] = []

    var now: Double { lock.withLock { current } }
    var sleeps: [Double] { lock.withLock { recorded } }

    func sleep(_ duration: Duration) async throws {
        try Task.checkCancellation()
        lock.withLock {
            recorded.append(seconds(duration))
            current += seconds(duration)
        }
        await Task.yield()
    }

    /// An environment on this clock with the real wall clock and a fixed jitter draw.
    func environment(random: Double = 0.5) -> EndpointEnvironment {
        EndpointEnvironment(now: { self.now }, wallClock: { Date() }, sleep: { try await self.sleep($0) }, random: { random })
    }
}

/// Collects status events and log lines for assertions.
final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var storedEvents: [EndpointStatusEvent] = []
    private var storedLines: [String] = []

    var events: [EndpointStatusEvent] { lock.withLock { storedEvents } }
    var lines: [String] { lock.withLock { storedLines } }

    func add(_ event: EndpointStatusEvent) { lock.withLock { storedEvents.append(event) } }
    func add(line: String) { lock.withLock { storedLines.append(line) } }

    /// A logger at trace level whose every line (message and metadata) lands here.
    var logger: Logger {
        Logger(label: "test") { label in CollectingLogHandler(recorder: self, label: label) }
    }
}

/// A log handler that writes into a ``Recorder``.
struct CollectingLogHandler: LogHandler {
    let recorder: Recorder
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        recorder.add(line: "\(event.level) \(event.message) \(merged)")
    }
}

/// A small schema used across the tests.
let answerSchema = JSONSchema.object([
    "query": .string(minLength: 3, maxLength: 80),
    "difficulty": .string(enum: ["easy", "medium", "hard"]),
    "score": .integer(minimum: 0, maximum: 10),
    "tags": .array(of: .string(maxLength: 20), minItems: 1, maxItems: 3),
    "relevant": .boolean,
])

/// The Swift shape of ``answerSchema``.
struct Answer: Decodable, Sendable {
    var query: String
    var difficulty: String
    var score: Int
    var tags: [String]
    var relevant: Bool
}

/// A request asking for an ``Answer`` about `topic`.
func answerRequest(_ topic: String, seed: Int = 1) -> ChatRequest {
    ChatRequest(
        messages: [.system("You write search queries."), .user("Write a query about \(topic).")],
        temperature: 0.7, topP: 0.9, maxTokens: 200, seed: seed, schema: answerSchema, schemaName: "answer")
}

/// A client configuration over `urls` on a manual clock.
func configuration(
    _ urls: [String], time: ManualTime, recorder: Recorder? = nil, model: String = "test-model",
    maxAttempts: Int = 6, failureThreshold: Int = 3, coolingPeriod: Duration = .seconds(30),
    read: Duration = .seconds(30), limit: Int = 8, apiKey: APIKeySource = .none
) -> ChatClientConfiguration {
    ChatClientConfiguration(
        endpoints: urls.enumerated().map {
            EndpointConfiguration(url: $0.element, model: model, apiKey: apiKey, maxConcurrentRequests: limit, name: "ep\($0.offset)")
        },
        retry: RetryPolicy(maxAttempts: maxAttempts, baseDelay: .milliseconds(100), maxDelay: .seconds(5)),
        health: HealthPolicy(failureThreshold: failureThreshold, coolingPeriod: coolingPeriod),
        timeouts: EndpointTimeouts(connect: .seconds(2), read: read, total: .seconds(30)),
        environment: time.environment(),
        onStatus: { recorder?.add($0) }
    )
}

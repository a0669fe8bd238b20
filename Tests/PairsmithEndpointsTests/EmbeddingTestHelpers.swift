import Foundation
import PairsmithJSON
import PairsmithTestSupport

@testable import PairsmithEndpoints

/// An embedding client configuration over `urls` on a manual clock.
func embeddingConfiguration(
    _ urls: [String], time: ManualTime, recorder: Recorder? = nil, model: String = "test-embedder", batchSize: Int = 4,
    encoding: EmbeddingEncoding = .base64, dimensions: Int? = nil, maxAttempts: Int = 6, failureThreshold: Int = 100,
    coolingPeriod: Duration = .seconds(30), read: Duration = .seconds(30), limit: Int = 4, apiKey: APIKeySource = .none
) -> EmbeddingClientConfiguration {
    EmbeddingClientConfiguration(
        endpoints: urls.enumerated().map {
            EndpointConfiguration(url: $0.element, model: model, apiKey: apiKey, maxConcurrentRequests: limit, name: "ep\($0.offset)")
        },
        batchSize: batchSize, encoding: encoding, dimensions: dimensions,
        retry: RetryPolicy(maxAttempts: maxAttempts, baseDelay: .milliseconds(100), maxDelay: .seconds(5)),
        health: HealthPolicy(failureThreshold: failureThreshold, coolingPeriod: coolingPeriod),
        timeouts: EndpointTimeouts(connect: .seconds(2), read: read, total: .seconds(30)),
        environment: time.environment(),
        onStatus: { recorder?.add($0) })
}

/// What the client must return for `text` from the test endpoint: its vector, sliced and L2-normalised.
func expectedEmbedding(_ text: String, dimension: Int = 32, dimensions: Int? = nil) -> [Float] {
    let full = TestEndpoint.embeddingVector(for: text, dimension: dimension)
    let slice = Array(full.prefix(dimensions ?? dimension))
    let norm = slice.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    return slice.map { Float(Double($0) / norm) }
}

/// Whether `a` and `b` have the same length and agree within `tolerance` everywhere.
func close(_ a: [Float], _ b: [Float], tolerance: Float = 1e-6) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
}

/// Whether every vector of `vectors` matches the test endpoint's answer for the text at the same position.
func matchesEndpoint(_ vectors: [[Float]], _ texts: [String], dimensions: Int? = nil) -> Bool {
    vectors.count == texts.count && zip(vectors, texts).allSatisfy { close($0, expectedEmbedding($1, dimensions: dimensions)) }
}

/// The JSON bodies the endpoint saw.
func recordedBodies(_ endpoint: TestEndpoint) throws -> [JSONValue] {
    try endpoint.recordedRequests().map { try JSONValue.parse($0.body) }
}

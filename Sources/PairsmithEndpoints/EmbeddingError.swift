/// Why an embedding request failed; every case names the endpoint and says what went wrong.
public indirect enum EmbeddingError: Error, Sendable, CustomStringConvertible {
    /// The connection failed: refused, reset, closed early, or a timeout (`timedOut` says which).
    case transport(endpoint: String, reason: String, timedOut: Bool)
    /// The server answered with an HTTP error status and this message.
    case httpStatus(endpoint: String, status: Int, message: String)
    /// The reply is not an OpenAI-compatible embeddings list (not JSON, no `data`, a bad vector, bad base64).
    case malformedResponse(endpoint: String, reason: String)
    /// The reply holds a different number of vectors than texts were sent.
    case wrongCount(endpoint: String, expected: Int, got: Int)
    /// The reply's `index` fields are not each of 0..<count exactly once.
    case badIndices(endpoint: String, reason: String)
    /// The vectors of one reply (or of two replies) differ in length.
    case unequalDimensions(endpoint: String, expected: Int, got: Int)
    /// This endpoint's vectors differ in length from earlier answers: the endpoints serve different models.
    case modelMismatch(endpoint: String, expected: Int, got: Int)
    /// A vector holds NaN or an infinity.
    case nonFinite(endpoint: String, index: Int)
    /// The server's vectors are shorter than the dimensions asked for.
    case tooFewDimensions(endpoint: String, requested: Int, got: Int)
    /// Every allowed attempt failed with a retryable fault; `last` is the final one.
    case attemptsExhausted(attempts: Int, last: EmbeddingError)

    /// Whether another attempt may succeed (transport faults, 429, 408, 5xx, malformed or inconsistent replies).
    public var isRetryable: Bool {
        switch self {
        case .transport, .malformedResponse, .wrongCount, .badIndices, .unequalDimensions, .nonFinite: true
        case .httpStatus(_, let status, _): status == 429 || status == 408 || status >= 500
        case .modelMismatch, .tooFewDimensions, .attemptsExhausted: false
        }
    }

    public var description: String {
        switch self {
        case .transport(let endpoint, let reason, let timedOut):
            EndpointTransport.describeTransportFailure(endpoint: endpoint, reason: reason, timedOut: timedOut)
        case .httpStatus(let endpoint, let status, let message):
            EndpointTransport.describeStatus(endpoint: endpoint, status: status, message: message)
        case .malformedResponse(let endpoint, let reason):
            "\(endpoint): not an OpenAI-compatible /v1/embeddings reply: \(reason)"
        case .wrongCount(let endpoint, let expected, let got):
            "\(endpoint): sent \(expected) texts but got \(got) embeddings back"
        case .badIndices(let endpoint, let reason):
            "\(endpoint): the embeddings' 'index' fields are wrong: \(reason)"
        case .unequalDimensions(let endpoint, let expected, let got):
            "\(endpoint): embeddings of different lengths (\(expected) and \(got)); is every endpoint serving the same model?"
        case .modelMismatch(let endpoint, let expected, let got):
            "\(endpoint): answers \(got)-dimensional embeddings but earlier answers had \(expected); every endpoint must serve the same model"
        case .nonFinite(let endpoint, let index):
            "\(endpoint): embedding \(index) holds NaN or infinity"
        case .tooFewDimensions(let endpoint, let requested, let got):
            "\(endpoint): asked for \(requested) dimensions but the model gives \(got); ask for \(got) or fewer"
        case .attemptsExhausted(let attempts, let last):
            "gave up after \(attempts) attempts; last: \(last)"
        }
    }
}

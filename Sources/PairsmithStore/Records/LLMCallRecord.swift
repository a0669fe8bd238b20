import Foundation
import GRDB

/// How a chat request ended.
public enum LLMCallStatus: String, Codable, Sendable, Hashable, DatabaseValueConvertible {
    /// The endpoint answered; `response` holds the answer (which may still fail validation).
    case ok
    /// The endpoint answered with an HTTP error status.
    case httpError = "http_error"
    /// The request never got an answer (connection refused, timeout).
    case transportError = "transport_error"
}

/// A chat request and its answer, stored under the request's hash so a repeated request costs nothing.
public struct LLMCallRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "llm_calls"

    /// The row id, set on insertion.
    public var id: Int64?
    /// SHA-256 (hex) of the canonical request (model, messages, sampling, schema, seed); unique.
    public var requestHash: String
    /// The key of the unit that made the request, if any.
    public var unitKey: String?
    /// The endpoint's base URL.
    public var endpoint: String
    /// The model named in the request.
    public var model: String
    /// The request body, JSON.
    public var request: String
    /// The response body, JSON (nil when none came back).
    public var response: String?
    /// How the call ended.
    public var status: LLMCallStatus
    /// The HTTP status, when one came back.
    public var httpStatus: Int?
    /// Prompt tokens reported by the endpoint.
    public var promptTokens: Int
    /// Completion tokens reported by the endpoint.
    public var completionTokens: Int
    /// Wall-clock latency of the call in milliseconds.
    public var latencyMilliseconds: Double
    /// When the call finished.
    public var createdAt: Date

    /// Creates a call record.
    public init(
        id: Int64? = nil, requestHash: String, unitKey: String?, endpoint: String, model: String,
        request: String, response: String?, status: LLMCallStatus, httpStatus: Int?,
        promptTokens: Int, completionTokens: Int, latencyMilliseconds: Double, createdAt: Date = Date()
    ) {
        self.id = id
        self.requestHash = requestHash
        self.unitKey = unitKey
        self.endpoint = endpoint
        self.model = model
        self.request = request
        self.response = response
        self.status = status
        self.httpStatus = httpStatus
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.latencyMilliseconds = latencyMilliseconds
        self.createdAt = createdAt
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    enum CodingKeys: String, CodingKey {
        case id, endpoint, model, request, response, status
        case requestHash = "request_hash"
        case unitKey = "unit_key"
        case httpStatus = "http_status"
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case latencyMilliseconds = "latency_ms"
        case createdAt = "created_at"
    }
}

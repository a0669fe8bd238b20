import Foundation
import GRDB

/// One chat endpoint's adaptive concurrency window and request counts, as a run's process last reported them
/// (the counts are that process's, since it started).
public struct EndpointWindowRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "endpoint_windows"

    /// The run's name.
    public var run: String
    /// The endpoint's name.
    public var endpoint: String
    /// Its configured limit of requests in flight.
    public var maxRequests: Int
    /// Its window (requests allowed in flight) at the report.
    public var window: Int
    /// Whether the window adapts.
    public var adaptive: Bool
    /// Times the window was cut.
    public var cuts: Int
    /// Requests in flight at the report.
    public var inFlight: Int
    /// Answered attempts.
    public var answered: Int
    /// 429 replies.
    public var rateLimited: Int
    /// 5xx replies.
    public var serverErrors: Int
    /// Timeouts.
    public var timeouts: Int
    /// When it was reported.
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case run, endpoint, window, adaptive, cuts, answered, timeouts
        case maxRequests = "max_requests"
        case inFlight = "in_flight"
        case rateLimited = "rate_limited"
        case serverErrors = "server_errors"
        case updatedAt = "updated_at"
    }

    /// Creates a record.
    public init(
        run: String, endpoint: String, maxRequests: Int, window: Int, adaptive: Bool, cuts: Int, inFlight: Int,
        answered: Int, rateLimited: Int, serverErrors: Int, timeouts: Int, updatedAt: Date = Date()
    ) {
        self.run = run
        self.endpoint = endpoint
        self.maxRequests = maxRequests
        self.window = window
        self.adaptive = adaptive
        self.cuts = cuts
        self.inFlight = inFlight
        self.answered = answered
        self.rateLimited = rateLimited
        self.serverErrors = serverErrors
        self.timeouts = timeouts
        self.updatedAt = updatedAt
    }
}

extension PairsmithStore {
    /// Replaces the stored windows of the endpoints in `records` (one small transaction).
    public func recordEndpointWindows(_ records: [EndpointWindowRecord]) async throws {
        guard !records.isEmpty else { return }
        try await write { db in
            for record in records { try record.upsert(db) }
        }
    }

    /// Every stored endpoint window, by run and endpoint.
    public func endpointWindows() async throws -> [EndpointWindowRecord] {
        try await read { db in try EndpointWindowRecord.order(Column("run"), Column("endpoint")).fetchAll(db) }
    }
}

import Foundation

/// The time source, sleeper and randomness the client uses; tests swap them to run without waiting.
public struct EndpointEnvironment: Sendable {
    /// Monotonic seconds since an arbitrary origin.
    public var now: @Sendable () -> Double
    /// The wall clock, used to read Retry-After dates.
    public var wallClock: @Sendable () -> Date
    /// Sleeps (back-off, Retry-After, waiting for a set-aside endpoint); throws when cancelled.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// A uniform random number in [0, 1), for jitter.
    public var random: @Sendable () -> Double

    /// Creates an environment from its parts.
    public init(
        now: @escaping @Sendable () -> Double, wallClock: @escaping @Sendable () -> Date,
        sleep: @escaping @Sendable (Duration) async throws -> Void, random: @escaping @Sendable () -> Double
    ) {
        self.now = now
        self.wallClock = wallClock
        self.sleep = sleep
        self.random = random
    }

    /// The real clock, `Task.sleep` and the system random generator.
    public static var system: EndpointEnvironment {
        let origin = ContinuousClock.now
        return EndpointEnvironment(
            now: { seconds(ContinuousClock.now - origin) },
            wallClock: { Date() },
            sleep: { try await Task.sleep(for: $0) },
            random: { Double.random(in: 0..<1) }
        )
    }
}

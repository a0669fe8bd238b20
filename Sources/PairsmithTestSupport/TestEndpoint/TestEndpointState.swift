import Foundation

/// The mutable state of a running test endpoint, shared by its request handlers under a lock.
final class TestEndpointState: @unchecked Sendable {
    private let lock = NSLock()
    private var behaviour: TestEndpointBehaviour
    private var script: [TestFault?] = []
    private var seen: [UInt64: UInt64] = [:]
    private var recorded: [RecordedRequest] = []
    private var faultCounts: [TestFault: Int] = [:]
    private var requestCount = 0
    private var served = InFlightCounts()

    init(_ behaviour: TestEndpointBehaviour) { self.behaviour = behaviour }

    var current: TestEndpointBehaviour { withLock { behaviour } }

    func set(_ behaviour: TestEndpointBehaviour) { withLock { self.behaviour = behaviour } }

    func enqueue(_ faults: [TestFault?]) { withLock { script.append(contentsOf: faults) } }

    /// Counts the request and picks its fault: the script first, then a draw seeded by content and repeat count.
    func admit(contentHash: UInt64) -> (TestEndpointBehaviour, TestFault?) {
        withLock {
            requestCount += 1
            let fault: TestFault?
            if !script.isEmpty {
                fault = script.removeFirst()
            } else {
                let repeatCount = seen[contentHash, default: 0]
                seen[contentHash] = repeatCount + 1
                var random = SeededRandom(seed: contentHash ^ (repeatCount &* 0x9E37_79B9_7F4A_7C15))
                let draw = random.unit()
                var cumulative = 0.0
                var picked: TestFault?
                for candidate in TestFault.allCases {
                    cumulative += behaviour.faultRates[candidate] ?? 0
                    if draw < cumulative {
                        picked = candidate
                        break
                    }
                }
                fault = picked
            }
            if let fault { faultCounts[fault, default: 0] += 1 }
            return (behaviour, fault)
        }
    }

    func record(_ request: RecordedRequest) { withLock { recorded.append(request) } }

    /// Admits a chat request under `limit` (nil: no limit): true when it is served (call ``leave()`` after), false
    /// when it is turned away with a 429.
    func enter(limit: Int?) -> Bool {
        withLock {
            if let limit, served.now >= limit {
                served.turnedAway += 1
                return false
            }
            served.now += 1
            served.admitted += 1
            served.peak = max(served.peak, served.now)
            return true
        }
    }

    /// Ends a request that ``enter(limit:)`` admitted.
    func leave() { withLock { served.now -= 1 } }

    var inFlight: InFlightCounts { withLock { served } }

    var requests: [RecordedRequest] { withLock { recorded } }
    var counts: (requests: Int, faults: [TestFault: Int]) { withLock { (requestCount, faultCounts) } }

    private func withLock<R>(_ body: () -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}

/// The chat requests a test endpoint is serving now, has served at most at once, and turned away over its limit.
public struct InFlightCounts: Sendable, Hashable {
    /// Being served now.
    public var now = 0
    /// The most served at once.
    public var peak = 0
    /// Admitted in all.
    public var admitted = 0
    /// Answered with 429 because ``TestEndpointBehaviour/maxInFlight`` were being served.
    public var turnedAway = 0
}

import Testing

@testable import PairsmithEndpoints

@Suite("Adaptive concurrency window (AIMD)")
struct ConcurrencyWindowTests {
    /// Hands out `count` slots and returns their numbers.
    static func issue(_ window: inout ConcurrencyWindow, _ count: Int) -> [UInt64] {
        (0..<count).map { _ in window.issue() }
    }

    @Test("starts at the limit; a 429 cuts by the factor once per round trip; later signals from older slots are ignored")
    func cutOncePerRoundTrip() {
        var window = ConcurrencyWindow(limit: 64, policy: AdaptiveConcurrency(decreaseFactor: 0.5))
        #expect(window.allowed(at: 0) == 64)
        let first = Self.issue(&window, 64)
        #expect(window.record(.rateLimited(retryAfter: 0), sequence: first[40], inFlight: 64, at: 0) == .rateLimited)
        #expect(window.allowed(at: 0) == 32 && window.cuts == 1)
        // The other requests of the same round were sent before the cut: they cut nothing more.
        for sequence in first[41...] {
            #expect(window.record(.rateLimited(retryAfter: 0), sequence: sequence, inFlight: 30, at: 0) == nil)
        }
        #expect(window.record(.congestion, sequence: first[0], inFlight: 30, at: 0) == nil)
        #expect(window.allowed(at: 0) == 32 && window.cuts == 1)
        // A slot handed out after the cut that meets congestion cuts again.
        let second = Self.issue(&window, 1)
        #expect(window.record(.congestion, sequence: second[0], inFlight: 32, at: 0) == .congestion)
        #expect(window.allowed(at: 0) == 16 && window.cuts == 2)
    }

    @Test("after a cut, each full window of successes adds about one slot; never beyond the limit")
    func additiveIncreaseAndCap() {
        var window = ConcurrencyWindow(limit: 12, policy: AdaptiveConcurrency(decreaseFactor: 0.5, latencyTolerance: 0))
        let before = Self.issue(&window, 12)
        window.record(.rateLimited(retryAfter: 0), sequence: before[0], inFlight: 12, at: 0)
        #expect(window.slots == 6)
        // Successes of slots sent before the cut do not grow it.
        for sequence in before[1...] { window.record(.success(latency: 0.05), sequence: sequence, inFlight: 6, at: 0) }
        #expect(window.slots == 6)
        // Six successes of a full window of six: +1 (6 → 7 exactly takes 1/6 + 1/6.17 + … ≥ 1 after six or seven).
        var grown: [Int] = []
        for _ in 0..<200 {
            let sequence = window.issue()
            window.record(.success(latency: 0.05), sequence: sequence, inFlight: window.slots, at: 0)
            grown.append(window.slots)
        }
        #expect(grown.prefix(5).allSatisfy { $0 == 6 }, "\(grown.prefix(10))")
        #expect(grown[7] == 7, "\(grown.prefix(10))")
        #expect(grown.max() == 12 && grown.last == 12)
        #expect(zip(grown, grown.dropFirst()).allSatisfy { $1 - $0 <= 1 && $1 >= $0 })
    }

    @Test("an idle window does not grow: successes while it is not full earn nothing")
    func applicationLimited() {
        var window = ConcurrencyWindow(limit: 100, policy: AdaptiveConcurrency(initialWindow: 10, latencyTolerance: 0))
        for _ in 0..<500 {
            let sequence = window.issue()
            window.record(.success(latency: 0.01), sequence: sequence, inFlight: 3, at: 0)
        }
        #expect(window.slots == 10)
    }

    @Test("below the first cut the window grows by one per success (slow start), up to the limit")
    func slowStart() {
        var window = ConcurrencyWindow(limit: 40, policy: AdaptiveConcurrency(initialWindow: 4, latencyTolerance: 0))
        #expect(window.allowed(at: 0) == 4)
        for expected in 5...40 {
            let sequence = window.issue()
            window.record(.success(latency: 0.01), sequence: sequence, inFlight: window.slots, at: 0)
            #expect(window.slots == expected)
        }
        let sequence = window.issue()
        window.record(.success(latency: 0.01), sequence: sequence, inFlight: 40, at: 0)
        #expect(window.slots == 40)
    }

    @Test("Retry-After closes the window until then, and cuts it")
    func retryAfter() {
        var window = ConcurrencyWindow(limit: 20, policy: AdaptiveConcurrency())
        let sequence = window.issue()
        #expect(window.record(.rateLimited(retryAfter: 7), sequence: sequence, inFlight: 20, at: 100) == .rateLimited)
        #expect(window.allowed(at: 100) == 0 && window.allowed(at: 106.9) == 0)
        #expect(window.allowed(at: 107) == 15)
        // A later, shorter Retry-After does not shorten the pause.
        let another = window.issue()
        window.record(.rateLimited(retryAfter: 1), sequence: another, inFlight: 1, at: 101)
        #expect(window.allowed(at: 106) == 0 && window.allowed(at: 107) > 0)
    }

    @Test("never below the floor; a fixed window ignores every signal")
    func floorAndFixed() {
        var window = ConcurrencyWindow(limit: 50, policy: AdaptiveConcurrency(minimumWindow: 4))
        for _ in 0..<40 {
            let sequence = window.issue()
            window.record(.congestion, sequence: sequence, inFlight: 1, at: 0)
        }
        #expect(window.slots == 4)
        var fixed = ConcurrencyWindow(limit: 50, policy: .fixed)
        for _ in 0..<10 {
            let sequence = fixed.issue()
            #expect(fixed.record(.rateLimited(retryAfter: 30), sequence: sequence, inFlight: 50, at: 0) == nil)
        }
        #expect(fixed.allowed(at: 0) == 50 && fixed.cuts == 0)
        // The initial window is clamped into floor…limit.
        #expect(ConcurrencyWindow(limit: 8, policy: AdaptiveConcurrency(initialWindow: 100)).slots == 8)
        #expect(ConcurrencyWindow(limit: 8, policy: AdaptiveConcurrency(initialWindow: 1, minimumWindow: 3)).slots == 3)
    }

    @Test("rising latency cuts once it exceeds the tolerance over the long-run mean; a steady latency never does")
    func latency() {
        var window = ConcurrencyWindow(limit: 100, policy: AdaptiveConcurrency(latencyTolerance: 3))
        for _ in 0..<500 {
            let sequence = window.issue()
            #expect(window.record(.success(latency: 0.2), sequence: sequence, inFlight: 100, at: 0) == nil)
        }
        #expect(window.slots == 100 && window.cuts == 0)
        var cut: ConcurrencyWindow.Cut?
        var samples = 0
        while cut == nil && samples < 100 {
            let sequence = window.issue()
            cut = window.record(.success(latency: 1.5), sequence: sequence, inFlight: 100, at: 0)
            samples += 1
        }
        guard case .latency(let recent, let longRun) = cut else {
            Issue.record("no latency cut after \(samples) slow answers")
            return
        }
        #expect(recent > 3 * longRun && samples < 30)
        #expect(window.slots == 75)
        // The new latency is the new normal: it does not cut again and again.
        for _ in 0..<300 {
            let sequence = window.issue()
            window.record(.success(latency: 1.5), sequence: sequence, inFlight: window.slots, at: 0)
        }
        #expect(window.cuts == 1)
    }
}

import Foundation

/// How much CPU this machine gives us right now: `threads` busy threads spin for `seconds` of wall time and
/// report the CPU time they got. On a shared machine this is the honest ceiling for a CPU-bound benchmark.
enum CPUCalibration {
    /// The CPU seconds per wall second that `threads` spinning threads obtained (at most `threads`).
    static func availableCores(threads: Int, seconds: Double = 0.5) -> Double {
        let results = CPUResults(count: threads)
        let done = DispatchGroup()
        for index in 0..<threads {
            done.enter()
            Thread.detachNewThread {
                let start = wallClock(), cpu0 = threadCPU()
                var x: UInt64 = 1
                while wallClock() - start < seconds {
                    for _ in 0..<10_000 { x = x &* 6364136223846793005 &+ 1442695040888963407 }
                }
                results.set(index, threadCPU() - cpu0, keep: x)
                done.leave()
            }
        }
        done.wait()
        return results.total / seconds
    }

    private static func wallClock() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    private static func threadCPU() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
}

/// The spinners' CPU seconds, one slot per thread.
private final class CPUResults: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Double]
    private var sink: UInt64 = 0

    init(count: Int) { values = Array(repeating: 0, count: count) }

    func set(_ index: Int, _ value: Double, keep: UInt64) {
        lock.lock()
        values[index] = value
        sink &+= keep
        lock.unlock()
    }

    var total: Double {
        lock.lock()
        defer { lock.unlock() }
        return values.reduce(0, +)
    }
}

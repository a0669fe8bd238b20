import Foundation
import PairsmithDNNL
import Synchronization

/// The one thread that owns every model's forward passes, running them one at a time in submission order.
///
/// A pass keeps both cores busy (OpenBLAS's threads, or oneDNN's OpenMP threads started from this thread), so
/// passes never overlap, and no pass blocks a thread of Swift's cooperative pool: async callers suspend until
/// their pass is done. oneDNN's thread count is set on this thread only (OpenMP keeps it per thread).
final class EngineThread: Sendable {
    /// The process's engine thread, started on first use.
    static let shared = EngineThread()

    private let state = State()

    /// The queue and the owner's id, shared with the thread.
    private final class State: Sendable {
        let jobs = Mutex<[@Sendable () -> Void]>([])
        let wake = DispatchSemaphore(value: 0)
        let owner = Mutex<pthread_t?>(nil)
    }

    private init() {
        let started = DispatchSemaphore(value: 0)
        let state = self.state
        let thread = Thread {
            state.owner.withLock { $0 = pthread_self() }
            DNNL.threadCount = ProcessInfo.processInfo.activeProcessorCount
            started.signal()
            while true {
                state.wake.wait()
                let job = state.jobs.withLock { $0.isEmpty ? nil : $0.removeFirst() }
                job?()
            }
        }
        thread.name = "pairsmith-engine"
        thread.stackSize = 16 << 20
        thread.start()
        started.wait()
    }

    /// Whether the caller is the engine thread.
    var isCurrent: Bool {
        guard let id = state.owner.withLock({ $0 }) else { return false }
        return pthread_equal(id, pthread_self()) != 0
    }

    /// Queues `job` to run on the engine thread after every job queued before it.
    func submit(_ job: @escaping @Sendable () -> Void) {
        state.jobs.withLock { $0.append(job) }
        state.wake.signal()
    }

    /// Runs `work` on the engine thread and waits for it (directly when already there).
    func perform<T>(_ work: @escaping () throws(EngineError) -> T) throws(EngineError) -> T {
        if isCurrent { return try work() }
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let task = UncheckedWork(run: work)
        submit {
            box.result = Result { () throws(EngineError) in try task.run() }
            done.signal()
        }
        done.wait()
        // The job has run: the result is set.
        guard let result = box.result else { throw .compute(reason: "the engine thread did not run the pass") }
        return try result.get()
    }
}

/// A result handed from the engine thread to the caller waiting on a semaphore (written once, read after).
private final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, EngineError>?
}

/// A closure moved to the engine thread while its caller waits for it.
private struct UncheckedWork<T>: @unchecked Sendable {
    let run: () throws(EngineError) -> T
}

import Foundation

/// A continuation that is resumed exactly once: by the router with a slot, or by cancellation.
///
/// The router never has to hop back into the actor to cancel a waiter: `cancel()` resumes it at once
/// under the lock, and the router skips boxes that are already resumed.
final class WaiterBox: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<EndpointRouter.Acquisition, any Error>?
    private var finished = false

    /// Stores the continuation; resumes it at once if the task was cancelled before it got here.
    func install(_ continuation: CheckedContinuation<EndpointRouter.Acquisition, any Error>) {
        lock.lock()
        if finished {
            lock.unlock()
            continuation.resume(throwing: CancellationError())
            return
        }
        self.continuation = continuation
        lock.unlock()
    }

    /// Resumes with `value`; false if the waiter was cancelled already.
    func resume(_ value: EndpointRouter.Acquisition) -> Bool {
        lock.lock()
        guard !finished, let continuation else {
            lock.unlock()
            return false
        }
        finished = true
        self.continuation = nil
        lock.unlock()
        continuation.resume(returning: value)
        return true
    }

    /// Whether the waiter has been resumed or cancelled.
    var isFinished: Bool {
        lock.lock()
        defer { lock.unlock() }
        return finished
    }

    /// Resumes with `CancellationError` unless already resumed.
    func cancel() {
        lock.lock()
        guard !finished else {
            lock.unlock()
            return
        }
        finished = true
        let continuation = self.continuation
        self.continuation = nil
        lock.unlock()
        continuation?.resume(throwing: CancellationError())
    }
}

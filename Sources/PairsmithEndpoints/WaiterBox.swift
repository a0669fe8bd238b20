import Foundation

/// A caller waiting for a slot: the router claims it with a value under its own lock, then delivers the
/// value after releasing that lock; cancellation resumes it at once with `CancellationError` unless it was
/// claimed first. Its continuation is resumed exactly once, whichever of install, deliver and cancel
/// comes last.
final class WaiterBox: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<EndpointRouter.Acquisition, any Error>?
    private var value: EndpointRouter.Acquisition?
    private var finished = false
    private var cancelled = false
    private var resumed = false

    /// Stores the continuation; resumes it at once if the box was already claimed or cancelled.
    func install(_ continuation: CheckedContinuation<EndpointRouter.Acquisition, any Error>) {
        lock.lock()
        if cancelled {
            resumed = true
            lock.unlock()
            continuation.resume(throwing: CancellationError())
        } else if let value {
            resumed = true
            lock.unlock()
            continuation.resume(returning: value)
        } else {
            self.continuation = continuation
            lock.unlock()
        }
    }

    /// Reserves the box for `value`; false if it was cancelled or claimed already.
    func claim(_ value: EndpointRouter.Acquisition) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !finished else { return false }
        finished = true
        self.value = value
        return true
    }

    /// Resumes the waiter with the claimed value (if its continuation is installed; else `install` does).
    func deliver() {
        lock.lock()
        guard !resumed, let continuation, let value else {
            lock.unlock()
            return
        }
        resumed = true
        self.continuation = nil
        lock.unlock()
        continuation.resume(returning: value)
    }

    /// Whether the waiter has been claimed or cancelled.
    var isFinished: Bool {
        lock.lock()
        defer { lock.unlock() }
        return finished
    }

    /// Resumes with `CancellationError` unless already claimed; returns whether it cancelled.
    @discardableResult
    func cancel() -> Bool {
        lock.lock()
        guard !finished else {
            lock.unlock()
            return false
        }
        finished = true
        cancelled = true
        let continuation = self.continuation
        self.continuation = nil
        if continuation != nil { resumed = true }
        lock.unlock()
        continuation?.resume(throwing: CancellationError())
        return true
    }
}

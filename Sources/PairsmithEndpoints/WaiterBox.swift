import Synchronization

/// A caller waiting for a slot: the router claims it with a value under its own lock, then delivers the
/// value after releasing that lock; cancellation resumes it at once with `CancellationError` unless it was
/// claimed first. Its continuation is resumed exactly once, whichever of install, deliver and cancel
/// comes last.
final class WaiterBox: Sendable {
    private struct State {
        var continuation: CheckedContinuation<EndpointRouter.Acquisition, any Error>?
        var value: EndpointRouter.Acquisition?
        var finished = false
        var cancelled = false
        var resumed = false
    }

    private let state = Mutex(State())

    /// Stores the continuation; resumes it at once if the box was already claimed or cancelled.
    func install(_ continuation: CheckedContinuation<EndpointRouter.Acquisition, any Error>) {
        let resumeNow: Result<EndpointRouter.Acquisition, any Error>? = state.withLock { state in
            if state.cancelled {
                state.resumed = true
                return .failure(CancellationError())
            } else if let value = state.value {
                state.resumed = true
                return .success(value)
            }
            state.continuation = continuation
            return nil
        }
        if let resumeNow { continuation.resume(with: resumeNow) }
    }

    /// Reserves the box for `value`; false if it was cancelled or claimed already.
    func claim(_ value: EndpointRouter.Acquisition) -> Bool {
        state.withLock { state in
            guard !state.finished else { return false }
            state.finished = true
            state.value = value
            return true
        }
    }

    /// Resumes the waiter with the claimed value (if its continuation is installed; else `install` does).
    func deliver() {
        let ready: (CheckedContinuation<EndpointRouter.Acquisition, any Error>, EndpointRouter.Acquisition)? = state.withLock { state in
            guard !state.resumed, let continuation = state.continuation, let value = state.value else { return nil }
            state.resumed = true
            state.continuation = nil
            return (continuation, value)
        }
        if let (continuation, value) = ready { continuation.resume(returning: value) }
    }

    /// Whether the waiter has been claimed or cancelled.
    var isFinished: Bool { state.withLock { $0.finished } }

    /// Resumes with `CancellationError` unless already claimed; returns whether it cancelled.
    @discardableResult
    func cancel() -> Bool {
        let outcome: (cancelled: Bool, continuation: CheckedContinuation<EndpointRouter.Acquisition, any Error>?) = state.withLock { state in
            guard !state.finished else { return (false, nil) }
            state.finished = true
            state.cancelled = true
            let continuation = state.continuation
            state.continuation = nil
            if continuation != nil { state.resumed = true }
            return (true, continuation)
        }
        outcome.continuation?.resume(throwing: CancellationError())
        return outcome.cancelled
    }
}

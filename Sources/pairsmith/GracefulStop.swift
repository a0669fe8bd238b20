import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs work that stops gracefully on the first SIGINT or SIGTERM (the work's task is cancelled and its result still
/// awaited) and exits the process at once, with status 130, on the second.
enum GracefulStop {
    /// Runs `body`; the first signal cancels it (after calling `onFirstSignal`), the second exits now.
    static func run<R: Sendable>(
        signals: [Int32] = [SIGINT, SIGTERM], onFirstSignal: @escaping @Sendable (Int32) -> Void = { _ in },
        _ body: @escaping @Sendable () async throws -> R
    ) async throws -> R {
        for number in signals { signal(number, SIG_IGN) }
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        let counter = SignalCounter()
        let sources = signals.map { number in
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if counter.increment() >= 2 { exit(130) }
                continuation.yield(number)
            }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
            continuation.finish()
        }
        return try await withThrowingTaskGroup(of: Event<R>.self) { group in
            group.addTask { .finished(try await body()) }
            group.addTask {
                for await number in stream { return .signal(number) }
                return .watcherEnded
            }
            while let event = try await group.next() {
                switch event {
                case .finished(let value):
                    group.cancelAll()
                    return value
                case .signal(let number):
                    onFirstSignal(number)
                    group.cancelAll()
                case .watcherEnded:
                    continue
                }
            }
            throw CancellationError()
        }
    }

    private enum Event<R: Sendable>: Sendable {
        case finished(R)
        case signal(Int32)
        case watcherEnded
    }
}

/// Counts signals received, from any thread.
private final class SignalCounter: Sendable {
    private let count = Mutex(0)

    /// Adds one and returns the new count.
    func increment() -> Int {
        count.withLock { value in
            value += 1
            return value
        }
    }
}

import Foundation

/// Runs forward passes for concurrent callers, merging the sequences of callers that wait at the same time.
///
/// The first caller to arrive while the model is idle starts a drain on the engine thread (``EngineThread``): it
/// runs every pending request in one packed forward call (longest first, by token budget), hands each caller its
/// rows, and repeats until nobody waits. Callers suspend meanwhile; none blocks a cooperative-pool thread.
/// A caller with invalid input gets its own error without failing the others.
final class BatchCoalescer: @unchecked Sendable {
    private struct Request {
        let sequences: [[Int]]
        let continuation: CheckedContinuation<Result<[[Float]], EngineError>, Never>
    }

    private let model: QwenModel
    private let lock = NSLock()
    private var pending: [Request] = []
    private var draining = false

    init(model: QwenModel) { self.model = model }

    /// The final-normed last-token states of `sequences`, computed together with whatever else is waiting.
    func lastHiddenStates(_ sequences: [[Int]]) async throws(EngineError) -> [[Float]] {
        if sequences.isEmpty { return [] }
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[[Float]], EngineError>, Never>) in
            lock.lock()
            pending.append(Request(sequences: sequences, continuation: continuation))
            let lead = !draining
            draining = true
            lock.unlock()
            if lead { EngineThread.shared.submit { self.drain() } }
        }
        return try result.get()
    }

    private func drain() {
        while true {
            lock.lock()
            let requests = pending
            pending = []
            if requests.isEmpty {
                draining = false
                lock.unlock()
                return
            }
            lock.unlock()
            var accepted: [Request] = []
            for request in requests {
                do throws(EngineError) {
                    try model.validate(request.sequences)
                    accepted.append(request)
                } catch {
                    request.continuation.resume(returning: .failure(error))
                }
            }
            let merged = accepted.flatMap(\.sequences)
            do throws(EngineError) {
                let states = merged.isEmpty ? [] : try model.forward(sequences: merged)  // on the engine thread already
                var start = 0
                for request in accepted {
                    let end = start + request.sequences.count
                    request.continuation.resume(returning: .success(Array(states[start..<end])))
                    start = end
                }
            } catch {
                for request in accepted { request.continuation.resume(returning: .failure(error)) }
            }
        }
    }
}

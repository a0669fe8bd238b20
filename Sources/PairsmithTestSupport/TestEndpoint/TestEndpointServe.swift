import Foundation

extension TestEndpoint {
    /// The line a serving process prints once it listens: this prefix, then the base URL.
    public static let listeningLinePrefix = "pairsmith-test-endpoint listening on "

    /// Runs an endpoint in this process until standard input reaches its end (the parent closed the pipe or
    /// died) or the task is cancelled; prints ``listeningLinePrefix`` + URL on standard output once it listens.
    ///
    /// This is the child side of ``TestEndpointProcess`` (`pairsmith-bench serve-endpoint`).
    public static func serveUntilInputCloses(_ behaviour: TestEndpointBehaviour, port: Int = 0) async throws {
        try await withRunning(behaviour, port: port) { endpoint in
            FileHandle.standardOutput.write(Data((listeningLinePrefix + endpoint.url + "\n").utf8))
            await waitForEndOfStandardInput()
        }
    }

    /// Returns once standard input reaches its end; the blocking read runs on its own thread, off the
    /// cooperative pool that serves requests.
    private static func waitForEndOfStandardInput() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                var byte: UInt8 = 0
                while true {
                    let n = read(STDIN_FILENO, &byte, 1)
                    if n == 0 || (n < 0 && errno != EINTR) { break }
                }
                continuation.resume()
            }
        }
    }
}

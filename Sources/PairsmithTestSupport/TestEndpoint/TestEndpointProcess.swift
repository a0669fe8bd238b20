import Foundation

/// A test endpoint in a child process (for example `pairsmith-bench serve-endpoint`), so a benchmark can
/// measure the client's CPU time apart from the server's.
///
/// The child prints ``TestEndpoint/listeningLinePrefix`` + its URL once it listens and exits when its
/// standard input closes; ``stop()`` closes it (and kills the child if it does not exit in time).
///
/// ```swift
/// try await TestEndpointProcess.withRunning(benchURL, ["serve-endpoint", "--latency-ms", "50"]) { server in
///     // point a client at server.url; server.cpuSeconds() is the child's CPU time so far
/// }
/// ```
public final class TestEndpointProcess: @unchecked Sendable {
    /// The base URL the child reported, `http://127.0.0.1:PORT/v1`.
    public let url: String
    /// The child's process id.
    public let pid: Int32
    private let process: Process
    private let input: Pipe
    private let lock = NSLock()
    private var exitStatus: Int32?

    private init(url: String, process: Process, input: Pipe) {
        self.url = url
        self.pid = process.processIdentifier
        self.process = process
        self.input = input
    }

    /// Starts `executable arguments`, runs `body` once the child listens, and stops the child afterwards,
    /// also when `body` throws.
    @discardableResult
    public static func withRunning<R: Sendable>(
        _ executable: URL, _ arguments: [String], readyTimeout: Duration = .seconds(60),
        _ body: (TestEndpointProcess) async throws -> R
    ) async throws -> R {
        let server = try await launch(executable, arguments, readyTimeout: readyTimeout)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Starts the child and waits (up to `readyTimeout`) for its listening line; throws
    /// ``TestEndpointProcessError`` when it exits first or stays silent.
    public static func launch(_ executable: URL, _ arguments: [String], readyTimeout: Duration = .seconds(60))
        async throws -> TestEndpointProcess
    {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.standardError
        do { try process.run() } catch {
            throw TestEndpointProcessError.couldNotStart(command: executable.path, reason: "\(error)")
        }
        let command = ([executable.lastPathComponent] + arguments).joined(separator: " ")
        let line = LineReader(output.fileHandleForReading)
        let url: String? = await withTaskGroup(of: String?.self) { group in
            group.addTask { await line.firstLine() }
            group.addTask {
                try? await Task.sleep(for: readyTimeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            // A silent child is killed so the reading thread sees the end of its output and the group can end.
            if first == nil, process.isRunning { kill(process.processIdentifier, SIGKILL) }
            return first
        }
        guard let url, url.hasPrefix(TestEndpoint.listeningLinePrefix) else {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            throw TestEndpointProcessError.notReady(command: command, firstLine: url, status: process.terminationStatus)
        }
        return TestEndpointProcess(url: String(url.dropFirst(TestEndpoint.listeningLinePrefix.count)),
                                   process: process, input: input)
    }

    /// User plus system CPU seconds the child has used so far (from `/proc/<pid>/stat`), nil once it is gone.
    public func cpuSeconds() -> Double? { Self.cpuSeconds(ofProcess: pid) }

    /// User plus system CPU seconds of process `pid` (from `/proc/<pid>/stat`), nil if it cannot be read.
    public static func cpuSeconds(ofProcess pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return nil }
        // After "pid (comm)": state is field 3, utime field 14, stime field 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (user + system) / (ticks > 0 ? ticks : 100)
    }

    /// Whether the child is still running.
    public var isRunning: Bool { process.isRunning }

    /// Closes the child's standard input and waits for it to exit (SIGKILL after `grace`); returns its exit status.
    @discardableResult
    public func stop(grace: Duration = .seconds(10)) async -> Int32 {
        if let status = lock.withLock({ exitStatus }) { return status }
        try? input.fileHandleForWriting.close()
        let clock = ContinuousClock()
        let deadline = clock.now + grace
        while process.isRunning, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { kill(pid, SIGKILL) }
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread.detachNewThread { [process] in
                process.waitUntilExit()
                continuation.resume(returning: process.terminationStatus)
            }
        }
        lock.withLock { exitStatus = status }
        return status
    }
}

/// Why a test endpoint child process could not be used.
public enum TestEndpointProcessError: Error, CustomStringConvertible {
    /// The executable could not be started.
    case couldNotStart(command: String, reason: String)
    /// The child exited or stayed silent instead of printing its listening line.
    case notReady(command: String, firstLine: String?, status: Int32)

    public var description: String {
        switch self {
        case .couldNotStart(let command, let reason):
            "could not start the test endpoint '\(command)': \(reason); build it first (swift build)"
        case .notReady(let command, let firstLine, let status):
            "the test endpoint '\(command)' did not report '\(TestEndpoint.listeningLinePrefix)URL' "
                + "(first line: \(firstLine.map { "'\($0)'" } ?? "none"), exit status \(status)); run it by hand to see why"
        }
    }
}

/// Reads the first line of a pipe on its own thread, then keeps draining it so the child never blocks.
private final class LineReader: @unchecked Sendable {
    private let handle: FileHandle

    init(_ handle: FileHandle) { self.handle = handle }

    /// The first line (without its newline), or nil at end of input.
    func firstLine() async -> String? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { [handle] in
                var line: [UInt8] = []
                var byte: UInt8 = 0
                var resumed = false
                let fd = handle.fileDescriptor
                while true {
                    let n = read(fd, &byte, 1)
                    if n < 0, errno == EINTR { continue }
                    if n <= 0 { break }
                    if resumed { continue }  // drain what follows
                    if byte == UInt8(ascii: "\n") {
                        continuation.resume(returning: String(decoding: line, as: UTF8.self))
                        resumed = true
                    } else {
                        line.append(byte)
                    }
                }
                if !resumed { continuation.resume(returning: line.isEmpty ? nil : String(decoding: line, as: UTF8.self)) }
            }
        }
    }
}

import Foundation

/// The result of running a child process to completion.
public struct ProcessResult: Sendable {
    /// The exit status.
    public var status: Int32
    /// Everything the process wrote to standard output.
    public var stdout: Data
    /// Everything the process wrote to standard error, as text.
    public var stderr: String

    /// Standard output decoded as UTF-8.
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs child processes for tests (the `pairsmith` binary, Python reference scripts).
public enum ProcessRunner {
    /// Runs `executable` with `arguments`, feeding `stdin`, and waits; output is drained concurrently.
    public static func run(
        _ executable: URL, _ arguments: [String], stdin: Data? = nil,
        environment: [String: String]? = nil, currentDirectory: URL? = nil
    ) throws -> ProcessResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = inPipe
        try process.run()
        // Drain both pipes on their own threads so a chatty child never blocks on a full pipe.
        let out = PipeDrain(outPipe.fileHandleForReading), err = PipeDrain(errPipe.fileHandleForReading)
        if let stdin { inPipe.fileHandleForWriting.write(stdin) }
        try? inPipe.fileHandleForWriting.close()
        process.waitUntilExit()
        return ProcessResult(status: process.terminationStatus, stdout: out.wait(),
                             stderr: String(decoding: err.wait(), as: UTF8.self))
    }

    /// Runs `executable` like ``run(_:_:stdin:environment:currentDirectory:)`` without blocking a concurrency
    /// thread while it waits, so a server running in the same test process keeps answering the child.
    public static func runAsync(
        _ executable: URL, _ arguments: [String], stdin: Data? = nil,
        environment: [String: String]? = nil, currentDirectory: URL? = nil
    ) async throws -> ProcessResult {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result {
                    try run(executable, arguments, stdin: stdin, environment: environment,
                            currentDirectory: currentDirectory)
                })
            }
        }
    }

    /// Runs a Python snippet with the reference venv's interpreter and returns its standard output.
    public static func python(_ script: String, arguments: [String] = [], stdin: Data? = nil) throws -> Data {
        let python = try TestEnvironment.requirePython()
        let result = try run(python, ["-c", script] + arguments, stdin: stdin)
        guard result.status == 0 else {
            throw TestSupportError.processFailed(command: "python -c …", status: result.status, stderr: result.stderr)
        }
        return result.stdout
    }
}

/// Reads a file handle to its end on a background thread.
private final class PipeDrain: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}

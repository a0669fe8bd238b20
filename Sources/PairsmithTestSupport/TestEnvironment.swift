import Foundation

/// Where the tests find what `scripts/setup --deps` installed and what `swift build` produced.
public enum TestEnvironment {
    /// The package root (the folder holding `Package.swift`).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// The folder the test binary runs from (`.build/<triple>/debug`), where the `pairsmith` executable lands too.
    public static let productsDirectory: URL = {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }()

    /// The `pairsmith` executable built alongside the tests.
    public static var pairsmithExecutable: URL { productsDirectory.appendingPathComponent("pairsmith") }

    /// The Python interpreter of the reference venv (`PAIRSMITH_PYTHON`, else the path `scripts/lib.sh` uses).
    public static var python: URL? {
        if let explicit = ProcessInfo.processInfo.environment["PAIRSMITH_PYTHON"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        let cache = ProcessInfo.processInfo.environment["PAIRSMITH_CACHE"]
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/pairsmith").path
        let venvs = (try? FileManager.default.contentsOfDirectory(atPath: cache))?
            .filter { $0.hasPrefix("venv-") }.sorted() ?? []
        for venv in venvs.reversed() {
            let candidate = URL(fileURLWithPath: cache).appendingPathComponent(venv).appendingPathComponent("bin/python")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }

    /// The Python interpreter, or an error telling how to install it (tests call this and fail loudly).
    public static func requirePython() throws -> URL {
        guard let python else { throw TestSupportError.missingPrerequisite("the reference Python venv; run scripts/setup --deps") }
        return python
    }

    /// True when running under CI (`CI=true`), where every prerequisite must be present.
    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
}

/// Errors raised by the test helpers themselves.
public enum TestSupportError: Error, CustomStringConvertible {
    /// Something the tests need is not installed.
    case missingPrerequisite(String)
    /// A child process exited with a non-zero status.
    case processFailed(command: String, status: Int32, stderr: String)

    public var description: String {
        switch self {
        case .missingPrerequisite(let what): "missing test prerequisite: \(what)"
        case .processFailed(let command, let status, let stderr): "\(command) exited with \(status): \(stderr)"
        }
    }
}

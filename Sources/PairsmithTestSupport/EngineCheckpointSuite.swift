import Foundation

/// The engine's random-weight parity checkpoints and their transformers references, made once per script version
/// by `scripts/reference/engine_make_checkpoint.py --suite` and cached under `$PAIRSMITH_CACHE/fixtures/`.
public enum EngineCheckpointSuite {
    /// The generated suite folder, or the error that prevented making it (the venv missing, a script failure).
    public static let folder: Result<URL, any Error> = Result { try make() }

    /// The folder of one checkpoint of the suite, e.g. `emb-f32-gqa`.
    public static func checkpoint(_ name: String) throws -> URL {
        try folder.get().appendingPathComponent(name)
    }

    private static func make() throws -> URL {
        let scripts = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference")
        let generator = scripts.appendingPathComponent("engine_make_checkpoint.py")
        let reference = scripts.appendingPathComponent("engine_reference.py")
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a of both scripts: a new script version, a new suite
        for url in [generator, reference] {
            for byte in try Data(contentsOf: url) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        }
        let cache = ProcessInfo.processInfo.environment["PAIRSMITH_CACHE"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/pairsmith")
        let target = cache.appendingPathComponent("fixtures/engine-\(String(hash, radix: 16))")
        if FileManager.default.fileExists(atPath: target.appendingPathComponent("done").path) { return target }
        let python = try TestEnvironment.requirePython()
        let staging = cache.appendingPathComponent("fixtures/engine-staging-\(UUID().uuidString)")
        let result = try ProcessRunner.run(python, [generator.path, "--suite", staging.path])
        guard result.status == 0 else {
            throw TestSupportError.processFailed(
                command: "\(generator.lastPathComponent) --suite", status: result.status, stderr: result.stderr)
        }
        try Data().write(to: staging.appendingPathComponent("done"))
        try? FileManager.default.removeItem(at: target)
        try FileManager.default.moveItem(at: staging, to: target)
        return target
    }
}

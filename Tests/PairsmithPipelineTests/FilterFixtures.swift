import Foundation
import PairsmithStore
import PairsmithTestSupport

/// Helpers of the filter tests (issue 16): the reference script and a seeded generator.
enum FilterFixtures {
    /// Runs `scripts/reference/filters_reference.py` with `arguments` (and `stdin`); returns its JSON object.
    static func reference(_ arguments: [String], stdin: Data? = nil) throws -> [String: Any] {
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/reference/filters_reference.py")
        let python = try TestEnvironment.requirePython()
        let result = try ProcessRunner.run(python, [script.path] + arguments, stdin: stdin)
        guard result.status == 0 else {
            throw TestSupportError.processFailed(
                command: "filters_reference.py \(arguments.first ?? "")", status: result.status, stderr: result.stderr)
        }
        guard let object = try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any] else {
            throw TestSupportError.missingPrerequisite("filters_reference.py printed no JSON object")
        }
        return object
    }

    /// A small deterministic generator (SplitMix64) for fixture values.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        /// Uniform in [0, 1).
        mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
    }
}

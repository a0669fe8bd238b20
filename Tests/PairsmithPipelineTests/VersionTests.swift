import PairsmithConfiguration
import Testing

@Suite("Version")
struct VersionTests {
    @Test("the version is semantic (MAJOR.MINOR.PATCH)")
    func semanticVersion() {
        let parts = Pairsmith.version.split(separator: ".")
        #expect(parts.count == 3)
        #expect(parts.allSatisfy { Int($0) != nil })
    }
}

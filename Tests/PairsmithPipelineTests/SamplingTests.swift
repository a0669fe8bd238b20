import Foundation
import PairsmithConfiguration
import PairsmithStages
import PairsmithTestSupport
import PairsmithText
import Testing

@Suite("Deterministic sampling")
struct SamplingTests {
    @Test("SplitMix64, xoshiro256** and the stable hash match an independent Python implementation")
    func matchesReference() throws {
        let script = """
            import hashlib, json, sys
            M = (1 << 64) - 1
            def splitmix(state):
                state = (state + 0x9E3779B97F4A7C15) & M
                z = state
                z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
                z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
                return state, z ^ (z >> 31)
            def rotl(x, k): return ((x << k) | (x >> (64 - k))) & M
            def xoshiro(seed, n):
                s, out = [], []
                st = seed
                for _ in range(4):
                    st, v = splitmix(st); s.append(v)
                for _ in range(n):
                    out.append((rotl((s[1] * 5) & M, 7) * 9) & M)
                    t = (s[1] << 17) & M
                    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t; s[3] = rotl(s[3], 45)
                return out
            keys = sys.argv[1:]
            hashes = [int.from_bytes(hashlib.sha256(k.encode()).digest()[:8], "big") for k in keys]
            sm, st = [], 12345
            for _ in range(3):
                st, v = splitmix(st); sm.append(v)
            print(json.dumps({"hashes": [str(h) for h in hashes], "splitmix": [str(v) for v in sm],
                              "xoshiro": [[str(v) for v in xoshiro(h, 5)] for h in hashes]}))
            """
        let keys = ["retrieval/generate/17/0", "", "ключ-ü-日本"]
        let output = try ProcessRunner.python(script, arguments: keys)
        let reference = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        let hashes = try #require(reference["hashes"] as? [String]).compactMap(UInt64.init)
        #expect(keys.map(StableHash.hash64) == hashes)
        var splitmix = SplitMix64(seed: 12345)
        #expect((0..<3).map { _ in splitmix.next() } == (try #require(reference["splitmix"] as? [String])).compactMap(UInt64.init))
        let streams = try #require(reference["xoshiro"] as? [[String]])
        for (key, stream) in zip(keys, streams) {
            var generator = Xoshiro256StarStar(key: key)
            #expect((0..<5).map { _ in generator.next() } == stream.compactMap(UInt64.init))
        }
    }

    @Test("uniform and weighted draws stay in range and follow the weights")
    func draws() {
        var generator = Xoshiro256StarStar(seed: 7)
        var counts = [0, 0, 0]
        for _ in 0..<30_000 {
            let value = generator.uniform(3...9)
            #expect((3...9).contains(value))
            counts[generator.weightedIndex([1, 2, 7])!] += 1
            let unit = generator.unitInterval()
            #expect(unit >= 0 && unit < 1)
        }
        #expect(abs(Double(counts[0]) / 30_000 - 0.1) < 0.01)
        #expect(abs(Double(counts[2]) / 30_000 - 0.7) < 0.01)
        #expect(generator.weightedIndex([]) == nil)
    }

    @Test("query plans are fixed by the unit key and follow the pipeline's distributions")
    func plans() throws {
        let configuration = try PipelineConfiguration.load(from: PipelineConfigurationTests.shipped)
        let draw = try #require(configuration.stages.first { $0.name == "generate" }?.draw)
        let drawer = VariableDrawer(declaration: draw)
        guard case .integer(let buckets) = draw.variables[0].kind, case .language(let share, _, _) = draw.variables[1].kind else {
            Issue.record("the generate stage draws length, then query_language: \(draw.variables)")
            return
        }
        struct Plan: Hashable { var length: Int, language: String }
        func plan(_ key: String, _ language: String) -> Plan {
            let values = drawer.draw(planKey: key, passageLanguage: language)
            return Plan(length: Int(values["length"]?.number ?? -1), language: values["query_language"]?.text ?? "")
        }
        let keys = (0..<20_000).map { "retrieval/\($0)/0" }
        let plans = keys.map { plan($0, "de") }
        #expect(plans == keys.map { plan($0, "de") })
        let crossShare = Double(plans.filter { $0.language != "de" }.count) / Double(plans.count)
        #expect(abs(crossShare - share) < 0.02)
        let totalWeight = buckets.map(\.weight).reduce(0, +)
        for bucket in buckets {
            let count = plans.filter { (bucket.min...bucket.max).contains($0.length) }.count
            #expect(abs(Double(count) / Double(plans.count) - bucket.weight / totalWeight) < 0.02, "bucket \(bucket.min)-\(bucket.max)")
        }
        // An undetermined passage gets a query in a target language, not "und".
        #expect(keys.prefix(500).map { plan($0, "und") }.allSatisfy { $0.language != "und" })
        // Retries get new request seeds; the same attempt gets the same seed.
        #expect(VariableDrawer.requestSeed(key: keys[0], attempt: 0) == VariableDrawer.requestSeed(key: keys[0], attempt: 0))
        #expect(VariableDrawer.requestSeed(key: keys[0], attempt: 0) != VariableDrawer.requestSeed(key: keys[0], attempt: 1))
    }
}

import Foundation
import PairsmithConfiguration
import PairsmithSelection
import PairsmithTestSupport
import Testing

@Suite("Selection: pipeline settings")
struct SelectionConfigurationTests {
    /// The shipped pipeline file with its `selection:` block replaced.
    static func parse(selection: String) throws -> PipelineConfiguration {
        let file = TestEnvironment.packageRoot.appendingPathComponent("pipelines/retrieval.yaml")
        let yaml = try String(contentsOf: file, encoding: .utf8)
        guard let range = yaml.range(of: "\nselection:") else { throw TestSupportError.missingPrerequisite("no selection block") }
        return try PipelineConfiguration.parse(yaml: String(yaml[..<range.lowerBound]) + "\n" + selection, file: file)
    }

    @Test("the shipped files parse with the documented defaults")
    func shipped() throws {
        for name in ["retrieval.yaml", "demo-smollm2.yaml"] {
            let configuration = try PipelineConfiguration.load(from: TestEnvironment.packageRoot.appendingPathComponent("pipelines/\(name)"))
            let selection = configuration.selection
            #expect(selection == PipelineConfiguration.SelectionSettings(), "\(name)")
            #expect(configuration.similarityThreshold == 0.7)
            #expect(selection.negatives == PipelineConfiguration.NegativeSettings(count: 7, rankFrom: 1, rankTo: 100, guardFactor: 0.95))
        }
    }

    @Test("every key is read")
    func keys() throws {
        let configuration = try Self.parse(
            selection: """
                selection:
                  similarity_threshold: 0.6
                  low_percentile: 20
                  high_percentile: 99.5
                  sampling_rate: 0.25
                  seed: 11
                  dedup: { near_duplicate_cosine: 0.9 }
                  negatives: { count: 3, rank_from: 5, rank_to: 40, guard: 0.9 }
                """)
        let selection = configuration.selection
        #expect(selection.similarityThreshold == 0.6 && configuration.similarityThreshold == 0.6)
        #expect(selection.lowPercentile == 20 && selection.highPercentile == 99.5 && selection.band == nil)
        #expect(selection.samplingRate == 0.25 && selection.seed == 11 && selection.nearDuplicateCosine == 0.9)
        #expect(selection.negatives == PipelineConfiguration.NegativeSettings(count: 3, rankFrom: 5, rankTo: 40, guardFactor: 0.9))
        let band = try Self.parse(selection: "selection:\n  similarity_threshold: 0.7\n  band: [0.5, 0.9]\n")
        #expect(band.selection.band == PipelineConfiguration.CosineBand(low: 0.5, high: 0.9))
        let criteria = SelectionCriteria(settings: band.selection)
        #expect(criteria.band == [0.5, 0.9] && criteria.threshold == 0.7)
    }

    @Test("errors name the file, line and field")
    func errors() throws {
        let cases: [(String, String, String)] = [
            ("  band: [0.9, 0.5]\n", "selection.band", "low must be below high"),
            ("  band: [0.5]\n", "selection.band", "two cosines"),
            ("  band: [0.5, 0.9]\n  low_percentile: 10\n", "selection.low_percentile", "either band or"),
            ("  low_percentile: 60\n  high_percentile: 40\n", "selection.high_percentile", "must be above low_percentile"),
            ("  sampling_rate: 0\n", "selection.sampling_rate", "greater than 0"),
            ("  dedup: { near: 0.9 }\n", "selection.dedup.near", "unknown field"),
            ("  negatives: { rank_from: 10, rank_to: 5 }\n", "selection.negatives.rank_to", "at least rank_from"),
            ("  negatives: { count: -1 }\n", "selection.negatives.count", "must be from 0"),
            ("  threshold: 0.5\n", "selection.threshold", "unknown field"),
        ]
        for (extra, field, message) in cases {
            do {
                _ = try Self.parse(selection: "selection:\n  similarity_threshold: 0.7\n" + extra)
                Issue.record("no error for \(extra)")
            } catch let error as ConfigurationError {
                #expect(error.field == field, "\(extra): \(error)")
                #expect(error.message.contains(message), "\(extra): \(error)")
                #expect(error.line != nil && error.description.contains("retrieval.yaml:"), "\(error)")
            }
        }
    }
}

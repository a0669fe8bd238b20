import ArgumentParser

/// `pairsmith-bench`: the benchmarks (speed and memory goals are checked here, never in timed tests).
///
/// Each benchmark measures its reference in the same run and reports ratios, because the machine is
/// shared and noisy. Run `swift run -c release pairsmith-bench --help`.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pairsmith-bench",
        abstract: "pairsmith's benchmarks; each one reports ratios against a reference measured in the same run.",
        subcommands: benchmarks
    )

    /// Every benchmark, one subcommand each (one file per benchmark in this folder).
    static let benchmarks: [any ParsableCommand.Type] = [
        SgemmBenchmark.self,
        EngineBenchmark.self,
        ChatBenchmark.self,
        InFlightBenchmark.self,
        InFlightWorkerCommand.self,
        PipelineBenchmark.self,
        ServeEndpointCommand.self,
        TokenizerBenchmark.self,
        SelectionBenchmark.self,
        EmbeddingBenchmark.self,
        ExportBenchmark.self,
    ]
}

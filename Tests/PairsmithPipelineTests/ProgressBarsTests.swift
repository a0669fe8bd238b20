import PairsmithConfiguration
import PairsmithReport
import PairsmithStages
import PairsmithStore
import Testing

extension RunProgress {
    /// A retrieval run's progress: configure, then generate.
    init(
        configure: StageCounts, generate: StageCounts, requestsSent: Int = 0, answersReused: Int = 0, elapsedSeconds: Double,
        pairsMadeNow: Int = 0, configureSettledAtStart: Int = 0, generateSettledAtStart: Int = 0
    ) {
        self.init(
            stages: [
                StageProgress(name: "configure", counts: configure, settledAtStart: configureSettledAtStart),
                StageProgress(name: "generate", counts: generate, settledAtStart: generateSettledAtStart),
            ], requestsSent: requestsSent, answersReused: answersReused, elapsedSeconds: elapsedSeconds,
            pairsMadeNow: pairsMadeNow)
    }
}

@Suite("Progress bars")
struct ProgressBarsTests {
    static func counts(pending: Int = 0, running: Int = 0, done: Int = 0, failed: Int = 0) -> StageCounts {
        StageCounts([.pending: pending, .running: running, .done: done, .failed: failed])
    }

    @Test("the totals line shows completion tokens per second and the spend at the price table")
    func tokensAndSpend() throws {
        var progress = RunProgress(
            configure: Self.counts(done: 10), generate: Self.counts(done: 10), requestsSent: 20, elapsedSeconds: 40, pairsMadeNow: 10)
        progress.promptTokens = 30_000
        progress.completionTokens = 2_000
        // 30 000 prompt tokens at 0.20 per million + 2 000 completion tokens at 0.60 per million = 0.006 + 0.0012.
        let price = PriceTable.Price(promptPerMillion: 0.20, completionPerMillion: 0.60)
        progress.spend = price.cost(prompt: progress.promptTokens, completion: progress.completionTokens)
        progress.currency = "USD"
        let lines = ProgressBars.render(progress, width: 120)
        #expect(lines[2] == "requests 20 sent, 0 reused · 0.2 examples/s · 50.0 tokens/s · spend 0.0072 USD · 40s elapsed")
        #expect(progress.description.contains("50.0 tokens/s") && progress.description.contains("spend 0.0072 USD"))
    }

    @Test("a bar shows done/total, percent, the rate of this process and the ETA")
    func rateAndETA() throws {
        let progress = RunProgress(
            configure: Self.counts(pending: 20, running: 10, done: 68, failed: 2),
            generate: Self.counts(pending: 10, running: 8, done: 30),
            requestsSent: 130, answersReused: 4, elapsedSeconds: 30, pairsMadeNow: 30,
            configureSettledAtStart: 40, generateSettledAtStart: 0)
        let lines = ProgressBars.render(progress, width: 100)
        #expect(lines.count == 3)
        // configure: 70 of 100 settled, (70 - 40) / 30 s = 1.0/s, 30 left → 30 s.
        #expect(lines[0].hasPrefix("configure ["))
        #expect(lines[0].hasSuffix("] 70/100  70% 1.0/s ETA 30s (2 failed)"))
        // generate: expected total = 100 configure units - 2 failed = 98; 30 settled at 1.0/s → 68 s = 1m08s.
        #expect(lines[1].hasPrefix("generate  ["))
        #expect(lines[1].hasSuffix("] 30/98  30% 1.0/s ETA 1m08s"))
        #expect(lines[2] == "requests 130 sent, 4 reused · 1.0 examples/s · 30s elapsed")
        for line in lines { #expect(line.count <= 100, "\(line)") }
        // The bar's filled part is proportional: 70% of its cells.
        let bar = lines[0].split(separator: "[")[1].split(separator: "]")[0]
        let filled = bar.filter { $0 == "█" }.count
        #expect(filled == Int(Double(bar.count) * 0.7))
    }

    @Test("lines fit any width: narrow terminals drop the bar, very narrow ones clip")
    func widths() {
        let progress = RunProgress(
            configure: Self.counts(pending: 5_000, running: 128, done: 123_456, failed: 17),
            generate: Self.counts(pending: 40, running: 128, done: 120_000, failed: 3),
            requestsSent: 250_000, answersReused: 0, elapsedSeconds: 4_000, pairsMadeNow: 120_000)
        for width in [200, 120, 80, 60, 40, 20, 5] {
            let lines = ProgressBars.render(progress, width: width)
            for line in lines { #expect(line.count <= max(20, width), "width \(width): \(line)") }
        }
        let wide = ProgressBars.render(progress, width: 200)
        #expect(wide[0].contains("█") && wide[0].contains("░"))
        #expect(wide[0].count == 200)
        let narrow = ProgressBars.render(progress, width: 40)
        #expect(!narrow[0].contains("["))
        #expect(narrow[0].hasPrefix("configure 123473/128601"))
        // Over an hour of work left reads in hours.
        let slow = RunProgress(
            configure: Self.counts(pending: 36_000, done: 10), generate: Self.counts(), elapsedSeconds: 10)
        #expect(ProgressBars.render(slow, width: 120)[0].hasSuffix("ETA 10h00m"))
    }

    @Test("zero totals, nothing done yet and a finished run render without dividing by zero")
    func edges() {
        let empty = RunProgress(configure: Self.counts(), generate: Self.counts(), elapsedSeconds: 0)
        let lines = ProgressBars.render(empty, width: 80)
        #expect(lines[0].hasSuffix("] 0/0   -% 0/s ETA --"))
        #expect(lines[1].hasSuffix("] 0/0   -% 0/s ETA --"))
        #expect(!lines[0].contains("█"))
        #expect(lines[2] == "requests 0 sent, 0 reused · 0 examples/s · 0s elapsed")
        let waiting = RunProgress(configure: Self.counts(pending: 10), generate: Self.counts(), elapsedSeconds: 3)
        #expect(ProgressBars.render(waiting, width: 80)[0].hasSuffix("] 0/10   0% 0/s ETA --"))
        // generate's total is expected from configure before its units exist.
        #expect(ProgressBars.render(waiting, width: 80)[1].hasSuffix("] 0/10   0% 0/s ETA --"))
        let finished = RunProgress(
            configure: Self.counts(done: 10), generate: Self.counts(done: 9, failed: 1), requestsSent: 21,
            elapsedSeconds: 125, pairsMadeNow: 9)
        let done = ProgressBars.render(finished, width: 80)
        #expect(done[0].hasSuffix("] 10/10 100% 0.1/s done"))
        #expect(done[1].hasSuffix("] 10/10 100% 0.1/s done (1 failed)"))
        #expect(!done[0].contains("░"))
        #expect(
            ProgressBars.finalLine(finished, interrupted: false)
                == "finished in 2m05s: configure 10/10 (0 failed), generate 10/10 (1 failed), 9 examples made, 21 requests")
        #expect(ProgressBars.finalLine(finished, interrupted: true).hasPrefix("stopped in 2m05s"))
    }
}

@Suite("Progress bars for declared stages")
struct DeclaredStageProgressTests {
    @Test("one bar per declared stage in order; a later stage expects the units the one before did not fail")
    func threeStages() {
        let progress = RunProgress(
            stages: [
                StageProgress(name: "classify", counts: ProgressBarsTests.counts(done: 8, failed: 2)),
                StageProgress(name: "write_text", counts: ProgressBarsTests.counts(pending: 2, done: 4)),
                StageProgress(name: "judge", counts: ProgressBarsTests.counts(done: 1)),
            ], requestsSent: 20, elapsedSeconds: 10, pairsMadeNow: 1)
        let lines = ProgressBars.render(progress, width: 100)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("classify   [") && lines[1].hasPrefix("write_text [") && lines[2].hasPrefix("judge      ["))
        #expect(lines[0].hasSuffix("] 10/10 100% 1.0/s done (2 failed)"))
        #expect(lines[1].hasSuffix("] 4/8  50% 0.4/s ETA 10s"))
        #expect(lines[2].hasSuffix("] 1/8  12% 0.1/s ETA 1m10s"))
        #expect(
            ProgressBars.finalLine(progress, interrupted: false)
                == "finished in 10s: classify 10/10 (2 failed), write_text 4/8 (0 failed), judge 1/8 (0 failed), 1 examples made, 20 requests")
        #expect(progress["write_text"].pending == 2 && progress["missing"].total == 0)
    }
}

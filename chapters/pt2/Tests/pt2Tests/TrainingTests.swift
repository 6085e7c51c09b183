import Testing
import pt2

/// Compiled training against eager: the same run (same seed, same batches) trained a few
/// steps each way. The losses differ only by float rounding: the generated C sums and
/// multiplies in its own order (a row's sum in one loop, SGEMM's blocking as eager's), so
/// each step's loss may move in its last bits and AdamW carries that into the weights;
/// over a few steps that stays far below 1e-4 relative (the forward tolerance), which is
/// what the comparison allows.
@Suite("pt2 compiled training")
struct TrainingTests {
    static let names = (0..<60).map { i in String(["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn", "abigail"][i % 10].shuffledName(i)) }.joined(separator: "\n")

    /// Two runs of `task` from the same weights (copied: other tests running in parallel draw
    /// from the default generator, which the runs' initialisation reads), one eager, one
    /// compiled: their losses over `steps` steps.
    static func losses(task: String, text: String, steps: Int) -> (eager: [Float], compiled: [Float]) {
        var options = RunOptions.defaults(for: task)
        options.steps = 100
        options.batchSize = task == "names" ? 32 : 4
        options.warmup = 2
        let eager = CharTrainingRun(task: task, text: text, options: options)
        let compiled = CharTrainingRun(task: task, text: text, options: options)
        let weights = eager.model.stateDict().mapValues { $0.contiguous() + 0 }
        try! compiled.model.loadStateDict(weights)
        compileTraining(compiled)
        return ((0..<steps).map { _ in eager.takeStep() }, (0..<steps).map { _ in compiled.takeStep() })
    }

    static func expectClose(_ got: [Float], _ want: [Float], _ what: String) {
        for (k, (a, b)) in zip(got, want).enumerated() {
            #expect(abs(a - b) <= 1e-4 * abs(b) + 1e-5, "\(what) step \(k + 1): compiled \(a), eager \(b)")
        }
        #expect(got.count == want.count)
    }

    @Test func namesLossesMatchEager() {
        let (eager, compiled) = Self.losses(task: "names", text: Self.names, steps: 6)
        Self.expectClose(compiled, eager, "names")
        print("names losses, eager \(eager), compiled \(compiled)")
        #expect(eager.last! < eager.first!, "the run learns: \(eager)")
    }

    @Test func shakespeareLossesMatchEager() {
        let text = String(repeating: "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n", count: 8)
        let (eager, compiled) = Self.losses(task: "shakespeare", text: text, steps: 4)
        print("shakespeare losses, eager \(eager), compiled \(compiled)")
        Self.expectClose(compiled, eager, "shakespeare")
    }
}

extension String {
    /// A name varied by i (a few distinct words for the sampler).
    fileprivate func shuffledName(_ i: Int) -> String { i < 10 ? self : self + String(repeating: "a", count: i / 10) }
}


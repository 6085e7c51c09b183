// Pipeline parallelism: the schedules' timetables (bubble, memory), and llama training steps
// at pp2 against one rank's.
import Testing
import az1use1

/// Ten AdamW steps of tinyLlama on one rank, global batch [4, 8]; its losses.
func singleRankLosses(_ weights: [String: Tensor], steps: Int = 10) throws -> [Float] {
    let model = Llama(config: tinyLlama)
    try model.loadStateDict(weights)
    let adam = AdamW(model.parameters(), lr: 1e-2)
    return (0..<steps).map { k in
        let ids = tokens(32, seed: 200 + UInt64(k)), targets = ids.map { ($0 + 1) % 32 }
        let l = languageModelLoss(model(ids, shape: [4, 8]), targets: targets)
        l.backward()
        adam.step()
        adam.zeroGrad()
        return l.item()
    }
}

func relativeDifference(_ a: [Float], _ b: [Float]) -> Double {
    zip(a, b).map { Double(abs($0 - $1)) / Double(abs($1)) }.max() ?? .infinity
}

@Suite struct PipelineParallelism {
    /// Every stage idles 2(p-1) of 2(m+p-1) slots: the fraction (p-1)/(m+p-1), for both
    /// schedules; 1F1B holds at most p-s micro-batches on stage s, AFAB all m.
    @Test(arguments: PipelineSchedule.allCases) func bubble(_ schedule: PipelineSchedule) {
        for (p, m) in [(2, 1), (2, 4), (4, 4), (4, 8), (3, 5)] {
            let timeline = PipelineTimeline(schedule, stages: p, microBatches: m)
            #expect(timeline.length == 2 * (m + p - 1))
            for s in 0..<p {
                #expect(timeline.idle(stage: s) == 2 * (p - 1), "\(schedule) p \(p) m \(m) stage \(s)")
                #expect(Double(timeline.idle(stage: s)) / Double(timeline.length) == Double(p - 1) / Double(m + p - 1))
                #expect(timeline.peakInFlight(stage: s) == (schedule == .allForwardAllBackward ? m : Swift.min(p - s, m)))
            }
        }
        let t = PipelineTimeline(schedule, stages: 4, microBatches: 8)
        print("\(schedule.rawValue) p4 m8, one slot per op (. idle):")
        for s in 0..<4 { print("  stage \(s): " + t.slots[s].map { $0.map { "\($0)" } ?? "." }.joined(separator: " ")) }
    }

    /// 1F1B's order on 4 stages and 6 micro-batches, written out.
    @Test func oneForwardOneBackwardOrder() {
        let order = { (s: Int) in PipelineSchedule.oneForwardOneBackward.order(stage: s, stages: 4, microBatches: 6).map { "\($0)" }.joined(separator: " ") }
        #expect(order(0) == "F0 F1 F2 F3 B0 F4 B1 F5 B2 B3 B4 B5")
        #expect(order(2) == "F0 F1 B0 F2 B1 F3 B2 F4 B3 F5 B4 B5")
        #expect(order(3) == "F0 B0 F1 B1 F2 B2 F3 B3 F4 B4 F5 B5")
    }

    /// 10 steps at pp2 (4 micro-batches of one row) equal one rank's, with each schedule; the
    /// stages ran their schedule's order.
    @Test(arguments: PipelineSchedule.allCases) func lossMatch(_ schedule: PipelineSchedule) throws {
        let weights = llamaWeights(seed: 30)
        let single = try singleRankLosses(weights)
        let out = PerRank<([Float], [PipelineOp], Int, Int)>()
        try spawn(worldSize: 2) { g in
            let model = Llama(config: tinyLlama)
            try model.loadStateDict(weights)
            let stage = LlamaPipelineStage(model, stage: g.rank, stages: 2)
            let pp = PipelineParallel(stage, group: g, schedule: schedule, microBatches: 4)
            let adam = AdamW(stage.parameters(), lr: 1e-2)
            var losses: [Float] = [], firstStepBytes = 0
            for k in 0..<10 {
                let ids = tokens(32, seed: 200 + UInt64(k)), targets = ids.map { ($0 + 1) % 32 }
                losses.append(pp.step(ids: ids, targets: targets, shape: [4, 8]))
                if k == 0 { firstStepBytes = g.bytesSent }
                adam.step()
                adam.zeroGrad()
            }
            out.set(g.rank, (losses, pp.ran, pp.peakInFlight, firstStepBytes))
        }
        // per step: stage 0 sends m activations [1, 8, 16] forward, stage 1 their m gradients
        // back and the loss (one float, the broadcast's root)
        let activation = 1 * 8 * 16 * 4
        for (s, result) in out.ordered(2).enumerated() {
            let (losses, ran, peak, bytes) = try #require(result)
            #expect(bytes == 4 * activation + (s == 1 ? 4 : 0), "stage \(s) sent \(bytes) bytes in a step")
            let worst = relativeDifference(losses, single)
            #expect(worst <= 1e-4, "stage \(s): \(losses) vs \(single)")
            #expect(ran == schedule.order(stage: s, stages: 2, microBatches: 4))
            #expect(peak == (schedule == .allForwardAllBackward ? 4 : 2 - s))
            print("pp2 \(schedule.rawValue) stage \(s): \(bytes) bytes sent per step")
            if s == 0 { print("pp2 \(schedule.rawValue) loss match: max relative difference \(worst) over 10 steps (single rank \(single[0]) -> \(single[9]))") }
        }
        #expect(single[9] < single[0])
    }
}

@Suite struct ThreeDimensional {
    /// `picograd train shakespeare --dp 2 --tp 2 --pp 2`'s run (8 thread ranks) against lego's
    /// CharTrainingRun on one rank: the same losses, 4 steps (seed, data, schedule, clipping).
    @Test func shakespeareOnEightRanksIsTheSingleRun() throws {
        let text = String(repeating: "First Citizen:\nBefore we proceed any further, hear me speak.\nAll: Speak, speak.\n", count: 12)
        var options = RunOptions.defaults(for: "shakespeare")
        (options.steps, options.batchSize, options.warmup) = (4, 8, 2)
        let expected = withDefaultGenerator(Generator(seed: 0)) {   // its manualSeed reseeds this test's generator alone
            let single = CharTrainingRun(task: "shakespeare", text: text, options: options)
            return (0..<4).map { _ in single.takeStep() }
        }
        let reported = PerRank<[Int]>()
        let losses = try trainShakespeareParallel(text: text, options: options, layout: ParallelLayout(dp: 2, tp: 2, pp: 2)) { step, _ in
            reported.set(step, [step])
        }
        let worst = relativeDifference(losses, expected)
        print("dp2 x tp2 x pp2 shakespeare GPT: losses \(losses), one rank \(expected), max relative difference \(worst)")
        #expect(losses.count == 4 && worst <= 1e-4)
        #expect(reported.ordered(5).compactMap { $0 } == [[1], [2], [3], [4]])
    }
}

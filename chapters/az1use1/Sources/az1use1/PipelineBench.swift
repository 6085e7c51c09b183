// The pipeline bubble measured (`picograd bench pipeline`): the schedule's count says each
// stage idles 2(p-1) of its 2(m+p-1) slots, (p-1)/(m+p-1) of a step, if every slot takes
// the same time. Real slots do not (a backward costs about twice a forward, the last stage
// also runs the head and the loss), so the benchmark times what each stage spends waiting
// for a neighbour in `recv` during a training step of a GPT on thread ranks.

/// One configuration's measured bubble: each stage's share of the step spent waiting.
public struct PipelineBubble: Sendable {
    public let schedule: PipelineSchedule
    public let stages: Int
    public let microBatches: Int
    /// Per stage: seconds waiting in recv / seconds of the step, the median over the timed steps.
    public let idle: [Double]
    /// The step's seconds on stage 0, the median over the timed steps.
    public let stepSeconds: Double
    /// The schedule's count, (p-1)/(m+p-1).
    public var counted: Double { Double(stages - 1) / Double(microBatches + stages - 1) }
    /// The stages' mean measured idle share.
    public var measured: Double { idle.reduce(0, +) / Double(idle.count) }
}

/// Times `steps` training steps (after one untimed) of a GPT of `layers` blocks split into
/// `stages` stages on thread ranks, `schedule` over `microBatches` micro-batches of a batch of
/// `batch` windows of `block` tokens, and returns each stage's share of a step spent waiting.
public func measurePipelineBubble(schedule: PipelineSchedule, stages p: Int, microBatches m: Int,
                                  layers: Int = 4, dim: Int = 128, batch: Int = 16, block: Int = 64,
                                  steps: Int = 3) throws -> PipelineBubble {
    check(layers % p == 0 && batch % m == 0, "measurePipelineBubble: \(layers) layers into \(p) stages, a batch of \(batch) into \(m) micro-batches")
    let config = GPTConfig(dim: dim, nLayers: layers, nHeads: 4, vocabSize: 65, blockSize: block)
    let samples = Collected<(rank: Int, wait: Double, step: Double)>()
    try spawn(worldSize: p) { group in
        manualSeed(0)   // the same GPT on every rank; each keeps its stage
        let gpt = GPT(config: config)
        let stage = GPTPipelineStage(gpt, stage: group.rank, stages: p)
        let pipeline = PipelineParallel(stage, group: group, schedule: schedule, microBatches: m)
        var g = Generator(seed: 1)
        let ids = (0..<(batch * block)).map { _ in Int(g.next() % 65) }, targets = (0..<(batch * block)).map { _ in Int(g.next() % 65) }
        for step in 0...steps {
            _ = pipeline.step(ids: ids, targets: targets, shape: [batch, block])
            for p in stage.parameters() { p.grad = nil }
            if step > 0 { samples.append((group.rank, pipeline.lastWaitSeconds, pipeline.lastStepSeconds)) }
        }
    }
    func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
    let all = samples.values
    let idle = (0..<p).map { r in median(all.filter { $0.rank == r }.map { $0.wait / $0.step }) }
    return PipelineBubble(schedule: schedule, stages: p, microBatches: m, idle: idle,
                          stepSeconds: median(all.filter { $0.rank == 0 }.map(\.step)))
}

// lego's shakespeare run (chapter 2's GPT, data, AdamW and learning-rate schedule) on a
// dp x tp x pp world of thread ranks: `picograd train shakespeare --dp 2 --tp 2 --pp 2`.
// Every rank builds the same GPT from the run's seed and keeps its part: its pipeline stage's
// blocks, each split over its tensor-parallel group, replicated over its data-parallel group.
// The global gradient norm (clipping) sums each weight once: a tensor-parallel shard on each
// of its ranks, a replicated tensor (LayerNorms, embeddings, head) once per stage.

/// How a training step is spread: data x tensor x pipeline parallel, and the pipeline's micro-batches.
public struct ParallelLayout: Sendable, Equatable {
    public var dp: Int, tp: Int, pp: Int
    public var schedule: PipelineSchedule
    public init(dp: Int = 1, tp: Int = 1, pp: Int = 1, schedule: PipelineSchedule = .oneForwardOneBackward) {
        (self.dp, self.tp, self.pp, self.schedule) = (dp, tp, pp, schedule)
    }
    public var worldSize: Int { dp * tp * pp }
}

/// What stops a parallel run before it starts (the CLI prints it).
public struct ParallelLayoutError: Error, CustomStringConvertible {
    public let description: String
}

/// Trains the shakespeare GPT for `options.steps` steps on `layout`'s thread ranks, from the
/// same seed, data and schedule as lego's CharTrainingRun; `report(step, loss)` is called on
/// rank 0 after every step with the global batch's loss. Returns the losses.
public func trainShakespeareParallel(text: String, options: RunOptions, layout: ParallelLayout,
                                     report: @escaping @Sendable (_ step: Int, _ loss: Float) -> Void) throws -> [Float] {
    let tokenizer = CharTokenizer(text: text)
    let config = GPTConfig(dim: 64, nLayers: 2, nHeads: 4, vocabSize: tokenizer.vocabSize, blockSize: CharTrainingRun.shakespeareBlock)
    let rows = options.batchSize / Swift.max(layout.dp, 1)
    guard [layout.dp, layout.tp, layout.pp].allSatisfy({ $0 >= 1 }), options.batchSize % layout.dp == 0 else {
        throw ParallelLayoutError(description: "a batch of \(options.batchSize) does not split over --dp \(layout.dp)")
    }
    guard config.nHeads % layout.tp == 0 else { throw ParallelLayoutError(description: "\(config.nHeads) heads do not split over --tp \(layout.tp)") }
    guard config.nLayers % layout.pp == 0 else { throw ParallelLayoutError(description: "\(config.nLayers) layers do not split into --pp \(layout.pp) stages") }
    let microBatches = rows % (2 * layout.pp) == 0 ? 2 * layout.pp : (rows % layout.pp == 0 ? layout.pp : 1)
    let tokens = tokenizer.encode(text)
    let train = Array(tokens[..<(tokens.count * 9 / 10)])
    let losses = Collected<Float>()
    try spawn(worldSize: layout.worldSize) { world in
        let mesh = DeviceMesh(world, dp: layout.dp, pp: layout.pp, tp: layout.tp)
        manualSeed(options.seed)   // this rank's generator: the same GPT on every rank
        let gpt = GPT(config: config)
        var sharded = Set<ObjectIdentifier>()
        var blocks: [Module]? = nil
        if layout.tp > 1 {
            blocks = try gpt.transformer.h.map { full in
                let block = TensorParallelGPTBlock(config, group: mesh.tpGroup)
                let whole = full.stateDict()
                try loadShardedStateDict(block, from: whole)
                for (name, p) in block.namedParameters() where p.shape != whole[name]?.shape { sharded.insert(ObjectIdentifier(p)) }
                return block
            }
        }
        let stage = GPTPipelineStage(gpt, stage: mesh.ppIndex, stages: layout.pp, blocks: blocks)
        let dp = layout.dp > 1 ? DataParallel(stage, group: mesh.dpGroup) : nil
        let pp = PipelineParallel(stage, group: mesh.ppGroup, schedule: layout.schedule, microBatches: microBatches, dataParallel: dp)
        let params = stage.parameters()
        let optimizer = AdamW(params, lr: options.maxLR, betas: (0.9, 0.99), weightDecay: options.weightDecay)
        let replica = mesh.dpIndex * layout.pp * layout.tp
        let model = world.subgroup(Array(replica..<(replica + layout.pp * layout.tp)), name: "model")
        var sampler = BatchSampler(tokens: train, blockSize: config.blockSize, batchSize: options.batchSize, seed: options.seed)
        for step in 0..<options.steps {
            optimizer.lr = cosineLR(step: step, maxLR: options.maxLR, minLR: options.minLR, warmup: options.warmup, total: options.steps)
            let batch = sampler.next()
            let mine = (mesh.dpIndex * rows * config.blockSize)..<((mesh.dpIndex + 1) * rows * config.blockSize)
            let loss = pp.step(ids: Array(batch.x[mine]), targets: Array(batch.y[mine]), shape: [rows, config.blockSize])
            // the global gradient norm: each weight once over the stages and tensor-parallel ranks
            let local = withNoGrad {
                params.reduce(Float(0)) { sum, p in
                    guard let g = p.grad else { return sum }
                    return sum + (g * g).sum().item() / (sharded.contains(ObjectIdentifier(p)) ? 1 : Float(layout.tp))
                }
            }
            let norm = model.allReduce(Tensor([local], shape: [1]), op: .sum).item().squareRoot()
            let coefficient = Swift.min(1, options.clip / (norm + 1e-6))
            if coefficient < 1 { for p in params { if let g = p.grad { p.grad = g * coefficient } } }
            optimizer.step()
            optimizer.zeroGrad()
            let global = mesh.dpGroup.allReduce(Tensor([loss], shape: [1]), op: .avg).item()
            if world.rank == 0 {
                losses.append(global)
                report(step + 1, global)
            }
        }
    }
    return losses.values
}

/// Values the rank threads append (rank 0's losses, each rank's timings), read after spawn returns.
final class Collected<T: Sendable>: @unchecked Sendable {
    private let lock = Monitor()
    private var stored: [T] = []
    func append(_ x: T) { lock.locked { stored.append(x) } }
    var values: [T] { lock.locked { stored } }
}

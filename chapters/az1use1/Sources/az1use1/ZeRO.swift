// ZeRO stage 1 (DeepSpeed's ZeRO, torch's ZeroRedundancyOptimizer): data parallelism keeps N
// copies of everything, but the optimizer state need not be copied. AdamW keeps two moments
// per parameter, 2x the model in fp32; here each rank keeps them for 1/N of the parameters.
//
// The parameters are laid end to end in one flat vector of P floats, padded to N*S (S =
// ceil(P/N)); rank r owns floats r*S ..< (r+1)*S. A step: every rank has the averaged
// gradients (DataParallel's all-reduce), takes its shard of them, runs AdamW on its shard
// alone (an elementwise update, so it gives exactly the bits a full AdamW gives there), then
// an all-gather of the updated shards gives every rank every parameter again.
// Optimizer state per rank: 2S + 1 floats instead of 2P + (one step count per tensor).

/// AdamW whose moments are sharded over `group` (ZeRO-1); every rank ends each step with all
/// the parameters updated.
public final class ZeroRedundancyAdamW: Optimizer {
    public let params: [Tensor]
    public let group: ProcessGroup
    /// Floats per shard (S); the flat vector is worldSize * S long, zero-padded.
    public let shardSize: Int
    /// This rank's slice of the flat parameters, the one tensor the inner AdamW updates.
    let shard: Tensor
    let inner: AdamW

    public var lr: Float {
        get { inner.lr }
        set { inner.lr = newValue }
    }

    /// torch.optim.AdamW's rule and defaults, on 1/N of `params` per rank.
    public init(_ params: [Tensor], group: ProcessGroup, lr: Float, betas: (Float, Float) = (0.9, 0.999),
                eps: Float = 1e-8, weightDecay: Float = 0.01) {
        self.params = params
        self.group = group
        let total = params.reduce(0) { $0 + $1.count }
        shardSize = (total + group.worldSize - 1) / group.worldSize
        let own = (group.rank * shardSize)..<((group.rank + 1) * shardSize)
        let flatParams = ZeroRedundancyAdamW.flat(params.map { $0.toArray() }, shardSize * group.worldSize)
        shard = parameter(Tensor(Array(flatParams[own]), shape: [shardSize], device: params.first?.device ?? .default))
        inner = AdamW([shard], lr: lr, betas: betas, eps: eps, weightDecay: weightDecay)
    }

    /// The floats of this rank's shard in the flat vector.
    var ownRange: Range<Int> { (group.rank * shardSize)..<((group.rank + 1) * shardSize) }

    /// `parts` end to end, zero-padded to `count`.
    static func flat(_ parts: [[Float]], _ count: Int) -> [Float] {
        var out = parts.flatMap { $0 }
        out += [Float](repeating: 0, count: count - out.count)
        return out
    }

    /// Updates this rank's shard from its part of the gradients, then all-gathers the shards
    /// into every parameter. A parameter without a gradient counts as a zero gradient.
    public func step() {
        withNoGrad {
            let grads = params.map { $0.grad?.toArray() ?? [Float](repeating: 0, count: $0.count) }
            let flatGrad = ZeroRedundancyAdamW.flat(grads, shardSize * group.worldSize)
            shard.grad = Tensor(Array(flatGrad[ownRange]), shape: [shardSize], device: shard.device)
            inner.step()
            let all = group.allGather(shard).toArray()
            var start = 0
            for p in params {
                p.assign(Tensor(Array(all[start..<(start + p.count)]), shape: p.shape, device: p.device))
                start += p.count
            }
        }
    }

    /// This rank's moments and step count (AdamW's names, for its one flat shard).
    public func stateDict() -> [String: Tensor] { inner.stateDict() }

    public func loadStateDict(_ state: [String: Tensor]) throws { try inner.loadStateDict(state) }
}

/// Bytes of an optimizer's state (`optimizer.stateDict()`), the figure ZeRO divides by N.
public func stateBytes(_ state: [String: Tensor]) -> Int {
    state.values.reduce(0) { $0 + $1.count * MemoryLayout<Float>.size }
}

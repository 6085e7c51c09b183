// Pipeline parallelism (GPipe, PipeDream-flush): the model's stack of blocks cut into p
// stages, one per rank of a pipeline group; stage 0 holds the embedding, the last stage the
// final norm, the head and the loss. A stage's forward sends its activation [b, T, C] to the
// next stage; its backward sends the gradient of its input back to the previous one.
//
// One stage alone would leave p-1 stages idle. The global batch is cut into m micro-batches,
// and a schedule says in which order each stage runs their forwards F(i) and backwards B(i):
//
//   AFAB (all forward, all backward; GPipe): F(0) ... F(m-1), then B(0) ... B(m-1). Every
//        stage keeps the activations of all m micro-batches until their backward.
//   1F1B (one forward, one backward; PipeDream-flush): stage s runs p-s-1 warm-up forwards,
//        then alternates one forward and one backward, then drains the remaining backwards.
//        At most p-s micro-batches are in flight on stage s: memory of p, not m, micro-batches.
//
// With a forward and a backward of one time slot each, both schedules take 2(m+p-1) slots
// per step and each stage idles 2(p-1) of them: the bubble fraction (p-1)/(m+p-1). 1F1B does
// not shrink the bubble (interleaved stages would); it bounds the activation memory.
//
// Sends never wait (ThreadTransport's mailboxes are unbounded), so any schedule whose
// per-stage order respects the dependencies runs without deadlock: F(i) on stage s needs
// F(i) of stage s-1, B(i) on stage s needs B(i) of stage s+1.

/// One slot's work on a stage: the forward or the backward of micro-batch i.
public enum PipelineOp: Sendable, Equatable, CustomStringConvertible {
    case forward(Int)
    case backward(Int)
    public var description: String {
        switch self {
        case .forward(let i): "F\(i)"
        case .backward(let i): "B\(i)"
        }
    }
}

/// The order in which each stage runs its micro-batches.
public enum PipelineSchedule: String, Sendable, CaseIterable {
    /// All forwards, then all backwards (GPipe).
    case allForwardAllBackward = "afab"
    /// Warm-up forwards, one forward one backward, cool-down backwards (PipeDream-flush).
    case oneForwardOneBackward = "1f1b"

    /// Stage `stage`'s ops, in the order it runs them: every F(i) and B(i) of 0..<microBatches once.
    public func order(stage: Int, stages: Int, microBatches m: Int) -> [PipelineOp] {
        check((0..<stages).contains(stage) && m >= 1, "PipelineSchedule: stage \(stage) of \(stages) stages, \(m) micro-batches")
        switch self {
        case .allForwardAllBackward:
            return (0..<m).map { .forward($0) } + (0..<m).map { .backward($0) }
        case .oneForwardOneBackward:
            // BEGIN SOLUTION az1use1.5: warm-up: min(stages - stage - 1, m) forwards; steady state: for each remaining micro-batch, its forward then the oldest backward; cool-down: the backwards left, oldest first
            let warmup = Swift.min(stages - stage - 1, m)
            var ops: [PipelineOp] = (0..<warmup).map { .forward($0) }
            var nextBackward = 0
            for i in warmup..<m {
                ops.append(.forward(i))
                ops.append(.backward(nextBackward))
                nextBackward += 1
            }
            ops += (nextBackward..<m).map { .backward($0) }
            return ops
            // END SOLUTION az1use1.5
        }
    }
}

/// A step's timetable, each op one slot long: slots[s][t] is what stage s runs at slot t (nil: idle).
public struct PipelineTimeline: Sendable {
    public let slots: [[PipelineOp?]]
    /// Slots from the first op to the last, on every stage.
    public var length: Int { slots.first?.count ?? 0 }
    /// Idle slots of stage s inside the step.
    public func idle(stage s: Int) -> Int { slots[s].filter { $0 == nil }.count }
    /// The most micro-batches stage s holds activations for at once (forward done, backward not).
    public func peakInFlight(stage s: Int) -> Int {
        var live = 0, peak = 0
        for op in slots[s] {
            switch op {
            case .forward?: live += 1; peak = Swift.max(peak, live)
            case .backward?: live -= 1
            case nil: break
            }
        }
        return peak
    }

    /// Runs each stage's order as early as its dependencies allow (F(i) after F(i) upstream,
    /// B(i) after B(i) downstream and after its own F(i)); a stage that must wait idles.
    public init(_ schedule: PipelineSchedule, stages p: Int, microBatches m: Int) {
        let orders = (0..<p).map { schedule.order(stage: $0, stages: p, microBatches: m) }
        for (s, order) in orders.enumerated() {
            let expected = (0..<m).map { PipelineOp.forward($0) } + (0..<m).map { PipelineOp.backward($0) }
            check(order.count == 2 * m && expected.allSatisfy(order.contains),
                  "PipelineTimeline: stage \(s)'s order \(order) does not run every forward and backward of \(m) micro-batches once")
        }
        var finished = [[String: Int]](repeating: [:], count: p)   // op -> its end slot
        var next = [Int](repeating: 0, count: p), clock = [Int](repeating: 0, count: p)
        var rows = [[PipelineOp?]](repeating: [], count: p)
        var progress = true
        while progress {
            progress = false
            for s in 0..<p where next[s] < orders[s].count {
                let op = orders[s][next[s]]
                var ready: Int? = clock[s]
                func after(_ stage: Int, _ dep: PipelineOp) {
                    guard let r = ready else { return }
                    if let end = finished[stage][dep.description] { ready = Swift.max(r, end) } else { ready = nil }
                }
                switch op {
                case .forward(let i): if s > 0 { after(s - 1, .forward(i)) }
                case .backward(let i):
                    after(s, .forward(i))
                    if s < p - 1 { after(s + 1, .backward(i)) }
                }
                guard let start = ready else { continue }
                rows[s] += [PipelineOp?](repeating: nil, count: start - clock[s]) + [op]
                clock[s] = start + 1
                finished[s][op.description] = start + 1
                next[s] += 1
                progress = true
            }
        }
        check(next.enumerated().allSatisfy { $0.element == orders[$0.offset].count }, "PipelineTimeline: \(schedule) deadlocks on \(p) stages")
        let end = clock.max() ?? 0
        slots = rows.map { $0 + [PipelineOp?](repeating: nil, count: end - $0.count) }
    }
}

/// lego's decoder layer from its public parts, with the attention core given: causalAttention
/// on whole sequences, ring attention on a sequence shard starting at position `start`.
func llamaLayer(_ layer: LlamaDecoderLayer, _ x: Tensor, config c: LlamaConfig, rope: RotaryTables, start: Int = 0,
                attention: (Tensor, Tensor, Tensor) -> Tensor = causalAttention) -> Tensor {
    let a = layer.selfAttn
    let input = layer.inputLayernorm(x)
    let (b, t) = (x.shape[0], x.shape[1])
    let (h, kv, d) = (c.nHeads, c.nKVHeads, c.headDim)
    let q = applyRotary(a.qProj(input).reshape([b, t, h, d]).transpose(1, 2), rope, start: start)
    let k = applyRotary(a.kProj(input).reshape([b, t, kv, d]).transpose(1, 2), rope, start: start)
    let v = a.vProj(input).reshape([b, t, kv, d]).transpose(1, 2)
    let y = attention(q, repeatKV(k, h / kv), repeatKV(v, h / kv))
    let hidden = x + a.oProj(y.transpose(1, 2).reshape([b, t, h * d]))
    return hidden + layer.mlp(layer.postAttentionLayernorm(hidden))
}

/// One stage of a model cut into a pipeline: what `PipelineParallel` runs.
public protocol PipelineStage: Module {
    /// This stage's index, and how many there are.
    var stage: Int { get }
    var stages: Int { get }
    /// Channels of the activation passed between stages ([b, T, width]).
    var width: Int { get }
    /// Stage 0: ids [b, T] -> the activation.
    func embed(_ ids: [Int], shape: [Int]) -> Tensor
    /// This stage's blocks: activation -> activation.
    func blocks(_ x: Tensor) -> Tensor
    /// The last stage: activation -> the mean cross-entropy of `targets` (b*T ids).
    func loss(_ x: Tensor, targets: [Int]) -> Tensor
}

/// Stage `stage` of `stages` of a llama: the embedding on the first, layers
/// stage*L/p ..< (stage+1)*L/p, the final norm, the head and the loss on the last. Its
/// parameters are the model's own tensors (no copy): cut it from a llama whose weights are loaded.
public final class LlamaPipelineStage: Module, PipelineStage {
    public let embedTokens: Module?
    public let layers: [Module]
    public let norm: RMSNorm?
    public let lmHead: Module?
    public let stage: Int, stages: Int
    let config: LlamaConfig
    let rope: RotaryTables
    let tensorParallel: ProcessGroup?
    public var width: Int { config.dim }

    /// The layers this stage holds, of a model of `layers` layers.
    public static func layerRange(stage: Int, stages: Int, layers: Int) -> Range<Int> {
        check(layers % stages == 0, "LlamaPipelineStage: \(layers) layers do not split into \(stages) equal stages")
        return (stage * layers / stages)..<((stage + 1) * layers / stages)
    }

    /// A stage of lego's (single-rank) llama.
    public init(_ llama: Llama, stage: Int, stages: Int) {
        check(llama.lmHead != nil, "LlamaPipelineStage: the head must be its own (tieEmbeddings: false)")
        let range = Self.layerRange(stage: stage, stages: stages, layers: llama.config.nLayers)
        embedTokens = stage == 0 ? llama.model.embedTokens : nil
        layers = Array(llama.model.layers[range])
        let last = stage == stages - 1
        (norm, lmHead) = last ? (llama.model.norm, llama.lmHead) : (nil, nil)
        (self.stage, self.stages, config, tensorParallel) = (stage, stages, llama.config, nil)
        rope = RotaryTables(headDim: llama.config.headDim, maxLen: llama.config.maxSeqLen, theta: llama.config.ropeTheta)
    }

    /// A stage of a tensor-parallel llama (3D: each stage's layers split over its tp group).
    public init(_ llama: TensorParallelLlama, stage: Int, stages: Int) {
        let range = Self.layerRange(stage: stage, stages: stages, layers: llama.config.nLayers)
        embedTokens = stage == 0 ? llama.model.embedTokens : nil
        layers = Array(llama.model.layers[range])
        let last = stage == stages - 1
        (norm, lmHead) = last ? (llama.model.norm, llama.lmHead) : (nil, nil)
        (self.stage, self.stages, config, tensorParallel) = (stage, stages, llama.config, llama.group)
        rope = llama.rope
    }

    /// Stage 0: ids [b, T] -> the embedding's activation [b, T, C].
    public func embed(_ ids: [Int], shape: [Int]) -> Tensor {
        switch embedTokens {
        case let e as Embedding: return e(ids, shape: shape)
        case let e as VocabParallelEmbedding: return e(ids, shape: shape)
        default: fail("LlamaPipelineStage: stage \(stage) has no embedding (only stage 0 does)")
        }
    }

    /// This stage's layers: [b, T, C] -> [b, T, C].
    public func blocks(_ x: Tensor) -> Tensor {
        layers.reduce(x) { x, layer in
            switch layer {
            case let l as LlamaDecoderLayer: return llamaLayer(l, x, config: config, rope: rope)
            case let l as TensorParallelLlamaDecoderLayer: return l.forward(x, rope: rope)
            default: fail("LlamaPipelineStage: unknown layer \(type(of: layer))")
            }
        }
    }

    /// The last stage: activation [b, T, C] -> the mean cross-entropy of `targets` (b*T ids).
    public func loss(_ x: Tensor, targets: [Int]) -> Tensor {
        guard let norm, let lmHead else { fail("LlamaPipelineStage: stage \(stage) has no head (only the last does)") }
        switch lmHead {
        case let head as Linear: return languageModelLoss(head(norm(x)), targets: targets)
        case let head as ColumnParallelLinear:
            let logits = head(norm(x))
            return vocabParallelCrossEntropy(logits.reshape([-1, logits.shape[2]]), targets: targets, group: tensorParallel!)
        default: fail("LlamaPipelineStage: unknown head \(type(of: lmHead))")
        }
    }
}

/// Runs training steps of one pipeline stage over the ranks of `group` (rank s = stage s).
public final class PipelineParallel: @unchecked Sendable {
    public let stage: any PipelineStage
    public let group: ProcessGroup
    public let schedule: PipelineSchedule
    public let microBatches: Int
    /// Data parallelism around the stage (3D): every backward but the last runs under noSync,
    /// so the last one reduces the micro-batches' summed gradients once.
    public let dataParallel: DataParallel?
    /// The ops this rank ran in its last step, in order (tests compare them with the schedule).
    public private(set) var ran: [PipelineOp] = []
    /// Micro-batches whose activations this rank held at once, at most, in its last step.
    public private(set) var peakInFlight = 0
    /// Seconds this rank's last step took, from its first op to its last (the loss's
    /// broadcast after them not counted), and the part of them it spent waiting in `recv` for
    /// a neighbour: its measured bubble (`picograd bench pipeline`).
    public private(set) var lastStepSeconds = 0.0, lastWaitSeconds = 0.0

    public init(_ stage: any PipelineStage, group: ProcessGroup, schedule: PipelineSchedule, microBatches: Int, dataParallel: DataParallel? = nil) {
        check(group.worldSize == stage.stages && group.rank == stage.stage,
              "PipelineParallel: stage \(stage.stage) of \(stage.stages) on rank \(group.rank) of a group of \(group.worldSize)")
        (self.stage, self.group, self.schedule, self.microBatches, self.dataParallel) = (stage, group, schedule, microBatches, dataParallel)
    }

    /// Forward and backward of the batch ids/targets [B, T] (every stage passes the same; only
    /// stage 0 reads ids, only the last reads targets) in micro-batches of B/m rows; the
    /// gradients of this stage's parameters are the whole batch's mean loss's. Returns that
    /// loss on every stage (the last stage broadcasts it).
    public func step(ids: [Int], targets: [Int], shape: [Int]) -> Float {
        let (b, t) = (shape[0], shape[1]), m = microBatches
        check(b % m == 0 && ids.count == b * t && targets.count == b * t,
              "PipelineParallel: a batch \(shape) (\(ids.count) ids, \(targets.count) targets) does not split into \(m) micro-batches")
        let rows = b / m, s = stage.stage, p = stage.stages
        let activation = [rows, t, stage.width]
        func slice(_ xs: [Int], _ i: Int) -> [Int] { Array(xs[(i * rows * t)..<((i + 1) * rows * t)]) }
        var inputs: [Int: Tensor] = [:], outputs: [Int: Tensor] = [:]
        var total: Float = 0
        (ran, peakInFlight) = ([], 0)
        var waited = 0.0
        func received(from rank: Int) -> Tensor {
            let start = monotonicSeconds()
            defer { waited += monotonicSeconds() - start }
            return group.recv(from: rank, shape: activation)
        }
        let started = monotonicSeconds()
        for op in schedule.order(stage: s, stages: p, microBatches: m) {
            ran.append(op)
            switch op {
            case .forward(let i):
                let x: Tensor
                if s == 0 { x = stage.embed(slice(ids, i), shape: [rows, t]) }
                else {
                    x = parameter(received(from: s - 1))
                    inputs[i] = x
                }
                let y = stage.blocks(x)
                if s == p - 1 {
                    let l = stage.loss(y, targets: slice(targets, i)) / Float(m)
                    total += l.item()
                    outputs[i] = l
                } else {
                    group.send(y.detach(), to: s + 1)
                    outputs[i] = y
                }
                peakInFlight = Swift.max(peakInFlight, outputs.count)
            case .backward(let i):
                let y = outputs.removeValue(forKey: i)!
                let upstream = s == p - 1 ? nil : received(from: s + 1)   // (waited for before the backward runs)
                let run = { if let g = upstream { y.backward(g) } else { y.backward() } }
                if let dp = dataParallel, i != m - 1 { dp.noSync(run) } else { run() }
                if s > 0 {
                    let x = inputs.removeValue(forKey: i)!
                    group.send(x.grad ?? Tensor.zeros(activation), to: s - 1)
                }
            }
        }
        dataParallel?.finishGradientSync()
        (lastStepSeconds, lastWaitSeconds) = (monotonicSeconds() - started, waited)
        return group.broadcast(Tensor([total], shape: [1]), root: p - 1).item()
    }
}

/// Stage `stage` of `stages` of GPT-2 (lego's GPT, blocks whole or tensor-parallel): wte and
/// wpe on the first stage, blocks stage*L/p ..< (stage+1)*L/p, ln_f, the head and the loss on
/// the last. Its parameters are the model's own tensors.
public final class GPTPipelineStage: Module, PipelineStage {
    public let wte: Embedding?
    public let wpe: Embedding?
    public let h: [Module]
    public let lnF: LayerNorm?
    public let lmHead: Linear?
    public let stage: Int, stages: Int
    public let width: Int

    /// A stage of `gpt` (untied head), its blocks replaced by `blocks` when given (tensor-parallel
    /// twins of all of gpt's blocks: this stage takes its range of them).
    public init(_ gpt: GPT, stage: Int, stages: Int, blocks: [Module]? = nil) {
        check(gpt.lmHead != nil, "GPTPipelineStage: the head must be its own (tiedHead: false)")
        let range = LlamaPipelineStage.layerRange(stage: stage, stages: stages, layers: gpt.config.nLayers)
        (wte, wpe) = stage == 0 ? (gpt.transformer.wte, gpt.transformer.wpe) : (nil, nil)
        h = Array((blocks ?? gpt.transformer.h)[range])
        (lnF, lmHead) = stage == stages - 1 ? (gpt.transformer.lnF, gpt.lmHead) : (nil, nil)
        (self.stage, self.stages, width) = (stage, stages, gpt.config.dim)
    }

    public func embed(_ ids: [Int], shape: [Int]) -> Tensor {
        guard let wte, let wpe else { fail("GPTPipelineStage: stage \(stage) has no embedding (only stage 0 does)") }
        return wte(ids, shape: shape) + wpe(Array(0..<shape[1]), shape: [shape[1]])
    }

    public func blocks(_ x: Tensor) -> Tensor { h.reduce(x) { $1($0) } }

    public func loss(_ x: Tensor, targets: [Int]) -> Tensor {
        guard let lnF, let lmHead else { fail("GPTPipelineStage: stage \(stage) has no head (only the last does)") }
        return languageModelLoss(lmHead(lnF(x)), targets: targets)
    }
}

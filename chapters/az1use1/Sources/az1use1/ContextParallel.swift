// Context parallelism: the sequence split over the ranks of a group, rank c holding positions
// c*T/N ..< (c+1)*T/N of every sequence, its queries, keys and values. Everything but
// attention is per position and runs on the shard alone; attention needs every earlier key.
//
// Ring attention. The key/value blocks travel around the ring (rank c sends to c+1, receives
// from c-1); at step s rank c holds block j = c - s (mod N) and attends its queries to it:
// causally masked when j = c, wholly when j < c, not at all when j > c (future positions).
// Each block gives a partial softmax: out_j (normalised over block j's keys alone) and its
// log-sum-exp lse_j = log sum_k exp(q k / sqrt D). Two partials merge exactly:
//
//   lse = log(exp(lse_a) + exp(lse_b)),   out = out_a exp(lse_a - lse) + out_b exp(lse_b - lse)
//
// so no rank ever holds the [T, T] scores, only [T/N, T/N] blocks (flash attention's trick,
// across ranks). Backward runs the ring again: the blocks travel with the gradients of their
// keys and values accumulated on every rank they visit, and after N hops each block's dk, dv
// is back at its owner. The queries' gradient stays local. (Causal masking leaves late ranks
// more work than early ones; real systems give each rank two mirrored chunks, zig-zag.)

/// Scores of q [B, H, t, D] against a block k [B, H, t, D]: q k^T / sqrt(D), causally masked
/// within the block when `diagonal` (the block holds the queries' own positions).
func blockScores(_ q: Tensor, _ k: Tensor, diagonal: Bool) -> Tensor {
    let (t, d) = (q.shape[2], q.shape[3])
    let scores = q.matmul(k.transpose(-2, -1)) / Float(d).squareRoot()
    guard diagonal else { return scores }
    var mask = [Float](repeating: 0, count: t * t)
    for i in 0..<t { for j in (i + 1)..<Swift.max(i + 1, t) { mask[i * t + j] = -Float.infinity } }
    return scores + Tensor(mask, shape: [t, t], device: q.device)
}

/// Merges a block's partial attention (out_b, lse_b) into the running (out_a, lse_a): the
/// softmax over the union of both blocks' keys. out [B, H, t, D], lse [B, H, t, 1].
public func mergeAttention(_ outA: Tensor, _ lseA: Tensor, _ outB: Tensor, _ lseB: Tensor) -> (out: Tensor, lse: Tensor) {
    // BEGIN SOLUTION az1use1.6: lse = log(exp(lseA) + exp(lseB)), computed from their maximum (no overflow); each out weighted by exp(its lse - lse)
    let top = lseA.maximum(lseB)
    let lse = top + ((lseA - top).exp() + (lseB - top).exp()).log()
    return (outA * (lseA - lse).exp() + outB * (lseB - lse).exp(), lse)
    // END SOLUTION az1use1.6
}

/// Causal attention of this rank's sequence shard over the whole sequence, the key/value
/// blocks passed around `group` (rank c holds positions c*t ..< (c+1)*t). q, k, v: [B, H, t, D]
/// (k and v with their heads repeated for grouped queries) -> [B, H, t, D], equal to rank c's
/// rows of causalAttention over the whole sequence; differentiable (backward is a second ring).
/// Sends 2(N-1) blocks forward, 2(N-1) + 2N backward (k, v, then dk, dv home).
public func ringAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, group: ProcessGroup) -> Tensor {
    check(q.rank == 4 && q.shape == k.shape && k.shape == v.shape,
          "ringAttention: q \(q.shape), k \(k.shape), v \(v.shape) must all be [B, H, t, D] (repeat the key/value heads first)")
    let (n, c) = (group.worldSize, group.rank)
    let (next, previous) = ((c + 1) % n, (c - 1 + n) % n)
    let op = CustomOp("ringAttention", forward: { x in
        let (q, k, v) = (x[0], x[1], x[2])
        var (kBlock, vBlock) = (k, v)
        var out = q, lse = q
        for step in 0..<n {
            let j = (c - step + n) % n
            if step < n - 1 { group.send(kBlock, to: next); group.send(vBlock, to: next) }
            if j <= c {
                let scores = blockScores(q, kBlock, diagonal: j == c)
                let blockLse = logsumexp(scores, dim: -1, keepdim: true)
                let blockOut = (scores - blockLse).exp().matmul(vBlock)
                (out, lse) = step == 0 ? (blockOut, blockLse) : mergeAttention(out, lse, blockOut, blockLse)
            }
            if step < n - 1 { kBlock = group.recv(from: previous, shape: k.shape); vBlock = group.recv(from: previous, shape: v.shape) }
        }
        return [out, lse]
    }, vjp: { context, gradients in
        let (q, k, v) = (context.inputs[0], context.inputs[1], context.inputs[2])
        let (out, lse, dOut) = (context.outputs[0], context.outputs[1], gradients[0])
        let scale = 1 / Float(q.shape[3]).squareRoot()
        let rowDot = (dOut * out).sum(dim: -1, keepdim: true)   // sum_k P dP = dO . O, per query
        var dq = Tensor.zeros(q.shape, device: q.device)
        var (kBlock, vBlock) = (k, v)
        var dk = Tensor.zeros(k.shape, device: k.device), dv = Tensor.zeros(v.shape, device: v.device)
        for step in 0..<n {
            let j = (c - step + n) % n
            if j <= c {
                let p = (blockScores(q, kBlock, diagonal: j == c) - lse).exp()
                dv = dv + p.transpose(-2, -1).matmul(dOut)
                let dScores = p * (dOut.matmul(vBlock.transpose(-2, -1)) - rowDot)
                dq = dq + dScores.matmul(kBlock) * scale
                dk = dk + dScores.transpose(-2, -1).matmul(q) * scale
            }
            // the block moves on with its gradients; after n hops it is home
            if step < n - 1 { group.send(kBlock, to: next); group.send(vBlock, to: next) }
            group.send(dk, to: next)
            group.send(dv, to: next)
            if step < n - 1 { kBlock = group.recv(from: previous, shape: k.shape); vBlock = group.recv(from: previous, shape: v.shape) }
            dk = group.recv(from: previous, shape: k.shape)
            dv = group.recv(from: previous, shape: v.shape)
        }
        return [dq, dk, dv]
    })
    return op([q, k, v])[0]
}

/// Sums (`op` .avg: averages) every parameter's gradient over `group`, in one flat all-reduce,
/// after backward: context-parallel ranks hold the same weights and each has the gradient of
/// its own positions' loss.
public func allReduceGradients(_ module: Module, group: ProcessGroup, op: ReduceOp = .avg) {
    let params = module.parameters()
    guard group.worldSize > 1, !params.isEmpty else { return }
    var flat: [Float] = []
    for p in params { flat += p.grad?.toArray() ?? [Float](repeating: 0, count: p.count) }
    let reduced = group.allReduce(Tensor(flat, shape: [flat.count]), op: op).toArray()
    var start = 0
    for p in params {
        p.grad = Tensor(Array(reduced[start..<(start + p.count)]), shape: p.shape, device: p.device)
        start += p.count
    }
}

/// lego's llama run on one sequence shard per rank of `group`, attention by ring.
public final class ContextParallelLlama: @unchecked Sendable {
    public let model: Llama
    public let group: ProcessGroup
    let rope: RotaryTables

    /// Wraps `model` (the same weights on every rank).
    public init(_ model: Llama, group: ProcessGroup) {
        check(model.lmHead != nil, "ContextParallelLlama: the head must be its own (tieEmbeddings: false)")
        (self.model, self.group) = (model, group)
        rope = RotaryTables(headDim: model.config.headDim, maxLen: model.config.maxSeqLen, theta: model.config.ropeTheta)
    }

    /// This rank's positions of `length`: c*length/N ..< (c+1)*length/N.
    public func positions(length: Int) -> Range<Int> {
        check(length % group.worldSize == 0, "ContextParallelLlama: \(length) positions do not split over \(group.worldSize) ranks")
        let t = length / group.worldSize
        return (group.rank * t)..<((group.rank + 1) * t)
    }

    /// The rows' columns this rank holds: ids [B, length] -> [B, length/N], row-major.
    public func shard(_ ids: [Int], shape: [Int]) -> [Int] {
        let range = positions(length: shape[1])
        return (0..<shape[0]).flatMap { b in range.map { ids[b * shape[1] + $0] } }
    }

    /// The mean loss of this rank's positions: ids and targets are its shard [B, length/N].
    /// Average it (and the gradients: allReduceGradients) over the group for the whole sequence's.
    public func localLoss(_ ids: [Int], targets: [Int], shape: [Int]) -> Tensor {
        let start = shape[1] * group.rank
        let c = model.config
        var x = model.model.embedTokens(ids, shape: shape)
        for layer in model.model.layers {
            x = llamaLayer(layer, x, config: c, rope: rope, start: start) { q, k, v in ringAttention(q, k, v, group: self.group) }
        }
        return languageModelLoss(model.lmHead!(model.model.norm(x)), targets: targets)
    }
}

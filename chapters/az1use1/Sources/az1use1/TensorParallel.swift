// Tensor parallelism (Megatron-LM): one layer's weight split across the ranks of a group, each
// rank computing its part of the layer. Communication enters the autograd graph through two
// conjugate custom ops (Megatron's f and g):
//
//   f  copyToTensorParallel:     forward identity,   backward all-reduce (sum)
//   g  reduceFromTensorParallel: forward all-reduce, backward identity
//
// f goes where a replicated activation fans out to the ranks' shards (each rank's shard sees
// the whole x, and x's gradient is the sum of what every shard sends back); g goes where
// the ranks' partial results are summed into a replicated activation (each partial result's
// gradient is the replicated gradient itself). A Megatron MLP or attention block is
// f, column-parallel, row-parallel, g: one all-reduce forward and one backward per block.

/// f: x on every rank (the same values) -> x; backward sums the ranks' gradients.
public func copyToTensorParallel(_ x: Tensor, group: ProcessGroup) -> Tensor {
    CustomOp("copyToTensorParallel", forward: { $0 }, vjp: { _, g in [group.allReduce(g[0], op: .sum)] })(x)
}

/// g: the ranks' partial results -> their sum on every rank; backward passes the gradient through.
public func reduceFromTensorParallel(_ x: Tensor, group: ProcessGroup) -> Tensor {
    CustomOp("reduceFromTensorParallel", forward: { [group.allReduce($0[0], op: .sum)] }, vjp: { _, g in [g[0]] })(x)
}

/// The ranks' x concatenated on the last dim, in rank order: [..., d] -> [..., N*d]; backward
/// keeps this rank's slice of the gradient.
public func gatherFromTensorParallel(_ x: Tensor, group: ProcessGroup) -> Tensor {
    let d = x.shape[x.rank - 1], r = group.rank
    return CustomOp("gatherFromTensorParallel", forward: { t in
        let last = t[0].rank - 1
        if last == 0 { return [group.allGather(t[0])] }
        let front = t[0].permute([last] + Array(0..<last)).contiguous()   // the last dim first: allGather joins dim 0
        return [group.allGather(front).permute(Array(1...last) + [0]).contiguous()]
    }, vjp: { _, g in [g[0].slice(dim: g[0].rank - 1, start: r * d, end: (r + 1) * d).contiguous()] })(x)
}

/// Part `rank` of `parts` equal slices of `full` along `dim` (a copy).
public func shard(_ full: Tensor, dim: Int, rank: Int, parts: Int) -> Tensor {
    let size = full.shape[dim]
    check(size % parts == 0, "shard: dim \(dim) of shape \(full.shape) does not split into \(parts) equal parts")
    return full.slice(dim: dim, start: rank * size / parts, end: (rank + 1) * size / parts).contiguous()
}

/// A layer whose tensors are slices of a single-rank twin's: it says how to cut each of them.
public protocol TensorParallelLayer: Module {
    /// This rank's part of the twin's tensor `name` ("weight", "bias").
    func shard(_ name: String, of full: Tensor) -> Tensor
}

/// Loads a tensor-parallel model from its single-rank twin's state dict (the same keys):
/// each parallel layer takes its slice, every other tensor is copied whole.
public func loadShardedStateDict(_ model: Module, from full: [String: Tensor]) throws {
    var mine: [String: Tensor] = [:]
    for (key, value) in full { mine[key] = value }
    for (name, module) in model.namedModules() {
        guard let layer = module as? TensorParallelLayer else { continue }
        let prefix = name.isEmpty ? "" : name + "."
        for (tensorName, _) in layer.stateDict() {
            if let whole = full[prefix + tensorName] { mine[prefix + tensorName] = layer.shard(tensorName, of: whole) }
        }
    }
    try model.loadStateDict(mine)
}

// The vocabulary split over the ranks of a tensor-parallel group: rank r holds the rows
// r*V/N ..< (r+1)*V/N of the embedding table and the same columns of the logits, so the
// biggest matrices of a language model (V x dim, twice) and the logits ([tokens, V], the
// biggest activation) are never whole on one rank.

/// An embedding table with its rows (token ids) split over `group`.
public final class VocabParallelEmbedding: Module, TensorParallelLayer {
    /// [V/N, dim]: the rows of ids vocabStart ..< vocabStart + V/N.
    public var weight: Tensor
    let group: ProcessGroup
    /// The first id this rank holds.
    public var vocabStart: Int { group.rank * weight.shape[0] }

    /// This rank's rows of a fresh Embedding(count, dim) (N(0, 1), like nn.Embedding).
    public init(_ count: Int, _ dim: Int, group: ProcessGroup) {
        check(count % group.worldSize == 0, "VocabParallelEmbedding: \(count) ids do not split over \(group.worldSize) ranks")
        weight = parameter(Tensor.randn([count / group.worldSize, dim]))
        self.group = group
    }

    public func shard(_ name: String, of full: Tensor) -> Tensor {
        az1use1.shard(full, dim: 0, rank: group.rank, parts: group.worldSize)
    }

    /// ids of `shape` (the same on every rank) -> [shape..., dim]: each rank looks up the ids it
    /// holds (zeros for the others), and g sums the ranks' lookups.
    public func callAsFunction(_ ids: [Int], shape: [Int]) -> Tensor {
        let (start, rows) = (vocabStart, weight.shape[0])
        let local = ids.map { (start..<(start + rows)).contains($0) ? $0 - start : 0 }
        let held = Tensor(ids.map { (start..<(start + rows)).contains($0) ? Float(1) : 0 }, shape: shape + [1], device: weight.device)
        return reduceFromTensorParallel(weight.embedding(local, idsShape: shape) * held, group: group)
    }
}

/// Cross-entropy over logits whose vocabulary is split over `group`: this rank's logits
/// [rows, V/N] are the columns rank*V/N ..< (rank+1)*V/N; targets are global ids, one per row.
/// Returns the mean loss over rows (0-d, the same on every rank), as
/// crossEntropy(all the logits, targets) would. Three all-reduces of [rows] floats, never [rows, V]:
///   m = max over the ranks of the local row max           (all-reduce max)
///   z = the target's logit - m, from the rank that holds it (all-reduce sum of masked values)
///   s = sum over the ranks of sum exp(logit - m)          (all-reduce sum)
///   loss_i = log s_i - z_i
/// Backward is local: d loss / d logit = (softmax - onehot) / rows, with the softmax of this
/// rank's columns exp(logit - m) / s.
public func vocabParallelCrossEntropy(_ logits: Tensor, targets: [Int], group: ProcessGroup) -> Tensor {
    check(logits.rank == 2 && targets.count == logits.shape[0],
          "vocabParallelCrossEntropy: logits of shape \(logits.shape) need one target per row, got \(targets.count)")
    let saved = SavedGradient()
    return CustomOp("vocabParallelCrossEntropy", forward: { t in
        let (loss, gradient) = vocabParallelCrossEntropyParts(t[0], targets: targets, group: group)
        saved.gradient = gradient
        return [loss]
    }, vjp: { _, g in
        guard let gradient = saved.gradient else { fail("vocabParallelCrossEntropy: backward ran before forward") }
        return [gradient * g[0]]
    })(logits)
}

/// The gradient a forward pass leaves for its backward (one op, one backward).
final class SavedGradient: @unchecked Sendable {
    var gradient: Tensor? = nil
}

/// The loss (0-d) and its gradient with respect to this rank's logits [rows, V/N].
func vocabParallelCrossEntropyParts(_ logits: Tensor, targets: [Int], group: ProcessGroup) -> (loss: Tensor, gradient: Tensor) {
    // BEGIN SOLUTION az1use1.4: mask = onehot [rows, V/N] of the targets this rank holds (columns start = rank*V/N on); m = all-reduce max of logits.max(dim: 1, keepdim: true); shifted = logits - m; z = all-reduce sum of (shifted * mask).sum(dim: 1); s = all-reduce sum of shifted.exp().sum(dim: 1); loss = (s.log() - z).mean(); gradient = (shifted.exp() / s[.., None] - mask) / rows
    let (rows, columns) = (logits.shape[0], logits.shape[1])
    let start = group.rank * columns
    var onehot = [Float](repeating: 0, count: rows * columns)   // 1 where this rank holds the target
    for (i, t) in targets.enumerated() where (start..<(start + columns)).contains(t) { onehot[i * columns + t - start] = 1 }
    let mask = Tensor(onehot, shape: [rows, columns], device: logits.device)
    let m = group.allReduce(logits.max(dim: 1, keepdim: true), op: .max)
    let shifted = logits - m
    let z = group.allReduce((shifted * mask).sum(dim: 1), op: .sum)
    let e = shifted.exp()
    let s = group.allReduce(e.sum(dim: 1), op: .sum)
    let loss = (s.log() - z).mean()
    let gradient = (e / s.unsqueeze(dim: 1) - mask) / Float(rows)
    return (loss, gradient)
    // END SOLUTION az1use1.4
}

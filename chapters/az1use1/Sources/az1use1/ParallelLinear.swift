// Megatron's two ways to split y = x W^T + b over N ranks (W: [out, in]).
//
// Column-parallel: W's rows (output features) split; rank r holds W_r [out/N, in] and b_r,
// sees the whole x (through f) and computes y_r = x W_r^T + b_r, its out/N columns of y.
// Row-parallel: W's columns (input features) split; rank r holds W_r [out, in/N], gets its
// in/N features x_r (a column-parallel layer's output, already split), computes the partial
// product x_r W_r^T, and the ranks sum their partials (g) before the bias is added once.
// A column-parallel layer followed by a row-parallel one (an MLP: up, then down) needs no
// communication between the two: the column layer's output split is the row layer's input split.

/// y = x W^T + b with W's output features split over `group` (rank r: rows r*out/N ..< (r+1)*out/N).
public final class ColumnParallelLinear: Module, TensorParallelLayer {
    /// [out/N, in]
    public var weight: Tensor
    /// [out/N], or nil.
    public var bias: Tensor?
    let group: ProcessGroup
    /// Whether forward all-gathers the ranks' outputs into the whole y.
    public let gatherOutput: Bool
    /// The output features are this many matrices stacked (GPT-2's fused q, k, v: 3); each
    /// is split on its own, so rank r holds rows of all of them (its heads of q, of k, of v).
    public let fusedParts: Int
    /// Whether forward puts f before the matmul; false when the caller applied f once to an x
    /// that several column-parallel layers read (q, k, v: one all-reduce of dx, not three).
    public let copiesInput: Bool

    /// This rank's part of a fresh Linear(in, out) (nn.Linear's init bound, 1/sqrt(in)).
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, group: ProcessGroup, gatherOutput: Bool = false,
                fusedParts: Int = 1, copiesInput: Bool = true) {
        check(outFeatures % (group.worldSize * fusedParts) == 0, "ColumnParallelLinear: \(outFeatures) output features do not split over \(group.worldSize) ranks (\(fusedParts) fused parts)")
        let bound = 1 / Float(inFeatures).squareRoot(), local = outFeatures / group.worldSize
        weight = parameter(Tensor.rand([local, inFeatures]) * (2 * bound) - bound)
        self.bias = bias ? parameter(Tensor.rand([local]) * (2 * bound) - bound) : nil
        (self.group, self.gatherOutput, self.fusedParts, self.copiesInput) = (group, gatherOutput, fusedParts, copiesInput)
    }

    /// This rank's slice of `full`'s weight and bias.
    public convenience init(sharding full: Linear, group: ProcessGroup, gatherOutput: Bool = false) {
        self.init(full.weight.shape[1], full.weight.shape[0], bias: full.bias != nil, group: group, gatherOutput: gatherOutput)
        loadSlices(of: full, into: self)
    }

    public func shard(_ name: String, of full: Tensor) -> Tensor {
        let part = full.shape[0] / fusedParts
        return cat((0..<fusedParts).map { k in
            az1use1.shard(full.slice(dim: 0, start: k * part, end: (k + 1) * part), dim: 0, rank: group.rank, parts: group.worldSize)
        }, dim: 0).contiguous()
    }

    /// x: [..., in] (the same on every rank) -> [..., out/N], or [..., out] with gatherOutput.
    public override func forward(_ x: Tensor) -> Tensor {
        let local = (copiesInput ? copyToTensorParallel(x, group: group) : x).matmul(weight.transpose(0, 1))
        let y = bias.map { local + $0 } ?? local
        return gatherOutput ? gatherFromTensorParallel(y, group: group) : y
    }
}

/// y = x W^T + b with W's input features split over `group` (rank r: columns r*in/N ..< (r+1)*in/N).
public final class RowParallelLinear: Module, TensorParallelLayer {
    /// [out, in/N]
    public var weight: Tensor
    /// [out] (whole on every rank, added after the sum), or nil.
    public var bias: Tensor?
    let group: ProcessGroup

    /// This rank's part of a fresh Linear(in, out).
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, group: ProcessGroup) {
        check(inFeatures % group.worldSize == 0, "RowParallelLinear: \(inFeatures) input features do not split over \(group.worldSize) ranks")
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = parameter(Tensor.rand([outFeatures, inFeatures / group.worldSize]) * (2 * bound) - bound)
        self.bias = bias ? parameter(Tensor.rand([outFeatures]) * (2 * bound) - bound) : nil
        self.group = group
    }

    /// This rank's slice of `full`'s weight (and all of its bias).
    public convenience init(sharding full: Linear, group: ProcessGroup) {
        self.init(full.weight.shape[1], full.weight.shape[0], bias: full.bias != nil, group: group)
        loadSlices(of: full, into: self)
    }

    public func shard(_ name: String, of full: Tensor) -> Tensor {
        name == "bias" ? full.contiguous() : az1use1.shard(full, dim: 1, rank: group.rank, parts: group.worldSize)
    }

    /// x_r: [..., in/N] (this rank's features) -> [..., out], the same on every rank.
    /// One custom op: forward sums the ranks' partial products (g), backward is local.
    public override func forward(_ x: Tensor) -> Tensor {
        check(x.shape.last == weight.shape[1], "RowParallelLinear: input of shape \(x.shape) does not end in this rank's \(weight.shape[1]) features")
        let group = self.group
        let y = CustomOp("rowParallelLinear", forward: { t in
            [group.allReduce(t[0].matmul(t[1].transpose(0, 1)), op: .sum)]
        }, vjp: { context, g in
            rowParallelLinearBackward(x: context.inputs[0], weight: context.inputs[1], gradient: g[0])
        })(x, weight)
        return bias.map { y + $0 } ?? y
    }
}

/// The row-parallel layer's backward, with y = sum_r x_r W_r^T and y's gradient G the same on
/// every rank: dx_r = G W_r and dW_r = G^T x_r (rows of every leading dim summed). Both use only
/// this rank's tensors: no communication (x_r's producer, a column-parallel layer, needs none).
/// x: [..., in/N], weight: [out, in/N], gradient: [..., out] -> [dx, dW].
func rowParallelLinearBackward(x: Tensor, weight: Tensor, gradient: Tensor) -> [Tensor?] {
    // BEGIN SOLUTION az1use1.3: dx = gradient.matmul(weight); dW = (gradient as [rows, out])^T matmul (x as [rows, in/N])
    let (out, inLocal) = (weight.shape[0], weight.shape[1])
    let dx = gradient.matmul(weight)
    let dw = gradient.reshape([-1, out]).transpose(0, 1).matmul(x.reshape([-1, inLocal]))
    return [dx, dw]
    // END SOLUTION az1use1.3
}

/// A parallel layer made from `full` takes its slices (shapes that follow from full's own).
func loadSlices(of full: Linear, into layer: Module) {
    do { try loadShardedStateDict(layer, from: full.stateDict()) } catch { fail("\(type(of: layer))(sharding:): \(error)") }
}

// Linear and Embedding: the two layers that hold most of a language model's weights.
//
// Initialization follows PyTorch so training curves look like torch's: nn.Linear draws
// weight and bias from U(-1/sqrt(in), 1/sqrt(in)) (kaiming-uniform with a = sqrt(5)),
// nn.Embedding from N(0, 1), both from dfdx's default generator (`manualSeed`).

/// Uniform samples in [-bound, bound) from the default generator.
func uniformInit(_ shape: [Int], bound: Float) -> Tensor {
    parameter(Tensor.rand(shape) * (2 * bound) - bound)
}

/// y = x W^T + b (torch.nn.Linear). weight [out, in], bias [out].
public final class Linear: Module {
    /// [outFeatures, inFeatures]
    public var weight: Tensor
    /// [outFeatures], or nil with `bias: false`.
    public var bias: Tensor?

    /// in -> out features; weight and bias drawn from U(-1/sqrt(in), 1/sqrt(in)) like nn.Linear.
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true) {
        check(inFeatures > 0 && outFeatures > 0, "Linear: feature counts must be positive, got \(inFeatures) and \(outFeatures)")
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = uniformInit([outFeatures, inFeatures], bound: bound)
        self.bias = bias ? uniformInit([outFeatures], bound: bound) : nil
    }

    /// A layer around existing tensors (a file's weights, on their device): weight [out, in]
    /// (float32, or a frozen weight in a block format), bias [out].
    public init(weight: Tensor, bias: Tensor? = nil) {
        check(weight.rank == 2 && (bias == nil || bias!.shape == [weight.shape[0]]),
              "Linear: weight of shape \(weight.shape) and bias of shape \(bias?.shape ?? []) do not fit [out, in] and [out]")
        self.weight = weight
        self.bias = bias
    }

    /// x: [..., in] -> [..., out]. Cost: 2 * rows * in * out flops.
    public override func forward(_ x: Tensor) -> Tensor {
        check(x.rank >= 1 && x.shape[x.rank - 1] == weight.shape[1],
              "Linear: input of shape \(x.shape) does not end in \(weight.shape[1]) features (weight \(weight.shape))")
        if weight.dtype.isQuantized {   // a frozen weight in a block format: the kernel reads it as it is
            let y = linear(x, weight)
            return bias.map { y + $0 } ?? y
        }
        // BEGIN SOLUTION lego.2: x.matmul(weight.transpose(0, 1)), then + bias if there is one
        let y = x.matmul(weight.transpose(0, 1))
        guard let bias else { return y }
        return y + bias
        // END SOLUTION lego.2
    }
}

/// A lookup table of `count` vectors of size `dim` (torch.nn.Embedding). weight [count, dim].
public final class Embedding: Module {
    /// [count, dim]
    public var weight: Tensor

    /// `count` vectors of size `dim`, drawn from N(0, 1) like nn.Embedding.
    public init(_ count: Int, _ dim: Int) {
        check(count > 0 && dim > 0, "Embedding: count and dim must be positive, got \(count) and \(dim)")
        weight = parameter(Tensor.randn([count, dim]))
    }

    /// A table around an existing tensor [count, dim] (float32 or a block format).
    public init(weight: Tensor) {
        check(weight.rank == 2, "Embedding: weight must be [count, dim], got shape \(weight.shape)")
        self.weight = weight
    }

    /// ids (int32, any shape) -> [ids..., dim]: the rows of the table (`embedding(ids)`).
    public override func forward(_ ids: Tensor) -> Tensor { weight.embedding(ids) }

    /// ids of shape `shape` -> [shape..., dim]: the rows of the table.
    public func callAsFunction(_ ids: [Int], shape: [Int]) -> Tensor {
        weight.embedding(ids, idsShape: shape)
    }
}

// LayerNorm (GPT-2) and RMSNorm (llama): rescale each vector to a standard size, then
// apply a learned per-channel gain. Both are composed from dfdx ops, so autodiff gives
// their (famously fiddly) backward passes for free.

/// (x - mean) / sqrt(var + eps) * weight + bias over the last dim (torch.nn.LayerNorm).
public final class LayerNorm: Module {
    /// [dim], initialized to ones.
    public var weight: Tensor
    /// [dim], initialized to zeros.
    public var bias: Tensor
    public let eps: Float

    /// Normalizes vectors of size `dim`; weight ones, bias zeros.
    public init(_ dim: Int, eps: Float = 1e-5) {
        weight = parameter(Tensor.ones([dim]))
        bias = parameter(Tensor.zeros([dim]))
        self.eps = eps
    }

    /// x: [..., dim] -> [..., dim]
    public override func forward(_ x: Tensor) -> Tensor {
        check(x.rank >= 1 && x.shape[x.rank - 1] == weight.shape[0],
              "LayerNorm: input of shape \(x.shape) does not end in \(weight.shape[0])")
        // one kernel where the backend has it (brrr's CPU backend); the composition below defines it
        if let y = fusedLayerNorm(x, weight: weight, bias: bias, eps: eps) { return y }
        // BEGIN SOLUTION lego.3: subtract x.mean(dim: -1, keepdim: true), divide by (population variance + eps).sqrt(), then * weight + bias
        let mean = x.mean(dim: -1, keepdim: true)
        let centered = x - mean
        let variance = (centered * centered).mean(dim: -1, keepdim: true)
        return centered / (variance + eps).sqrt() * weight + bias
        // END SOLUTION lego.3
    }
}

/// x / sqrt(mean(x^2) + eps) * weight over the last dim (llama's RMSNorm, torch.nn.RMSNorm).
public final class RMSNorm: Module {
    /// [dim], initialized to ones.
    public var weight: Tensor
    public let eps: Float

    /// Normalizes vectors of size `dim`; weight ones.
    public init(_ dim: Int, eps: Float) {
        weight = parameter(Tensor.ones([dim]))
        self.eps = eps
    }

    /// Around an existing gain [dim] (a file's, on its device).
    public init(weight: Tensor, eps: Float) {
        check(weight.rank == 1, "RMSNorm: weight must be [dim], got shape \(weight.shape)")
        self.weight = weight
        self.eps = eps
    }

    /// x: [..., dim] -> [..., dim]
    public override func forward(_ x: Tensor) -> Tensor {
        check(x.rank >= 1 && x.shape[x.rank - 1] == weight.shape[0],
              "RMSNorm: input of shape \(x.shape) does not end in \(weight.shape[0])")
        // one kernel where the backend has it (brrr's CPU backend); the composition below defines it
        if let y = fusedRMSNorm(x, weight: weight, eps: eps) { return y }
        // BEGIN SOLUTION lego.4: divide by the root of the mean square over the last dim (mean(dim: -1, keepdim: true), plus eps), then * weight
        let meanSquare = (x * x).mean(dim: -1, keepdim: true)
        return x / (meanSquare + eps).sqrt() * weight
        // END SOLUTION lego.4
    }
}

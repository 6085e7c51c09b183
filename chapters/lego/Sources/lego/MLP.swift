// The position-wise feed-forward networks of the two transformer families.

/// GPT-2's MLP: c_proj(gelu(c_fc(x))), hidden size 4 * dim.
public final class MLP: Module {
    public let cFc: Linear
    public let cProj: Linear

    /// dim -> hidden -> dim.
    public init(dim: Int, hidden: Int) {
        cFc = Linear(dim, hidden)
        cProj = Linear(hidden, dim)
    }

    /// x: [..., dim] -> [..., dim]
    public override func forward(_ x: Tensor) -> Tensor { cProj(gelu(cFc(x))) }
}

/// llama's SwiGLU: down_proj(silu(gate_proj(x)) * up_proj(x)), no biases.
public final class SwiGLU: Module {
    public let gateProj: Linear
    public let upProj: Linear
    public let downProj: Linear

    /// dim -> hidden (gated) -> dim.
    public init(dim: Int, hidden: Int) {
        gateProj = Linear(dim, hidden, bias: false)
        upProj = Linear(dim, hidden, bias: false)
        downProj = Linear(hidden, dim, bias: false)
    }

    /// Around existing projections.
    public init(gateProj: Linear, upProj: Linear, downProj: Linear) {
        (self.gateProj, self.upProj, self.downProj) = (gateProj, upProj, downProj)
    }

    /// x: [..., dim] -> [..., dim]
    public override func forward(_ x: Tensor) -> Tensor {
        // BEGIN SOLUTION lego.9: gateProj(x).silu() times upProj(x), then downProj
        return downProj(gateProj(x).silu() * upProj(x))
        // END SOLUTION lego.9
    }
}

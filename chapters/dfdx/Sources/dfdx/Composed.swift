// Everything else is composed from primitives, so its gradient and tangent come for free.

extension Tensor {
    public func exp() -> Tensor { unary(.exp) }
    public func log() -> Tensor { unary(.log) }
    public func sqrt() -> Tensor { unary(.sqrt) }
    public func sin() -> Tensor { unary(.sin) }
    public func reciprocal() -> Tensor { unary(.reciprocal) }
    /// cos x = sin(x + pi/2).
    public func cos() -> Tensor { (self + Float.pi / 2).sin() }
    /// 1 / (1 + e^-x), computed so that no step overflows: with e = e^-|x| (at most 1),
    /// sigmoid is 1 / (1 + e) for x >= 0 and e / (1 + e) below. (The textbook 1 / (1 + e^-x)
    /// overflows e^-x below x = -88.7, and exp's VJP then multiplies 0 by inf: a NaN gradient.)
    public func sigmoid() -> Tensor {
        let (positive, sign) = signMask()
        let e = (-(self * sign)).exp()
        return Tensor.where(positive, 1 / (1 + e), e / (1 + e))
    }
    /// tanh x = sign(x) (1 - e) / (1 + e) with e = e^(-2|x|) (at most 1, so nothing overflows).
    public func tanh() -> Tensor {
        let (_, sign) = signMask()
        let e = (-2 * (self * sign)).exp()
        return (1 - e) / (1 + e) * sign
    }
    /// log(1 + e^x) (torch.nn.functional.softplus), as max(x, 0) + log(1 + e^-|x|).
    public func softplus() -> Tensor {
        let (positive, sign) = signMask()
        return self * positive + (1 + (-(self * sign)).exp()).log()
    }
    /// The Gauss error function (a primitive: libm's erff; its VJP is 2/sqrt(pi) e^(-x^2)).
    public func erf() -> Tensor { unary(.erf) }
    /// GELU, exactly: x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)) (torch.nn.functional.gelu).
    public func gelu() -> Tensor { 0.5 * self * (1 + (self * (1 / Float(2).squareRoot())).erf()) }

    /// (1 where x >= 0 else 0, +1 where x >= 0 else -1), as constants (no gradient): they pick
    /// the branch of a stable formula and make -x * sign = -|x| with the right slope at 0.
    func signMask() -> (Tensor, Tensor) {
        withNoGrad {
            let positive = 1 - lt(0)
            return (positive, 2 * positive - 1)
        }
    }
    /// max(x, 0); the gradient at 0 is 0, as in torch.
    public func relu() -> Tensor { Tensor.where(gt(0), self, Tensor.zeros([], device: device)) }
    /// |x| = max(x, -x); the gradient at 0 is 0.
    public func abs() -> Tensor { maximum(-self) }
    /// x^e elementwise (x*x for e = 2, so negative bases work like in torch).
    public func pow(_ e: Float) -> Tensor {
        if e == 2 { return self * self }
        if e == 1 { return self }
        return binary(.pow, Tensor.full(shape, e, device: device))
    }
    /// x^y elementwise with broadcasting.
    public func pow(_ other: Tensor) -> Tensor { let (x, y) = Tensor.broadcast(self, other, op: "pow"); return x.binary(.pow, y) }
    /// x * x.
    public func square() -> Tensor { self * self }
    /// x * sigmoid(x) (SiLU / swish).
    public func silu() -> Tensor { self * sigmoid() }
}

/// log(sum(exp(x))) over `dim`, computed stably by subtracting the max first.
public func logsumexp(_ x: Tensor, dim: Int, keepdim: Bool = false) -> Tensor {
    // BEGIN SOLUTION dfdx.23: m = x.max(dim:keepdim: true) inside withNoGrad; (x - m).exp().sum(dim:keepdim: true).log() + m; squeeze(dim:) unless keepdim
    let m = withNoGrad { x.max(dim: dim, keepdim: true) }
    let r = (x - m).exp().sum(dim: dim, keepdim: true).log() + m
    return keepdim ? r : r.squeeze(dim: dim)
    // END SOLUTION dfdx.23
}

/// exp(x) / sum(exp(x)) over `dim`, stable for large inputs.
public func softmax(_ x: Tensor, dim: Int) -> Tensor {
    // one kernel where the backend has it (Fused.swift); the composition below defines it
    let lastDim = x.rank > 0 && (dim == -1 || dim == x.rank - 1)
    if lastDim, let y = fusedSoftmax(x) { return y }
    // over the last dim the composition's values carry the fused kernel's derivative, which
    // reads the output only (recordSoftmax): a compiled backward (chapter 4) then reads y,
    // which the forward keeps anyway for the product after it, instead of computing exp and
    // its sum again
    let m = withNoGrad { x.max(dim: dim, keepdim: true) }
    func composed() -> Tensor {
        let e = (x - m).exp()
        return e / e.sum(dim: dim, keepdim: true)
    }
    return lastDim ? recordSoftmax(withNoGrad(composed), of: x) : composed()
}

/// log(softmax(x)) over `dim` = x - logsumexp(x).
public func logSoftmax(_ x: Tensor, dim: Int) -> Tensor {
    x - logsumexp(x, dim: dim, keepdim: true)
}

/// Mean negative log-likelihood of `targets` under softmax(logits): logits [N, C], targets N ids.
/// Targets equal to `ignoreIndex` count neither in the sum nor in the mean (like torch).
public func crossEntropy(_ logits: Tensor, targets: [Int], ignoreIndex: Int? = nil, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    check(logits.rank == 2, "crossEntropy: logits must be [N, C], got shape \(logits.shape)", file: file, line: line)
    let (n, c) = (logits.shape[0], logits.shape[1])
    check(targets.count == n, "crossEntropy: \(targets.count) targets for logits of shape \(logits.shape)", file: file, line: line)
    for t in targets where t != ignoreIndex {
        check(t >= 0 && t < c, "crossEntropy: target \(t) is out of range for \(c) classes (logits shape \(logits.shape))", file: file, line: line)
    }
    // BEGIN SOLUTION dfdx.24: logSoftmax(logits, dim: 1), gather each row's target (rows equal to ignoreIndex: index 0, weight 0), then minus the weighted sum over the number of counted rows
    let kept = targets.map { $0 == ignoreIndex ? Float(0) : 1 }
    let safe = targets.map { $0 == ignoreIndex ? 0 : $0 }
    let picked = logSoftmax(logits, dim: 1).gather(dim: 1, index: safe, indexShape: [n, 1]).reshape([n])
    let weights = Tensor(kept, shape: [n], device: logits.device)
    return -(picked * weights).sum() / Swift.max(kept.reduce(0, +), 1)
    // END SOLUTION dfdx.24
}

/// crossEntropy with the targets as an int32 tensor [N] (torch's F.cross_entropy(logits, Y)):
/// logits [N, C]. Composed on the device: no id comes back to the host (an id out of range
/// stops in gather). Targets equal to `ignoreIndex` count neither in the sum nor in the mean.
public func crossEntropy(_ logits: Tensor, targets: Tensor, ignoreIndex: Int? = nil, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    check(logits.rank == 2, "crossEntropy: logits must be [N, C], got shape \(logits.shape)", file: file, line: line)
    check(targets.dtype == .int32, "crossEntropy: targets must be int32, got \(targets.dtype) (shape \(targets.shape)); convert with to(.int32)", file: file, line: line)
    let n = logits.shape[0]
    check(targets.shape == [n], "crossEntropy: targets of shape \(targets.shape) for logits of shape \(logits.shape) (expected [\(n)])", file: file, line: line)
    let logProbs = logSoftmax(logits, dim: 1)
    guard let ignoreIndex else {
        return -logProbs.gather(dim: 1, index: targets.reshape([n, 1])).mean()
    }
    let kept = withNoGrad { 1 - targets.eq(targets.scalar(Float(ignoreIndex))) }          // float32 [N]
    let safe = withNoGrad { (targets.to(.float32) * kept).to(.int32) }                    // ignored rows read class 0
    let picked = logProbs.gather(dim: 1, index: safe.reshape([n, 1])).reshape([n])
    return -(picked * kept).sum() / kept.sum().maximum(Tensor.ones([], device: logits.device))
}

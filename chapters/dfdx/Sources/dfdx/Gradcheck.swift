// Checking a gradient by finite differences, as torch.autograd.gradcheck does: nudge one
// input element by +h and -h, and the change of the output, divided by 2h, is the partial
// derivative to second order in h. Run it on your own op: if backward disagrees with the
// differences, the VJP is wrong (or the op is not differentiable there).
//
// The tensors are float32, so h cannot be tiny (the rounding error of f grows like ulp/h):
// the default h = 1e-2 balances that against the h^2 error of the formula, and the sums are
// taken in Double.

/// Central differences of L = sum(f(inputs) * upstream) with respect to every element of
/// inputs[i], in row-major order. Cost: two evaluations of f per element.
public func numericalGradient(_ f: ([Tensor]) -> Tensor, _ inputs: [Tensor], upstream: Tensor, of i: Int,
                              eps: Float = 1e-2) -> [Double] {
    check(inputs.indices.contains(i), "numericalGradient: no input \(i) among \(inputs.count)")
    let v = upstream.toArray().map(Double.init)
    /// L at the given values of input i (the other inputs as they are), summed in Double.
    func loss(_ values: [Float]) -> Double {
        var args = inputs.map { $0.detach() }
        args[i] = Tensor(values, shape: inputs[i].shape, device: inputs[i].device)
        let out = withNoGrad { f(args) }.toArray()
        check(out.count == v.count, "numericalGradient: f returned \(out.count) values, upstream has \(v.count)")
        return zip(out, v).reduce(0) { $0 + Double($1.0) * $1.1 }
    }
    // BEGIN SOLUTION dfdx.31: x = inputs[i].toArray(); for each element k: L at x with x[k] + eps and at x with x[k] - eps; the partial is their difference over the step actually taken (Double(x[k] + eps) - Double(x[k] - eps), as float32 rounds it)
    let x = inputs[i].toArray()
    var grad = [Double](repeating: 0, count: x.count)
    for k in x.indices {
        var plus = x, minus = x
        plus[k] += eps
        minus[k] -= eps
        grad[k] = (loss(plus) - loss(minus)) / (Double(plus[k]) - Double(minus[k]))
    }
    return grad
    // END SOLUTION dfdx.31
}

/// What gradcheck found: the worst element, where backward and the differences disagree most.
public struct GradcheckResult: CustomStringConvertible, Sendable {
    public let passed: Bool
    public let input: Int, index: Int
    public let analytic: Double, numeric: Double

    public var description: String {
        "gradcheck \(passed ? "passed" : "FAILED"): worst at input \(input), element \(index): backward \(analytic), central differences \(numeric)"
    }
}

/// Compares backward with central differences for every input that requires grad, with a
/// random upstream gradient (seeded); passes when |analytic - numeric| <= atol + rtol |numeric|
/// everywhere (the tolerances suit float32 and h = 1e-2).
public func gradcheck(_ f: ([Tensor]) -> Tensor, _ inputs: [Tensor], eps: Float = 1e-2,
                      rtol: Double = 1e-2, atol: Double = 1e-3, seed: UInt64 = 0) -> GradcheckResult {
    let leaves = inputs.map { t -> Tensor in let l = t.detach(); l.requiresGrad = t.requiresGrad; return l }
    let out = f(leaves)
    var g = Generator(seed: seed)
    let upstream = Tensor.randn(out.shape, generator: &g, device: out.device)
    out.backward(upstream)
    var worst = GradcheckResult(passed: true, input: 0, index: 0, analytic: 0, numeric: 0)
    var worstExcess = -Double.infinity
    for (i, leaf) in leaves.enumerated() where leaf.requiresGrad {
        let analytic = (leaf.grad?.toArray() ?? [Float](repeating: 0, count: leaf.count)).map(Double.init)
        let numeric = numericalGradient(f, inputs, upstream: upstream, of: i, eps: eps)
        for k in numeric.indices {
            let excess = Swift.abs(analytic[k] - numeric[k]) - (atol + rtol * Swift.abs(numeric[k]))
            if excess > worstExcess {
                worstExcess = excess
                worst = GradcheckResult(passed: excess <= 0, input: i, index: k, analytic: analytic[k], numeric: numeric[k])
            }
        }
    }
    return worst
}

// Fused kernels: a composition that a backend may run as one kernel, as eager PyTorch runs
// softmax or RMSNorm as one. The composition stays the definition (and the reference
// backend's way); a backend that has a kernel for it (brrr's CPU backend) is asked first.
// The kernel's output gets its own autograd node, whose VJP is the composition's gradient
// written out (the same values the chain rule gives through the composition), so training
// through a fused kernel keeps no intermediate tensors.

/// The compositions a backend may fuse.
public enum FusedKernel: Hashable, Sendable, CustomStringConvertible {
    /// exp(x - max) / sum(exp(x - max)) over the last dim: inputs [x].
    case softmax
    /// x / sqrt(mean(x * x over the last dim) + eps) * weight: inputs [x, weight [D]].
    case rmsNorm(eps: Float)

    public var description: String {
        switch self {
        case .softmax: "fused_softmax"
        case .rmsNorm: "fused_rms_norm"
        }
    }
}

/// A backend with fused kernels.
public protocol FusedBackend: Backend {
    /// True when this backend runs `kernel` on inputs with these views (float32, one device).
    func canFuse(_ kernel: FusedKernel, _ inputs: [StridedView]) -> Bool
    /// out (contiguous, inputs[0]'s shape) = kernel(inputs).
    func fused(_ kernel: FusedKernel, _ inputs: [StridedView], out: any Buffer)
}

/// Whether fused kernels are used at all (PICOGRAD_FUSED=0 turns them off: every function
/// then runs its composition, e.g. to compare the two).
public enum Fusion {
    public static let isEnabled: Bool = environment("PICOGRAD_FUSED") != "0"

    /// `kernel` of `inputs` through its function (fused again where the backend can, else the
    /// composition): how a recorded `.fused` primitive replays.
    static func apply(_ kernel: FusedKernel, _ inputs: [Tensor]) -> Tensor {
        switch kernel {
        case .softmax: return softmax(inputs[0], dim: -1)
        case .rmsNorm(let eps):
            if let y = fusedRMSNorm(inputs[0], weight: inputs[1], eps: eps) { return y }
            return inputs[0] / ((inputs[0] * inputs[0]).mean(dim: -1, keepdim: true) + eps).sqrt() * inputs[1]
        }
    }

    /// The kernel's output when the inputs' backend fuses it, else nil.
    static func forward(_ kernel: FusedKernel, _ inputs: [Tensor]) -> Tensor? {
        guard isEnabled, let backend = inputs[0].backend as? FusedBackend,
              inputs.allSatisfy({ $0.device == inputs[0].device && $0.dtype == .float32 }),
              backend.canFuse(kernel, inputs.map(\.stridedView)) else { return nil }
        return Dispatch.run(.fused(kernel), inputs, shape: inputs[0].shape) { b, out in
            (b as! any FusedBackend).fused(kernel, inputs.map(\.stridedView), out: out)
        }
    }
}

/// softmax over the last dim by the backend's fused kernel, or nil when it has none.
func fusedSoftmax(_ x: Tensor) -> Tensor? {
    guard let y = Fusion.forward(.softmax, [x]) else { return nil }
    // d softmax: y * (g - sum(g * y)) over the last dim (the same for tangents)
    return record(y, .fused(.softmax), [x], saves: .output,
                  vjp: { g in [y * (g - (g * y).sum(dim: -1, keepdim: true))] },
                  jvp: { t in t[0].map { y * ($0 - ($0 * y).sum(dim: -1, keepdim: true)) } })
}

/// RMSNorm (x / sqrt(mean(x^2, last dim) + eps) * weight) by the backend's fused kernel, or
/// nil when it has none (the caller runs its composition).
public func fusedRMSNorm(_ x: Tensor, weight: Tensor, eps: Float) -> Tensor? {
    guard let y = Fusion.forward(.rmsNorm(eps: eps), [x, weight]) else { return nil }
    let d = x.shape[x.rank - 1]
    // With r = 1 / sqrt(mean(x^2) + eps) per row and y = x r w:
    //   dx = r (g w) - x r^3 mean(g w x),   dw = sum over rows of g x r.
    func inverseRMS(_ x: Tensor) -> Tensor { ((x * x).mean(dim: -1, keepdim: true) + eps).sqrt().reciprocal() }
    return record(y, .fused(.rmsNorm(eps: eps)), [x, weight], saves: .inputs,
                  vjp: { g in
                      let r = inverseRMS(x), gw = g * weight
                      let dx = r * gw - x * (r * r * r) * (gw * x).mean(dim: -1, keepdim: true)
                      let dw = (g * x * r).reshape([-1, d]).sum(dim: 0)
                      return [dx, dw]
                  },
                  jvp: { t in
                      let r = inverseRMS(x)
                      var out: Tensor? = nil
                      if let tx = t[0] { out = weight * (r * tx - x * (r * r * r) * (x * tx).mean(dim: -1, keepdim: true)) }
                      if let tw = t[1] { let part = x * r * tw; out = out.map { $0 + part } ?? part }
                      return out
                  })
}

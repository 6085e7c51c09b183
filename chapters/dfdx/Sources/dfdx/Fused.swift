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
    /// (x - mean) / sqrt(var + eps) * weight + bias over the last dim: inputs [x, weight, bias].
    case layerNorm(eps: Float)
    /// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), elementwise: inputs [x].
    case geluTanh
    /// softmax(q k^T * scale + mask) v: inputs [q [B, H, R, D], k [B, H, S, D], v [B, H, S, D],
    /// mask [R, S] (added to the scores; -inf hides a key)]; the output is [B, H, R, D].
    case attention(scale: Float)
    /// RoPE with rotate_half: x * cos + cat(-x2, x1) * sin, inputs [x [B, H, T, D], cos [T, D],
    /// sin [T, D]]; the output is x's shape (contiguous).
    case rotary

    public var description: String {
        switch self {
        case .softmax: "fused_softmax"
        case .rmsNorm: "fused_rms_norm"
        case .layerNorm: "fused_layer_norm"
        case .geluTanh: "fused_gelu_tanh"
        case .rotary: "fused_rotary"
        case .attention: "fused_attention"
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
    /// PICOGRAD_FUSED=0 turns fused kernels off for the whole process.
    public static let isEnabledByEnvironment: Bool = environment("PICOGRAD_FUSED") != "0"
    /// Set by `withoutFusion` for the current task/thread.
    @TaskLocal static var disabledHere = false
    /// Whether this task uses fused kernels now.
    public static var isEnabled: Bool { isEnabledByEnvironment && !disabledHere }

    /// Runs `body` with every fused function running its composition (this task only): a
    /// graph compiler traces the primitives and does its own fusion.
    public static func withoutFusion<T>(_ body: () throws -> T) rethrows -> T {
        try $disabledHere.withValue(true, operation: body)
    }

    /// `kernel` of `inputs` through its function (fused again where the backend can, else the
    /// composition): how a recorded `.fused` primitive replays.
    static func apply(_ kernel: FusedKernel, _ inputs: [Tensor]) -> Tensor {
        switch kernel {
        case .softmax: return softmax(inputs[0], dim: -1)
        case .rmsNorm(let eps):
            if let y = fusedRMSNorm(inputs[0], weight: inputs[1], eps: eps) { return y }
            return inputs[0] / ((inputs[0] * inputs[0]).mean(dim: -1, keepdim: true) + eps).sqrt() * inputs[1]
        case .layerNorm(let eps):
            if let y = fusedLayerNorm(inputs[0], weight: inputs[1], bias: inputs[2], eps: eps) { return y }
            let c = inputs[0] - inputs[0].mean(dim: -1, keepdim: true)
            return c / ((c * c).mean(dim: -1, keepdim: true) + eps).sqrt() * inputs[1] + inputs[2]
        case .attention(let scale):
            if let y = fusedAttention(inputs[0], inputs[1], inputs[2], mask: inputs[3], scale: scale) { return y }
            return softmax(inputs[0].matmul(inputs[1].transpose(-2, -1)) * scale + inputs[3], dim: -1).matmul(inputs[2])
        case .rotary:
            if let y = fusedRotary(inputs[0], cos: inputs[1], sin: inputs[2]) { return y }
            return inputs[0] * inputs[1] + rotateHalf(inputs[0]) * inputs[2]
        case .geluTanh:
            if let y = fusedGeluTanh(inputs[0]) { return y }
            let x = inputs[0]
            return 0.5 * x * (1 + ((x + 0.044715 * x * x * x) * (2 / Float.pi).squareRoot()).tanh())
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
    return recordSoftmax(y, of: x)
}

/// `out`, softmax(x) over the last dim however it was computed, with its derivative written in
/// terms of the output: y * (g - sum(g * y)) over the last dim (the same for tangents).
func recordSoftmax(_ out: Tensor, of x: Tensor) -> Tensor {
    let y = OutputRef(out, needed: recordsAutodiff(x))
    return record(out, .fused(.softmax), [x], saves: .output,
                  vjp: { g in let y = y(); return [y * (g - (g * y).sum(dim: -1, keepdim: true))] },
                  jvp: { t in let y = y(); return t[0].map { y * ($0 - ($0 * y).sum(dim: -1, keepdim: true)) } })
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

/// LayerNorm ((x - mean) / sqrt(var + eps) * weight + bias over the last dim) by the backend's
/// fused kernel, or nil when it has none.
public func fusedLayerNorm(_ x: Tensor, weight: Tensor, bias: Tensor, eps: Float) -> Tensor? {
    guard let y = Fusion.forward(.layerNorm(eps: eps), [x, weight, bias]) else { return nil }
    let d = x.shape[x.rank - 1]
    // With xhat = (x - mean) r, r = 1 / sqrt(var + eps) per row, y = xhat w + b:
    //   dx = r (g w - mean(g w) - xhat mean(g w xhat)),  dw = sum of g xhat,  db = sum of g.
    func normalized(_ x: Tensor) -> (xhat: Tensor, r: Tensor) {
        let c = x - x.mean(dim: -1, keepdim: true)
        let r = ((c * c).mean(dim: -1, keepdim: true) + eps).sqrt().reciprocal()
        return (c * r, r)
    }
    return record(y, .fused(.layerNorm(eps: eps)), [x, weight, bias], saves: .inputs,
                  vjp: { g in
                      let (xhat, r) = normalized(x), gw = g * weight
                      let dx = r * (gw - gw.mean(dim: -1, keepdim: true) - xhat * (gw * xhat).mean(dim: -1, keepdim: true))
                      return [dx, (g * xhat).reshape([-1, d]).sum(dim: 0), g.reshape([-1, d]).sum(dim: 0)]
                  },
                  jvp: { t in
                      let (xhat, r) = normalized(x)
                      var out: Tensor? = nil
                      func add(_ part: Tensor) { out = out.map { $0 + part } ?? part }
                      if let tx = t[0] {
                          let tc = tx - tx.mean(dim: -1, keepdim: true)
                          add(weight * r * (tc - xhat * (xhat * tc).mean(dim: -1, keepdim: true)))
                      }
                      if let tw = t[1] { add(xhat * tw) }
                      if let tb = t[2] { add(tb.expand(x.shape)) }
                      return out
                  })
}

/// GELU with the tanh approximation by the backend's fused kernel, or nil when it has none.
public func fusedGeluTanh(_ x: Tensor) -> Tensor? {
    guard let y = Fusion.forward(.geluTanh, [x]) else { return nil }
    // d/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 * 0.044715 x^2), t = tanh(c (x + 0.044715 x^3))
    func derivative(_ x: Tensor) -> Tensor {
        let c = (2 / Float.pi).squareRoot()
        let t = ((x + 0.044715 * x * x * x) * c).tanh()
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
    }
    return record(y, .fused(.geluTanh), [x], saves: .inputs,
                  vjp: { g in [g * derivative(x)] }, jvp: { t in t[0].map { $0 * derivative(x) } })
}

/// cat(-x2, x1) over the last dim (x1, x2 its halves): RoPE's rotation by 90 degrees.
func rotateHalf(_ x: Tensor) -> Tensor {
    let d = x.shape[x.rank - 1]
    return cat([-x.slice(dim: x.rank - 1, start: d / 2, end: d), x.slice(dim: x.rank - 1, start: 0, end: d / 2)], dim: x.rank - 1)
}

/// RoPE (x * cos + rotate_half(x) * sin, x [B, H, T, D], cos and sin [T, D]) by the backend's
/// fused kernel, or nil when it has none.
public func fusedRotary(_ x: Tensor, cos: Tensor, sin: Tensor) -> Tensor? {
    guard x.rank == 4, let y = Fusion.forward(.rotary, [x, cos, sin]) else { return nil }
    // linear in x: the transpose of rotate_half is cat(y2, -y1) = -rotate_half(y)
    let d = x.shape[3]
    return record(y, .fused(.rotary), [x, cos, sin], saves: .inputs,
                  vjp: { g in
                      let dx = g * cos - rotateHalf(g * sin)
                      let dcos = cos.requiresGrad ? (g * x).reshape([-1, x.shape[2], d]).sum(dim: 0) : nil
                      let dsin = sin.requiresGrad ? (g * rotateHalf(x)).reshape([-1, x.shape[2], d]).sum(dim: 0) : nil
                      return [dx, dcos, dsin]
                  },
                  jvp: { t in
                      var out: Tensor? = t[0].map { $0 * cos + rotateHalf($0) * sin }
                      if let tc = t[1] { let part = x * tc; out = out.map { $0 + part } ?? part }
                      if let ts = t[2] { let part = rotateHalf(x) * ts; out = out.map { $0 + part } ?? part }
                      return out
                  })
}

/// Attention (softmax(q k^T * scale + mask) v over the last two dims, q [B, H, R, D], k and v
/// [B, H, S, D], mask [R, S]) by the backend's fused kernel, or nil when it has none. Each
/// query row's scores live only inside the kernel: nothing of size R x S is written.
public func fusedAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor, mask: Tensor, scale: Float) -> Tensor? {
    guard q.rank == 4, k.rank == 4, v.rank == 4, mask.rank == 2,
          let y = Fusion.forward(.attention(scale: scale), [q, k, v, mask]) else { return nil }
    // With W = softmax(S), S = q k^T scale + mask:
    //   dV = W^T g,  dW = g v^T,  dS = W (dW - rowsum(dW W)),  dq = dS k scale,  dk = dS^T q scale,
    //   dmask = dS summed over B and H.
    func weights() -> Tensor { softmax(q.matmul(k.transpose(-2, -1)) * scale + mask, dim: -1) }
    return record(y, .fused(.attention(scale: scale)), [q, k, v, mask], saves: .inputs,
                  vjp: { g in
                      let w = weights()
                      let dw = g.matmul(v.transpose(-2, -1))
                      let ds = w * (dw - (dw * w).sum(dim: -1, keepdim: true))
                      let dmask = mask.requiresGrad ? ds.reshape([-1, mask.shape[0], mask.shape[1]]).sum(dim: 0) : nil
                      return [ds.matmul(k) * scale, ds.transpose(-2, -1).matmul(q) * scale, w.transpose(-2, -1).matmul(g), dmask]
                  },
                  jvp: { t in
                      // dS = dq k^T scale + q dk^T scale + dmask, dW = W (dS - rowsum(dS W)), dy = dW v + W dv
                      guard t.contains(where: { $0 != nil }) else { return nil }
                      let w = weights()
                      var ds = Tensor.zeros(w.shape, device: w.device)
                      if let dq = t[0] { ds = ds + dq.matmul(k.transpose(-2, -1)) * scale }
                      if let dk = t[1] { ds = ds + q.matmul(dk.transpose(-2, -1)) * scale }
                      if let dm = t[3] { ds = ds + dm }
                      var dy = (w * (ds - (ds * w).sum(dim: -1, keepdim: true))).matmul(v)
                      if let dv = t[2] { dy = dy + w.matmul(dv) }
                      return dy
                  })
}

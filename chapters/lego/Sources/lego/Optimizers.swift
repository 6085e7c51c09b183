// Optimizers with PyTorch's exact update rules (torch.optim.SGD, torch.optim.AdamW).
//
// Parameters are shared by reference with the model, so an update overwrites them in place
// (`Tensor.assign`) under `withNoGrad`. A parameter whose `.grad` is nil is skipped, as in torch.

/// What training loops and checkpoints need from an optimizer.
public protocol Optimizer: AnyObject {
    /// The parameters it updates, in order.
    var params: [Tensor] { get }
    /// The learning rate of the next `step()` (schedules set it).
    var lr: Float { get set }
    /// One update from the current gradients.
    func step()
    /// Buffers (momentum, moments, step count) by name, for checkpoints.
    func stateDict() -> [String: Tensor]
    /// Restores what `stateDict()` returned.
    func loadStateDict(_ state: [String: Tensor]) throws
}

extension Optimizer {
    /// Drops every gradient (torch's zero_grad(set_to_none=True)).
    public func zeroGrad() {
        for p in params { p.grad = nil }
    }
}

/// A thrown error for optimizer state that does not fit.
public struct OptimizerStateError: Error, CustomStringConvertible {
    public let description: String
}

/// Stochastic gradient descent with momentum, dampening 0, decoupled-from-nothing L2 weight
/// decay (added to the gradient) and optional Nesterov momentum (torch.optim.SGD).
public final class SGD: Optimizer {
    public let params: [Tensor]
    public var lr: Float
    public let momentum: Float
    public let weightDecay: Float
    public let nesterov: Bool
    /// Momentum buffers, created on a parameter's first step.
    var buffers: [Tensor?]

    /// Updates `params` (shared with the model) with torch.optim.SGD's rule.
    public init(_ params: [Tensor], lr: Float, momentum: Float = 0, weightDecay: Float = 0, nesterov: Bool = false) {
        check(!nesterov || momentum > 0, "SGD: nesterov needs momentum > 0")
        (self.params, self.lr, self.momentum, self.weightDecay, self.nesterov) = (params, lr, momentum, weightDecay, nesterov)
        buffers = Array(repeating: nil, count: params.count)
    }

    /// One update of every parameter that has a gradient.
    public func step() {
        // BEGIN SOLUTION lego.13: withNoGrad, for each params[i] with a grad: g = grad + wd*p; with momentum: buffers[i] = g on the first step, else momentum*buf + g; nesterov uses g + momentum*buf, else buf; then p.assign(p - lr*g)
        withNoGrad {
            for (i, p) in params.enumerated() {
                guard let grad = p.grad else { continue }
                var g = weightDecay != 0 ? grad + weightDecay * p : grad
                if momentum != 0 {
                    let buf = buffers[i].map { momentum * $0 + g } ?? g.contiguous()
                    buffers[i] = buf
                    g = nesterov ? g + momentum * buf : buf
                }
                p.assign(p - lr * g)
            }
        }
        // END SOLUTION lego.13
    }

    /// Buffers by torch's names (`state.i.momentum_buffer`, `state.i.exp_avg`, ...).
    public func stateDict() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (i, b) in buffers.enumerated() { if let b { out["state.\(i).momentum_buffer"] = b } }
        return out
    }

    /// Restores `stateDict()`'s buffers.
    public func loadStateDict(_ state: [String: Tensor]) throws {
        for i in params.indices { buffers[i] = state["state.\(i).momentum_buffer"] }
    }
}

/// Adam with decoupled weight decay (torch.optim.AdamW):
/// p *= 1 - lr*wd; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
/// p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
public final class AdamW: Optimizer {
    public let params: [Tensor]
    public var lr: Float
    public let betas: (Float, Float)
    public let eps: Float
    public let weightDecay: Float
    /// First and second moments, zeros until a parameter's first step.
    var m: [Tensor?], v: [Tensor?]
    /// Steps taken per parameter.
    var steps: [Int]

    /// Updates `params` (shared with the model) with torch.optim.AdamW's rule.
    public init(_ params: [Tensor], lr: Float, betas: (Float, Float) = (0.9, 0.999), eps: Float = 1e-8,
                weightDecay: Float = 0.01) {
        (self.params, self.lr, self.betas, self.eps, self.weightDecay) = (params, lr, betas, eps, weightDecay)
        m = Array(repeating: nil, count: params.count)
        v = m
        steps = Array(repeating: 0, count: params.count)
    }

    /// One update of every parameter that has a gradient.
    public func step() {
        // BEGIN SOLUTION lego.14: withNoGrad, for each params[i] with a grad g: steps[i] += 1; decay p by (1 - lr*wd); update m[i] and v[i]; bias-correct with t = steps[i]; p.assign(p - lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps))
        withNoGrad {
            let (b1, b2) = betas
            for (i, p) in params.enumerated() {
                guard let g = p.grad else { continue }
                steps[i] += 1
                let t = Float(steps[i])
                let mi = b1 * (m[i] ?? Tensor.zeros(p.shape, device: p.device)) + (1 - b1) * g
                let vi = b2 * (v[i] ?? Tensor.zeros(p.shape, device: p.device)) + (1 - b2) * g * g
                m[i] = mi
                v[i] = vi
                let bc1 = 1 - pow(b1, t), bc2 = 1 - pow(b2, t)
                let decayed = p * (1 - lr * weightDecay)
                p.assign(decayed - (lr / bc1) * mi / (vi.sqrt() / bc2.squareRoot() + eps))
            }
        }
        // END SOLUTION lego.14
    }

    /// Buffers by torch's names (`state.i.momentum_buffer`, `state.i.exp_avg`, ...).
    public func stateDict() -> [String: Tensor] {
        adamStateDict(m: m, v: v, steps: steps)
    }

    /// Restores `stateDict()`'s buffers.
    public func loadStateDict(_ state: [String: Tensor]) throws {
        for (i, p) in params.enumerated() {
            guard let mi = state["state.\(i).exp_avg"] else { m[i] = nil; v[i] = nil; steps[i] = 0; continue }
            guard let vi = state["state.\(i).exp_avg_sq"], let s = state["state.\(i).step"],
                  mi.shape == p.shape, vi.shape == p.shape else {
                throw OptimizerStateError(description: "AdamW.loadStateDict: state of parameter \(i) is incomplete or does not match shape \(p.shape)")
            }
            let t = s.count == 1 ? s.item() : -1
            guard t.isFinite, t >= 0, t <= 1e9, t == t.rounded() else {
                throw OptimizerStateError(description: "AdamW.loadStateDict: state.\(i).step is \(s.count == 1 ? "\(t)" : "of shape \(s.shape)"); expected a whole number from 0 to 1e9")
            }
            (m[i], v[i], steps[i]) = (mi, vi, Int(t))
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam's and AdamW's moments and step counts by torch's names (`state.i.exp_avg`,
/// `exp_avg_sq`, `step`), for the parameters that have taken a step.
func adamStateDict(m: [Tensor?], v: [Tensor?], steps: [Int]) -> [String: Tensor] {
    var out: [String: Tensor] = [:]
    for i in m.indices {
        guard let mi = m[i], let vi = v[i] else { continue }
        out["state.\(i).exp_avg"] = mi
        out["state.\(i).exp_avg_sq"] = vi
        out["state.\(i).step"] = Tensor(Float(steps[i]))
    }
    return out
}

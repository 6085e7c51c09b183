// Adam and RMSprop with PyTorch's exact update rules (torch.optim.Adam, torch.optim.RMSprop).
//
// Adam differs from AdamW only in its weight decay: L2, added to the gradient, so it goes
// through the moments, where AdamW shrinks the parameter directly. RMSprop divides by a
// running root-mean-square of the gradient. State names follow torch's state_dict.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Adam (torch.optim.Adam): g += wd p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
/// p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
public final class Adam: Optimizer {
    public let params: [Tensor]
    public var lr: Float
    public let betas: (Float, Float)
    public let eps: Float
    public let weightDecay: Float
    var m: [Tensor?], v: [Tensor?]
    var steps: [Int]

    /// Updates `params` (shared with the model) with torch.optim.Adam's rule (its defaults too).
    public init(_ params: [Tensor], lr: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999), eps: Float = 1e-8,
                weightDecay: Float = 0) {
        (self.params, self.lr, self.betas, self.eps, self.weightDecay) = (params, lr, betas, eps, weightDecay)
        m = Array(repeating: nil, count: params.count)
        v = m
        steps = Array(repeating: 0, count: params.count)
    }

    /// One update of every parameter that has a gradient.
    public func step() {
        withNoGrad {
            let (b1, b2) = betas
            for (i, p) in params.enumerated() {
                guard let grad = p.grad else { continue }
                let g = weightDecay != 0 ? grad + weightDecay * p : grad
                steps[i] += 1
                let t = Float(steps[i])
                let mi = b1 * (m[i] ?? Tensor.zeros(p.shape, device: p.device)) + (1 - b1) * g
                let vi = b2 * (v[i] ?? Tensor.zeros(p.shape, device: p.device)) + (1 - b2) * g * g
                (m[i], v[i]) = (mi, vi)
                let bc1 = 1 - pow(b1, t), bc2 = 1 - pow(b2, t)
                p -= (lr / bc1) * mi / (vi.sqrt() / bc2.squareRoot() + eps)
            }
        }
    }

    /// Moments and step counts by torch's names (`state.i.exp_avg`, `exp_avg_sq`, `step`).
    public func stateDict() -> [String: Tensor] {
        adamStateDict(m: m, v: v, steps: steps)
    }

    /// Restores what `stateDict()` returned.
    public func loadStateDict(_ state: [String: Tensor]) throws {
        for (i, p) in params.enumerated() {
            guard let mi = state["state.\(i).exp_avg"] else { (m[i], v[i], steps[i]) = (nil, nil, 0); continue }
            guard let vi = state["state.\(i).exp_avg_sq"], let s = state["state.\(i).step"], s.count == 1,
                  mi.shape == p.shape, vi.shape == p.shape, s.item() >= 0, s.item() <= 1e9 else {
                throw OptimizerStateError(description: "Adam.loadStateDict: state of parameter \(i) is incomplete or does not match shape \(p.shape)")
            }
            (m[i], v[i], steps[i]) = (mi, vi, Int(s.item()))
        }
    }
}

/// RMSprop (torch.optim.RMSprop): g += wd p; v = alpha v + (1-alpha) g^2; centered: a = alpha a +
/// (1-alpha) g and the denominator is sqrt(v - a^2) + eps, else sqrt(v) + eps; with momentum
/// buf = momentum buf + g / denominator and p -= lr buf, else p -= lr g / denominator.
public final class RMSprop: Optimizer {
    public let params: [Tensor]
    public var lr: Float
    public let alpha: Float
    public let eps: Float
    public let weightDecay: Float
    public let momentum: Float
    public let centered: Bool
    var squareAverage: [Tensor?], gradAverage: [Tensor?], buffers: [Tensor?]

    /// Updates `params` (shared with the model) with torch.optim.RMSprop's rule (its defaults too).
    public init(_ params: [Tensor], lr: Float = 1e-2, alpha: Float = 0.99, eps: Float = 1e-8, weightDecay: Float = 0,
                momentum: Float = 0, centered: Bool = false) {
        (self.params, self.lr, self.alpha, self.eps, self.weightDecay, self.momentum, self.centered) =
            (params, lr, alpha, eps, weightDecay, momentum, centered)
        squareAverage = Array(repeating: nil, count: params.count)
        gradAverage = squareAverage
        buffers = squareAverage
    }

    /// One update of every parameter that has a gradient.
    public func step() {
        withNoGrad {
            for (i, p) in params.enumerated() {
                guard let grad = p.grad else { continue }
                let g = weightDecay != 0 ? grad + weightDecay * p : grad
                let zeros = Tensor.zeros(p.shape, device: p.device)
                let v = alpha * (squareAverage[i] ?? zeros) + (1 - alpha) * g * g
                squareAverage[i] = v
                var denominator: Tensor
                if centered {
                    let a = alpha * (gradAverage[i] ?? zeros) + (1 - alpha) * g
                    gradAverage[i] = a
                    denominator = (v - a * a).sqrt() + eps
                } else {
                    denominator = v.sqrt() + eps
                }
                if momentum > 0 {
                    let buf = momentum * (buffers[i] ?? zeros) + g / denominator
                    buffers[i] = buf
                    p -= lr * buf
                } else {
                    p -= lr * g / denominator
                }
            }
        }
    }

    /// Averages and buffers by torch's names (`state.i.square_avg`, `grad_avg`, `momentum_buffer`).
    public func stateDict() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for i in params.indices {
            if let s = squareAverage[i] { out["state.\(i).square_avg"] = s }
            if let a = gradAverage[i] { out["state.\(i).grad_avg"] = a }
            if let b = buffers[i] { out["state.\(i).momentum_buffer"] = b }
        }
        return out
    }

    /// Restores what `stateDict()` returned.
    public func loadStateDict(_ state: [String: Tensor]) throws {
        for (i, p) in params.enumerated() {
            let parts = [state["state.\(i).square_avg"], state["state.\(i).grad_avg"], state["state.\(i).momentum_buffer"]]
            guard parts.allSatisfy({ $0 == nil || $0!.shape == p.shape }) else {
                throw OptimizerStateError(description: "RMSprop.loadStateDict: state of parameter \(i) does not match shape \(p.shape)")
            }
            (squareAverage[i], gradAverage[i], buffers[i]) = (parts[0], parts[1], parts[2])
        }
    }
}

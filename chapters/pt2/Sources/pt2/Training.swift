// Compiled training (`picograd train ... --compile`): lego's CharTrainingRun with its step
// compiled. Three compiled functions, each traced once and reused at every step:
//   - the loss on a batch (ids and targets as int32 arguments), differentiable: its backward
//     is the compiled backward of the joint graph (Joint.swift);
//   - the squared norm of each gradient, for the clip (the total's square root and the clip's
//     coefficient are host arithmetic, as eager's clipGradNorm does them);
//   - AdamW's update of every parameter, in place, with the step's numbers (the scheduled
//     learning rate, the bias corrections, the clip's coefficient) as 0-d tensor arguments:
//     host numbers inside a traced function would be constants of its first trace.
// The update computes eager AdamW's expressions in eager's order, and the optimizer's state
// (moments, step count) is handed back to it after every step, so a checkpoint holds it.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A language model's training step with AdamW, compiled (`compileTraining` for a
/// CharTrainingRun; `picograd bench train` for the benchmark GPT).
public final class CompiledTraining: @unchecked Sendable {
    let optimizer: AdamW
    /// The clip's maximum norm (nil: no clip).
    let clip: Float?
    let loss: ([Tensor]) -> [Tensor]
    let squaredNorms: ([Tensor]) -> [Tensor]
    let update: ([Tensor]) -> [Tensor]
    /// The moments, one buffer per parameter, updated in place.
    let m: [Tensor], v: [Tensor]
    var steps: Int

    /// A CharTrainingRun's step: its model, its optimizer, its clip.
    public convenience init(_ run: CharTrainingRun) {
        self.init(model: run.model, optimizer: run.optimizer, clip: run.options.clip)
    }

    /// `model`'s step (the cross-entropy of its logits) with `optimizer`, clipping the
    /// gradients' norm to `clip` first (nil: no clip).
    public init(model: any LanguageModel, optimizer: AdamW, clip: Float?) {
        (self.optimizer, self.clip) = (optimizer, clip)
        loss = compile { t in [languageModelLoss(model.forward(t[0]), targets: t[1])] }
        squaredNorms = compile { gs in gs.map { ($0 * $0).sum() } }
        let (b1, b2) = optimizer.betas, eps = optimizer.eps
        let n = optimizer.params.count
        // t: [lr / bc1, sqrt(bc2), 1 - lr * weightDecay, clip coefficient] + params + grads + m + v
        update = compile { t in
            let (stepSize, root, decay, coefficient) = (t[0], t[1], t[2], t[3])
            for i in 0..<n {
                let p = t[4 + i], g = t[4 + n + i] * coefficient, m = t[4 + 2 * n + i], v = t[4 + 3 * n + i]
                let mi = b1 * m + (1 - b1) * g
                let vi = b2 * v + (1 - b2) * g * g
                m.assign(mi)
                v.assign(vi)
                p.assign(p * decay - stepSize * mi / (vi.sqrt() / root + eps))
            }
            return []
        }
        // the optimizer's state so far (a resumed run), copied into buffers of our own
        let state = optimizer.stateDict()
        m = optimizer.params.indices.map { i in
            state["state.\(i).exp_avg"].map { $0.contiguous() + 0 } ?? Tensor.zeros(optimizer.params[i].shape, device: optimizer.params[i].device)
        }
        v = optimizer.params.indices.map { i in
            state["state.\(i).exp_avg_sq"].map { $0.contiguous() + 0 } ?? Tensor.zeros(optimizer.params[i].shape, device: optimizer.params[i].device)
        }
        steps = state["state.0.step"].map { Int($0.item()) } ?? 0
    }

    /// One step on a batch: zeroGrad, the loss and its backward, the clip, the update.
    /// Returns the loss before the update.
    public func step(x: [Int], y: [Int], shape: [Int]) -> Float {
        let optimizer = optimizer, params = optimizer.params
        optimizer.zeroGrad()
        let device = params[0].device
        let value = loss([Tensor(int32: x, shape: shape, device: device), Tensor(int32: y, shape: [y.count], device: device)])[0]
        value.backward()
        let grads = params.map { $0.grad ?? Tensor.zeros($0.shape, device: $0.device) }
        var coefficient: Float = 1
        if let clip {
            let total = withNoGrad { squaredNorms(grads) }.map { $0.item() }.reduce(0, +).squareRoot()
            coefficient = Swift.min(1, clip / (total + 1e-6))
        }
        steps += 1
        let t = Float(steps), (b1, b2) = optimizer.betas, lr = optimizer.lr
        let bc1 = 1 - pow(b1, t), bc2 = 1 - pow(b2, t)
        let numbers = [lr / bc1, bc2.squareRoot(), 1 - lr * optimizer.weightDecay, coefficient].map { Tensor.full([], $0, device: device) }
        _ = withNoGrad { update(numbers + params + grads + m + v) }
        var state: [String: Tensor] = [:]
        for i in params.indices {
            state["state.\(i).exp_avg"] = m[i]
            state["state.\(i).exp_avg_sq"] = v[i]
            state["state.\(i).step"] = Tensor(t)
        }
        do { try optimizer.loadStateDict(state) } catch { fail("compiled training: the optimizer refused its state: \(error)") }
        return value.item()
    }
}

/// Makes `run`'s steps compiled (its `customStep`): forward, backward, clip and AdamW update.
public func compileTraining(_ run: CharTrainingRun) {
    let compiled = CompiledTraining(run)
    run.customStep = { x, y, shape in compiled.step(x: x, y: y, shape: shape) }
}

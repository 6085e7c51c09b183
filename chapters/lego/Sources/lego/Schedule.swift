// The learning-rate schedule and gradient clipping that every modern training loop uses.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Linear warmup to maxLR over `warmup` steps, then cosine decay to minLR at `total` steps
/// (nanoGPT's get_lr). step counts from 0; after `total` it stays at minLR.
public func cosineLR(step: Int, maxLR: Float, minLR: Float, warmup: Int, total: Int) -> Float {
    // BEGIN SOLUTION lego.15: warmup: maxLR*(step+1)/warmup; past total: minLR; else minLR + 0.5*(1+cos(pi*progress))*(maxLR-minLR)
    if step < warmup { return maxLR * Float(step + 1) / Float(warmup) }
    if step > total { return minLR }
    let progress = Double(step - warmup) / Double(Swift.max(total - warmup, 1))
    let coefficient = Float(0.5 * (1 + cos(Double.pi * progress)))
    return minLR + coefficient * (maxLR - minLR)
    // END SOLUTION lego.15
}

/// Scales all gradients together so their global L2 norm is at most maxNorm
/// (torch.nn.utils.clip_grad_norm_): coefficient min(1, maxNorm / (norm + 1e-6)).
/// Returns the norm before clipping. Parameters without a gradient are ignored.
@discardableResult
public func clipGradNorm(_ params: [Tensor], maxNorm: Float) -> Float {
    withNoGrad {
        let grads = params.compactMap(\.grad)
        if grads.isEmpty { return 0 }
        // BEGIN SOLUTION lego.16: total = sqrt(sum of every gradient's squared elements); multiply each grad by min(1, maxNorm/(total+1e-6))
        let total = grads.map { ($0 * $0).sum().item() }.reduce(0, +).squareRoot()
        let coefficient = Swift.min(1, maxNorm / (total + 1e-6))
        for p in params { if let g = p.grad { p.grad = g * coefficient } }
        return total
        // END SOLUTION lego.16
    }
}

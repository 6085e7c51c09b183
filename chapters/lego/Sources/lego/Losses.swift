// Losses. Cross-entropy (with an ignore index) lives in dfdx: `crossEntropy(_:targets:ignoreIndex:)`.

/// Mean squared error (torch.nn.functional.mse_loss): mean((prediction - target)^2), 0-d.
public func mseLoss(_ prediction: Tensor, _ target: Tensor) -> Tensor {
    check(prediction.shape == target.shape, "mseLoss: prediction \(prediction.shape) and target \(target.shape) differ in shape")
    // BEGIN SOLUTION lego.12: average the squared differences over every element
    let diff = prediction - target
    return (diff * diff).mean()
    // END SOLUTION lego.12
}

/// Cross-entropy of logits [..., vocab] against one target id per row (flattened), like
/// F.cross_entropy(logits.view(-1, V), targets.view(-1)).
public func languageModelLoss(_ logits: Tensor, targets: [Int]) -> Tensor {
    let v = logits.shape[logits.rank - 1]
    return crossEntropy(logits.reshape([-1, v]), targets: targets)
}

/// How a loss reduces its elementwise values (torch's `reduction=`).
public enum LossReduction: Sendable {
    /// The mean over every element (0-d).
    case mean
    /// The sum over every element (0-d).
    case sum
    /// No reduction: the elementwise losses, in the inputs' shape.
    case none
}

/// Squared error with torch's `reduction` (F.mse_loss(prediction, target, reduction=...)).
public func mseLoss(_ prediction: Tensor, _ target: Tensor, reduction: LossReduction) -> Tensor {
    check(prediction.shape == target.shape, "mseLoss: prediction \(prediction.shape) and target \(target.shape) differ in shape")
    let squared = (prediction - target).square()
    switch reduction {
    case .mean: return squared.mean()
    case .sum: return squared.sum()
    case .none: return squared
    }
}

/// Cross-entropy of logits [..., vocab] against an int32 tensor of target ids [...] (flattened),
/// like F.cross_entropy(logits.view(-1, V), targets.view(-1)).
public func languageModelLoss(_ logits: Tensor, targets: Tensor) -> Tensor {
    let v = logits.shape[logits.rank - 1]
    return crossEntropy(logits.reshape([-1, v]), targets: targets.reshape([-1]))
}

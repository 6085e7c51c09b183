// The training step and checkpoints that let a run stop and resume exactly.
//
// A checkpoint is one safetensors file: the model's state dict under its own keys (so
// PyTorch can load it as-is), the optimizer's buffers under `optimizer.`, and in the
// header's metadata everything else a resumed run needs (step, sampler position, config).

/// One optimization step: zero the gradients, compute `loss`, backpropagate, clip the
/// global gradient norm (when `clipNorm` is set), update. Returns the loss value.
@discardableResult
public func trainStep(_ optimizer: any Optimizer, clipNorm: Float? = nil, loss: () -> Tensor) -> Float {
    // BEGIN SOLUTION lego.18: zeroGrad, evaluate the loss, backward, clip when asked, optimizer step; return the loss as a Float
    optimizer.zeroGrad()
    let value = loss()
    value.backward()
    if let clipNorm { clipGradNorm(optimizer.params, maxNorm: clipNorm) }
    optimizer.step()
    return value.item()
    // END SOLUTION lego.18
}

/// Loss of a language model on one batch: cross-entropy of logits against targets.
public func batchLoss(_ model: any LanguageModel, x: [Int], y: [Int], shape: [Int]) -> Tensor {
    languageModelLoss(model.logits(x, shape: shape), targets: y)
}

/// What a checkpoint holds, apart from the model's weights.
public struct CheckpointContents {
    public var model: [String: Tensor]
    public var optimizer: [String: Tensor]
    public var metadata: [String: String]
}

/// Writes model weights, optimizer state and metadata into one safetensors file (atomically).
public func saveCheckpoint(_ path: String, model: Module, optimizer: (any Optimizer)?, metadata: [String: String]) throws {
    var tensors = model.stateDict()
    for (k, v) in optimizer?.stateDict() ?? [:] { tensors["optimizer." + k] = v }
    try saveSafetensors(tensors, to: path, metadata: metadata)
}

/// Reads a checkpoint written by `saveCheckpoint`, splitting model and optimizer tensors.
/// A tensor holding NaN or infinity is refused (a run that diverged cannot be resumed).
public func loadCheckpoint(_ path: String) throws -> CheckpointContents {
    let (tensors, metadata) = try loadSafetensorsWithMetadata(path)
    var model: [String: Tensor] = [:], optimizer: [String: Tensor] = [:]
    for (k, v) in tensors.sorted(by: { $0.key < $1.key }) {
        if let i = v.toArray().firstIndex(where: { !$0.isFinite }) {
            throw CheckpointError(path: path, reason: "tensor \(k): value \(i) is not finite; expected finite weights and optimizer state")
        }
        if k.hasPrefix("optimizer.") { optimizer[String(k.dropFirst("optimizer.".count))] = v } else { model[k] = v }
    }
    return CheckpointContents(model: model, optimizer: optimizer, metadata: metadata)
}

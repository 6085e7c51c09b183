// lego's Llama, tensor-parallel over a group of N ranks (Megatron's layout), with the same
// state-dict keys, so `loadShardedStateDict(model, from: llama.stateDict())` gives each rank
// its slices of one single-rank model:
//   attention: q, k, v column-parallel (rank r gets heads r*H/N ..< (r+1)*H/N and their
//              key/value heads), attention on its heads alone, o row-parallel;
//   MLP:       gate and up column-parallel, down row-parallel;
//   the embedding and lm_head vocab-parallel, the loss vocabParallelCrossEntropy;
//   the RMSNorms whole on every rank (their inputs and gradients are the same everywhere).
// Per block: two all-reduces forward (o's, down's) and two backward (f's, once before q/k/v
// and once before gate/up).

/// Attention with its heads split over `group`.
public final class TensorParallelLlamaAttention: Module {
    public let qProj: ColumnParallelLinear
    public let kProj: ColumnParallelLinear
    public let vProj: ColumnParallelLinear
    public let oProj: RowParallelLinear
    let config: LlamaConfig
    let group: ProcessGroup

    init(_ c: LlamaConfig, group: ProcessGroup) {
        check(c.nHeads % group.worldSize == 0 && c.nKVHeads % group.worldSize == 0,
              "TensorParallelLlama: \(c.nHeads) heads and \(c.nKVHeads) key/value heads do not split over \(group.worldSize) ranks")
        // f once for the three (forward applies it): one all-reduce of dx in backward, not three
        qProj = ColumnParallelLinear(c.dim, c.nHeads * c.headDim, bias: false, group: group, copiesInput: false)
        kProj = ColumnParallelLinear(c.dim, c.nKVHeads * c.headDim, bias: false, group: group, copiesInput: false)
        vProj = ColumnParallelLinear(c.dim, c.nKVHeads * c.headDim, bias: false, group: group, copiesInput: false)
        oProj = RowParallelLinear(c.nHeads * c.headDim, c.dim, bias: false, group: group)
        (config, self.group) = (c, group)
    }

    /// x: [B, T, C] (the same on every rank) -> [B, T, C].
    func forward(_ input: Tensor, rope: RotaryTables) -> Tensor {
        let x = copyToTensorParallel(input, group: group)
        let (b, t) = (x.shape[0], x.shape[1])
        let (h, kv, d) = (config.nHeads / group.worldSize, config.nKVHeads / group.worldSize, config.headDim)
        let q = applyRotary(qProj(x).reshape([b, t, h, d]).transpose(1, 2), rope, start: 0)
        let k = applyRotary(kProj(x).reshape([b, t, kv, d]).transpose(1, 2), rope, start: 0)
        let v = vProj(x).reshape([b, t, kv, d]).transpose(1, 2)
        let y = causalAttention(q, repeatKV(k, h / kv), repeatKV(v, h / kv))
        return oProj(y.transpose(1, 2).reshape([b, t, h * d]))
    }
}

/// SwiGLU with its hidden features split over `group`.
public final class TensorParallelSwiGLU: Module {
    public let gateProj: ColumnParallelLinear
    public let upProj: ColumnParallelLinear
    public let downProj: RowParallelLinear
    let group: ProcessGroup

    init(dim: Int, hidden: Int, group: ProcessGroup) {
        gateProj = ColumnParallelLinear(dim, hidden, bias: false, group: group, copiesInput: false)
        upProj = ColumnParallelLinear(dim, hidden, bias: false, group: group, copiesInput: false)
        downProj = RowParallelLinear(hidden, dim, bias: false, group: group)
        self.group = group
    }

    /// x: [..., dim] -> [..., dim]; f once for gate and up.
    public override func forward(_ input: Tensor) -> Tensor {
        let x = copyToTensorParallel(input, group: group)
        return downProj(gateProj(x).silu() * upProj(x))
    }
}

/// A decoder layer of tensor-parallel attention and MLP, whole norms.
public final class TensorParallelLlamaDecoderLayer: Module {
    public let selfAttn: TensorParallelLlamaAttention
    public let mlp: TensorParallelSwiGLU
    public let inputLayernorm: RMSNorm
    public let postAttentionLayernorm: RMSNorm

    init(_ c: LlamaConfig, group: ProcessGroup) {
        selfAttn = TensorParallelLlamaAttention(c, group: group)
        mlp = TensorParallelSwiGLU(dim: c.dim, hidden: c.hiddenDim, group: group)
        inputLayernorm = RMSNorm(c.dim, eps: c.normEps)
        postAttentionLayernorm = RMSNorm(c.dim, eps: c.normEps)
    }

    func forward(_ x: Tensor, rope: RotaryTables) -> Tensor {
        let h = x + selfAttn.forward(inputLayernorm(x), rope: rope)
        return h + mlp(postAttentionLayernorm(h))
    }
}

/// The body under `model.`: a vocab-parallel embedding, the layers, the final norm.
public final class TensorParallelLlamaModel: Module {
    public let embedTokens: VocabParallelEmbedding
    public let layers: [TensorParallelLlamaDecoderLayer]
    public let norm: RMSNorm

    init(_ c: LlamaConfig, group: ProcessGroup) {
        embedTokens = VocabParallelEmbedding(c.vocabSize, c.dim, group: group)
        layers = (0..<c.nLayers).map { _ in TensorParallelLlamaDecoderLayer(c, group: group) }
        norm = RMSNorm(c.dim, eps: c.normEps)
    }
}

/// LlamaForCausalLM split over a tensor-parallel group (untied embeddings).
public final class TensorParallelLlama: Module {
    public let config: LlamaConfig
    public let model: TensorParallelLlamaModel
    public let lmHead: ColumnParallelLinear
    let group: ProcessGroup
    let rope: RotaryTables

    /// This rank's part of a fresh llama; load a single-rank one's weights with `loadShardedStateDict`.
    public init(config: LlamaConfig, group: ProcessGroup) {
        check(!config.tieEmbeddings, "TensorParallelLlama: tied embeddings are not split here; use tieEmbeddings: false")
        self.config = config
        self.group = group
        model = TensorParallelLlamaModel(config, group: group)
        lmHead = ColumnParallelLinear(config.dim, config.vocabSize, bias: false, group: group)
        rope = RotaryTables(headDim: config.headDim, maxLen: config.maxSeqLen, theta: config.ropeTheta)
    }

    /// ids [B, T] -> this rank's logits [B, T, vocab/N] (the vocabulary columns it holds).
    public func localLogits(_ ids: [Int], shape: [Int]) -> Tensor {
        check(shape.count == 2 && ids.count == shape[0] * shape[1], "TensorParallelLlama: ids must fill shape [B, T], got \(ids.count) ids for \(shape)")
        var x = model.embedTokens(ids, shape: shape)
        for layer in model.layers { x = layer.forward(x, rope: rope) }
        return lmHead(model.norm(x))
    }

    /// The mean cross-entropy of next-token `targets` (B*T ids), the same on every rank.
    public func loss(_ ids: [Int], shape: [Int], targets: [Int]) -> Tensor {
        let logits = localLogits(ids, shape: shape)
        return vocabParallelCrossEntropy(logits.reshape([-1, logits.shape[2]]), targets: targets, group: group)
    }
}

// A GPT-2-style transformer (nanoGPT's layout and state-dict keys): learned token and
// position embeddings, pre-LayerNorm blocks of attention and GELU MLP, a final LayerNorm
// and a linear head (tied to the token embedding or not).

/// Sizes of a GPT.
public struct GPTConfig: Sendable, Equatable {
    public var dim: Int
    public var nLayers: Int
    public var nHeads: Int
    public var vocabSize: Int
    public var blockSize: Int
    /// When true the head reuses the token embedding (`transformer.wte.weight`) and has no `lm_head` key.
    public var tiedHead: Bool

    /// Sizes; blockSize is the longest sequence (learned positions).
    public init(dim: Int, nLayers: Int, nHeads: Int, vocabSize: Int, blockSize: Int, tiedHead: Bool = false) {
        (self.dim, self.nLayers, self.nHeads, self.vocabSize, self.blockSize, self.tiedHead) =
            (dim, nLayers, nHeads, vocabSize, blockSize, tiedHead)
    }
}

/// x + attn(ln_1(x)), then + mlp(ln_2(x)).
public final class GPTBlock: Module {
    public let ln1: LayerNorm
    public let attn: CausalSelfAttention
    public let ln2: LayerNorm
    public let mlp: MLP

    /// One block of a model of `config`'s sizes.
    public init(_ config: GPTConfig) {
        ln1 = LayerNorm(config.dim)
        attn = CausalSelfAttention(dim: config.dim, nHeads: config.nHeads)
        ln2 = LayerNorm(config.dim)
        mlp = MLP(dim: config.dim, hidden: 4 * config.dim)
    }

    /// x: [B, T, C] -> [B, T, C]
    public override func forward(_ x: Tensor) -> Tensor {
        let h = x + attn(ln1(x))
        return h + mlp(ln2(h))
    }
}

/// The body under the `transformer.` prefix: wte, wpe, h.{i}, ln_f.
public final class GPTTransformer: Module {
    public let wte: Embedding
    public let wpe: Embedding
    public let h: [GPTBlock]
    public let lnF: LayerNorm

    init(_ config: GPTConfig) {
        wte = Embedding(config.vocabSize, config.dim)
        wpe = Embedding(config.blockSize, config.dim)
        h = (0..<config.nLayers).map { _ in GPTBlock(config) }
        lnF = LayerNorm(config.dim)
    }
}

/// GPT-2: ids [B, T] -> logits [B, T, vocab].
public final class GPT: Module {
    public let config: GPTConfig
    public let transformer: GPTTransformer
    public let lmHead: Linear?

    /// A freshly initialized GPT (PyTorch's default inits).
    public init(config: GPTConfig) {
        self.config = config
        transformer = GPTTransformer(config)
        lmHead = config.tiedHead ? nil : Linear(config.dim, config.vocabSize, bias: false)
    }

    /// One sequence: ids (T of them) -> logits [T, vocab].
    public func callAsFunction(_ ids: [Int]) -> Tensor {
        callAsFunction(ids, shape: [1, ids.count]).squeeze(dim: 0)
    }

    /// ids: an int32 tensor [B, T] (or [T]) -> logits [B, T, vocab] (or [T, vocab]), like nanoGPT's `model(idx)`.
    public override func forward(_ ids: Tensor) -> Tensor {
        check(ids.dtype == .int32 && (ids.rank == 1 || ids.rank == 2), "GPT: ids must be an int32 tensor [B, T] or [T], got \(ids.dtype) of shape \(ids.shape)")
        if ids.rank == 1 { return forward(ids.unsqueeze(dim: 0)).squeeze(dim: 0) }
        let t = ids.shape[1]
        check(t <= config.blockSize, "GPT: sequence length \(t) exceeds blockSize \(config.blockSize)")
        let positions = transformer.wpe(Tensor(int32: Array(0..<t), shape: [t], device: ids.device))
        var x = transformer.wte(ids) + positions
        for block in transformer.h { x = block(x) }
        x = transformer.lnF(x)
        if let lmHead { return lmHead(x) }
        return x.matmul(transformer.wte.weight.transpose(0, 1))
    }

    /// ids [B, T] (row-major) -> logits [B, T, vocab]. T must not exceed blockSize.
    public func callAsFunction(_ ids: [Int], shape: [Int]) -> Tensor {
        check(shape.count == 2 && ids.count == shape[0] * shape[1], "GPT: ids must fill shape [B, T], got \(ids.count) ids for \(shape)")
        let t = shape[1]
        check(t <= config.blockSize, "GPT: sequence length \(t) exceeds blockSize \(config.blockSize)")
        let positions = transformer.wpe(Array(0..<t), shape: [t])
        var x = transformer.wte(ids, shape: shape) + positions
        for block in transformer.h { x = block(x) }
        x = transformer.lnF(x)
        if let lmHead { return lmHead(x) }
        return x.matmul(transformer.wte.weight.transpose(0, 1))
    }
}

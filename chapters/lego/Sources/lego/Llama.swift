// A llama transformer with HuggingFace LlamaForCausalLM's layout and state-dict keys
// (`model.layers.0.self_attn.q_proj.weight`, ...), so real checkpoints load as-is:
// RMSNorm, SwiGLU, rotary positions (rotate_half), grouped-query attention, optional tied
// embeddings, and a KV cache for generation (Generate.swift).

/// Sizes of a llama.
public struct LlamaConfig: Sendable, Equatable {
    public var dim: Int
    public var nLayers: Int
    public var nHeads: Int
    /// Key/value heads; nHeads must be a multiple (grouped-query attention; = nHeads for MHA).
    public var nKVHeads: Int
    public var hiddenDim: Int
    public var vocabSize: Int
    public var maxSeqLen: Int
    public var normEps: Float
    public var ropeTheta: Float
    /// When true the head reuses `model.embed_tokens.weight` and there is no `lm_head.weight`.
    public var tieEmbeddings: Bool

    /// Sizes; maxSeqLen bounds the RoPE tables and the KV cache.
    public init(dim: Int, nLayers: Int, nHeads: Int, nKVHeads: Int, hiddenDim: Int, vocabSize: Int,
                maxSeqLen: Int, normEps: Float = 1e-5, ropeTheta: Float = 10000, tieEmbeddings: Bool = false) {
        (self.dim, self.nLayers, self.nHeads, self.nKVHeads, self.hiddenDim) = (dim, nLayers, nHeads, nKVHeads, hiddenDim)
        (self.vocabSize, self.maxSeqLen, self.normEps, self.ropeTheta, self.tieEmbeddings) =
            (vocabSize, maxSeqLen, normEps, ropeTheta, tieEmbeddings)
    }

    /// dim / nHeads.
    public var headDim: Int { dim / nHeads }
}

/// Each key/value head serves nHeads/nKVHeads query heads: [B, KV, S, D] -> [B, KV*rep, S, D].
public func repeatKV(_ x: Tensor, _ rep: Int) -> Tensor {
    if rep == 1 { return x }
    // BEGIN SOLUTION lego.10: unsqueeze(dim: 2) after the heads, expand it to rep copies, reshape to merge it into the head dim
    let (b, kv, s, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    return x.unsqueeze(dim: 2).expand([b, kv, rep, s, d]).reshape([b, kv * rep, s, d])
    // END SOLUTION lego.10
}

/// Attention with q/k/v/o projections, RoPE and grouped-query heads (no biases).
public final class LlamaAttention: Module {
    public let qProj: Linear
    public let kProj: Linear
    public let vProj: Linear
    public let oProj: Linear
    let config: LlamaConfig

    init(_ c: LlamaConfig) {
        check(c.dim % c.nHeads == 0 && c.nHeads % c.nKVHeads == 0,
              "Llama: dim \(c.dim), nHeads \(c.nHeads), nKVHeads \(c.nKVHeads) must divide evenly")
        qProj = Linear(c.dim, c.nHeads * c.headDim, bias: false)
        kProj = Linear(c.dim, c.nKVHeads * c.headDim, bias: false)
        vProj = Linear(c.dim, c.nKVHeads * c.headDim, bias: false)
        oProj = Linear(c.nHeads * c.headDim, c.dim, bias: false)
        config = c
    }

    /// x: [B, T, C] at positions start..<start+T; `past` holds the keys/values of positions
    /// 0..<start ([B, KV, start, D] each). Returns the output [B, T, C] and the keys/values
    /// of all positions 0..<start+T (what the cache keeps).
    func forward(_ x: Tensor, rope: RotaryTables, start: Int, past: (Tensor, Tensor)?) -> (Tensor, (Tensor, Tensor)) {
        let (b, t) = (x.shape[0], x.shape[1])
        let (h, kv, d) = (config.nHeads, config.nKVHeads, config.headDim)
        let q = applyRotary(qProj(x).reshape([b, t, h, d]).transpose(1, 2), rope, start: start)
        var k = applyRotary(kProj(x).reshape([b, t, kv, d]).transpose(1, 2), rope, start: start)
        var v = vProj(x).reshape([b, t, kv, d]).transpose(1, 2)
        if let (pk, pv) = past {
            k = cat([pk, k], dim: 2)
            v = cat([pv, v], dim: 2)
        }
        let y = causalAttention(q, repeatKV(k, h / kv), repeatKV(v, h / kv))
        return (oProj(y.transpose(1, 2).reshape([b, t, h * d])), (k, v))
    }
}

/// x + attn(input_layernorm(x)), then + mlp(post_attention_layernorm(x)).
public final class LlamaDecoderLayer: Module {
    public let selfAttn: LlamaAttention
    public let mlp: SwiGLU
    public let inputLayernorm: RMSNorm
    public let postAttentionLayernorm: RMSNorm

    init(_ c: LlamaConfig) {
        selfAttn = LlamaAttention(c)
        mlp = SwiGLU(dim: c.dim, hidden: c.hiddenDim)
        inputLayernorm = RMSNorm(c.dim, eps: c.normEps)
        postAttentionLayernorm = RMSNorm(c.dim, eps: c.normEps)
    }

    func forward(_ x: Tensor, rope: RotaryTables, start: Int, past: (Tensor, Tensor)?) -> (Tensor, (Tensor, Tensor)) {
        let (a, kv) = selfAttn.forward(inputLayernorm(x), rope: rope, start: start, past: past)
        let h = x + a
        return (h + mlp(postAttentionLayernorm(h)), kv)
    }
}

/// The body under the `model.` prefix: embed_tokens, layers.{i}, norm.
public final class LlamaModel: Module {
    public let embedTokens: Embedding
    public let layers: [LlamaDecoderLayer]
    public let norm: RMSNorm

    init(_ c: LlamaConfig) {
        embedTokens = Embedding(c.vocabSize, c.dim)
        layers = (0..<c.nLayers).map { _ in LlamaDecoderLayer(c) }
        norm = RMSNorm(c.dim, eps: c.normEps)
    }
}

/// The keys and values of every layer for the positions seen so far (batch 1 or B).
public struct KVCache: @unchecked Sendable {
    /// Per layer: keys and values, each [B, nKVHeads, count, headDim].
    public var layers: [(keys: Tensor, values: Tensor)]
    /// Positions cached so far; the next token sits at this position.
    public var count: Int { layers.first?.keys.shape[2] ?? 0 }

    /// An empty cache (count 0).
    public init() { layers = [] }
}

/// LlamaForCausalLM: ids -> logits.
public final class Llama: Module {
    public let config: LlamaConfig
    public let model: LlamaModel
    public let lmHead: Linear?
    let rope: RotaryTables

    /// A freshly initialized llama (PyTorch's default inits, RMSNorm weights ones).
    public init(config: LlamaConfig) {
        self.config = config
        model = LlamaModel(config)
        lmHead = config.tieEmbeddings ? nil : Linear(config.dim, config.vocabSize, bias: false)
        rope = RotaryTables(headDim: config.headDim, maxLen: config.maxSeqLen, theta: config.ropeTheta)
    }

    /// One sequence: ids (T of them) -> logits [T, vocab].
    public func callAsFunction(_ ids: [Int]) -> Tensor {
        callAsFunction(ids, shape: [1, ids.count]).squeeze(dim: 0)
    }

    /// ids [B, T] (row-major) -> logits [B, T, vocab].
    public func callAsFunction(_ ids: [Int], shape: [Int]) -> Tensor {
        var cache: KVCache? = nil
        return forward(ids, shape: shape, cache: &cache, keepCache: false)
    }

    /// With a KV cache: ids (T new tokens of one sequence) at positions cache.count..<cache.count+T
    /// -> logits [T, vocab] for the new positions; the cache grows by T (a nil cache starts empty).
    public func forward(_ ids: [Int], cache: inout KVCache?) -> Tensor {
        forward(ids, shape: [1, ids.count], cache: &cache, keepCache: true).squeeze(dim: 0)
    }

    /// ids [B, T] at positions cache.count..<cache.count+T -> logits [B, T, vocab].
    public func forward(_ ids: [Int], shape: [Int], cache: inout KVCache?, keepCache: Bool = true) -> Tensor {
        check(shape.count == 2 && ids.count == shape[0] * shape[1], "Llama: ids must fill shape [B, T], got \(ids.count) ids for \(shape)")
        let start = cache?.count ?? 0
        check(start + shape[1] <= config.maxSeqLen, "Llama: positions up to \(start + shape[1]) exceed maxSeqLen \(config.maxSeqLen)")
        var x = model.embedTokens(ids, shape: shape)
        var updated: [(keys: Tensor, values: Tensor)] = []
        for (i, layer) in model.layers.enumerated() {
            let past = cache.flatMap { $0.layers.indices.contains(i) ? ($0.layers[i].keys, $0.layers[i].values) : nil }
            let (y, kv) = layer.forward(x, rope: rope, start: start, past: past)
            x = y
            if keepCache { updated.append((keys: kv.0, values: kv.1)) }
        }
        if keepCache {
            var c = KVCache()
            c.layers = updated
            cache = c
        }
        x = model.norm(x)
        if let lmHead { return lmHead(x) }
        return x.matmul(model.embedTokens.weight.transpose(0, 1))
    }
}

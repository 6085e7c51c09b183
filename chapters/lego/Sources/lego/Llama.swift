// A llama transformer with HuggingFace LlamaForCausalLM's layout and state-dict keys
// (`model.layers.0.self_attn.q_proj.weight`, ...), so real checkpoints load as-is:
// RMSNorm, SwiGLU, rotary positions (rotate_half), grouped-query attention, optional tied
// embeddings, and a fixed-capacity KV cache for generation (KVCache.swift). A llama is built
// either with fresh weights (`init(config:)`) or around a file's tensors, where they already
// are (`init(config:model:lmHead:...)`, which `Llama(gguf:device:)` uses): no random init,
// no second copy.

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
        LlamaAttention.checkHeads(c)
        qProj = Linear(c.dim, c.nHeads * c.headDim, bias: false)
        kProj = Linear(c.dim, c.nKVHeads * c.headDim, bias: false)
        vProj = Linear(c.dim, c.nKVHeads * c.headDim, bias: false)
        oProj = Linear(c.nHeads * c.headDim, c.dim, bias: false)
        config = c
    }

    /// Around existing projections (a file's weights).
    init(_ c: LlamaConfig, q: Linear, k: Linear, v: Linear, o: Linear) {
        LlamaAttention.checkHeads(c)
        (qProj, kProj, vProj, oProj, config) = (q, k, v, o, c)
    }

    static func checkHeads(_ c: LlamaConfig) {
        check(c.dim % c.nHeads == 0 && c.nHeads % c.nKVHeads == 0,
              "Llama: dim \(c.dim), nHeads \(c.nHeads), nKVHeads \(c.nKVHeads) must divide evenly")
    }

    /// x: [B, T, C] at positions 0..<T (a whole sequence, no cache) -> [B, T, C].
    func forward(_ x: Tensor, rope: RotaryTables) -> Tensor {
        let (b, t) = (x.shape[0], x.shape[1])
        let (h, kv, d) = (config.nHeads, config.nKVHeads, config.headDim)
        let q = applyRotary(qProj(x).reshape([b, t, h, d]).transpose(1, 2), rope, start: 0)
        let k = applyRotary(kProj(x).reshape([b, t, kv, d]).transpose(1, 2), rope, start: 0)
        let v = vProj(x).reshape([b, t, kv, d]).transpose(1, 2)
        let y = causalAttention(q, repeatKV(k, h / kv), repeatKV(v, h / kv))
        return oProj(y.transpose(1, 2).reshape([b, t, h * d]))
    }

    /// x: [B, T, C] at `step.positions` with layer `layer` of `cache`: the new keys and values
    /// are written into the cache rows of those positions, then the queries attend to the first
    /// `step.span` rows (masked past each query's own position) -> [B, T, C].
    func forward(_ x: Tensor, step: CachedStep, cache: KVCache, layer: Int) -> Tensor {
        let (b, t) = (x.shape[0], x.shape[1])
        let (h, kv, d) = (config.nHeads, config.nKVHeads, config.headDim)
        let q = applyRotary(qProj(x).reshape([b, t, h, d]).transpose(1, 2), cos: step.cos, sin: step.sin)
        let k = applyRotary(kProj(x).reshape([b, t, kv, d]).transpose(1, 2), cos: step.cos, sin: step.sin)
        let v = vProj(x).reshape([b, t, kv, d]).transpose(1, 2)
        cache.write(layer: layer, keys: k, values: v, at: step.positions)
        let keys = cache.keys[layer].slice(dim: 2, start: 0, end: step.span)
        let values = cache.values[layer].slice(dim: 2, start: 0, end: step.span)
        // Grouped heads without repeating the cache: the h / kv query heads that share a key
        // head become h / kv times as many query rows of that head ([B, KV, rep * T, D]).
        let grouped = q.reshape([b, kv, h / kv * t, d])
        // one kernel where the backend has it (brrr's CPU backend); the three lines after define it
        let attended = fusedAttention(grouped, keys, values, mask: step.mask, scale: 1 / Float(d).squareRoot())
            ?? softmax(grouped.matmul(keys.transpose(-2, -1)) / Float(d).squareRoot() + step.mask, dim: -1).matmul(values)
        let y = attended.reshape([b, h, t, d])
        return oProj(y.transpose(1, 2).reshape([b, t, h * d]))
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

    /// Around existing parts.
    init(selfAttn: LlamaAttention, mlp: SwiGLU, inputLayernorm: RMSNorm, postAttentionLayernorm: RMSNorm) {
        (self.selfAttn, self.mlp, self.inputLayernorm, self.postAttentionLayernorm) = (selfAttn, mlp, inputLayernorm, postAttentionLayernorm)
    }

    /// A whole sequence, no cache.
    func forward(_ x: Tensor, rope: RotaryTables) -> Tensor {
        let h = x + selfAttn.forward(inputLayernorm(x), rope: rope)
        return h + mlp(postAttentionLayernorm(h))
    }

    /// New positions with the cache (see LlamaAttention).
    func forward(_ x: Tensor, step: CachedStep, cache: KVCache, layer: Int) -> Tensor {
        let h = x + selfAttn.forward(inputLayernorm(x), step: step, cache: cache, layer: layer)
        return h + mlp(postAttentionLayernorm(h))
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

    /// Around existing parts.
    init(embedTokens: Embedding, layers: [LlamaDecoderLayer], norm: RMSNorm) {
        (self.embedTokens, self.layers, self.norm) = (embedTokens, layers, norm)
    }
}

/// LlamaForCausalLM: ids -> logits.
public final class Llama: Module {
    public let config: LlamaConfig
    public let model: LlamaModel
    public let lmHead: Linear?
    /// Positions a KV cache holds (and the RoPE tables cover): config.maxSeqLen unless chosen
    /// smaller at load (`Llama(gguf:device:context:)`).
    public let contextLength: Int
    let rope: RotaryTables

    /// A freshly initialized llama (PyTorch's default inits, RMSNorm weights ones).
    public init(config: LlamaConfig) {
        self.config = config
        model = LlamaModel(config)
        lmHead = config.tieEmbeddings ? nil : Linear(config.dim, config.vocabSize, bias: false)
        contextLength = config.maxSeqLen
        rope = RotaryTables(headDim: config.headDim, maxLen: config.maxSeqLen, theta: config.ropeTheta)
    }

    /// A llama around existing parts (a file's weights, already on `device`); the RoPE tables
    /// are made there for `contextLength` positions (at most config.maxSeqLen).
    public init(config: LlamaConfig, model: LlamaModel, lmHead: Linear?, contextLength: Int? = nil, device: Device = .default) {
        let n = Swift.min(contextLength ?? config.maxSeqLen, config.maxSeqLen)
        check(n >= 1, "Llama: context length must be at least 1, got \(n)")
        check(config.tieEmbeddings == (lmHead == nil), "Llama: lm_head must be absent exactly when the embeddings are tied")
        (self.config, self.model, self.lmHead, self.contextLength) = (config, model, lmHead, n)
        rope = RotaryTables(headDim: config.headDim, maxLen: n, theta: config.ropeTheta, device: device)
    }

    /// One sequence: ids (T of them) -> logits [T, vocab].
    public func callAsFunction(_ ids: [Int]) -> Tensor {
        callAsFunction(ids, shape: [1, ids.count]).squeeze(dim: 0)
    }

    /// ids [B, T] (row-major) -> logits [B, T, vocab]: whole sequences, no cache.
    public func callAsFunction(_ ids: [Int], shape: [Int]) -> Tensor {
        check(shape.count == 2 && ids.count == shape[0] * shape[1], "Llama: ids must fill shape [B, T], got \(ids.count) ids for \(shape)")
        check(shape[1] <= contextLength, "Llama: \(shape[1]) positions exceed the context length \(contextLength)")
        var x = model.embedTokens(ids, shape: shape)
        for layer in model.layers { x = layer.forward(x, rope: rope) }
        return head(model.norm(x))
    }

    /// ids: an int32 tensor [B, T] (or [T]) -> logits [B, T, vocab] (or [T, vocab]): `model(idx)`.
    public override func forward(_ ids: Tensor) -> Tensor {
        check(ids.dtype == .int32 && (ids.rank == 1 || ids.rank == 2), "Llama: ids must be an int32 tensor [B, T] or [T], got \(ids.dtype) of shape \(ids.shape)")
        if ids.rank == 1 { return forward(ids.unsqueeze(dim: 0)).squeeze(dim: 0) }
        check(ids.shape[1] <= contextLength, "Llama: \(ids.shape[1]) positions exceed the context length \(contextLength)")
        var x = model.embedTokens(ids)
        for layer in model.layers { x = layer.forward(x, rope: rope) }
        return head(model.norm(x))
    }

    /// With a KV cache: ids (T new tokens of one sequence) at positions cache.count..<cache.count+T
    /// -> logits [T, vocab] for the new positions; the cache (made on first use, with room for
    /// `contextLength` positions) grows by T.
    public func forward(_ ids: [Int], cache: inout KVCache?) -> Tensor {
        forward(ids, shape: [1, ids.count], cache: &cache).squeeze(dim: 0)
    }

    /// ids [B, T] at positions cache.count..<cache.count+T -> logits [B, T, vocab].
    public func forward(_ ids: [Int], shape: [Int], cache: inout KVCache?) -> Tensor {
        check(shape.count == 2 && ids.count == shape[0] * shape[1], "Llama: ids must fill shape [B, T], got \(ids.count) ids for \(shape)")
        let c = cache ?? KVCache(config: config, batch: shape[0], capacity: contextLength, device: model.norm.weight.device)
        cache = c
        let start = c.count
        check(shape[0] == c.batch, "Llama: a batch of \(shape[0]) does not fit a cache made for \(c.batch)")
        check(start + shape[1] <= c.capacity, "Llama: positions up to \(start + shape[1]) exceed the context length \(c.capacity)")
        return cachedStep(ids, shape: shape, cache: c, through: forward(_:positions:span:cache:))
    }

    /// ids [B, T] at positions cache.count..<cache.count+T through `step` (this forward, or a
    /// compiled one: `generate(step:)`): the positions and span made here, the cache grown by T.
    func cachedStep(_ ids: [Int], shape: [Int], cache c: KVCache, through step: DecodeStep) -> Tensor {
        let start = c.count
        let positions = Tensor(int32: Array(start..<(start + shape[1])), shape: [shape[1]], device: c.device)
        let logits = step(Tensor(int32: ids, shape: shape, device: c.device), positions,
                          KVCache.span(filled: start + shape[1], capacity: c.capacity), c)
        c.advance(by: shape[1])
        return logits
    }

    /// One cached step whose positions are a tensor: ids (int32 [B, T]) at `positions` (int32
    /// [T]) -> logits [B, T, vocab], attention reading the first `span` rows of `cache`. It
    /// writes the cache rows of `positions` and leaves `cache.count` to the caller
    /// (`cache.advance(by:)`). Everything that changes from one token to the next is a tensor
    /// argument, so a compiled step (chapter 4) traced once serves every position of one span.
    public func forward(_ ids: Tensor, positions: Tensor, span: Int, cache c: KVCache) -> Tensor {
        check(ids.dtype == .int32 && ids.rank == 2 && positions.dtype == .int32 && positions.shape == [ids.shape[1]],
              "Llama: a cached step takes int32 ids [B, T] and int32 positions [T], got \(ids.dtype) \(ids.shape) and \(positions.dtype) \(positions.shape)")
        check(ids.shape[0] == c.batch, "Llama: a batch of \(ids.shape[0]) does not fit a cache made for \(c.batch)")
        check(span >= 1 && span <= c.capacity, "Llama: a span of \(span) rows must be in 1...\(c.capacity) (the cache's capacity)")
        let step = CachedStep(positions: positions, span: span, rope: rope, queryRowsPerKeyHead: config.nHeads / config.nKVHeads)
        var x = model.embedTokens(ids)
        for (i, layer) in model.layers.enumerated() { x = layer.forward(x, step: step, cache: c, layer: i) }
        return head(model.norm(x))
    }

    /// The last hidden states [..., dim] -> logits [..., vocab] (the tied table when there is no lm_head).
    func head(_ x: Tensor) -> Tensor {
        if let lmHead { return lmHead(x) }
        return linear(x, model.embedTokens.weight)
    }
}

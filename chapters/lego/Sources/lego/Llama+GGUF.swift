// A llama from a GGUF file: the config from llama.* metadata, the weights renamed from
// llama.cpp's names to HF's state-dict keys, with one twist.
//
// llama.cpp applies RoPE to adjacent pairs (x0, x1), (x2, x3), ... while HF's rotate_half
// pairs x_i with x_{i + d/2}. convert_hf_to_gguf.py therefore permutes the rows of every
// q_proj and k_proj weight, head by head:
//
//     w.reshape(n_head, 2, head_dim / 2, dim).swapaxes(1, 2).reshape(w.shape)
//
// so that rows i and i + d/2 of a head become neighbours. Our Llama follows HF, so we undo
// it: view the rows as [n_head, head_dim / 2, 2, dim], swap axes 1 and 2 back.

/// GGUF tensor names -> HF keys, per layer (blk.N.<name>.weight -> model.layers.N.<key>.weight).
let ggufLayerKeys: [(gguf: String, hf: String)] = [
    ("attn_q", "self_attn.q_proj"), ("attn_k", "self_attn.k_proj"), ("attn_v", "self_attn.v_proj"),
    ("attn_output", "self_attn.o_proj"), ("ffn_gate", "mlp.gate_proj"), ("ffn_up", "mlp.up_proj"),
    ("ffn_down", "mlp.down_proj"), ("attn_norm", "input_layernorm"), ("ffn_norm", "post_attention_layernorm"),
]

/// Undoes llama.cpp's RoPE row permutation of a q or k weight [heads * headDim, dim]:
/// per head, rows (0, 1), (2, 3), ... go back to (0, d/2), (1, d/2 + 1), ...
public func unpermuteQK(_ w: Tensor, heads: Int) -> Tensor {
    check(w.rank == 2 && heads > 0 && w.shape[0] % (2 * heads) == 0,
          "unpermuteQK: weight of shape \(w.shape) does not split into \(heads) heads of even size")
    // BEGIN SOLUTION lego.56: view the rows as [heads, headDim/2, 2, dim], swap dims 1 and 2, and make it [rows, dim] again
    let (rows, cols) = (w.shape[0], w.shape[1])
    return w.reshape([heads, rows / heads / 2, 2, cols]).transpose(1, 2).contiguous().reshape([rows, cols])
    // END SOLUTION lego.56
}

extension LlamaConfig {
    /// The config a GGUF file's llama.* metadata describes; maxSeqLen is capped at `maxSeqLen`.
    public init(gguf: GGUFFile, maxSeqLen cap: Int = 8192) throws {
        let arch = try gguf.string("general.architecture")
        guard arch == "llama" else { throw GGUFError("general.architecture is \(arch), not llama") }
        let dim = try gguf.int("llama.embedding_length"), heads = try gguf.int("llama.attention.head_count")
        let kvHeads = gguf["llama.attention.head_count_kv"]?.int ?? heads
        guard let embed = gguf.info("token_embd.weight"), embed.dims.count == 2 else {
            throw GGUFError("token_embd.weight is missing or not a matrix")
        }
        let vocab = gguf["llama.vocab_size"]?.int ?? embed.shape[0]
        guard dim > 0, heads > 0, kvHeads > 0, dim % heads == 0, heads % kvHeads == 0, embed.shape == [vocab, dim] else {
            throw GGUFError("llama metadata does not fit: dim \(dim), heads \(heads), kv heads \(kvHeads), token_embd \(embed.shape)")
        }
        if let rope = gguf["llama.rope.dimension_count"]?.int, rope != dim / heads {
            throw GGUFError("llama.rope.dimension_count \(rope) != head dim \(dim / heads): partial RoPE is not supported")
        }
        self.init(dim: dim, nLayers: try gguf.int("llama.block_count"), nHeads: heads, nKVHeads: kvHeads,
                  hiddenDim: try gguf.int("llama.feed_forward_length"), vocabSize: vocab,
                  maxSeqLen: min(gguf["llama.context_length"]?.int ?? 2048, cap),
                  normEps: gguf["llama.attention.layer_norm_rms_epsilon"]?.float ?? 1e-5,
                  ropeTheta: gguf["llama.rope.freq_base"]?.float ?? 10000,
                  tieEmbeddings: gguf.info("output.weight") == nil)
    }
}

extension Llama {
    /// HF state-dict keys -> de-quantized tensors (q/k un-permuted) for the model in `gguf`.
    public static func stateDict(gguf: GGUFFile, config c: LlamaConfig, device: Device = .default) throws -> [String: Tensor] {
        var dict: [String: Tensor] = [:]
        dict["model.embed_tokens.weight"] = try gguf.tensor("token_embd.weight", device: device)
        dict["model.norm.weight"] = try gguf.tensor("output_norm.weight", device: device)
        if !c.tieEmbeddings { dict["lm_head.weight"] = try gguf.tensor("output.weight", device: device) }
        for i in 0..<c.nLayers {
            for (g, hf) in ggufLayerKeys {
                var w = try gguf.tensor("blk.\(i).\(g).weight", device: device)
                if g == "attn_q" { w = unpermuteQK(w, heads: c.nHeads) }
                if g == "attn_k" { w = unpermuteQK(w, heads: c.nKVHeads) }
                dict["model.layers.\(i).\(hf).weight"] = w
            }
        }
        return dict
    }

    /// The llama a GGUF file holds (config from llama.* metadata; F32, F16, BF16, Q8_0, Q4_0
    /// and Q4_1 weights de-quantized to float32). Throws for missing tensors or bad metadata.
    public convenience init(gguf: GGUFFile, device: Device = .default) throws {
        let config = try LlamaConfig(gguf: gguf)
        self.init(config: config)
        try loadStateDict(Llama.stateDict(gguf: gguf, config: config, device: device))
    }
}

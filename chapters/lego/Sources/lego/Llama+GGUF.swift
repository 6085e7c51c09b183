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
    /// Nothing the file says is trusted: every size must be positive and fit the others and the
    /// shapes of the file's tensors (which the reader bounded by the file's bytes), every float
    /// finite and in range. A value that does not fit throws, naming the key, its value and
    /// what was expected; only metadata and tensor infos are read, no tensor data.
    public init(gguf: GGUFFile, maxSeqLen cap: Int = 8192) throws {
        let arch = try gguf.string("general.architecture")
        guard arch == "llama" else { throw GGUFError("general.architecture is \(arch), not llama") }
        func size(_ key: String, _ value: Int, atLeast least: Int = 1) throws -> Int {
            guard value >= least, value <= 1 << 31 else { throw GGUFError("\(key) is \(value); expected an integer from \(least) to 2^31") }
            return value
        }
        let dim = try size("llama.embedding_length", gguf.int("llama.embedding_length"))
        let heads = try size("llama.attention.head_count", gguf.int("llama.attention.head_count"))
        let kvHeads = try size("llama.attention.head_count_kv", gguf["llama.attention.head_count_kv"]?.int ?? heads)
        let layers = try size("llama.block_count", gguf.int("llama.block_count"))
        guard layers * 9 <= gguf.tensorInfos.count else {   // 9 tensors a block: the file must hold them
            throw GGUFError("llama.block_count is \(layers); expected at most the \(gguf.tensorInfos.count / 9) blocks the file's \(gguf.tensorInfos.count) tensors can hold")
        }
        let hidden = try size("llama.feed_forward_length", gguf.int("llama.feed_forward_length"))
        guard dim % heads == 0, (dim / heads) % 2 == 0 else {
            throw GGUFError("llama.attention.head_count is \(heads); expected a divisor of llama.embedding_length \(dim) that leaves an even head dim")
        }
        guard heads % kvHeads == 0 else {
            throw GGUFError("llama.attention.head_count_kv is \(kvHeads); expected a divisor of llama.attention.head_count \(heads)")
        }
        guard let embed = gguf.info("token_embd.weight"), embed.dims.count == 2 else {
            throw GGUFError("token_embd.weight is missing or not a matrix")
        }
        let vocab = try size("llama.vocab_size", gguf["llama.vocab_size"]?.int ?? embed.shape[0])
        guard embed.shape == [vocab, dim] else {
            throw GGUFError("token_embd.weight is \(embed.shape); expected [vocab \(vocab), llama.embedding_length \(dim)]")
        }
        if let rope = gguf["llama.rope.dimension_count"]?.int, rope != dim / heads {
            throw GGUFError("llama.rope.dimension_count \(rope) != head dim \(dim / heads): partial RoPE is not supported")
        }
        let context = try size("llama.context_length", gguf["llama.context_length"]?.int ?? 2048, atLeast: 2)
        func float(_ key: String, default value: Float, _ ok: (Float) -> Bool, _ expected: String) throws -> Float {
            guard let v = gguf[key] else { return value }
            guard let f = v.float, f.isFinite, ok(f) else { throw GGUFError("\(key) is \(v); expected \(expected)") }
            return f
        }
        let eps = try float("llama.attention.layer_norm_rms_epsilon", default: 1e-5, { $0 > 0 && $0 < 1 }, "a finite number in (0, 1)")
        let theta = try float("llama.rope.freq_base", default: 10000, { $0 > 1 }, "a finite number > 1")
        self.init(dim: dim, nLayers: layers, nHeads: heads, nKVHeads: kvHeads, hiddenDim: hidden, vocabSize: vocab,
                  maxSeqLen: min(context, cap), normEps: eps, ropeTheta: theta,
                  tieEmbeddings: gguf.info("output.weight") == nil)
        try checkTensors(in: gguf)
    }

    /// Throws unless the file has every tensor a llama of this config needs, each of the
    /// shape the config says (a block count or a size the tensors do not back is refused
    /// here, before anything is allocated).
    func checkTensors(in gguf: GGUFFile) throws {
        var bad: [String] = []
        for (hf, shape) in Llama.expectedShapes(self).sorted(by: { $0.key < $1.key }) {
            let name = ggufName(ofHF: hf)
            guard let info = gguf.info(name) else { bad.append("\(name) is missing"); continue }
            if info.shape != shape { bad.append("\(name) is \(info.shape), expected \(shape)") }
        }
        guard bad.isEmpty else {
            let more = bad.count > 3 ? " (and \(bad.count - 3) more)" : ""
            throw GGUFError("tensors do not fit the llama metadata (\(nLayers) blocks, dim \(dim), ffn \(hiddenDim), vocab \(vocabSize)): "
                            + bad.prefix(3).joined(separator: "; ") + more)
        }
    }
}

/// The GGUF tensor name of an HF state-dict key (model.layers.N.mlp.up_proj.weight -> blk.N.ffn_up.weight).
func ggufName(ofHF key: String) -> String {
    switch key {
    case "model.embed_tokens.weight": return "token_embd.weight"
    case "model.norm.weight": return "output_norm.weight"
    case "lm_head.weight": return "output.weight"
    default:
        let parts = key.split(separator: ".", maxSplits: 3)   // model, layers, N, rest
        guard parts.count == 4, let hf = ggufLayerKeys.first(where: { parts[3] == $0.hf + ".weight" }) else { return key }
        return "blk.\(parts[2]).\(hf.gguf).weight"
    }
}

extension Llama {
    /// The llama a GGUF file holds (config from llama.* metadata), built straight on `device`
    /// from the file's tensors: Q8_0, Q4_0 and Q4_1 weights stay in their block format (the
    /// kernels de-quantize as they read), F32/F16/BF16 ones become float32; no weight is
    /// initialized at random or copied twice. `context` (default 2048, at most the file's
    /// context length) is the KV cache's capacity. Throws for missing tensors or bad metadata.
    public convenience init(gguf: GGUFFile, device: Device = .default, context: Int? = 2048) throws {
        let c = try LlamaConfig(gguf: gguf)
        func weight(_ name: String, heads: Int? = nil) throws -> Tensor { try gguf.weight(name, device: device, unpermuteHeads: heads) }
        var layers: [LlamaDecoderLayer] = []
        for i in 0..<c.nLayers {
            func linear(_ g: String, heads: Int? = nil) throws -> Linear { Linear(weight: try weight("blk.\(i).\(g).weight", heads: heads)) }
            let attention = LlamaAttention(c, q: try linear("attn_q", heads: c.nHeads), k: try linear("attn_k", heads: c.nKVHeads),
                                           v: try linear("attn_v"), o: try linear("attn_output"))
            let mlp = SwiGLU(gateProj: try linear("ffn_gate"), upProj: try linear("ffn_up"), downProj: try linear("ffn_down"))
            layers.append(LlamaDecoderLayer(selfAttn: attention, mlp: mlp,
                                            inputLayernorm: RMSNorm(weight: try weight("blk.\(i).attn_norm.weight"), eps: c.normEps),
                                            postAttentionLayernorm: RMSNorm(weight: try weight("blk.\(i).ffn_norm.weight"), eps: c.normEps)))
        }
        let body = LlamaModel(embedTokens: Embedding(weight: try weight("token_embd.weight")), layers: layers,
                              norm: RMSNorm(weight: try weight("output_norm.weight"), eps: c.normEps))
        let head = c.tieEmbeddings ? nil : Linear(weight: try weight("output.weight"))
        self.init(config: c, model: body, lmHead: head, contextLength: context, device: device)
        try checkShapes(against: Llama.expectedShapes(c))
    }

    /// Every state-dict key of a llama of config `c` with its shape.
    static func expectedShapes(_ c: LlamaConfig) -> [String: [Int]] {
        var shapes: [String: [Int]] = ["model.embed_tokens.weight": [c.vocabSize, c.dim], "model.norm.weight": [c.dim]]
        if !c.tieEmbeddings { shapes["lm_head.weight"] = [c.vocabSize, c.dim] }
        let (q, kv) = (c.nHeads * c.headDim, c.nKVHeads * c.headDim)
        for i in 0..<c.nLayers {
            let p = "model.layers.\(i)."
            shapes[p + "self_attn.q_proj.weight"] = [q, c.dim]
            shapes[p + "self_attn.k_proj.weight"] = [kv, c.dim]
            shapes[p + "self_attn.v_proj.weight"] = [kv, c.dim]
            shapes[p + "self_attn.o_proj.weight"] = [c.dim, q]
            shapes[p + "mlp.gate_proj.weight"] = [c.hiddenDim, c.dim]
            shapes[p + "mlp.up_proj.weight"] = [c.hiddenDim, c.dim]
            shapes[p + "mlp.down_proj.weight"] = [c.dim, c.hiddenDim]
            shapes[p + "input_layernorm.weight"] = [c.dim]
            shapes[p + "post_attention_layernorm.weight"] = [c.dim]
        }
        return shapes
    }

    /// Throws naming every tensor whose shape is not what the config says.
    func checkShapes(against expected: [String: [Int]]) throws {
        let state = stateDict()
        let bad = expected.keys.sorted().compactMap { key -> String? in
            guard let t = state[key] else { return "\(key) is missing" }
            return t.shape == expected[key]! ? nil : "\(key) is \(t.shape), the metadata says \(expected[key]!)"
        }
        if !bad.isEmpty { throw GGUFError("tensors do not fit the llama metadata: " + bad.joined(separator: "; ")) }
    }
}

extension GGUFFile {
    /// The tensor `name` on `device` as a model keeps it: Q8_0/Q4_0/Q4_1 blocks as they are
    /// (dfdx's block dtypes), other types de-quantized to float32. `unpermuteHeads` undoes
    /// llama.cpp's q/k row order (lego.56's permutation, applied to whole rows of blocks).
    public func weight(_ name: String, device: Device = .default, unpermuteHeads heads: Int? = nil) throws -> Tensor {
        guard let info = info(name) else { throw GGUFError("no tensor named \(name)") }
        let dtype: DType? = info.type == .q8_0 ? .q8_0 : info.type == .q4_0 ? .q4_0 : info.type == .q4_1 ? .q4_1 : nil
        guard let dtype, info.shape.count == 2 else {
            let t = try tensor(name, device: device)
            return heads.map { unpermuteQK(t, heads: $0) } ?? t
        }
        let start = dataOffset + info.offset
        let src = UnsafeRawBufferPointer(rebasing: bytes.raw[start..<(start + info.byteCount)])
        let (rows, k) = (info.shape[0], info.shape[1])
        guard k % 32 == 0, src.count == dtype.byteCount(of: rows * k) else {
            throw GGUFError("tensor \(name): \(src.count) bytes do not hold [\(rows), \(k)] \(info.type.name) values")
        }
        try checkScales(info, src)
        guard let heads else { return Tensor(bytes: src, dtype: dtype, shape: info.shape, device: device) }
        guard heads > 0, rows % (2 * heads) == 0 else { throw GGUFError("tensor \(name): \(rows) rows do not split into \(heads) heads") }
        // the source row of each output row: the same permutation applied to a column of row numbers
        let order = withNoGrad { unpermuteQK(Tensor((0..<rows).map(Float.init), shape: [rows, 1]), heads: heads).toArray() }
        let rowBytes = dtype.byteCount(of: k)
        var permuted = [UInt8](repeating: 0, count: src.count)
        permuted.withUnsafeMutableBytes { dst in
            for (r, from) in order.enumerated() {
                dst.baseAddress!.advanced(by: r * rowBytes).copyMemory(from: src.baseAddress!.advanced(by: Int(from) * rowBytes), byteCount: rowBytes)
            }
        }
        return permuted.withUnsafeBytes { Tensor(bytes: $0, dtype: dtype, shape: info.shape, device: device) }
    }
}

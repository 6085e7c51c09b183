// Causal self-attention: every position mixes the values of the positions up to itself,
// weighted by softmax(q k^T / sqrt(d)). The same core serves GPT (learned positions, fused
// qkv projection) and llama (RoPE, grouped-query heads, KV cache).

/// softmax(q k^T / sqrt(D) + causal mask) v.
/// q: [B, H, T, D], k and v: [B, H, S, D] with S >= T: the T queries are the last T of the S
/// positions (S > T when earlier keys come from a KV cache), so query i sees keys 0 ... S-T+i.
/// Returns [B, H, T, D]. Cost: 4 * B * H * T * S * D flops.
public func causalAttention(_ q: Tensor, _ k: Tensor, _ v: Tensor) -> Tensor {
    check(q.rank == 4 && k.rank == 4 && v.rank == 4 && k.shape == v.shape && q.shape[3] == k.shape[3]
          && q.shape[0] == k.shape[0] && q.shape[1] == k.shape[1] && k.shape[2] >= q.shape[2],
          "causalAttention: q \(q.shape), k \(k.shape), v \(v.shape) must be [B, H, T, D], [B, H, S, D] with S >= T")
    // BEGIN SOLUTION lego.7: scores = q.matmul(k^T) / sqrt(D); set scores of future keys (j > S-T+i) to -inf (a mask tensor added); softmax(_:dim:) over keys; matmul v
    let (t, s, d) = (q.shape[2], k.shape[2], q.shape[3])
    var mask = [Float](repeating: 0, count: t * s)
    for i in 0..<t {
        for j in (s - t + i + 1)..<s { mask[i * s + j] = -Float.infinity }
    }
    let scores = q.matmul(k.transpose(-2, -1)) / Float(d).squareRoot()
    let weights = softmax(scores + Tensor(mask, shape: [t, s], device: q.device), dim: -1)
    return weights.matmul(v)
    // END SOLUTION lego.7
}

/// GPT-2's attention: one Linear makes q, k and v (`c_attn`), another mixes the heads (`c_proj`).
public final class CausalSelfAttention: Module {
    public let cAttn: Linear
    public let cProj: Linear
    public let nHeads: Int

    /// dim channels split into nHeads heads of dim / nHeads.
    public init(dim: Int, nHeads: Int) {
        check(dim % nHeads == 0, "CausalSelfAttention: dim \(dim) is not divisible by nHeads \(nHeads)")
        cAttn = Linear(dim, 3 * dim)
        cProj = Linear(dim, dim)
        self.nHeads = nHeads
    }

    /// x: [B, T, C] -> [B, T, C]
    public override func forward(_ x: Tensor) -> Tensor {
        let (b, t, c) = (x.shape[0], x.shape[1], x.shape[2])
        let qkv = cAttn(x)
        func heads(_ i: Int) -> Tensor {
            qkv.slice(dim: 2, start: i * c, end: (i + 1) * c).reshape([b, t, nHeads, c / nHeads]).transpose(1, 2)
        }
        let y = causalAttention(heads(0), heads(1), heads(2))
        return cProj(y.transpose(1, 2).reshape([b, t, c]))
    }
}

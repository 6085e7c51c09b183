// lego's GPT-2 block, tensor-parallel over a group of N ranks, with GPTBlock's state-dict keys
// (`ln_1`, `attn.c_attn`, `attn.c_proj`, `ln_2`, `mlp.c_fc`, `mlp.c_proj`), so
// `loadShardedStateDict(block, from: gptBlock.stateDict())` gives each rank its slices:
// the fused q/k/v projection column-parallel in three parts (rank r gets its heads of q, of k
// and of v), attention on those heads, c_proj row-parallel; the MLP's c_fc column-parallel,
// c_proj row-parallel; the LayerNorms whole on every rank.

/// GPT-2's attention with its heads split over `group`.
public final class TensorParallelCausalSelfAttention: Module {
    public let cAttn: ColumnParallelLinear
    public let cProj: RowParallelLinear
    let localHeads: Int

    /// dim channels in nHeads heads; rank r gets heads r*nHeads/N ..< (r+1)*nHeads/N.
    public init(dim: Int, nHeads: Int, group: ProcessGroup) {
        check(dim % nHeads == 0 && nHeads % group.worldSize == 0,
              "TensorParallelCausalSelfAttention: dim \(dim), \(nHeads) heads do not split over \(group.worldSize) ranks")
        cAttn = ColumnParallelLinear(dim, 3 * dim, group: group, fusedParts: 3)
        cProj = RowParallelLinear(dim, dim, group: group)
        localHeads = nHeads / group.worldSize
    }

    /// x: [B, T, C] (the same on every rank) -> [B, T, C].
    public override func forward(_ x: Tensor) -> Tensor {
        let (b, t) = (x.shape[0], x.shape[1])
        let qkv = cAttn(x), c = qkv.shape[2] / 3   // this rank's C/N channels of q, then of k, then of v
        func heads(_ i: Int) -> Tensor {
            qkv.slice(dim: 2, start: i * c, end: (i + 1) * c).reshape([b, t, localHeads, c / localHeads]).transpose(1, 2)
        }
        let y = causalAttention(heads(0), heads(1), heads(2))
        return cProj(y.transpose(1, 2).reshape([b, t, c]))
    }
}

/// GPT-2's MLP with its hidden features split over `group`.
public final class TensorParallelMLP: Module {
    public let cFc: ColumnParallelLinear
    public let cProj: RowParallelLinear

    public init(dim: Int, hidden: Int, group: ProcessGroup) {
        cFc = ColumnParallelLinear(dim, hidden, group: group)
        cProj = RowParallelLinear(hidden, dim, group: group)
    }

    /// x: [..., dim] -> [..., dim]
    public override func forward(_ x: Tensor) -> Tensor { cProj(gelu(cFc(x))) }
}

/// x + attn(ln_1(x)), then + mlp(ln_2(x)), with attention and MLP split over `group`.
public final class TensorParallelGPTBlock: Module {
    public let ln1: LayerNorm
    public let attn: TensorParallelCausalSelfAttention
    public let ln2: LayerNorm
    public let mlp: TensorParallelMLP

    /// This rank's part of a block of `config`'s sizes.
    public init(_ config: GPTConfig, group: ProcessGroup) {
        ln1 = LayerNorm(config.dim)
        attn = TensorParallelCausalSelfAttention(dim: config.dim, nHeads: config.nHeads, group: group)
        ln2 = LayerNorm(config.dim)
        mlp = TensorParallelMLP(dim: config.dim, hidden: 4 * config.dim, group: group)
    }

    /// x: [B, T, C] -> [B, T, C]
    public override func forward(_ x: Tensor) -> Tensor {
        let h = x + attn(ln1(x))
        return h + mlp(ln2(h))
    }
}

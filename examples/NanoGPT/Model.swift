// A nanoGPT-style GPT (model.py's layout): token and position embeddings, pre-LayerNorm blocks
// of causal self-attention and a GELU MLP, a final LayerNorm, and a head tied to the token
// embedding. Ported line by line from a PyTorch twin (scripts/reference/examples.py);
// examples/README.md sets the two side by side.
import picograd
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct GPTConfig {
    var blockSize = 1024
    var vocabSize = 50304
    var nLayer = 12
    var nHead = 12
    var nEmbd = 768
    var dropout: Float = 0.0
    var bias = true   // true: bias in Linears and LayerNorms, like GPT-2
}

final class CausalSelfAttention: Module {
    let cAttn: Linear
    let cProj: Linear
    let attnDropout: Dropout
    let residDropout: Dropout
    let nHead: Int
    let nEmbd: Int
    let bias: Tensor   // the causal mask (a buffer)

    init(_ config: GPTConfig) {
        check(config.nEmbd % config.nHead == 0, "CausalSelfAttention: nEmbd \(config.nEmbd) is not a multiple of nHead \(config.nHead)")
        // key, query, value projections for all heads, but in a batch
        cAttn = Linear(config.nEmbd, 3 * config.nEmbd, bias: config.bias)
        // output projection
        cProj = Linear(config.nEmbd, config.nEmbd, bias: config.bias)
        // regularization
        attnDropout = Dropout(config.dropout)
        residDropout = Dropout(config.dropout)
        nHead = config.nHead
        nEmbd = config.nEmbd
        bias = Tensor.ones([config.blockSize, config.blockSize]).tril().view([1, 1, config.blockSize, config.blockSize])
    }

    override func forward(_ x: Tensor) -> Tensor {
        let (B, T, C) = (x.size(0), x.size(1), x.size(2))   // batch size, sequence length, embedding dimensionality (nEmbd)

        // calculate query, key, values for all heads in batch and move head forward to be the batch dim
        let qkv = cAttn(x).split(nEmbd, dim: 2)
        let k = qkv[1].view([B, T, nHead, C / nHead]).transpose(1, 2)   // (B, nh, T, hs)
        let q = qkv[0].view([B, T, nHead, C / nHead]).transpose(1, 2)   // (B, nh, T, hs)
        let v = qkv[2].view([B, T, nHead, C / nHead]).transpose(1, 2)   // (B, nh, T, hs)

        // causal self-attention; Self-attend: (B, nh, T, hs) x (B, nh, hs, T) -> (B, nh, T, T)
        var att = q.matmul(k.transpose(-2, -1)) * (1.0 / sqrt(Double(k.size(-1))))
        att = att.maskedFill(bias.slice(dim: 2, start: 0, end: T).slice(dim: 3, start: 0, end: T).eq(0), -.infinity)
        att = softmax(att, dim: -1)
        att = attnDropout(att)
        var y = att.matmul(v)   // (B, nh, T, T) x (B, nh, T, hs) -> (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view([B, T, C])   // re-assemble all head outputs side by side

        // output projection
        y = residDropout(cProj(y))
        return y
    }
}

final class MLP: Module {
    let cFc: Linear
    let gelu: Activation
    let cProj: Linear
    let dropout: Dropout

    init(_ config: GPTConfig) {
        cFc = Linear(config.nEmbd, 4 * config.nEmbd, bias: config.bias)
        gelu = Activation { $0.gelu() }
        cProj = Linear(4 * config.nEmbd, config.nEmbd, bias: config.bias)
        dropout = Dropout(config.dropout)
    }

    override func forward(_ x: Tensor) -> Tensor {
        var x = cFc(x)
        x = gelu(x)
        x = cProj(x)
        x = dropout(x)
        return x
    }
}

final class Block: Module {
    let ln1: LayerNorm
    let attn: CausalSelfAttention
    let ln2: LayerNorm
    let mlp: MLP

    init(_ config: GPTConfig) {
        ln1 = LayerNorm(config.nEmbd)
        attn = CausalSelfAttention(config)
        ln2 = LayerNorm(config.nEmbd)
        mlp = MLP(config)
    }

    override func forward(_ x: Tensor) -> Tensor {
        var x = x + attn(ln1(x))
        x = x + mlp(ln2(x))
        return x
    }
}

final class GPT: Module {
    let config: GPTConfig
    let transformer: ModuleDict
    let lmHead: Linear

    init(_ config: GPTConfig) {
        self.config = config
        transformer = ModuleDict([
            "wte": Embedding(config.vocabSize, config.nEmbd),
            "wpe": Embedding(config.blockSize, config.nEmbd),
            "drop": Dropout(config.dropout),
            "h": ModuleList((0..<config.nLayer).map { _ in Block(config) }),
            "ln_f": LayerNorm(config.nEmbd),
        ])
        lmHead = Linear(config.nEmbd, config.vocabSize, bias: false)
        super.init()
        // with weight tying: the token embedding and the head share one tensor
        transformer["wte", as: Embedding.self].weight = lmHead.weight

        // init all weights
        apply(initWeights)
        // apply special scaled init to the residual projections, per GPT-2 paper
        for (pn, p) in namedParameters() where pn.hasSuffix("c_proj.weight") {
            Init.normal_(p, mean: 0.0, std: 0.02 / sqrt(2 * Float(config.nLayer)))
        }

        // report number of parameters
        print("number of parameters: \(Double(numParams()) / 1e6)M")
    }

    /// The number of parameters, the position embeddings left out (tied weights count once).
    func numParams(nonEmbedding: Bool = true) -> Int {
        var nParams = parameters().map(\.count).reduce(0, +)
        if nonEmbedding {
            nParams -= transformer["wpe", as: Embedding.self].weight.count
        }
        return nParams
    }

    func initWeights(_ module: Module) {
        if let module = module as? Linear {
            Init.normal_(module.weight, mean: 0.0, std: 0.02)
            if let bias = module.bias {
                Init.zeros_(bias)
            }
        } else if let module = module as? Embedding {
            Init.normal_(module.weight, mean: 0.0, std: 0.02)
        }
    }

    func callAsFunction(_ idx: Tensor, targets: Tensor? = nil) -> (logits: Tensor, loss: Tensor?) {
        let (b, t) = (idx.size(0), idx.size(1))
        check(t <= config.blockSize, "GPT: cannot forward sequence of length \(t), block size is only \(config.blockSize) (batch \(b))")
        let pos = Tensor.arange(t, dtype: .int32)   // shape (t)

        // forward the GPT model itself
        let tokEmb = transformer["wte", as: Embedding.self](idx)   // token embeddings of shape (b, t, n_embd)
        let posEmb = transformer["wpe", as: Embedding.self](pos)   // position embeddings of shape (t, n_embd)
        var x = transformer["drop", as: Dropout.self](tokEmb + posEmb)
        for block in transformer["h", as: ModuleList.self].list {
            x = block(x)
        }
        x = transformer["ln_f", as: LayerNorm.self](x)

        if let targets {
            // if we are given some desired targets also calculate the loss
            let logits = lmHead(x)
            let loss = crossEntropy(logits.view([-1, logits.size(-1)]), targets: targets.view([-1]), ignoreIndex: -1)
            return (logits, loss)
        } else {
            // inference-time mini-optimization: only forward the lm_head on the very last position
            let logits = lmHead(x.slice(dim: 1, start: t - 1, end: t))   // note: using list [-1] to preserve the time dim
            return (logits, nil)
        }
    }

    /// Takes a conditioning sequence of indices idx (int32 tensor of shape (b, t)) and completes
    /// the sequence maxNewTokens times, feeding the predictions back into the model each time.
    func generate(_ idx: Tensor, maxNewTokens: Int, temperature: Float = 1.0) -> Tensor {
        withNoGrad {
            var idx = idx
            for _ in 0..<maxNewTokens {
                // if the sequence context is growing too long we must crop it at block_size
                let idxCond = idx.size(1) <= config.blockSize ? idx : idx.slice(dim: 1, start: -config.blockSize, end: idx.size(1))
                // forward the model to get the logits for the index in the sequence
                var (logits, _) = self(idxCond)
                // pluck the logits at the final step and scale by desired temperature
                logits = logits.select(dim: 1, index: -1) / temperature
                // apply softmax to convert logits to (normalized) probabilities
                let probs = softmax(logits, dim: -1)
                // sample from the distribution
                let idxNext = probs.multinomial(1)
                // append sampled index to the running sequence and continue
                idx = cat([idx, idxNext], dim: 1)
            }
            return idx
        }
    }
}

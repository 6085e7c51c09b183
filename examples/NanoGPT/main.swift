// nanoGPT-style training of a small character-level GPT on tinyshakespeare (train.py's loop:
// random windows, AdamW with weight decay on the matrices only, a warmup + cosine learning
// rate, gradient clipping), then a sample. Ported line by line; examples/README.md sets it
// beside its PyTorch twin (scripts/reference/examples.py).
//
//     PICOGRAD_DATA=/path/to/folder/with/tinyshakespeare.txt swift run -c release NanoGPT [--iters 2000] [--sample 500]
import picograd
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func option(_ name: String) -> Int? {
    CommandLine.arguments.firstIndex(of: name).map { Int(CommandLine.arguments[$0 + 1])! }
}
// -----------------------------------------------------------------------------
// a baby GPT (shakespeare_char's config, scaled down to train in minutes on a CPU)
let batchSize = 8
let blockSize = 32
let nLayer = 2, nHead = 4, nEmbd = 64
let dropout: Float = 0.0
let learningRate = 1e-3
let maxIters = option("--iters") ?? 2000
let weightDecay: Float = 1e-1
let beta1: Float = 0.9, beta2: Float = 0.99
let gradClip: Float = 1.0
let warmupIters = 100, lrDecayIters = 2000
let minLr = 1e-4
// -----------------------------------------------------------------------------

manualSeed(1337)

// the data: characters of tinyshakespeare as ids, 90% to train
let text = try loadDataset("tinyshakespeare.txt")
let chars = Set(text).sorted()
let stoi = Dictionary(uniqueKeysWithValues: chars.enumerated().map { ($0.element, $0.offset) })
let itos = Dictionary(uniqueKeysWithValues: stoi.map { ($0.value, $0.key) })
let data = text.map { stoi[$0]! }
let n = Int(0.9 * Double(data.count))
let trainData = Tensor(int32: Array(data[..<n]), shape: [n])
let valData = Tensor(int32: Array(data[n...]), shape: [data.count - n])

func getBatch(_ split: String) -> (Tensor, Tensor) {
    let data = split == "train" ? trainData : valData
    let ix = Tensor.randint(data.size(0) - blockSize, [batchSize])
    let x = stack(ix.toInt32Array().map { i in data.slice(dim: 0, start: Int(i), end: Int(i) + blockSize) }, dim: 0)
    let y = stack(ix.toInt32Array().map { i in data.slice(dim: 0, start: Int(i) + 1, end: Int(i) + 1 + blockSize) }, dim: 0)
    return (x, y)
}

// model init
let model = GPT(GPTConfig(blockSize: blockSize, vocabSize: chars.count, nLayer: nLayer, nHead: nHead, nEmbd: nEmbd,
                          dropout: dropout, bias: true))

// optimizer: weight decay on every 2D parameter (matmuls, embeddings), none on biases and norms
let paramDict = model.namedParameters()
let decayParams = paramDict.map(\.1).filter { $0.rank >= 2 }
let nodecayParams = paramDict.map(\.1).filter { $0.rank < 2 }
print("num decayed parameter tensors: \(decayParams.count), with \(decayParams.map(\.count).reduce(0, +)) parameters")
print("num non-decayed parameter tensors: \(nodecayParams.count), with \(nodecayParams.map(\.count).reduce(0, +)) parameters")
let optimizers = [AdamW(decayParams, lr: Float(learningRate), betas: (beta1, beta2), weightDecay: weightDecay),
                  AdamW(nodecayParams, lr: Float(learningRate), betas: (beta1, beta2), weightDecay: 0.0)]

// learning rate decay scheduler (cosine with warmup)
func getLr(_ it: Int) -> Double {
    // 1) linear warmup for warmup_iters steps
    if it < warmupIters {
        return learningRate * Double(it + 1) / Double(warmupIters + 1)
    }
    // 2) if it > lr_decay_iters, return min learning rate
    if it > lrDecayIters {
        return minLr
    }
    // 3) in between, use cosine decay down to min learning rate
    let decayRatio = Double(it - warmupIters) / Double(lrDecayIters - warmupIters)
    let coeff = 0.5 * (1.0 + cos(Double.pi * decayRatio))   // coeff ranges 0..1
    return minLr + coeff * (learningRate - minLr)
}

// training loop
for iter in 0..<maxIters {
    // determine and set the learning rate for this iteration
    let lr = getLr(iter)
    for optimizer in optimizers {
        optimizer.lr = Float(lr)
    }
    let (X, Y) = getBatch("train")
    let (_, loss) = model(X, targets: Y)
    loss!.backward()
    // clip the gradient
    if gradClip != 0.0 {
        clipGradNorm(model.parameters(), maxNorm: gradClip)
    }
    // step the optimizer
    for optimizer in optimizers {
        optimizer.step()
    }
    // flush the gradients as soon as we can, no need for this memory anymore
    model.zeroGrad()
    print("iter \(iter): loss \(loss!.item())")
}

// sample from the model
model.eval()
let start = Tensor.zeros([1, 1], dtype: .int32)   // a newline-free start: id 0
let out = model.generate(start, maxNewTokens: option("--sample") ?? 500)
print(out[0].toInt32Array().map { String(itos[Int($0)]!) }.joined())

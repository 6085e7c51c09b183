// Grading for chapter 2 (lego): every layer and model forward and backward from PyTorch's
// weights, optimizer trajectories, the LR schedule, gradient clipping, sampling filters,
// safetensors bytes, and a 20-step training run of a tiny GPT, all against
// scripts/reference/lego.py (Tests/Grading/Reference/lego/*.json).
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import lego

enum LegoGrading {
    /// Model sizes as the reference script writes them (every field optional).
    struct Config: Decodable {
        let dim, nLayers, nHeads, nKVHeads, hiddenDim, vocabSize, maxSeqLen, blockSize, context, embedDim: Int?
        let normEps, ropeTheta: Float?
        let tieEmbeddings: Bool?
        enum CodingKeys: String, CodingKey {
            case dim, context, nLayers = "n_layers", nHeads = "n_heads", nKVHeads = "n_kv_heads", hiddenDim = "hidden_dim"
            case vocabSize = "vocab_size", maxSeqLen = "max_seq_len", blockSize = "block_size", embedDim = "embed_dim"
            case normEps = "norm_eps", ropeTheta = "rope_theta", tieEmbeddings = "tie_embeddings"
        }
        var gpt: GPTConfig { GPTConfig(dim: dim!, nLayers: nLayers!, nHeads: nHeads!, vocabSize: vocabSize!, blockSize: blockSize!) }
        var llama: LlamaConfig {
            LlamaConfig(dim: dim!, nLayers: nLayers!, nHeads: nHeads!, nKVHeads: nKVHeads!, hiddenDim: hiddenDim!, vocabSize: vocabSize!,
                        maxSeqLen: maxSeqLen!, normEps: normEps!, ropeTheta: ropeTheta!, tieEmbeddings: tieEmbeddings!)
        }
    }

    struct LayerCase: Decodable {
        let name: String
        let params: [String: RefTensor]
        let inputs: [String: RefTensor]
        let output: RefTensor
        let upstream: RefTensor
        let grads: [String: RefTensor]
        let ids: [Int]?
        let idsShape: [Int]?
        let config: Config?
        enum CodingKeys: String, CodingKey { case name, params, inputs, output, upstream, grads, ids, config, idsShape = "ids_shape" }
    }

    /// What each layer case builds and runs: (module, forward from the input tensor or the ids).
    typealias Build = @Sendable (LayerCase) -> (Module?, (Tensor?) -> Tensor)

    static let layers: [String: (todos: [String], build: Build)] = [
        "linear": (["lego.1", "lego.2"], { _ in let m = Linear(5, 4); return (m, { m($0!) }) }),
        "linear_nobias_3d": (["lego.1", "lego.2"], { _ in let m = Linear(5, 4, bias: false); return (m, { m($0!) }) }),
        "embedding": (["lego.1"], { c in let m = Embedding(7, 4); return (m, { _ in m(c.ids!, shape: c.idsShape!) }) }),
        "layernorm": (["lego.1", "lego.3"], { _ in let m = LayerNorm(6); return (m, { m($0!) }) }),
        "rmsnorm": (["lego.1", "lego.4"], { _ in let m = RMSNorm(6, eps: 1e-5); return (m, { m($0!) }) }),
        "gelu": (["lego.6"], { _ in (nil, { gelu($0!) }) }),
        "mse": (["lego.12"], { _ in (nil, { x in mseLoss(x!, Tensor((0..<12).map { -1 + 2 * Float($0) / 11 }, shape: [3, 4])) }) }),
        "gpt_mlp": (["lego.1", "lego.2", "lego.6"], { _ in let m = MLP(dim: 6, hidden: 24); return (m, { m($0!) }) }),
        "swiglu": (["lego.1", "lego.2", "lego.9"], { _ in let m = SwiGLU(dim: 6, hidden: 10); return (m, { m($0!) }) }),
        "gpt_attention": (["lego.1", "lego.2", "lego.7"], { _ in let m = CausalSelfAttention(dim: 8, nHeads: 2); return (m, { m($0!) }) }),
        "rope": (["lego.8"], { _ in
            let tables = RotaryTables(headDim: 8, maxLen: 16, theta: 10000)
            return (nil, { applyRotary($0!, tables, start: 3) })
        }),
        "attention_cached": (["lego.7"], { c in
            let k = tensor(c.inputs["keys"]!), v = tensor(c.inputs["values"]!)
            return (nil, { causalAttention($0!, k, v) })
        }),
        "mlp_lm": (["lego.1", "lego.2"], { c in
            let m = MLPLanguageModel(vocabSize: 27, context: 3, embedDim: 5, hiddenDim: 16)
            return (m, { _ in m(c.ids!, shape: c.idsShape!) })
        }),
        "gpt": (["lego.1", "lego.2", "lego.3", "lego.6", "lego.7"], { c in
            let m = GPT(config: c.config!.gpt)
            return (m, { _ in m(c.ids!, shape: c.idsShape!) })
        }),
        "llama": (["lego.1", "lego.2", "lego.4", "lego.7", "lego.8", "lego.9", "lego.10"], { c in
            let m = Llama(config: c.config!.llama)
            return (m, { _ in m(c.ids!, shape: c.idsShape!) })
        }),
        "llama_tied": (["lego.1", "lego.4", "lego.7", "lego.8", "lego.9", "lego.10"], { c in
            let m = Llama(config: c.config!.llama)
            return (m, { _ in m(c.ids!, shape: c.idsShape!) })
        }),
    ]

    static var cases: [GradingCase] {
        var all: [GradingCase] = layers.keys.sorted().map { name in
            GradingCase(chapter: "lego", name: name, todos: layers[name]!.todos) { ctx in try checkLayer(name, ctx) }
        }
        all.append(GradingCase(chapter: "lego", name: "gelu_tanh_extreme", todos: ["lego.6"]) { ctx in
            try DfdxGrading.checkProgram("gelu_tanh_extreme", file: "numerics.json", { gelu($0[0]) }, ctx)
        })
        all.append(GradingCase(chapter: "lego", name: "llama_kv_cache", todos: ["lego.1", "lego.2", "lego.4", "lego.9", "lego.58"]) { ctx in
            try checkCachedLlama(ctx)
        })
        for name in ["sgd", "sgd_momentum", "sgd_momentum_wd", "sgd_nesterov", "adamw", "adamw_wd_betas"] {
            let todos = name.hasPrefix("sgd") ? ["lego.1", "lego.2", "lego.12", "lego.13"] : ["lego.1", "lego.2", "lego.12", "lego.14"]
            all.append(GradingCase(chapter: "lego", name: name, todos: todos) { ctx in try checkOptimizer(name, ctx) })
        }
        for name in ["clip_active", "clip_inactive"] {
            all.append(GradingCase(chapter: "lego", name: name, todos: ["lego.16"]) { ctx in try checkClip(name, ctx) })
        }
        all.append(GradingCase(chapter: "lego", name: "train_step", todos: ["lego.18"], body: checkTrainStep))
        all.append(GradingCase(chapter: "lego", name: "cosine_schedule", todos: ["lego.15"], body: checkSchedule))
        all.append(GradingCase(chapter: "lego", name: "sampling_filters", todos: ["lego.11"], body: checkSampling))
        all.append(GradingCase(chapter: "lego", name: "dropout", todos: ["lego.5"], body: checkDropout))
        all.append(GradingCase(chapter: "lego", name: "safetensors_write", todos: ["lego.17"], body: checkSafetensorsWrite))
        all.append(GradingCase(chapter: "lego", name: "safetensors_read", todos: [], body: checkSafetensorsRead))
        all.append(GradingCase(chapter: "lego", name: "gpt_training_run",
                               todos: ["lego.1", "lego.2", "lego.3", "lego.6", "lego.7", "lego.14", "lego.15", "lego.16", "lego.18"],
                               body: checkTrainingRun))
        return all
    }

    static func tensor(_ r: RefTensor, requiresGrad: Bool = false) -> Tensor {
        Tensor(r.floats, shape: r.shape, requiresGrad: requiresGrad)
    }

    static func stateDict(_ d: [String: RefTensor]) -> [String: Tensor] { d.mapValues { tensor($0) } }

    struct Layers: Decodable { let cases: [LayerCase] }

    /// The "llama" case decoded through the KV cache (3 prompt positions, then one at a time)
    /// must give PyTorch's full-sequence logits at every position.
    static func checkCachedLlama(_ ctx: GradingContext) throws {
        let ref = try Reference.load(chapter: "lego", file: "layers.json", ctx).decode(Layers.self)
        guard let c = ref.cases.first(where: { $0.name == "llama" }), let ids = c.ids else { throw GradingFailure("layers.json: no llama case") }
        let m = Llama(config: c.config!.llama)
        do { try m.loadStateDict(stateDict(c.params)) } catch { throw GradingFailure("llama_kv_cache: \(error)") }
        var cache: KVCache? = nil
        var logits = withNoGrad { m.forward(Array(ids[..<3]), cache: &cache) }.toArray()
        for id in ids[3...] { logits += withNoGrad { m.forward([id], cache: &cache) }.toArray() }
        guard cache?.count == ids.count else { throw GradingFailure("llama_kv_cache: the cache holds \(cache?.count ?? 0) positions after \(ids.count)") }
        try Compare.forward("llama_kv_cache logits", Tensor(logits, shape: c.output.shape), c.output)
    }

    static func checkLayer(_ name: String, _ ctx: GradingContext) throws {
        let ref = try Reference.load(chapter: "lego", file: "layers.json", ctx).decode(Layers.self)
        guard let c = ref.cases.first(where: { $0.name == name }), let entry = layers[name] else {
            throw GradingFailure("layers.json: no case named \(name) (regenerate with scripts/reference/lego.py)")
        }
        let (module, run) = entry.build(c)
        if let module {
            do { try module.loadStateDict(stateDict(c.params)) } catch { throw GradingFailure("\(name): \(error)") }
        }
        let input = c.inputs["input"].map { tensor($0, requiresGrad: true) }
        let out = run(input)
        try Compare.forward("\(name) forward", out, c.output)
        out.backward(tensor(c.upstream))
        let params = Dictionary(module?.namedParameters() ?? [], uniquingKeysWith: { a, _ in a })
        for (key, expected) in c.grads.sorted(by: { $0.key < $1.key }) {
            let leaf = key == "input" ? input : params[key]
            guard let g = leaf?.grad else { throw GradingFailure("\(name): \(key) got no gradient") }
            try Compare.gradient("\(name) grad of \(key)", g, expected)
        }
    }

    struct OptimCase: Decodable {
        struct Options: Decodable {
            let lr: Float
            let momentum, weightDecay, eps: Float?
            let nesterov: Bool?
            let betas: [Float]?
            enum CodingKeys: String, CodingKey { case lr, momentum, eps, nesterov, betas, weightDecay = "weight_decay" }
        }
        let name, kind: String
        let options: Options
        let initial: [String: RefTensor]
        let x, y: RefTensor
        let steps: [[String: RefTensor]]
        enum CodingKeys: String, CodingKey { case name, kind, options, x, y, steps, initial = "init" }
    }
    struct ClipCase: Decodable {
        let name: String
        let maxNorm: Float
        let initial: [String: RefTensor]
        let x, y: RefTensor
        let norm: Double
        let grads: [String: RefTensor]
        enum CodingKeys: String, CodingKey { case name, x, y, norm, grads, maxNorm = "max_norm", initial = "init" }
    }
    struct ScheduleRef: Decodable {
        let maxLR, minLR: Float
        let warmup, total: Int
        let lrs: [Double]
        enum CodingKeys: String, CodingKey { case warmup, total, lrs, maxLR = "max_lr", minLR = "min_lr" }
    }
    struct Optim: Decodable { let cases: [OptimCase]; let clip: [ClipCase]; let schedule: ScheduleRef }

    static func checkOptimizer(_ name: String, _ ctx: GradingContext) throws {
        let ref = try Reference.load(chapter: "lego", file: "optim.json", ctx).decode(Optim.self)
        guard let c = ref.cases.first(where: { $0.name == name }) else { throw GradingFailure("optim.json: no case \(name)") }
        let model = Linear(5, 3)
        try model.loadStateDict(stateDict(c.initial))
        let o = c.options
        let optimizer: any Optimizer = c.kind == "sgd"
            ? SGD(model.parameters(), lr: o.lr, momentum: o.momentum ?? 0, weightDecay: o.weightDecay ?? 0, nesterov: o.nesterov ?? false)
            : AdamW(model.parameters(), lr: o.lr, betas: o.betas.map { ($0[0], $0[1]) } ?? (0.9, 0.999), eps: o.eps ?? 1e-8,
                    weightDecay: o.weightDecay ?? 0.01)
        let (x, y) = (tensor(c.x), tensor(c.y))
        for (i, expected) in c.steps.enumerated() {
            optimizer.zeroGrad()
            mseLoss(model(x), y).backward()
            optimizer.step()
            for (key, value) in model.namedParameters() {
                try Compare.forward("\(name) step \(i + 1) \(key)", value, expected[key]!)
            }
        }
    }

    /// Plain gradient descent, p -= lr * grad, written here so that the training step can be
    /// graded before the exercise optimizers (it is torch.optim.SGD with only lr set).
    final class PlainDescent: Optimizer {
        let params: [Tensor]
        var lr: Float
        init(_ params: [Tensor], lr: Float) { self.params = params; self.lr = lr }
        func step() { withNoGrad { for p in params { if let g = p.grad { p.assign(p - lr * g) } } } }
        func stateDict() -> [String: Tensor] { [:] }
        func loadStateDict(_ state: [String: Tensor]) throws {}
    }

    /// trainStep with plain descent must follow torch's zero_grad / loss / backward / step
    /// loop of optim.json's "sgd" case (lr 0.1, 5 steps), and return each step's loss as it
    /// was before the update.
    static func checkTrainStep(_ ctx: GradingContext) throws {
        let ref = try Reference.load(chapter: "lego", file: "optim.json", ctx).decode(Optim.self)
        guard let c = ref.cases.first(where: { $0.name == "sgd" }), c.options.momentum == nil, c.options.weightDecay == nil else {
            throw GradingFailure("optim.json: no plain sgd case")
        }
        let model = Linear(5, 3)
        try model.loadStateDict(stateDict(c.initial))
        let optimizer = PlainDescent(model.parameters(), lr: c.options.lr)
        let (x, y) = (tensor(c.x), tensor(c.y))
        for (i, expected) in c.steps.enumerated() {
            let before = withNoGrad { mseLoss(model(x), y).item() }
            let loss = trainStep(optimizer) { mseLoss(model(x), y) }
            try Compare.scalars("train_step step \(i + 1): the returned loss (the loss before the update)", [Double(loss)], [Double(before)],
                                rtol: 1e-6, atol: 1e-7)
            for (key, value) in model.namedParameters() {
                try Compare.forward("train_step step \(i + 1) \(key) after the update", value, expected[key]!)
            }
        }
    }

    static func checkClip(_ name: String, _ ctx: GradingContext) throws {
        let ref = try Reference.load(chapter: "lego", file: "optim.json", ctx).decode(Optim.self)
        guard let c = ref.clip.first(where: { $0.name == name }) else { throw GradingFailure("optim.json: no clip case \(name)") }
        let model = Linear(5, 3)
        try model.loadStateDict(stateDict(c.initial))
        mseLoss(model(tensor(c.x)), tensor(c.y)).backward()
        let norm = clipGradNorm(model.parameters(), maxNorm: c.maxNorm)
        try Compare.scalars("\(name) total norm", [Double(norm)], [c.norm], rtol: 1e-4, atol: 1e-6)
        for (key, p) in model.namedParameters() {
            try Compare.gradient("\(name) clipped grad of \(key)", p.grad!, c.grads[key]!)
        }
    }

    static func checkSchedule(_ ctx: GradingContext) throws {
        let s = try Reference.load(chapter: "lego", file: "optim.json", ctx).decode(Optim.self).schedule
        let ours = s.lrs.indices.map { Double(cosineLR(step: $0, maxLR: s.maxLR, minLR: s.minLR, warmup: s.warmup, total: s.total)) }
        try Compare.scalars("cosine schedule", ours, s.lrs, rtol: 1e-5, atol: 1e-9)
    }

    struct SamplingCase: Decodable {
        let name: String
        let logits, probs: RefTensor
        let temperature: Float
        let topK: Int?
        let topP: Float?
        enum CodingKeys: String, CodingKey { case name, logits, probs, temperature, topK = "top_k", topP = "top_p" }
    }
    struct Sampling: Decodable { let cases: [SamplingCase] }

    static func checkSampling(_ ctx: GradingContext) throws {
        for c in try Reference.load(chapter: "lego", file: "sampling.json", ctx).decode(Sampling.self).cases {
            let p = samplingProbabilities(c.logits.floats, temperature: c.temperature, topK: c.topK, topP: c.topP)
            try Compare.scalars("sampling \(c.name)", p, c.probs.data, rtol: 1e-4, atol: 1e-6)
        }
    }

    static func checkDropout(_ ctx: GradingContext) throws {
        manualSeed(3)
        let x = Tensor.ones([4000]) * 2
        let layer = Dropout(0.25)
        let y = layer(x).toArray()
        let zeros = y.filter { $0 == 0 }.count
        guard y.allSatisfy({ $0 == 0 || Swift.abs($0 - 2 / 0.75) < 1e-5 }) else {
            throw GradingFailure("dropout: kept values must be x / (1 - p) = \(2 / 0.75)")
        }
        guard zeros > 850 && zeros < 1150 else { throw GradingFailure("dropout: \(zeros) of 4000 zeroed, expected about 1000 (p = 0.25)") }
        guard layer.eval()(x).toArray() == x.toArray() else { throw GradingFailure("dropout: eval mode must be the identity") }
    }

    struct SafetensorsRef: Decodable { let weight, bias, half, brain: RefTensor }

    static func checkSafetensorsWrite(_ ctx: GradingContext) throws {
        let ref = try Reference.load(chapter: "lego", file: "safetensors.json", ctx).decode(SafetensorsRef.self)
        let expected = try ctx.referenceData(chapter: "lego", file: "torch_written.safetensors")
        let path = "/tmp/picograd-grade-\(Int(monotonicSeconds() * 1e6)).safetensors"
        try saveSafetensors(["weight": tensor(ref.weight), "bias": tensor(ref.bias), "empty": Tensor.zeros([0])], to: path,
                            metadata: ["format": "pt"])
        let ours = FileManager.default.contents(atPath: path)
        try? FileManager.default.removeItem(atPath: path)
        guard let ours, [UInt8](ours) == [UInt8](expected) else {
            throw GradingFailure("safetensors_write: our file differs from the one Python's safetensors wrote for the same tensors")
        }
    }

    static func checkSafetensorsRead(_ ctx: GradingContext) throws {
        let ref = try Reference.load(chapter: "lego", file: "safetensors.json", ctx).decode(SafetensorsRef.self)
        let root = ctx.referenceRoot + "/lego/"
        let f32 = try loadSafetensors(root + "torch_written.safetensors")
        try Compare.forward("read weight", f32["weight"]!, ref.weight)
        try Compare.forward("read bias", f32["bias"]!, ref.bias)
        let f16 = try loadSafetensors(root + "torch_f16.safetensors")
        try Compare.forward("read F16", f16["half"]!, ref.half)
        try Compare.forward("read BF16", f16["brain"]!, ref.brain)
    }

    struct TrainRef: Decodable {
        struct LR: Decodable { let max, min: Float; let warmup, total: Int }
        struct Batch: Decodable { let x, y: [Int] }
        let config: Config
        let initial: [String: RefTensor]
        let lr: LR
        let betas: [Float]
        let weightDecay, clip: Float
        let batches: [Batch]
        let losses: [Double]
        enum CodingKeys: String, CodingKey { case config, lr, betas, clip, batches, losses, initial = "init", weightDecay = "weight_decay" }
    }

    static func checkTrainingRun(_ ctx: GradingContext) throws {
        let ref = try Reference.load(chapter: "lego", file: "train.json", ctx).decode(TrainRef.self)
        let model = GPT(config: ref.config.gpt)
        try model.loadStateDict(stateDict(ref.initial))
        let optimizer = AdamW(model.parameters(), lr: ref.lr.max, betas: (ref.betas[0], ref.betas[1]), weightDecay: ref.weightDecay)
        var losses: [Double] = []
        for (step, batch) in ref.batches.enumerated() {
            optimizer.lr = cosineLR(step: step, maxLR: ref.lr.max, minLR: ref.lr.min, warmup: ref.lr.warmup, total: ref.lr.total)
            let loss = trainStep(optimizer, clipNorm: ref.clip) {
                batchLoss(model, x: batch.x, y: batch.y, shape: [4, batch.x.count / 4])
            }
            losses.append(Double(loss))
        }
        try Compare.scalars("gpt training losses", losses, ref.losses, rtol: 1e-4, atol: 1e-6)
    }
}

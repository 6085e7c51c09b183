// Grading for the PyTorch idioms (issue 26): the ops, losses, optimizers and initializers a
// PyTorch program ports with, each against scripts/reference/idioms.py (dfdx/idioms.json and
// lego/idioms.json). They are composed from the chapter's primitives and list no TODO id of
// their own: each passes once the chapter's exercises do.
import dfdx
import lego

enum IdiomsGrading {
    typealias Program = DfdxGrading.Program

    /// Made at each use, never a global tensor: one first made inside a compiled function's trace
    /// would be a placeholder with no values, kept for every later (eager) program.
    static var causal4: Tensor { Tensor.ones([4, 4]).tril() }

    /// The Swift twin of each program of dfdx/idioms.json.
    static let dfdxPrograms: [String: Program] = [
        "linspace": { $0[0] * Tensor.linspace(-1.5, 2.0, steps: 7) },
        "linspace_even": { $0[0] * Tensor.linspace(0, 1, steps: 6) },
        "split_size": { x in cat(x[0].split(2, dim: 1).enumerated().map { $1.exp() * ($0 + 1) }, dim: 1) },
        "split_sizes": { x in cat(x[0].split([1, 3], dim: 0).enumerated().map { $1.sin() * ($0 + 1) }, dim: 0) },
        "masked_fill": { $0[0].maskedFill($0[1], -2.5) },
        "masked_fill_causal_softmax": { softmax($0[0].maskedFill(causal4.eq(Tensor(0)), -.infinity), dim: -1) },
        "tril": { $0[0].tril().exp() },
        "tril_diagonal": { $0[0].tril(diagonal: -1).sin() },
        "triu": { $0[0].triu().exp() },
        "triu_diagonal": { $0[0].triu(diagonal: 2).sin() },
        "T": { $0[0].T.exp() * Tensor.arange(12).reshape([4, 3]) },
        "mT": { $0[0].mT.sin() },
        "index_tensor": { $0[0][Tensor(int32: [2, 0, 1, 2], shape: [2, 2])].exp() },
        "index_tensor_1d": { $0[0][Tensor(int32: [4, 0, 4, 1], shape: [4])].sin() },
        "index_tensor_3d": { $0[0][Tensor(int32: [1, 1, 0], shape: [3])].exp() },
        "cross_entropy_ids": { crossEntropy($0[0], targets: Tensor(int32: [1, 0, 4], shape: [3])) },
        "cross_entropy_ids_ignore": { crossEntropy($0[0], targets: Tensor(int32: [1, -1, 4, 2], shape: [4]), ignoreIndex: -1) },
        // Int and Double scalars, as the PyTorch line writes them
        "scalars_int_double": { x in (x[0] + 1) * 2 - 3 / (x[0] * x[0] + 1) + 1e-3 * x[0] - x[0] / 4 },
        "size_neg": { x in x[0].reshape([x[0].size(-1), -1]).exp() },
    ]

    /// The Swift twin of each program of lego/idioms.json.
    static let legoPrograms: [String: Program] = [
        "mse_sum": { mseLoss($0[0], $0[1], reduction: .sum) },
        "mse_none": { mseLoss($0[0], $0[1], reduction: .none) },
        "mse_mean": { mseLoss($0[0], $0[1], reduction: .mean) },
        "flatten_module": { Flatten()($0[0]).exp() },
    ]

    static let optimizers: [String: @Sendable ([Tensor]) -> any Optimizer] = [
        "adam": { Adam($0, lr: 0.05) },
        "adam_weight_decay": { Adam($0, lr: 0.05, betas: (0.8, 0.99), eps: 1e-6, weightDecay: 0.1) },
        "rmsprop": { RMSprop($0, lr: 0.01) },
        "rmsprop_momentum_centered": { RMSprop($0, lr: 0.01, alpha: 0.9, weightDecay: 0.05, momentum: 0.5, centered: true) },
    ]

    /// Each initializer on a [256, 32, 3, 3] weight (the twin of idioms.py's INITS).
    static let inits: [String: @Sendable (Tensor) -> Void] = [
        "xavier_uniform": { Init.xavierUniform_($0, gain: 1.5) },
        "xavier_normal": { Init.xavierNormal_($0) },
        "kaiming_uniform": { Init.kaimingUniform_($0, a: 0) },
        "kaiming_normal": { Init.kaimingNormal_($0, a: 0.1, fanOut: true) },
        "normal": { Init.normal_($0, mean: 0.5, std: 0.02) },
        "uniform": { Init.uniform_($0, a: -0.3, b: 0.1) },
    ]

    static var dfdxCases: [GradingCase] {
        var all = dfdxPrograms.sorted(by: { $0.key < $1.key }).map { name, program in
            GradingCase(chapter: "dfdx", name: "idioms_" + name, todos: []) { ctx in try check(name, chapter: "dfdx", program, ctx) }
        }
        all.append(GradingCase(chapter: "dfdx", name: "idioms_multinomial", todos: [], body: checkMultinomial))
        return all
    }

    static var legoCases: [GradingCase] {
        var all = legoPrograms.sorted(by: { $0.key < $1.key }).map { name, program in
            GradingCase(chapter: "lego", name: "idioms_" + name, todos: []) { ctx in try check(name, chapter: "lego", program, ctx) }
        }
        for name in optimizers.keys.sorted() {
            all.append(GradingCase(chapter: "lego", name: "idioms_" + name, todos: []) { ctx in try checkOptimizer(name, ctx) })
        }
        for name in inits.keys.sorted() {
            all.append(GradingCase(chapter: "lego", name: "idioms_init_" + name, todos: []) { ctx in try checkInit(name, ctx) })
        }
        return all
    }

    static func check(_ name: String, chapter: String, _ program: Program, _ ctx: GradingContext) throws {
        let ref = try Reference.load(chapter: chapter, file: "idioms.json", ctx).tensorCase(named: name)
        try DfdxGrading.runProgram(name, ref, program)
    }

    struct MultinomialRef: Decodable {
        struct Draws: Decodable {
            let probs_one_hot: [[Float]]; let one_hot: [[Int]]; let probs_two: [[Float]]; let two_sorted: [Int]
        }
        let multinomial: Draws
    }

    /// Draws that are certain whatever the stream, against torch.multinomial's.
    static func checkMultinomial(_ ctx: GradingContext) throws {
        let ref = try Reference.load(chapter: "dfdx", file: "idioms.json", ctx).decode(MultinomialRef.self).multinomial
        var g = Generator(seed: 7)
        let oneHot = Tensor(ref.probs_one_hot.flatMap { $0 }, shape: [2, 4]).multinomial(5, replacement: true, generator: &g)
        let got = oneHot.toInt32Array().map(Int.init)
        guard got == ref.one_hot.flatMap({ $0 }) else { throw GradingFailure("multinomial one-hot rows: got \(got), expected \(ref.one_hot)") }
        let two = Tensor(ref.probs_two[0], shape: [4]).multinomial(2, generator: &g).toInt32Array().map(Int.init).sorted()
        guard two == ref.two_sorted else { throw GradingFailure("multinomial without replacement: got \(two), expected \(ref.two_sorted)") }
    }

    struct OptimizerRef: Decodable {
        struct Case: Decodable { let name: String; let p: RefTensor; let c: RefTensor; let steps: [RefTensor] }
        let optimizers: [Case]
    }

    /// Three steps on sum(sin(p c)) + sum(p^2) / 2, the parameter after each against torch.optim's.
    static func checkOptimizer(_ name: String, _ ctx: GradingContext) throws {
        let refs = try Reference.load(chapter: "lego", file: "idioms.json", ctx).decode(OptimizerRef.self).optimizers
        guard let ref = refs.first(where: { $0.name == name }) else { throw GradingFailure("idioms.json: no optimizer case \(name)") }
        let p = parameter(Tensor(ref.p.floats, shape: ref.p.shape))
        let c = Tensor(ref.c.floats, shape: ref.c.shape)
        let opt = optimizers[name]!([p])
        for (i, expected) in ref.steps.enumerated() {
            opt.zeroGrad()
            ((p * c).sin().sum() + (p * p).sum() / 2).backward()
            opt.step()
            try Compare.forward("\(name) step \(i + 1)", p, expected)
        }
    }

    struct InitRef: Decodable {
        struct Case: Decodable {
            let name: String; let shape: [Int]; let fan_in: Int; let fan_out: Int
            let mean: Double; let std: Double; let min: Double; let max: Double
        }
        let inits: [Case]
    }

    /// torch's fans exactly; the samples' mean and spread like torch's: 294,912 draws each, so
    /// either sample std is within about 0.13% of the true one (1 / sqrt(2N)) and either mean
    /// within 0.002 std (1 / sqrt(N)); a uniform init's extremes lie within range / N of its bounds.
    static func checkInit(_ name: String, _ ctx: GradingContext) throws {
        let refs = try Reference.load(chapter: "lego", file: "idioms.json", ctx).decode(InitRef.self).inits
        guard let ref = refs.first(where: { $0.name == name }) else { throw GradingFailure("idioms.json: no init case \(name)") }
        let w = parameter(Tensor.zeros(ref.shape))
        manualSeed(3)
        inits[name]!(w)
        let fans = Init.fans(w)
        guard fans == (ref.fan_in, ref.fan_out) else { throw GradingFailure("\(name): fans \(fans), torch's (\(ref.fan_in), \(ref.fan_out))") }
        let v = w.toArray().map(Double.init)
        let mean = v.reduce(0, +) / Double(v.count)
        let std = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
        try Compare.scalars("\(name) std", [std], [ref.std], rtol: 0.01, atol: 0)
        try Compare.scalars("\(name) mean", [mean], [ref.mean], rtol: 0, atol: 0.01 * ref.std)
        if name.hasSuffix("uniform") {
            try Compare.scalars("\(name) min and max", [v.min()!, v.max()!], [ref.min, ref.max], rtol: 0, atol: 0.002 * ref.std)
        }
    }
}

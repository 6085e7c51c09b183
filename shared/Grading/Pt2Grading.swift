// Grading for chapter 4 (pt2), part 1: the compiler's pieces by their definitions (common
// subexpressions against the graph's meaning, the index of a permute or an expand against
// eager views), then compiled forward against PyTorch: every program of dfdx's ops.json and
// every layer of lego's layers.json, traced, optimised, generated as C and run on `.cpu`
// (forward rtol 1e-4/atol 1e-5). Part 2: the joint graph's partition by its definition, then
// the same programs and layers with gradients (forward and backward compiled, grads rtol
// 1e-3/atol 1e-4), and lego's optimizer cases with the loss, its backward and each step compiled.
import picograd

enum Pt2Grading {
    static let cases: [GradingCase] = {
        var all = [
            GradingCase(chapter: "pt2", name: "cse", todos: ["pt2.1"]) { _ in try checkCSE() },
            GradingCase(chapter: "pt2", name: "index_permute_expand", todos: ["pt2.2"]) { _ in try checkIndexFolding() },
            GradingCase(chapter: "pt2", name: "fusion_rule", todos: ["pt2.4"]) { _ in try checkFusion() },
            GradingCase(chapter: "pt2", name: "c_elementwise", todos: ["pt2.3"]) { _ in try checkElementwise() },
        ]
        for name in DfdxGrading.programs.keys.sorted() {
            all.append(GradingCase(chapter: "pt2", name: "ops_" + name, todos: ["pt2.3"]) { ctx in try checkProgram(name, ctx) })
        }
        // the other tensor programs of dfdx and lego: the first steps, the seam (int32 ids,
        // custom ops, a replayed trace), the numerics at extremes, the PyTorch idioms
        let tables: [(prefix: String, chapter: String, file: String, programs: [String: DfdxGrading.Program])] = [
            ("steps_", "dfdx", "steps.json", DfdxGrading.stepPrograms.mapValues(\.run)),
            ("seam_", "dfdx", "seam.json", DfdxGrading.seamPrograms.mapValues(\.run)),
            ("numerics_", "dfdx", "numerics.json", DfdxGrading.numericsPrograms.mapValues(\.run)),
            ("idioms_", "dfdx", "idioms.json", IdiomsGrading.dfdxPrograms),
            ("lego_idioms_", "lego", "idioms.json", IdiomsGrading.legoPrograms),
        ]
        for table in tables {
            for name in table.programs.keys.sorted() {
                let program = table.programs[name]!
                all.append(GradingCase(chapter: "pt2", name: table.prefix + name, todos: ["pt2.3"]) { ctx in
                    try checkProgram(name, chapter: table.chapter, file: table.file, program, ctx)
                })
            }
        }
        all.append(GradingCase(chapter: "pt2", name: "layer_llama_kv_cache", todos: ["pt2.3"], body: checkCachedLlama))
        for name in LegoGrading.layers.keys.sorted() {
            all.append(GradingCase(chapter: "pt2", name: "layer_" + name, todos: ["pt2.3"]) { ctx in try checkLayer(name, ctx) })
        }
        // part 2: the same programs and layers with gradients, backward compiled too
        all.append(GradingCase(chapter: "pt2", name: "joint_partition", todos: ["pt2.5"]) { _ in try checkPartition() })
        all.append(GradingCase(chapter: "pt2", name: "beam_moves", todos: ["pt2.6"]) { _ in try checkBeamMoves() })
        let withOps = [("grad_ops_", "dfdx", "ops.json", DfdxGrading.programs.mapValues(\.run))] + tables
        for table in withOps {
            for name in table.programs.keys.sorted() {
                let program = table.programs[name]!
                all.append(GradingCase(chapter: "pt2", name: (table.prefix == "grad_ops_" ? "" : "grad_") + table.prefix + name, todos: ["pt2.3", "pt2.5"]) { ctx in
                    try checkProgramGradients(name, chapter: table.chapter, file: table.file, program, ctx)
                })
            }
        }
        for name in LegoGrading.layers.keys.sorted() {
            all.append(GradingCase(chapter: "pt2", name: "grad_layer_" + name, todos: ["pt2.3", "pt2.5"]) { ctx in try checkLayerGradients(name, ctx) })
        }
        for name in ["sgd", "sgd_momentum", "sgd_momentum_wd", "sgd_nesterov", "adamw", "adamw_wd_betas"] {
            all.append(GradingCase(chapter: "pt2", name: "optimizer_" + name, todos: ["pt2.3", "pt2.5"]) { ctx in try checkOptimizer(name, ctx) })
        }
        return all
    }()

    /// Random inputs of `shapes` (a fixed seed).
    static func inputs(_ shapes: [[Int]], seed: UInt64) -> [Tensor] {
        var g = Generator(seed: seed)
        return shapes.map { Tensor.randn($0, generator: &g) }
    }

    /// |got - expected| <= 1e-5 + 1e-4 |expected| everywhere.
    static func compare(_ what: String, _ got: Tensor, _ expected: Tensor) throws {
        guard got.shape == expected.shape else { throw GradingFailure("\(what): shape \(got.shape), expected \(expected.shape)") }
        let a = got.toArray(), b = expected.toArray()
        for i in a.indices where !(abs(a[i] - b[i]) <= 1e-5 + 1e-4 * abs(b[i])) && !(a[i].isNaN && b[i].isNaN) && a[i] != b[i] {
            throw GradingFailure("\(what): element \(Compare.index(i, in: got.shape)) is \(a[i]), expected \(b[i])")
        }
    }

    /// CSE keeps the graph's meaning, computes each repeated (op, inputs) once, and merges
    /// nothing else: not different ops, not one op with different parameters, not two inputs.
    static func checkCSE() throws {
        let f: ([Tensor]) -> [Tensor] = { t in
            let a = (t[0] * t[1]).exp() + (t[0] * t[1]).exp()        // mul and exp twice
            let b = t[0].sum(dim: 0, keepdim: true) * t[0].sum(dim: 1, keepdim: true).sum(dim: 0, keepdim: true)
            return [a + t[0].log().abs() - t[0].abs(), b, t[1] + t[2]]
        }
        let args = inputs([[3, 4], [3, 4], [3, 4]], seed: 11).map { $0.abs() + 0.5 }
        let (traced, params) = capture(args, f)
        let g = eliminateDeadCode(eliminateCommonSubexpressions(traced))
        func count(_ name: String) -> Int { g.nodes.filter { $0.primitive?.name == name }.count }
        let expected = ["mul": 2, "exp": 1, "log": 1, "maximum": 2, "sum": 3]
        for (op, n) in expected.sorted(by: { $0.key < $1.key }) where count(op) != n {
            throw GradingFailure("cse: \(count(op)) \(op) nodes after CSE and DCE, expected \(n)\n\(g)")
        }
        let inputNodes = g.nodes.filter { if case .input = $0.op { true } else { false } }.count
        guard inputNodes == 3 else { throw GradingFailure("cse: \(inputNodes) input nodes left, expected 3 (inputs are never merged)\n\(g)") }
        let want = withNoGrad { f(args) }, got = withNoGrad { g.interpret(args, params: params) }
        for (k, (a, b)) in zip(got, want).enumerated() { try compare("cse: output \(k) of the graph after CSE", a, b) }
    }

    /// The input index of a permute or an expand at every output index, against the element
    /// eager execution reads there (x holds 0, 1, 2, ...: each value names its own position).
    static func checkIndexFolding() throws {
        let cases: [(Primitive, [Int])] = [
            (.permute([1, 0]), [3, 5]), (.permute([2, 0, 1]), [2, 3, 4]), (.permute([0, 2, 1, 3]), [2, 3, 1, 2]),
            (.expand([4, 5]), [4, 1]), (.expand([3, 2, 6]), [3, 1, 1]), (.expand([2, 3, 4]), [3, 1]), (.expand([5, 7]), []),
        ]
        for (p, inShape) in cases {
            let n = inShape.reduce(1, *)
            let x = Tensor((0..<n).map(Float.init), shape: inShape)
            let y = Tensor.apply(p, [x])
            let values = y.toArray(), outShape = y.shape
            let vars = outShape.indices.map { IndexExpr.variable("i\($0)") }
            let (index, _) = inputIndex(of: p, index: vars, inShape: inShape, outShape: outShape)
            guard index.count == inShape.count else {
                throw GradingFailure("\(p) of \(inShape): an input index of \(index.count) dims, the input has \(inShape.count)")
            }
            let flat = flatIndex(index, shape: inShape)
            for i in values.indices {
                let at = Compare.index(i, in: outShape)
                var env: [String: Int] = [:]
                for (d, v) in at.enumerated() { env["i\(d)"] = v }
                let got = flat.evaluate(env)
                if got != Int(values[i]) {
                    throw GradingFailure("\(p) of \(inShape): output \(at) reads input element \(got) (index \(index)), eager reads \(Int(values[i]))")
                }
            }
        }
    }

    /// The fusion rule on the schedules of small programs (no code generated): softmax and
    /// LayerNorm are one kernel each with both reductions fused; a reduction that is returned,
    /// read by a matmul, or read across rows keeps its own kernel; an epilogue on the reduced
    /// shape fuses.
    static func checkFusion() throws {
        func plan(_ shapes: [[Int]], _ f: ([Tensor]) -> [Tensor]) -> (Graph, [(kernel: Int, fused: [Int])]) {
            var g = capture(shapes.map { Tensor.zeros($0) }, f).graph
            for pass in Pass.all { g = pass.run(g) }
            return (g, kernelPlan(g))
        }
        func reductions(_ g: Graph) -> [Int] { g.nodes.indices.filter { if case .reduce? = g.nodes[$0].primitive { true } else { false } } }
        let norm = LayerNorm(16)
        let fuseAll: [(String, [[Int]], ([Tensor]) -> [Tensor])] = [
            ("softmax", [[4, 10]], { [softmax($0[0], dim: -1)] }),
            ("softmax over dim 0", [[6, 3]], { [softmax($0[0], dim: 0)] }),
            ("LayerNorm", [[4, 16]], { [norm($0[0])] }),
            ("sqrt(mean(x^2)) + 1", [[3, 8]], { [($0[0] * $0[0]).mean(dim: -1, keepdim: true).sqrt() + 1] }),
        ]
        for (name, shapes, f) in fuseAll {
            let (g, p) = plan(shapes, f)
            guard p.count == 1, p[0].fused == reductions(g) else {
                throw GradingFailure("fusion: \(name) should be one kernel with its reductions \(reductions(g)) fused; the plan is \(p)\n\(g)")
            }
        }
        let keep: [(String, [[Int]], ([Tensor]) -> [Tensor])] = [
            ("a max that is returned", [[4, 10]], { [softmax($0[0], dim: -1), $0[0].max(dim: -1, keepdim: true)] }),
            ("row sums read across rows", [[4, 4]], { [$0[0] + $0[0].sum(dim: 1, keepdim: true).transpose(0, 1).expand([4, 4])] }),
            ("a sum a matmul reads too", [[4, 4]], { x in let s = x[0].sum(dim: 1, keepdim: true); return [s.expand([4, 4]).matmul(x[0]) + s] }),
        ]
        for (name, shapes, f) in keep {
            let (g, p) = plan(shapes, f)
            let kept = Set(p.map(\.kernel)), first = reductions(g)[0]
            guard kept.contains(first), !p.contains(where: { $0.fused.contains(first) }) else {
                throw GradingFailure("fusion: in \(name), %\(first) needs its own kernel; the plan is \(p)\n\(g)")
            }
        }
    }

    /// Every elementwise op compiled (one kernel of C expressions) against eager.
    static func checkElementwise() throws {
        let programs: [(String, ([Tensor]) -> Tensor)] = [
            ("neg", { -$0[0] }), ("exp", { $0[0].exp() }), ("log", { $0[0].abs().log() }), ("sqrt", { $0[0].abs().sqrt() }),
            ("sin", { $0[0].sin() }), ("reciprocal", { $0[0].reciprocal() }), ("erf", { $0[0].erf() }),
            ("add", { $0[0] + $0[1] }), ("mul", { $0[0] * $0[1] }), ("maximum", { $0[0].maximum($0[1]) }),
            ("pow", { $0[0].abs().pow($0[1]) }), ("cmplt", { $0[0].lt($0[1]) }), ("cmpeq", { $0[0].eq($0[0] * ($0[1].gt(0))) }),
            ("where", { Tensor.where($0[0].gt(0), $0[0], $0[1]) }),
            ("chain", { ($0[0].exp() * $0[1] - 1).sin().maximum($0[1] / 2) }),
        ]
        let args = inputs([[5, 7], [5, 7]], seed: 12)
        for (name, f) in programs {
            let compiled = picograd.compile { [f($0)] }
            let got = withNoGrad { compiled(args) }[0], want = withNoGrad { f(args) }
            try compare("compiled \(name)", got, want)
        }
    }

    /// Runs `program` once eagerly (values unused), so that a tensor it makes lazily once (a
    /// global such as a causal mask) is made with values, never inside a trace: a tensor a
    /// tracer made has no values, and a later trace (a function's joint trace, another case
    /// in the same process) could not read it.
    static func warmUp(_ program: DfdxGrading.Program, _ args: [Tensor]) {
        _ = withNoGrad { program(args.map { $0.detach() }) }
    }

    /// A program of dfdx's ops.json, compiled, against PyTorch's forward.
    static func checkProgram(_ name: String, _ ctx: GradingContext) throws {
        try checkProgram(name, chapter: "dfdx", file: "ops.json", DfdxGrading.programs[name]!.run, ctx)
    }

    /// A program of a reference file, compiled, against PyTorch's forward.
    static func checkProgram(_ name: String, chapter: String, file: String, _ program: @escaping DfdxGrading.Program, _ ctx: GradingContext) throws {
        let ref = try Reference.load(chapter: chapter, file: file, ctx).tensorCase(named: name)
        let args = ref.inputs.map { Tensor($0.floats, shape: $0.shape) }
        warmUp(program, args)
        let compiled = picograd.compile { [program($0)] }
        let out = withNoGrad { compiled(args) }[0]
        try Compare.forward("\(name) compiled forward", out, ref.output)
    }

    /// The "llama" case decoded through its KV cache, each step compiled: the prompt, then
    /// one position at a time. A step's cache writes (indexCopy into the captured cache
    /// tensors) land after the call. Each step has its own shapes and positions (host values
    /// that the trace reads as constants, and a count the trace advances), so each step is
    /// its own compiled function, called once.
    static func checkCachedLlama(_ ctx: GradingContext) throws {
        let ref = try Reference.load(chapter: "lego", file: "layers.json", ctx).decode(LegoGrading.Layers.self)
        guard let c = ref.cases.first(where: { $0.name == "llama" }), let ids = c.ids else { throw GradingFailure("layers.json: no llama case") }
        let m = Llama(config: c.config!.llama)
        do { try m.loadStateDict(LegoGrading.stateDict(c.params)) } catch { throw GradingFailure("llama_kv_cache: \(error)") }
        var cache: KVCache? = KVCache(config: c.config!.llama, capacity: m.contextLength)     // made eagerly: a param of every step
        var logits: [Float] = []
        var start = 0
        for end in [3] + Array(4...ids.count) {
            let step = Array(ids[start..<end])
            let compiled = picograd.compile { _ in [m.forward(step, cache: &cache)] }
            logits += withNoGrad { compiled([]) }[0].toArray()
            start = end
        }
        guard cache?.count == ids.count else { throw GradingFailure("llama_kv_cache: the cache holds \(cache?.count ?? 0) positions after \(ids.count)") }
        try Compare.forward("llama_kv_cache compiled logits", Tensor(logits, shape: c.output.shape), c.output)
    }

    /// Case `name` of lego's layers.json, its module built and loaded with PyTorch's weights.
    static func layerCase(_ name: String, _ ctx: GradingContext) throws
        -> (LegoGrading.LayerCase, Module?, (Tensor?) -> Tensor) {
        let ref = try Reference.load(chapter: "lego", file: "layers.json", ctx).decode(LegoGrading.Layers.self)
        guard let c = ref.cases.first(where: { $0.name == name }), let entry = LegoGrading.layers[name] else {
            throw GradingFailure("layers.json: no case named \(name)")
        }
        let (module, run) = entry.build(c)
        if let module {
            do { try module.loadStateDict(LegoGrading.stateDict(c.params)) } catch { throw GradingFailure("\(name): \(error)") }
        }
        return (c, module, run)
    }

    /// A layer of lego's layers.json (PyTorch's weights), compiled, against PyTorch's forward.
    static func checkLayer(_ name: String, _ ctx: GradingContext) throws {
        let (c, _, run) = try layerCase(name, ctx)
        let args = c.inputs["input"].map { [LegoGrading.tensor($0)] } ?? []
        let compiled = picograd.compile { t in [run(t.first)] }
        let out = withNoGrad { compiled(args) }[0]
        try Compare.forward("\(name) compiled forward", out, c.output)
    }

    /// The partition by its definition, on softmax of a product and a Linear-gelu: the halves
    /// compute what the joint graph computes (interpreted op by op); the forward saves
    /// something, but no elementwise or movement op or constant (the backward recomputes
    /// them) unless `f` returns it (softmax's backward reads its output, which the forward
    /// has anyway), and no argument or parameter (the backward is given them).
    static func checkPartition() throws {
        let lin = Linear(6, 5)
        let programs: [(String, [[Int]], ([Tensor]) -> [Tensor])] = [
            ("softmax(x * y)", [[4, 6], [4, 6]], { [softmax($0[0] * $0[1], dim: -1)] }),
            ("gelu(Linear(x)) and its sum", [[3, 6]], { x in let h = gelu(lin(x[0])); return [h, h.sum()] }),
        ]
        for (name, shapes, f) in programs {
            let args = inputs(shapes, seed: 21)
            for a in args { a.requiresGrad = true }
            let j = CompiledFunction(f).joint(for: args)
            guard j.graphBreak == nil else { throw GradingFailure("partition \(name): \(j.graphBreak!)") }
            let p = j.partition, params = lin.parameters()
            let nO = j.joint.outputs.count - p.backward.outputs.count
            for i in p.saved {
                let node = j.joint.nodes[i]
                let cheap: Bool
                switch node.op {
                case .input, .param: cheap = true                  // the backward is given them
                case .random: cheap = false
                case .primitive(let q):
                    switch q {
                    case .full, .data, .unary, .binary, .select, .reshape, .permute, .expand, .shrink, .pad: cheap = node.dtype == .float32
                    default: cheap = false
                    }
                }
                if cheap && !j.joint.outputs.prefix(nO).contains(i) { throw GradingFailure("partition \(name): the forward saves %\(i) (\(node.op)), which the backward can recompute or is given\n\(j.joint)") }
            }
            var g = Generator(seed: 22)
            let seeds = j.joint.outputs.prefix(nO).map { Tensor.randn(j.joint.nodes[$0].shape, generator: &g) }
            let whole = withNoGrad { j.joint.interpret(args + seeds, params: params) }
            let forward = withNoGrad { p.forward.interpret(args, params: params) }
            let backward = withNoGrad { p.backward.interpret(args + seeds + Array(forward.dropFirst(nO)), params: params) }
            for k in 0..<nO { try compare("partition \(name): forward output \(k)", forward[k], whole[k]) }
            for (k, b) in backward.enumerated() { try compare("partition \(name): backward output \(k)", b, whole[nO + k]) }
            guard !p.saved.isEmpty else { throw GradingFailure("partition \(name): the forward saves nothing\n\(j.joint)") }
        }
    }

    /// A program of a reference file, compiled, with gradients (the backward compiled too),
    /// against PyTorch's forward and input gradients.
    static func checkProgramGradients(_ name: String, chapter: String, file: String, _ program: @escaping DfdxGrading.Program, _ ctx: GradingContext) throws {
        let ref = try Reference.load(chapter: chapter, file: file, ctx).tensorCase(named: name)
        let args = ref.inputs.map { t in Tensor(t.floats, shape: t.shape, requiresGrad: t.requiresGrad) }
        warmUp(program, args)
        let compiled = picograd.compile { [program($0)] }
        let out = compiled(args)[0]
        try Compare.forward("\(name) compiled forward", out, ref.output)
        guard let upstream = ref.upstream else { return }
        out.backward(Tensor(upstream.floats, shape: upstream.shape))
        for (i, expected) in ref.grads.enumerated() {
            guard let expected else { continue }
            guard let g = args[i].grad else { throw GradingFailure("\(name) compiled: input \(i) got no gradient") }
            try Compare.gradient("\(name) compiled grad of input \(i)", g, expected)
        }
    }

    /// A layer of lego's layers.json, compiled with gradients, against PyTorch's forward and
    /// the gradients of its input and parameters.
    static func checkLayerGradients(_ name: String, _ ctx: GradingContext) throws {
        let (c, module, run) = try layerCase(name, ctx)
        let input = c.inputs["input"].map { LegoGrading.tensor($0, requiresGrad: true) }
        let compiled = picograd.compile { t in [run(t.first)] }
        let out = compiled(input.map { [$0] } ?? [])[0]
        try Compare.forward("\(name) compiled forward", out, c.output)
        out.backward(LegoGrading.tensor(c.upstream))
        let params = Dictionary(module?.namedParameters() ?? [], uniquingKeysWith: { a, _ in a })
        for (key, expected) in c.grads.sorted(by: { $0.key < $1.key }) {
            let leaf = key == "input" ? input : params[key]
            guard let g = leaf?.grad else { throw GradingFailure("\(name) compiled: \(key) got no gradient") }
            try Compare.gradient("\(name) compiled grad of \(key)", g, expected)
        }
    }

    /// An optimizer case of lego's optim.json, compiled: the loss and its backward (one
    /// compiled function, reused at every step), then the step. Each step is its own compiled
    /// function, called once: the step count is a host number the trace reads as a constant,
    /// and the optimizer's new state is returned and loaded back (its tensors were made
    /// inside the trace).
    static func checkOptimizer(_ name: String, _ ctx: GradingContext) throws {
        let ref = try Reference.load(chapter: "lego", file: "optim.json", ctx).decode(LegoGrading.Optim.self)
        guard let c = ref.cases.first(where: { $0.name == name }) else { throw GradingFailure("optim.json: no case \(name)") }
        let model = Linear(5, 3)
        try model.loadStateDict(LegoGrading.stateDict(c.initial))
        let o = c.options
        let optimizer: any Optimizer = c.kind == "sgd"
            ? SGD(model.parameters(), lr: o.lr, momentum: o.momentum ?? 0, weightDecay: o.weightDecay ?? 0, nesterov: o.nesterov ?? false)
            : AdamW(model.parameters(), lr: o.lr, betas: o.betas.map { ($0[0], $0[1]) } ?? (0.9, 0.999), eps: o.eps ?? 1e-8,
                    weightDecay: o.weightDecay ?? 0.01)
        let (x, y) = (LegoGrading.tensor(c.x), LegoGrading.tensor(c.y))
        let loss = picograd.compile { t in [mseLoss(model(t[0]), t[1])] }
        for (i, expected) in c.steps.enumerated() {
            optimizer.zeroGrad()
            loss([x, y])[0].backward()
            var stateKeys: [String] = []
            let step = picograd.compile { _ in
                optimizer.step()
                let state = optimizer.stateDict()
                stateKeys = state.keys.sorted()
                return stateKeys.map { state[$0]! }
            }
            let state = withNoGrad { step([]) }
            do { try optimizer.loadStateDict(Dictionary(uniqueKeysWithValues: zip(stateKeys, state))) } catch {
                throw GradingFailure("\(name) compiled step \(i + 1): \(error)")
            }
            for (key, value) in model.namedParameters() {
                try Compare.forward("\(name) compiled step \(i + 1) \(key)", value, expected[key]!)
            }
        }
    }

    /// The BEAM move by its definition, from every choice: each move is valid and differs from
    /// the choice in one field, moved to a neighbouring value (or split flipped); every such
    /// valid neighbour is a move; none twice.
    static func checkBeamMoves() throws {
        let u = KernelChoice.unrolls, w = KernelChoice.vectorWidths
        func neighbours(_ values: [Int], _ v: Int) -> Set<Int> {
            let i = values.firstIndex(of: v)!
            return Set([i - 1, i + 1].filter { values.indices.contains($0) }.map { values[$0] })
        }
        for c in KernelChoice.all {
            let moves = beamMoves(c)
            var expected = Set<KernelChoice>()
            for x in neighbours(u, c.unroll) { expected.insert(KernelChoice(unroll: x, vectorWidth: c.vectorWidth, split: c.split)) }
            for x in neighbours(w, c.vectorWidth) { expected.insert(KernelChoice(unroll: c.unroll, vectorWidth: x, split: c.split)) }
            expected.insert(KernelChoice(unroll: c.unroll, vectorWidth: c.vectorWidth, split: !c.split))
            expected = expected.filter(\.isValid)
            guard Set(moves) == expected, moves.count == expected.count else {
                throw GradingFailure("beamMoves(\(c)) is \(moves); the valid choices one move away are \(expected.sorted { $0.description < $1.description })")
            }
        }
    }
}

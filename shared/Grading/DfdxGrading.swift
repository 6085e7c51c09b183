// Grading for chapter 1 (dfdx): every program of scripts/reference/dfdx.py, run by picograd
// and compared with PyTorch's float64 results (forward rtol 1e-4/atol 1e-5, gradients and
// tangents rtol 1e-3/atol 1e-4).
//
// Each case lists the TODO ids it is about (its scoreboard rows). The first steps of the
// chapter's order (Reference/dfdx/order.txt) have small cases that need only the ids before
// them: the strided walk alone (forward programs on views), broadcastShapes alone, the
// topological order alone, and backprop through given VJPs (reshape, pad) alone.
#if DEBUG
@testable import dfdx   // topologicalOrder is internal; its case runs in debug builds (grade's default)
#else
import dfdx
#endif

enum DfdxGrading {
    typealias Program = @Sendable ([Tensor]) -> Tensor

    /// The Swift twin of each PyTorch program of ops.json, with the TODO ids it is about. Every
    /// gradient also runs through the autodiff core (dfdx.1, dfdx.2) and every op through the
    /// strided walk (dfdx.4); those rows list the cases about them (views, reuse, grad of grad).
    static let programs: [String: (todos: [String], run: Program)] = [
        "neg": (["dfdx.5"], { -$0[0] }),
        "exp": (["dfdx.6"], { $0[0].exp() }),
        "log": (["dfdx.7"], { $0[0].log() }),
        "sqrt": (["dfdx.8"], { $0[0].sqrt() }),
        "sin": (["dfdx.9"], { $0[0].sin() }),
        "reciprocal": (["dfdx.10"], { $0[0].reciprocal() }),
        "cos": (["dfdx.9"], { $0[0].cos() }),
        "tanh": (["dfdx.6", "dfdx.10"], { $0[0].tanh() }),
        "sigmoid": (["dfdx.6", "dfdx.10"], { $0[0].sigmoid() }),
        "relu": (["dfdx.15"], { $0[0].relu() }),
        "abs": (["dfdx.13"], { $0[0].abs() }),
        "pow2": (["dfdx.12"], { $0[0].pow(2) }),
        "pow3": (["dfdx.14"], { $0[0].pow(3) }),
        "pow_half": (["dfdx.14"], { $0[0].pow(0.5) }),
        "silu": (["dfdx.12"], { $0[0].silu() }),
        "add": (["dfdx.11"], { $0[0] + $0[1] }),
        "sub": (["dfdx.5", "dfdx.11"], { $0[0] - $0[1] }),
        "mul": (["dfdx.12"], { $0[0] * $0[1] }),
        "div": (["dfdx.10", "dfdx.12"], { $0[0] / $0[1] }),
        "maximum": (["dfdx.13"], { $0[0].maximum($0[1]) }),
        "pow_tensor": (["dfdx.14"], { $0[0].pow($0[1]) }),
        "where": (["dfdx.15"], { Tensor.where($0[0], $0[1], $0[2]) }),
        "mul_self": (["dfdx.2", "dfdx.12", "dfdx.26"], { $0[0] * $0[0] * $0[0] }),
        "add_row": (["dfdx.3", "dfdx.17"], { $0[0] + $0[1] }),
        "mul_col": (["dfdx.3", "dfdx.17"], { $0[0] * $0[1] }),
        "add_scalar_tensor": (["dfdx.3", "dfdx.17"], { $0[0] + $0[1] }),
        "sub_3d": (["dfdx.3", "dfdx.17"], { $0[0] - $0[1] }),
        "div_outer": (["dfdx.3", "dfdx.17"], { $0[0] / $0[1] }),
        "maximum_bcast": (["dfdx.3", "dfdx.13"], { $0[0].maximum($0[1]) }),
        "where_bcast": (["dfdx.3", "dfdx.15"], { Tensor.where($0[0], $0[1], $0[2]) }),
        "mul_float": (["dfdx.12"], { $0[0] * 2.5 }),
        "rsub_float": (["dfdx.5"], { 1 - $0[0] }),
        "div_float": (["dfdx.10"], { 3 / $0[0] }),
        "sum_all": (["dfdx.19"], { $0[0].sum() }),
        "sum_dim0": (["dfdx.19"], { $0[0].sum(dim: 0) }),
        "sum_neg_keepdim": (["dfdx.19"], { $0[0].sum(dim: -1, keepdim: true) }),
        "sum_dims": (["dfdx.19"], { $0[0].sum(dims: [0, 2]) }),
        "mean_all": (["dfdx.19"], { $0[0].mean() }),
        "mean_dim": (["dfdx.19"], { $0[0].mean(dim: 1) }),
        "max_all": (["dfdx.20"], { $0[0].max() }),
        "max_dim": (["dfdx.20"], { $0[0].max(dim: 1) }),
        "max_dim_keepdim": (["dfdx.20"], { $0[0].max(dim: 0, keepdim: true) }),
        "reshape": (["dfdx.12"], { $0[0].reshape([4, 3]) * Tensor.arange(12).reshape([4, 3]) }),
        "reshape_infer": (["dfdx.6"], { $0[0].reshape([-1, 2]).exp() }),
        "permute_3d": (["dfdx.16"], { $0[0].permute([2, 0, 1]).sin() }),
        "transpose": (["dfdx.16"], { $0[0].transpose(0, 1) * Tensor.arange(12).reshape([4, 3]) }),
        "expand": (["dfdx.17"], { $0[0].expand([2, 3, 4]).sin() }),
        "slice": (["dfdx.18"], { $0[0].slice(dim: 1, start: 1, end: 3).exp() }),
        "subscript": (["dfdx.18"], { $0[0][1].exp() }),
        "squeeze_unsqueeze": (["dfdx.9"], { $0[0].unsqueeze(dim: 0).squeeze(dim: 2).sin() }),
        "cat": (["dfdx.18"], { cat([$0[0], $0[1]], dim: 1).sin() }),
        "stack": (["dfdx.18"], { stack([$0[0], $0[1]], dim: 0).sin() }),
        "pad": (["dfdx.18"], { $0[0].pad([(1, 0), (2, 1)]).sin() }),
        "flatten": (["dfdx.6"], { $0[0].flatten(startDim: 1).exp() }),
        "exp_of_transpose": (["dfdx.4", "dfdx.16"], { $0[0].transpose(0, 1).exp() }),
        "mul_permuted_expanded": (["dfdx.4", "dfdx.16", "dfdx.17"], { $0[0].permute([1, 0]) * $0[1].expand([4, 3]) }),
        "matmul_transposed": (["dfdx.4", "dfdx.21"], { $0[0].transpose(0, 1).matmul($0[1].transpose(0, 1)) }),
        "sum_of_sliced": (["dfdx.4", "dfdx.18"], { $0[0].slice(dim: 0, start: 1, end: 4).slice(dim: 1, start: 2, end: 5).sum(dim: 0) }),
        "contiguous_of_permuted": (["dfdx.4", "dfdx.16"], { $0[0].permute([1, 0]).contiguous().reshape([-1]) }),
        "mm": (["dfdx.21"], { $0[0].matmul($0[1]) }),
        "mv": (["dfdx.21"], { $0[0].matmul($0[1]) }),
        "vm": (["dfdx.21"], { $0[0].matmul($0[1]) }),
        "dot": (["dfdx.21"], { $0[0].matmul($0[1]) }),
        "bmm": (["dfdx.21"], { $0[0].matmul($0[1]) }),
        "matmul_bcast": (["dfdx.21", "dfdx.17"], { $0[0].matmul($0[1]) }),
        "matmul_bcast_batch": (["dfdx.21", "dfdx.17"], { $0[0].matmul($0[1]) }),
        "gather_dim1": (["dfdx.22"], { $0[0].gather(dim: 1, index: [0, 2, 1, 1, 3, 0], indexShape: [3, 2]).exp() }),
        "gather_dim0": (["dfdx.22"], { $0[0].gather(dim: 0, index: [2, 0, 1, 2], indexShape: [1, 4]).exp() }),
        "embedding": (["dfdx.22"], { $0[0].embedding([1, 3, 3, 0], idsShape: [2, 2]).sin() }),
        "softmax_dim1": (["dfdx.20"], { softmax($0[0], dim: 1) }),
        "softmax_dim0": (["dfdx.20"], { softmax($0[0] * 30, dim: 0) }),
        "log_softmax": (["dfdx.23"], { logSoftmax($0[0], dim: -1) }),
        "logsumexp": (["dfdx.23"], { logsumexp($0[0] * 50, dim: 1) }),
        "cross_entropy": (["dfdx.24"], { crossEntropy($0[0], targets: [1, 0, 4]) }),
        "cross_entropy_ignore": (["dfdx.24"], { crossEntropy($0[0], targets: [1, -100, 4, 2], ignoreIndex: -100) }),
        "layer_norm_manual": (["dfdx.2", "dfdx.8", "dfdx.19"], { t in
            let x = t[0], mu = x.mean(dim: -1, keepdim: true)
            return (x - mu) / (x.variance(dim: -1, keepdim: true) + 1e-5).sqrt()
        }),
        "mlp": (["dfdx.2", "dfdx.21", "dfdx.17"], { ($0[0].matmul($0[1]) + $0[2]).tanh().matmul($0[3]).sum() }),
        "attention": (["dfdx.2", "dfdx.21", "dfdx.20"], { t in
            softmax(t[0].matmul(t[1].transpose(-1, -2)) / 2, dim: -1).matmul(t[2])
        }),
        "mse": (["dfdx.12", "dfdx.19"], { t in (t[0] - t[1]).pow(2).mean() }),
        "rnn_step": (["dfdx.2", "dfdx.21"], { ($0[0].matmul($0[2]) + $0[1].matmul($0[3])).tanh().sum(dim: 1) }),
    ]

    /// The first steps (steps.json): forward programs on strided views need only the walk
    /// (dfdx.4); backprop_views needs the autodiff core and only VJPs that are given code.
    static let stepPrograms: [String: (todos: [String], run: Program)] = [
        "walk_slice_exp": (["dfdx.4"], { $0[0].slice(dim: 1, start: 1, end: 4).exp() }),
        "walk_expand_mul": (["dfdx.4"], { $0[0].expand([3, 4]) * $0[1] }),
        "walk_sum_sliced": (["dfdx.4"], { $0[0].slice(dim: 2, start: 1, end: 3).sum(dim: 1) }),
        "walk_contiguous_block": (["dfdx.4"], { $0[0].slice(dim: 0, start: 1, end: 3).slice(dim: 1, start: 2, end: 5).contiguous() }),
        "backprop_views": (["dfdx.1", "dfdx.2"], { $0[0].reshape([3, 2]).pad([(1, 0), (0, 2)]).reshape([-1]) }),
    ]

    /// x^3 as a custom op with a hand-written VJP (3 x^2 g) and JVP (3 x^2 t).
    static let cube = CustomOp("cube", forward: { x in [x[0] * x[0] * x[0]] },
                               vjp: { c, g in [3 * c.inputs[0] * c.inputs[0] * g[0]] },
                               jvp: { c, t in [3 * c.inputs[0] * c.inputs[0] * t[0]!] })
    /// (sin x, cos x) as one custom op with two outputs: d(a sin x + b cos x) = a cos x - b sin x.
    static let sincos = CustomOp("sincos", forward: { x in [x[0].sin(), x[0].cos()] },
                                 vjp: { c, g in [g[0] * c.outputs[1] - g[1] * c.outputs[0]] })
    /// The program trace_replay records through the dispatch point and then replays.
    static let traced: @Sendable ([Tensor]) -> [Tensor] = { t in
        let h = softmax(t[0].matmul(t[1]) + t[2], dim: -1) * 3 + Tensor([1, 2, 3, 4], shape: [4])
        return [Tensor.where(h.gt(1.5), h, Tensor.zeros([]))]
    }

    /// The seam's programs (Reference/dfdx/seam.json): int32 ids, custom ops, a replayed trace.
    static let seamPrograms: [String: (todos: [String], run: Program)] = [
        "embedding_ids": (["dfdx.27"], { $0[0].embedding(Tensor(int32: [4, 0, 4, 2, 4, 1], shape: [2, 3])).sin() }),
        "gather_index_tensor": (["dfdx.22"], { $0[0].gather(dim: 1, index: Tensor(int32: [0, 3, 2, 2, 1, 0], shape: [3, 2])).exp() }),
        "custom_cube": (["dfdx.29"], { cube($0[0]) }),
        "custom_sincos": (["dfdx.29"], { let o = sincos([$0[0]]); return o[0] * 2 + o[1] * 3 }),
        "trace_replay": (["dfdx.28", "dfdx.21", "dfdx.20", "dfdx.15"], { inputs in
            let (trace, _) = Trace.record(inputs.map { $0.detach() }, traced)
            return trace.replay(inputs)[0]
        }),
    ]

    /// Numerically safe ops at -1e4 ... 1e4 (Reference/dfdx/numerics.json): finite values and
    /// gradients that match torch's.
    static let numericsPrograms: [String: (todos: [String], run: Program)] = [
        "sigmoid_extreme": (["dfdx.6", "dfdx.10", "dfdx.15"], { $0[0].sigmoid() }),
        "tanh_extreme": (["dfdx.6", "dfdx.10", "dfdx.12"], { $0[0].tanh() }),
        "silu_extreme": (["dfdx.6", "dfdx.10", "dfdx.12", "dfdx.15"], { $0[0].silu() }),
        "softplus_extreme": (["dfdx.6", "dfdx.7", "dfdx.12"], { $0[0].softplus() }),
        "erf_extreme": (["dfdx.6", "dfdx.12"], { $0[0].erf() }),
        "gelu_extreme": (["dfdx.6", "dfdx.12"], { $0[0].gelu() }),
    ]

    static let secondOrder: [String: @Sendable (Tensor) -> Tensor] = [
        "grad2_cube": { ($0 * $0 * $0).sum() },
        "grad2_sin_x": { ($0.sin() * $0).sum() },
        "grad2_softplus": { (1 + $0.exp()).log().sum() },
        "grad2_mixed": { $0.sin().sum() * $0.sum() + ($0.slice(dim: 0, start: 0, end: 4) * $0.slice(dim: 0, start: 1, end: 5)).exp().sum() },
    ]

    static let scalarPrograms: [String: @Sendable ([Value]) -> Value] = [
        "value_expr": { v in (v[0] * v[1] + v[0]).tanh() * v[1] - v[0] / v[1] },
        "value_neuron": { v in (v[0] * v[1] + v[2]).relu() + (v[0] * v[1] - v[2]).exp() },
        "value_pow": { v in v[0].pow(3) / (v[1] + v[0] * v[0]) },
    ]

    static var cases: [GradingCase] {
        var all: [GradingCase] = []
        for (name, program) in stepPrograms.sorted(by: { $0.key < $1.key }) {
            all.append(GradingCase(chapter: "dfdx", name: name, todos: program.todos) { ctx in
                try checkProgram(name, file: "steps.json", program.run, ctx)
            })
        }
        all.append(GradingCase(chapter: "dfdx", name: "broadcast_shapes", todos: ["dfdx.3"], body: checkBroadcastShapes))
        all.append(GradingCase(chapter: "dfdx", name: "topological_order", todos: ["dfdx.1"], body: checkTopologicalOrder))
        for (name, program) in programs.sorted(by: { $0.key < $1.key }) {
            all.append(GradingCase(chapter: "dfdx", name: name, todos: program.todos.sorted(by: Catalog.todoOrder)) { ctx in
                try checkProgram(name, file: "ops.json", program.run, ctx)
            })
        }
        for (file, table) in [("seam.json", seamPrograms), ("numerics.json", numericsPrograms)] {
            for (name, program) in table.sorted(by: { $0.key < $1.key }) {
                all.append(GradingCase(chapter: "dfdx", name: name, todos: program.todos.sorted(by: Catalog.todoOrder)) { ctx in
                    try checkProgram(name, file: file, program.run, ctx)
                })
            }
        }
        for name in ["sin", "mul_col", "softmax_dim1"] {
            all.append(GradingCase(chapter: "dfdx", name: "gradcheck_\(name)", todos: ["dfdx.31"]) { ctx in
                try checkNumericalGradient(name, ctx)
            })
        }
        for format in ["q8_0", "q4_0", "q4_1"] {
            all.append(GradingCase(chapter: "dfdx", name: "linear_\(format)", todos: ["dfdx.30"]) { ctx in
                try checkQuantized("linear_\(format)", ctx)
            })
        }
        for name in secondOrder.keys.sorted() {
            all.append(GradingCase(chapter: "dfdx", name: name, todos: ["dfdx.1", "dfdx.2"]) { ctx in try checkSecondOrder(name, ctx) })
        }
        for name in scalarPrograms.keys.sorted() {
            all.append(GradingCase(chapter: "dfdx", name: name, todos: ["dfdx.25"]) { ctx in try checkScalar(name, ctx) })
        }
        return all
    }

    static func checkProgram(_ name: String, file: String, _ program: Program, _ ctx: GradingContext) throws {
        let ref = try Reference.load(chapter: "dfdx", file: file, ctx).tensorCase(named: name)
        do { try runProgram(name, ref, program) } catch let failure as GradingFailure {
            // a wrong value names the case's inputs too
            let inputs = ref.inputs.enumerated().map { "input \($0): \(Compare.describe($1))" }
            throw GradingFailure(([failure.message] + inputs).joined(separator: "\n"))
        }
    }

    static func runProgram(_ name: String, _ ref: RefTensorCase, _ program: Program) throws {
        let inputs = ref.inputs.map { t in
            let x = Tensor(t.floats, shape: t.shape)
            x.requiresGrad = t.requiresGrad
            return x
        }
        let out = program(inputs)
        try Compare.forward("\(name) forward", out, ref.output)
        if let upstream = ref.upstream {
            out.backward(Tensor(upstream.floats, shape: upstream.shape))
            for (i, expected) in ref.grads.enumerated() {
                guard let expected else { continue }
                guard let g = inputs[i].grad else { throw GradingFailure("\(name): input \(i) got no gradient") }
                try Compare.gradient("\(name) grad of input \(i)", g, expected)
            }
        }
        if let jvpRef = ref.jvp {
            let rest = Array(inputs.dropFirst()).map { $0.detach() }
            let (_, tangent) = jvp({ program([$0] + rest) }, at: inputs[0].detach(),
                                   tangent: Tensor(jvpRef.tangent.floats, shape: jvpRef.tangent.shape))
            try Compare.gradient("\(name) jvp", tangent, jvpRef.output)
        }
    }

    struct BroadcastRef: Decodable { struct Pair: Decodable { let a, b: [Int]; let shape: [Int]? }; let broadcast: [Pair] }

    /// broadcastShapes against torch.broadcast_shapes, nil where torch raises.
    static func checkBroadcastShapes(_ ctx: GradingContext) throws {
        for p in try Reference.load(chapter: "dfdx", file: "steps.json", ctx).decode(BroadcastRef.self).broadcast {
            let got = broadcastShapes(p.a, p.b)
            guard got == p.shape else {
                throw GradingFailure("broadcastShapes(\(p.a), \(p.b)): got \(got.map { "\($0)" } ?? "nil"), "
                                     + "expected \(p.shape.map { "\($0)" } ?? "nil (they do not broadcast)") (torch.broadcast_shapes)")
            }
        }
    }

    /// topologicalOrder on a small graph, derived by hand: x and w require grad, c does not;
    /// a = exp(x), b = x * w, s = a + b, d = s + c. The order holds x, w, a, b, s, d once
    /// each, every tensor after its inputs that require grad, d last, c nowhere; stopping at
    /// s it holds s and d only.
    static func checkTopologicalOrder(_ ctx: GradingContext) throws {
        #if DEBUG
        let x = Tensor([0.5, -1, 2, 0.25, 1.5, -0.75], shape: [2, 3], requiresGrad: true)
        let w = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3], requiresGrad: true)
        let c = Tensor([6, 5, 4, 3, 2, 1], shape: [2, 3])
        let a = x.exp(), b = x * w
        let s = a + b
        let d = s + c
        func ids(_ ts: [Tensor]) -> [ObjectIdentifier] { ts.map(ObjectIdentifier.init) }
        let names: [ObjectIdentifier: String] = Dictionary(uniqueKeysWithValues: zip(ids([x, w, c, a, b, s, d]), ["x", "w", "c", "a", "b", "s", "d"]))
        func show(_ ts: [Tensor]) -> String { "[" + ts.map { names[ObjectIdentifier($0)] ?? "?" }.joined(separator: ", ") + "]" }
        let order = topologicalOrder(from: d)
        let what = "topologicalOrder(from: d) with a = exp(x), b = x * w, s = a + b, d = s + c (c needs no grad)"
        guard Set(ids(order)) == Set(ids([x, w, a, b, s, d])), order.count == 6 else {
            throw GradingFailure("\(what): got \(show(order)), expected x, w, a, b, s and d once each in some valid order")
        }
        for (i, t) in order.enumerated() {
            for input in t.node?.inputs ?? [] where input.requiresGrad {
                guard let j = order.firstIndex(where: { $0 === input }), j < i else {
                    throw GradingFailure("\(what): got \(show(order)): \(names[ObjectIdentifier(t)] ?? "?") comes before its input \(names[ObjectIdentifier(input)] ?? "?")")
                }
            }
        }
        guard order.last === d else { throw GradingFailure("\(what): got \(show(order)), expected d (the root) last") }
        let stopped = topologicalOrder(from: d, stoppingAt: [ObjectIdentifier(s)])
        guard ids(stopped) == ids([s, d]) else {
            throw GradingFailure("topologicalOrder(from: d, stoppingAt: [s]): got \(show(stopped)), expected [s, d] (nothing below a stop)")
        }
        #else
        throw GradingSkip("topological_order reads an internal function: it runs in debug builds (scripts/grade)")
        #endif
    }

    struct QuantizedCase: Decodable {
        let name, format: String
        let shape: [Int]
        let bytes: [UInt8]
        let x, output, upstream, rows, dequantized: RefTensor
        let gradX: RefTensor
        let ids: [Int]
        enum CodingKeys: String, CodingKey { case name, format, shape, bytes, x, output, upstream, rows, dequantized, ids, gradX = "grad_x" }
    }
    struct QuantizedCases: Decodable { let cases: [QuantizedCase] }

    /// A weight kept in its block format: linear (forward and the gradient of x), its rows by
    /// embedding and its conversion to float32 against the values PyTorch computed from the
    /// same blocks (Reference/dfdx/quantized.json).
    static func checkQuantized(_ name: String, _ ctx: GradingContext) throws {
        let all = try Reference.load(chapter: "dfdx", file: "quantized.json", ctx).decode(QuantizedCases.self)
        guard let c = all.cases.first(where: { $0.name == name }), let dtype = DType(rawValue: c.format) else {
            throw GradingFailure("quantized.json: no case \(name)")
        }
        let w = c.bytes.withUnsafeBytes { Tensor(bytes: $0, dtype: dtype, shape: c.shape) }
        let x = Tensor(c.x.floats, shape: c.x.shape, requiresGrad: true)
        let out = linear(x, w)
        try Compare.forward("\(name) forward", out, c.output)
        out.backward(Tensor(c.upstream.floats, shape: c.upstream.shape))
        try Compare.gradient("\(name) grad of x", x.grad!, c.gradX)
        try Compare.forward("\(name) embedding rows", w.embedding(Tensor(int32: c.ids, shape: [c.ids.count])), c.rows)
        try Compare.forward("\(name) to(.float32)", w.to(.float32), c.dequantized)
    }

    /// Central differences (numericalGradient) of an ops.json program against PyTorch's exact
    /// gradient. The tolerance is the finite-difference one (h = 1e-2 in float32: rtol 1e-2,
    /// atol 1e-3), not the analytic gradients' 1e-3/1e-4.
    static func checkNumericalGradient(_ name: String, _ ctx: GradingContext) throws {
        let ref = try Reference.load(chapter: "dfdx", file: "ops.json", ctx).tensorCase(named: name)
        guard let program = programs[name]?.run, let upstream = ref.upstream else { throw GradingFailure("\(name): no program or upstream") }
        let inputs = ref.inputs.map { Tensor($0.floats, shape: $0.shape) }
        for (i, expected) in ref.grads.enumerated() {
            guard let expected else { continue }
            let numeric = numericalGradient(program, inputs, upstream: Tensor(upstream.floats, shape: upstream.shape), of: i)
            try Compare.scalars("gradcheck_\(name): central differences of input \(i)", numeric, expected.data, rtol: 1e-2, atol: 1e-3)
        }
    }

    static func checkSecondOrder(_ name: String, _ ctx: GradingContext) throws {
        let ref = try Reference.load(chapter: "dfdx", file: "grad2.json", ctx).tensorCase(named: name)
        guard let f = secondOrder[name] else { throw GradingFailure("\(name): no Swift program") }
        let x = Tensor(ref.inputs[0].floats, shape: ref.inputs[0].shape)
        let hessianTimesOnes = grad { grad(f)($0).sum() }(x)
        try Compare.gradient("\(name) second derivative", hessianTimesOnes, ref.output)
    }

    static func checkScalar(_ name: String, _ ctx: GradingContext) throws {
        let ref = try Reference.load(chapter: "dfdx", file: "value.json", ctx).scalarCase(named: name)
        guard let f = scalarPrograms[name] else { throw GradingFailure("\(name): no Swift program") }
        let leaves = ref.inputs.map { Value($0) }
        let out = f(leaves)
        out.backward()
        try Compare.scalars("\(name) value", [out.data], [ref.output], rtol: 1e-9, atol: 1e-12)
        try Compare.scalars("\(name) grads", leaves.map(\.grad), ref.grads, rtol: 1e-9, atol: 1e-12)
    }
}

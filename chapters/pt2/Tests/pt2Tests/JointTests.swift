import Testing
import pt2

/// Gradients through a compiled function against eager autograd, and the joint graph's
/// partition (what the forward saves, what the backward recomputes).
@Suite("pt2 joint graph")
struct JointTests {
    /// f eager and compiled on the same random leaves (and parameters): outputs and every
    /// gradient compared (grads rtol 1e-3/atol 1e-4).
    static func compareGradients(_ name: String, _ shapes: [[Int]], params: [Tensor] = [], seed: UInt64 = 3,
                                 _ f: @escaping ([Tensor]) -> [Tensor]) {
        var g = Generator(seed: seed)
        let values = shapes.map { Tensor.randn($0, generator: &g) }
        let upstream = withNoGrad { f(values) }.map { Tensor.randn($0.shape, generator: &g) }
        func run(_ fn: ([Tensor]) -> [Tensor]) -> (outputs: [[Float]], grads: [[Float]]) {
            let leaves = values.map { v in let l = v.detach(); l.requiresGrad = true; return l }
            for p in params { p.grad = nil }
            let outs = fn(leaves)
            var total = (outs[0] * upstream[0]).sum()
            for k in outs.indices.dropFirst() { total = total + (outs[k] * upstream[k]).sum() }
            total.backward()
            return (outs.map { $0.toArray() }, (leaves + params).map { $0.grad?.toArray() ?? [] })
        }
        let eager = run(f)
        let compiled = pt2.compile(f)
        for call in 0..<2 {      // the second call reuses both programs
            let got = run(compiled)
            for (k, (a, b)) in zip(got.outputs, eager.outputs).enumerated() {
                CompileTests.close(a, b, "\(name) output \(k), call \(call)")
            }
            for (k, (a, b)) in zip(got.grads, eager.grads).enumerated() {
                CompileTests.close(a, b, "\(name) gradient \(k), call \(call)", rtol: 1e-3, atol: 1e-4)
            }
        }
    }

    @Test func gradientsMatchEager() {
        Self.compareGradients("exp(x) * y + 1", [[3, 5], [3, 5]]) { [($0[0].exp() * $0[1] + 1)] }
        Self.compareGradients("softmax", [[4, 10]]) { [softmax($0[0], dim: -1)] }
        Self.compareGradients("two outputs sharing a value", [[4, 6]]) { x in
            let e = x[0].exp()
            return [e.sum(dim: -1), e * x[0]]
        }
        let norm = LayerNorm(16), lin = Linear(16, 8)
        Self.compareGradients("LayerNorm, Linear, gelu", [[4, 16]], params: norm.parameters() + lin.parameters()) { x in
            [gelu(lin(norm(x[0]))).mean()]
        }
    }

    @Test func partitionSavesReductionsAndRecomputesElementwise() {
        // softmax written out: the backward needs exp(x - max), an elementwise op of x, and
        // the sum: it recomputes exp(x - max) from x and the saved max, and reads the saved sum
        let f: ([Tensor]) -> [Tensor] = { x in
            let e = (x[0] - withNoGrad { x[0].max(dim: -1, keepdim: true) }).exp()
            return [e / e.sum(dim: -1, keepdim: true) * 2]
        }
        let x = Tensor.randn([4, 10]); x.requiresGrad = true
        let j = CompiledFunction(f).joint(for: [x])
        let kinds = j.partition.saved.map { j.joint.nodes[$0].primitive?.name ?? "\(j.joint.nodes[$0].op)" }
        #expect(kinds.sorted() == ["max", "sum"], "softmax written out saves \(kinds)\n\(j.joint)")
    }

    @Test func partitionSavesWhatTheForwardRealises() {
        // dfdx's softmax differentiates through its output (y (g - sum(g y))), and attention's
        // probabilities are a matmul's operand, realised by the forward anyway: saved, so the
        // backward computes no exp, and the forward's max and sum fuse into one kernel
        let f: ([Tensor]) -> [Tensor] = { x in [softmax(x[0], dim: -1).matmul(x[1])] }
        let x = Tensor.randn([4, 10]), v = Tensor.randn([10, 3])
        x.requiresGrad = true; v.requiresGrad = true
        let j = CompiledFunction(f).joint(for: [x, v])
        let kinds = j.partition.saved.map { j.joint.nodes[$0].primitive?.name ?? "\(j.joint.nodes[$0].op)" }
        #expect(kinds == ["mul"], "the probabilities alone are saved: \(kinds)\n\(j.joint)")
        #expect(!j.backward!.optimized.nodes.contains { $0.primitive?.name == "exp" }, "no exp in the backward:\n\(j.backward!.optimized)")
        let forwardKernels = kernelPlan(j.forward!.optimized)
        #expect(forwardKernels.count == 2 && forwardKernels[0].fused.count == 2, "softmax (max and sum fused) then the product: \(forwardKernels)")
        Self.compareGradients("softmax then a product", [[4, 10], [10, 3]]) { x in [softmax(x[0], dim: -1).matmul(x[1])] }
    }
}

import Testing
import pt2

/// Compiled forward against eager, on `.cpu`, for elementwise chains, movement ops, the
/// composed functions of dfdx and the layers of lego.
@Suite("pt2 compile")
struct CompileTests {
    static func close(_ a: [Float], _ b: [Float], _ what: String, rtol: Float = 1e-4, atol: Float = 1e-5) {
        let bad = zip(a, b).enumerated().first { abs($1.0 - $1.1) > atol + rtol * abs($1.1) || $1.0.isNaN != $1.1.isNaN }
        #expect(a.count == b.count && bad == nil, "\(what): element \(bad?.offset ?? -1): \(bad?.element.0 ?? 0) vs \(bad?.element.1 ?? 0)")
    }

    /// Random inputs of `shapes`, f eager and compiled on them; the outputs compared.
    static func compare(_ name: String, _ shapes: [[Int]], seed: UInt64 = 1, _ f: @escaping ([Tensor]) -> [Tensor]) {
        var g = Generator(seed: seed)
        let inputs = shapes.map { Tensor.randn($0, generator: &g) }
        let expected = withNoGrad { f(inputs) }.map { $0.toArray() }
        let compiled = pt2.compile(f)
        let got = withNoGrad { compiled(inputs) }
        #expect(got.count == expected.count, "\(name): \(got.count) outputs, expected \(expected.count)")
        for (k, (a, b)) in zip(got, expected).enumerated() { close(a.toArray(), b, "\(name) output \(k)") }
        // a second call reuses the program and gives the same values
        for (k, (a, b)) in zip(withNoGrad { compiled(inputs) }, expected).enumerated() { close(a.toArray(), b, "\(name) output \(k), second call") }
    }

    @Test func elementwiseChains() {
        Self.compare("exp(x) * y + 1", [[3, 5], [3, 5]]) { [($0[0].exp() * $0[1] + 1)] }
        Self.compare("unary ops", [[4, 7]]) { x in [x[0].abs().sqrt().log() + x[0].sin() - x[0].erf().reciprocal()] }
        // where over rows of 7 (GCC 12 at -O3 once computed some lanes as 0 here)
        Self.compare("where of two inputs", [[5, 7], [5, 7]]) { x in [Tensor.where(x[0].gt(0), x[0], x[1])] }
        Self.compare("maximum, where, lt", [[2, 3, 4], [2, 3, 4]]) { x in [Tensor.where(x[0].lt(x[1]), x[0], x[1] * 2).maximum(x[0])] }
        Self.compare("broadcast", [[4, 1], [1, 6]]) { x in [x[0] * x[1] - x[1], x[0].pow(2)] }
        Self.compare("relu, gelu", [[5, 9]]) { x in [x[0].relu(), gelu(x[0])] }
        Self.compare("0-d", [[]]) { x in [x[0] * 3 + 1] }
    }

    @Test func movementOps() {
        Self.compare("permute", [[2, 3, 4]]) { x in [x[0].permute([2, 0, 1]).exp()] }
        Self.compare("transpose + add", [[3, 4], [4, 3]]) { x in [x[0].transpose(0, 1) + x[1]] }
        Self.compare("reshape merge and split", [[2, 3, 4]]) { x in [x[0].reshape([6, 4]).exp().reshape([4, 6]) * 2] }
        Self.compare("shrink", [[5, 6]]) { x in [x[0].shrink([(1, 4), (2, 6)]) + 1] }
        Self.compare("pad", [[3, 4]]) { x in [x[0].pad([(1, 2), (0, 3)]).exp()] }
        Self.compare("expand", [[3, 1]]) { x in [x[0].expand([3, 5]) * 2] }
        Self.compare("identity output", [[2, 2]]) { x in [x[0]] }
    }

    @Test func reductions() {
        Self.compare("sum, max", [[4, 5, 6]]) { x in [x[0].sum(dim: 1, keepdim: true), x[0].max(dim: -1), x[0].sum()] }
        Self.compare("mean of squares", [[3, 8]]) { x in [(x[0] * x[0]).mean(dim: -1, keepdim: true)] }
        Self.compare("softmax", [[4, 10]]) { x in [softmax(x[0], dim: -1)] }
        Self.compare("softmax dim 0", [[6, 3]]) { x in [softmax(x[0], dim: 0)] }
        Self.compare("logSoftmax", [[3, 7]]) { x in [logSoftmax(x[0], dim: -1)] }
    }

    @Test func matmul() {
        Self.compare("matmul", [[5, 7], [7, 3]]) { x in [x[0].matmul(x[1])] }
        Self.compare("matmul of a transpose", [[7, 5], [7, 3]]) { x in [x[0].transpose(0, 1).matmul(x[1]).relu()] }
        Self.compare("batched matmul", [[2, 4, 3], [2, 3, 5]]) { x in [x[0].matmul(x[1])] }
        Self.compare("matmul of an elementwise result", [[4, 4], [4, 4]]) { x in [(x[0] * 2).exp().matmul(x[1] + 1)] }
    }

    @Test func legoLayers() {
        var g = Generator(seed: 5)
        let norm = LayerNorm(16)
        withNoGrad {
            norm.weight.assign(Tensor.randn([16], generator: &g))
            norm.bias.assign(Tensor.randn([16], generator: &g))
        }
        Self.compare("LayerNorm", [[4, 16]]) { x in [norm(x[0])] }
        let rms = RMSNorm(16, eps: 1e-6)
        Self.compare("RMSNorm (fused eagerly, traced as its composition)", [[3, 16]]) { x in [rms(x[0])] }
        let linear = Linear(8, 6)
        Self.compare("Linear", [[5, 8]]) { x in [linear(x[0])] }
        let mlp = MLP(dim: 8, hidden: 32)
        Self.compare("MLP", [[4, 8]]) { x in [mlp(x[0])] }
        let twoLayer = Sequential([Linear(8, 16), Linear(16, 4)])
        Self.compare("Sequential", [[3, 8]]) { x in [twoLayer(x[0]).relu()] }
    }
}


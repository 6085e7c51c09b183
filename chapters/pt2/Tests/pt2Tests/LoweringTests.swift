import Testing
import pt2

/// The code generator's faster lowerings, each against eager (or a hand derivation): indexes
/// simplified with the loop bounds, column reductions, batched products split across the
/// pool, selects in long loops (vectorized with if-conversion), writes done in place.
@Suite("pt2 lowerings")
struct LoweringTests {
    /// Every assignment of the variables in 0..<ranges.
    static func assignments(_ ranges: [String: Int]) -> [[String: Int]] {
        var out: [[String: Int]] = [[:]]
        for (name, size) in ranges { out = out.flatMap { a in (0..<size).map { a.merging([name: $0]) { $1 } } } }
        return out
    }

    @Test func simplifiedIndexesAreEqualWhereverTheLoopsRun() {
        let (i0, i1, i2) = (IndexExpr.variable("i0"), IndexExpr.variable("i1"), IndexExpr.variable("i2"))
        // a reshape [2, 3, 12] -> [6, 12] -> back: x / 12 * 12 + x % 12 is x when 0 <= i2 < 12
        let x = i0 * 36 + i1 * 12 + i2
        let roundTrip = x / 12 * 12 + x % 12
        #expect(roundTrip.simplified(ranges: ["i0": 2, "i1": 3, "i2": 12]).description == "i0 * 36 + i1 * 12 + i2")
        // the heads of a [2, 3, 12] view as [2, 3, 3, 4]: (x / 4) % 3 is i2 / 4, x % 4 is i2 % 4
        #expect(((x / 4) % 3).simplified(ranges: ["i0": 2, "i1": 3, "i2": 12]).description == "i2 / 4")
        #expect((x % 4).simplified(ranges: ["i0": 2, "i1": 3, "i2": 12]).description == "i2 % 4")
        // a clamp whose operand is always inside goes; one that can leave stays
        #expect(IndexExpr.clamped(i2 + .constant(-2), 10).simplified(ranges: ["i2": 12]).description == "pt2_clamp(i2 - 2, 10)")
        #expect(IndexExpr.clamped(i2 + .constant(3), 10).simplified(ranges: ["i2": 7]).description == "i2 + 3")
        // with i2 up to 15 the split does not hold: x / 12 keeps a quotient of the rest
        #expect(roundTrip.simplified(ranges: ["i0": 2, "i1": 3, "i2": 16]).description.contains("/"))
        // and the value is the same for every point of the loops, whatever was removed
        let cases: [(IndexExpr, [String: Int])] = [
            (roundTrip, ["i0": 2, "i1": 3, "i2": 12]), (roundTrip, ["i0": 2, "i1": 3, "i2": 16]),
            ((x / 4) % 3 * 16 + x % 4, ["i0": 2, "i1": 3, "i2": 12]),
            (IndexExpr.clamped(i2 + .constant(-5), 6) / 2 * 7 + (i1 * 5 + i2 + .constant(3)) % 6, ["i1": 4, "i2": 11]),
            ((i0 * 6 + i1 * 2 + .constant(-1)) / 4, ["i0": 3, "i1": 3]),
        ]
        for (e, ranges) in cases {
            let s = e.simplified(ranges: ranges)
            let bad = LoweringTests.assignments(ranges).first { s.evaluate($0) != e.evaluate($0) }
            #expect(bad == nil, "\(e) simplified to \(s) differs at \(bad ?? [:])")
        }
    }

    @Test func columnReductionsMatchEager() {
        // the kept last dim innermost: one column sum, with and without a kept dim in front,
        // small (one thread) and big enough to split across the pool
        CompileTests.compare("sum over rows", [[33, 40]]) { x in [x[0].sum(dim: 0, keepdim: true)] }
        CompileTests.compare("sum over two leading dims, split", [[8, 256, 40]]) { x in [(x[0] * 2 + 1).sum(dims: [0, 1], keepdim: true)] }
        CompileTests.compare("max over the middle dim", [[6, 20, 12]]) { x in [x[0].max(dim: 1, keepdim: true)] }
        CompileTests.compare("sum over dims 0 and 2", [[4, 5, 6, 7]]) { x in [x[0].exp().sum(dims: [0, 2], keepdim: true)] }
        CompileTests.compare("sum over the batch, split", [[64, 16, 80]]) { x in [x[0].sum(dim: 0, keepdim: true) + 1] }
    }

    @Test func rowMaxInLanesMatchesEager() {
        // rows of 16k floats (k >= 2) take their max in 16 lanes: softmax's max over 256 keys
        CompileTests.compare("max over rows of 48", [[5, 48]]) { x in [x[0].max(dim: 1, keepdim: true)] }
        CompileTests.compare("softmax over rows of 256, split", [[4, 64, 256]]) { x in [softmax(x[0], dim: -1)] }
        // -inf (a masked score) and a row all -inf but one
        var values = (0..<(3 * 32)).map { Float($0 % 7) - 3 }
        for j in 0..<32 where j != 17 { values[32 + j] = -.infinity }
        values[5] = -.infinity
        let x = Tensor(values, shape: [3, 32])
        let f: ([Tensor]) -> [Tensor] = { t in [t[0].max(dim: 1, keepdim: true) * 2] }
        let expected = withNoGrad { f([x]) }[0].toArray()
        CompileTests.close(withNoGrad { pt2.compile(f)([x]) }[0].toArray(), expected, "rows with -inf")
        #expect(expected == [6, (Float((32 + 17) % 7) - 3) * 2, 6], "the hand-computed maxima, doubled")
    }

    @Test func batchedProductsMatchEager() {
        CompileTests.compare("batched matmul", [[3, 4, 16, 8], [3, 4, 8, 5]]) { x in [x[0].matmul(x[1])] }
        CompileTests.compare("batched matmul of permuted operands", [[4, 16, 3, 8], [4, 5, 3, 8]]) { x in
            [x[0].permute([0, 2, 1, 3]).matmul(x[1].permute([0, 2, 3, 1]))]
        }
    }

    @Test func selectsInLongLoopsMatchEager() {
        // rows of 16 and more vectorize with GCC's if-conversion on; rows of 7 compile without it
        CompileTests.compare("where over rows of 40", [[3, 40], [3, 40]]) { x in [Tensor.where(x[0].gt(0), x[0], x[1])] }
        CompileTests.compare("where over rows of 19 and 7", [[2, 19], [5, 7]]) { x in
            [Tensor.where(x[0].lt(0.5), x[0] * 2, x[0]), Tensor.where(x[1].gt(0), x[1], -x[1])]
        }
    }

    @Test func writesInPlaceMatchEager() {
        // an optimizer's shape: the moment written from itself and the gradient, the weight
        // from itself and the new moment, both in place
        var g = Generator(seed: 3)
        let w0 = Tensor.randn([64, 48], generator: &g), m0 = Tensor.randn([64, 48], generator: &g)
        let grads = (0..<3).map { _ in Tensor.randn([64, 48], generator: &g) }
        func run(_ step: ([Tensor]) -> [Tensor]) -> ([Float], [Float]) {
            let w = w0.contiguous() + 0, m = m0.contiguous() + 0
            for grad in grads { _ = withNoGrad { step([w, m, grad]) } }
            return (w.toArray(), m.toArray())
        }
        let f: ([Tensor]) -> [Tensor] = { t in
            let m = t[1] * 0.9 + t[2] * 0.1
            t[1].assign(m)
            t[0].assign(t[0] * 0.99 - m * 0.01)
            return []
        }
        let eager = run(f)
        let compiled = run(pt2.compile(f))
        CompileTests.close(compiled.0, eager.0, "weights after three steps")
        CompileTests.close(compiled.1, eager.1, "moments after three steps")
        // a write whose target is read after it (here by the output) still sees the old value there
        let h: ([Tensor]) -> [Tensor] = { t in
            let old = t[0] * 1
            t[0].assign(t[0] + t[1])
            return [old * 3]
        }
        let a = Tensor.randn([40, 40], generator: &g), b = Tensor.randn([40, 40], generator: &g)
        let (a1, a2) = (a.contiguous() + 0, a.contiguous() + 0)
        let e = withNoGrad { h([a1, b]) }[0].toArray()
        let c = withNoGrad { pt2.compile(h)([a2, b]) }[0].toArray()
        CompileTests.close(c, e, "the output read before the write")
        CompileTests.close(a2.toArray(), a1.toArray(), "the write")
    }
}

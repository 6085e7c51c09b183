import Testing
import pt2

/// The causal band (Bands.swift): a constant mask of -inf above the diagonal makes that half of
/// the scores dead and that half of the probabilities and of their gradients known zeros, so
/// the compiled attention's products call brrr's banded SGEMM (tested against brrr_sgemm in
/// brrr's GEMMTests). Values and gradients are checked against eager.
@Suite("pt2 causal band")
struct BandTests {
    /// How many of the program's products call the banded SGEMM.
    static func banded(_ p: CompiledProgram) -> Int { p.source.components(separatedBy: "rt->sgemm_band(").count - 1 }

    @Test func causalAttentionSkipsTheMaskedHalf() {
        let attention = CausalSelfAttention(dim: 32, nHeads: 4)
        let block: ([Tensor]) -> [Tensor] = { x in [x[0] + attention(x[0])] }
        let j = CompiledFunction { [block($0)[0].sum()] }.joint(for: [Tensor.zeros([2, 64, 32])])
        // forward: the scores q k^T (dead above the diagonal, where -inf is added) and P @ v
        // (P is 0 there); the two projections are full products
        #expect(Self.banded(j.forward!) == 2, "\(j.forward!.source)")
        // backward: dP = dO v^T (dead: the softmax's derivative multiplies it by P), dv = P^T dO
        // (P^T is 0 below the diagonal), and the two products with dS (0 where P is)
        #expect(Self.banded(j.backward!) == 4, "\(j.backward!.source)")
        // and the rows of the softmax (forward) and of its gradient dS (backward) stop at the
        // diagonal, rounded up to 16 columns, storing 0 past it
        for (name, p) in [("forward", j.forward!), ("backward", j.backward!)] {
            #expect(p.source.contains("i3 < pt2_min(64, (i2 + 1 + 15) / 16 * 16); i3++)")
                    && p.source.contains("for (int64_t i3 = pt2_min(64, (i2 + 1 + 15) / 16 * 16); i3 < 64; i3++) out["),
                    "\(name): \(p.source)")
        }
        JointTests.compareGradients("causal attention, T = 64", [[2, 64, 32]], params: attention.parameters(), block)
        JointTests.compareGradients("causal attention, T = 37", [[3, 37, 32]], params: attention.parameters(), block)
    }

    /// Scores and probabilities of [2, 3, 40, 40] from q, k, v, with `mask` added to the scores.
    static func attention(_ x: [Tensor], mask: Tensor) -> [Tensor] {
        let p = softmax(x[0].matmul(x[1].transpose(-2, -1)) + mask, dim: -1)
        return [p.matmul(x[2])]
    }

    static let shapes = [[2, 3, 40, 8], [2, 3, 40, 8], [2, 3, 40, 8]]

    @Test func aMaskOffTheDiagonalKeepsItsOffset() {
        // -inf where c - r > 4 (a window past the diagonal): the bands' offset is 4
        var values = [Float](repeating: 0, count: 40 * 40)
        for r in 0..<40 { for c in 0..<40 where c - r > 4 { values[r * 40 + c] = -.infinity } }
        let f: ([Tensor]) -> [Tensor] = { x in Self.attention(x, mask: Tensor(values, shape: [40, 40])) }
        let p = FusionTests.program(Self.shapes, f)
        #expect(Self.banded(p) == 2 && p.source.contains("1, 4);"), "\(p.source)")
        CompileTests.compare("attention, mask past the diagonal", Self.shapes, f)
        JointTests.compareGradients("attention, mask past the diagonal", Self.shapes, f)
        // the other way: -inf where r - c > 4 (each query sees 5 keys back and all later
        // ones); the softmax's rows then start at a multiple of 16 below r - 4
        let lower = (0..<1600).map { $0 / 40 - $0 % 40 > 4 ? -Float.infinity : 0 }
        let g: ([Tensor]) -> [Tensor] = { x in Self.attention(x, mask: Tensor(lower, shape: [40, 40])) }
        let q = FusionTests.program(Self.shapes, g)
        #expect(Self.banded(q) == 2 && q.source.contains("pt2_max(0, (i2 - 4) / 16 * 16)"), "\(q.source)")
        CompileTests.compare("attention, mask below the diagonal", Self.shapes, g)
        JointTests.compareGradients("attention, mask below the diagonal", Self.shapes, g)
    }

    @Test func noBandWithoutOne() {
        // a mask passed in: nothing is known before the program runs
        let input = FusionTests.program(Self.shapes + [[40, 40]]) { x in Self.attention(x, mask: x[3]) }
        #expect(Self.banded(input) == 0, "\(input.source)")
        // a constant that is not a band (-inf scattered)
        var g = Generator(seed: 5)
        let scattered = Tensor.rand([40, 40], generator: &g).toArray().map { $0 < 0.3 ? -Float.infinity : 0 }
        for r in 0..<40 where scattered[r * 40 ..< r * 40 + 40].allSatisfy({ $0 == -.infinity }) { Issue.record("row \(r) all masked") }
        let f: ([Tensor]) -> [Tensor] = { x in Self.attention(x, mask: Tensor(scattered, shape: [40, 40])) }
        #expect(Self.banded(FusionTests.program(Self.shapes, f)) == 0)
        CompileTests.compare("attention, scattered mask", Self.shapes, f)
        // scores that are returned are read everywhere: not dead (P @ v still skips P's zeros);
        // scores + mask returned would be (-inf there, whatever the scores)
        let causal = (0..<1600).map { $0 % 40 > $0 / 40 ? -Float.infinity : 0 }
        let returned: ([Tensor]) -> [Tensor] = { x in
            let s = x[0].matmul(x[1].transpose(-2, -1))
            return [s, softmax(s + Tensor(causal, shape: [40, 40]), dim: -1).matmul(x[2])]
        }
        let p = FusionTests.program(Self.shapes, returned)
        #expect(Self.banded(p) == 1 && !p.source.contains("0, 0, 1, 0);"), "\(p.source)")
        CompileTests.compare("causal attention returning its scores", Self.shapes, returned)
    }
}

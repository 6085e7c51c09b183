import Testing
import pt2

/// The passes on small graphs, by what they must leave: node counts and the ops that remain.
@Suite("pt2 passes")
struct PassTests {
    /// The graph `f` traces to on inputs of `shapes`, before any pass.
    static func trace(_ shapes: [[Int]], _ f: @escaping ([Tensor]) -> [Tensor]) -> CompiledProgram {
        let inputs = shapes.map { Tensor.zeros($0) }
        return CompiledFunction(f).program(for: inputs)
    }

    static func ops(_ g: Graph) -> [String] { g.nodes.map { $0.op.description } }

    @Test func commonSubexpressions() {
        let p = Self.trace([[3, 4]]) { x in [(x[0] * 2).exp() + (x[0] * 2).exp()] }
        let after = eliminateCommonSubexpressions(foldConstants(p.traced))
        // x*2 and its exp computed once: input, full, mul, exp, add (+ the dead duplicates)
        let live = eliminateDeadCode(after)
        #expect(Self.ops(live) == ["input 0", "full(2.0, [3, 4])", "mul", "exp", "add"], "\(live)")
        #expect(live.nodes[4].inputs == [3, 3], "\(live)")
    }

    @Test func deadCode() {
        let p = Self.trace([[2]]) { x in
            _ = x[0].exp().sum()          // never returned
            return [x[0] + 1]
        }
        let live = eliminateDeadCode(p.traced)
        #expect(!Self.ops(live).contains("exp") && !Self.ops(live).contains("sum[0]"), "\(live)")
        #expect(Self.ops(live).contains("add"))
    }

    @Test func constantFolding() {
        // (2 * 3 + 1) is a constant; exp(0) is 1, and x * 1 then simplifies away
        let p = Self.trace([[4]]) { x in
            let seven = Tensor.full([4], 2) * 3 + 1
            return [x[0] * seven + x[0] * Tensor.zeros([4]).exp()]
        }
        let g = p.optimized
        #expect(g.nodes.contains { $0.fullValue == 7 }, "\(g)")
        #expect(!Self.ops(g).contains("exp"), "\(g)")
        #expect(Self.ops(g).filter { $0 == "mul" }.count == 1, "x * 1 is x: \(g)")
        let y = withNoGrad { pt2.compile { (x: Tensor) in x * (Tensor.full([4], 2) * 3 + 1) }(Tensor([1, 2, 3, 4], shape: [4])) }
        #expect(y.toArray() == [7, 14, 21, 28])
    }

    @Test func algebraicSimplification() {
        let p = Self.trace([[3]]) { x in [-(-x[0]) * 1 + 0] }
        #expect(Self.ops(p.optimized) == ["input 0"], "\(p.optimized)")
    }
}

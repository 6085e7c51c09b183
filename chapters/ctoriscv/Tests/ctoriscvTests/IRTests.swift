// The optimizing back end piece by piece, on inputs small enough to derive by hand: the
// passes, liveness, linear scan and the parallel move.
import Testing
@testable import ctoriscv

@Suite("IR, liveness, linear scan")
struct IRTests {
    /// Lowers the one function in `source` (optionally optimized); also returns its variables' vregs.
    func lower(_ source: String, optimize: Bool = true) throws -> (IRFunction, [String: VReg]) {
        var pp = Preprocessor(includePaths: [])
        let program = try Parser(tokens: try pp.run(try tokenize(SourceFile(name: "t.c", text: source)))).parseProgram()
        let fn = program.functions[0]
        let builder = IRBuilder(fn)
        let ir = try builder.lower()
        if optimize { ir.optimize() }
        var names: [String: VReg] = [:]
        for v in fn.locals { if let r = builder.registers[ObjectIdentifier(v)] { names[v.name] = r } }
        return (ir, names)
    }

    @Test("constant folding: x = 3; y = x * 4 + 1 is li 13 (3 * 4 + 1), no arithmetic left")
    func constantFolding() throws {
        let (ir, _) = try lower("int f(void) { int x = 3, y; y = x * 4 + 1; return y; }")
        #expect(ir.description.contains("li 13"), "\(ir.description)")
        #expect(!ir.description.contains("slli") && !ir.description.contains("addi") && !ir.description.contains("mul"), "\(ir.description)")
    }

    @Test("dead-code elimination: an unused product disappears, the call stays")
    func deadCode() throws {
        let (ir, _) = try lower("int g(int); int f(int a) { int unused = a * 3; g(a); return a; }")
        #expect(!ir.description.contains("mul"), "\(ir.description)")
        #expect(ir.description.contains("call g("), "\(ir.description)")
    }

    @Test("copy propagation: x = a + b writes x directly (no mv)")
    func copies() throws {
        let (ir, names) = try lower("int f(int a, int b) { int x; x = a + b; return x; }")
        #expect(!ir.description.contains(" mv "), "\(ir.description)")
        #expect(ir.description.contains("v\(names["x"]!) = add v\(names["a"]!), v\(names["b"]!)"), "\(ir.description)")
    }

    @Test("liveness of a loop: a, n, s, i are live at the test; only s after it")
    func liveness() throws {
        // for (i = 0; i < n; i++) s += a;  -- the test block reads i and n, and the loop body
        // (reached from it) reads a and s, so all four are live into the test; the exit reads s.
        let (ir, v) = try lower("int f(int a, int n) { int s = 0, i; for (i = 0; i < n; i++) s += a; return s; }")
        let live = Liveness(ir)
        let test = ir.layout.first { if case .branch = ir.blocks[$0].terminator { return true }; return false }!
        #expect(live.liveIn[test] == [v["a"]!, v["n"]!, v["s"]!, v["i"]!], "\(ir.description)")
        guard case .branch(_, _, _, _, let exit) = ir.blocks[test].terminator else { return }
        #expect(live.liveIn[exit] == [v["s"]!])
        #expect(live.liveIn[ir.layout[0]] == [v["a"]!, v["n"]!])
    }

    @Test("linear scan: an interval across a call gets an s register, the others t registers")
    func linearScanClasses() {
        // v2 [0, 20] and v4 [5, 9] cross the call at 6; v3 [2, 4] and v5 [11, 13] do not
        let ivs = [LiveInterval(vreg: 2, start: 0, end: 20), LiveInterval(vreg: 3, start: 2, end: 4),
                   LiveInterval(vreg: 4, start: 5, end: 9), LiveInterval(vreg: 5, start: 11, end: 13)]
        let a = linearScan(ivs, calls: [6])
        #expect(a.location[2] == .register("s1"))
        #expect(a.location[3] == .register("t0"))
        #expect(a.location[4] == .register("s2"))
        #expect(a.location[5] == .register("t1"))          // t0 came back to the end of the free list
        #expect(a.calleeSaved == ["s1", "s2"])
        #expect(a.spillSlots == 0)
    }

    @Test("linear scan: with 24 registers, the 25th overlapping interval spills the one that ends last")
    func linearScanSpills() {
        // intervals k = 0...24 all start at k and end at 100 + k: the last to end is number 24
        // itself, so it is the one spilled; everything else keeps a register.
        let ivs = (0..<25).map { LiveInterval(vreg: 2 + $0, start: $0, end: 100 + $0) }
        let a = linearScan(ivs, calls: [])
        #expect(a.location[26] == .spill(0))
        #expect((2..<26).allSatisfy { if case .register = a.location[$0] { return true }; return false })
        // a shorter newcomer steals the register of the active interval that ends last (vreg 25)
        let b = linearScan(Array(ivs.dropLast()) + [LiveInterval(vreg: 26, start: 24, end: 30)], calls: [])
        #expect(b.location[25] == .spill(0))
        #expect(b.location[26] == a.location[25])
    }

    @Test("the parallel move swaps a0 and a1 through t5, and any permutation comes out right")
    func parallelMoves() {
        var e = IREmitter(IRFunction(name: "t"), Allocation(), Liveness(IRFunction(name: "t")), id: 0)
        e.parallelMove([("a0", "a1"), ("a1", "a0")])
        #expect(e.out == ["  mv t5, a1", "  mv a1, a0", "  mv a0, t5"])
        var rng = SplitMix64(state: 5)
        let regs = (0..<6).map { "a\($0)" }
        for _ in 0..<200 {
            // random targets, each with a random source (sources may repeat: fan-out)
            let moves = regs.shuffled(using: &rng).prefix(Int(rng.next() % 6) + 1).map { ($0, regs[Int(rng.next() % 6)]) }
            var m = IREmitter(IRFunction(name: "t"), Allocation(), Liveness(IRFunction(name: "t")), id: 0)
            m.parallelMove(moves.map { (dst: $0.0, src: $0.1) })
            var file = Dictionary(uniqueKeysWithValues: (regs + ["t5"]).map { ($0, $0) })   // each register holds its own name
            for line in m.out {
                let parts = line.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
                file[parts[1]] = file[parts[2]]
            }
            for (dst, src) in moves { #expect(file[dst] == src, "\(moves): \(m.out)") }
            for r in regs where !moves.contains(where: { $0.0 == r }) { #expect(file[r] == r) }
        }
    }
    @Test("a call with ten argument words: words 8 and 9 at 0(sp) and 4(sp), the saved s registers above them")
    func stackArguments() throws {
        let (f, names) = try lower("""
        int g(int a, int b, int c, int d, int e, int f, int h, int i, int j, int k);
        int t(int x) { int y = x + 1; return g(x, x, x, x, x, x, x, x, y, x) + y; }
        """)
        let live = Liveness(f)
        let (intervals, calls) = liveIntervals(f, live)
        let a = linearScan(intervals, calls: calls, hints: registerHints(f))
        var e = IREmitter(f, a, live, id: 0)
        let asm = try e.emit()
        #expect(e.outgoingWords == 2 && a.calleeSaved == ["s1"] && a.location[names["y"]!] == .register("s1"))
        #expect(e.frameLayout.map(\.what) == ["ra", "saved s1", "argument word 9", "argument word 8"])
        #expect(e.frameLayout.map(\.offset) == [12, 8, 4, 0] && e.frameSize == 16)
        #expect(asm.contains("  sw s1, 8(sp)") && asm.contains("  sw s1, 0(sp)") && asm.contains("  sw a0, 4(sp)"))
        #expect(try run(source: "int printf(const char *f, ...);\nint main() { printf(\"%d %d %d %d %d %d %d %d %d %d\\n\", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10); return 0; }\n").output == "1 2 3 4 5 6 7 8 9 10\n")
    }
}

// The passes a teaching compiler shows, run on the IR before register allocation.
//
//  - CFG clean-up: a branch to an empty block that only jumps is sent straight on, and blocks
//    that nothing reaches from the entry (code after `return`, `break`) are dropped.
//  - Constant folding: a vreg defined once, by `li`, is a constant. An operation on constants
//    becomes `li`; a constant operand that fits 12 bits moves into the instruction's immediate
//    (`add v, c` -> `addi`), and a branch on two constants becomes a jump.
//  - Copy propagation: `t = a op b; mv x, t`, with t read only there and x untouched between,
//    becomes `x = a op b` (the move disappears: this is what C assignment produces).
//  - Dead-code elimination: with liveness, an instruction without side effects whose result
//    is dead is deleted; repeated, since deleting one use can kill another value.
// Each pass only ever makes the function smaller; `optimize` runs them to a fixed point.

extension IRFunction {
    func optimize() {
        var size = Int.max
        while true {
            cleanCFG()
            foldConstants()
            propagateCopies()
            eliminateDeadCode()
            let n = layout.reduce(0) { $0 + blocks[$1].instructions.count + 1 }
            if n >= size { return }
            size = n
        }
    }

    func cleanCFG() {
        func target(_ b: Int) -> Int {
            var b = b, hops = 0
            while blocks[b].instructions.isEmpty, case .jump(let next) = blocks[b].terminator, next != b, hops < 64 { b = next; hops += 1 }
            return b
        }
        for b in layout {
            switch blocks[b].terminator {
            case .jump(let t): blocks[b].terminator = .jump(target(t))
            case .branch(let c, let x, let y, let t, let e):
                let (t2, e2) = (target(t), target(e))
                blocks[b].terminator = t2 == e2 ? .jump(t2) : .branch(c, x, y, t2, e2)
            case .ret: break
            }
        }
        var reached: Set<Int> = [layout[0]], work = [layout[0]]
        while let b = work.popLast() {
            for s in blocks[b].terminator.successors where !reached.contains(s) { reached.insert(s); work.append(s) }
        }
        layout = layout.filter { reached.contains($0) }
        layout += reached.subtracting(layout).sorted()      // (never: every target block is started)
    }

    /// How many times each vreg is written.
    func definitionCounts() -> [Int] {
        var defs = [Int](repeating: 0, count: vregCount)
        for p in parameters { if let p { defs[p] += 1 } }
        for b in layout { for i in blocks[b].instructions { if let d = i.dst { defs[d] += 1 } } }
        return defs
    }

    func foldConstants() {
        let defs = definitionCounts()
        var known: [VReg: Int32] = [0: 0]
        for b in layout { for i in blocks[b].instructions { if case .li(let c) = i.op, let d = i.dst, defs[d] == 1 { known[d] = c } } }
        for b in layout {
            for k in blocks[b].instructions.indices {
                var i = blocks[b].instructions[k]
                i.srcs = i.srcs.map { known[$0] == 0 ? 0 : $0 }            // a known zero is the zero register
                let c = i.srcs.map { known[$0] }
                switch i.op {
                case .binary(let m):
                    if let x = c[0], let y = c[1], let v = fold(m, x, y) { i.op = .li(v); i.srcs = [] }
                    else if let y = c[1], let imm = immediateForm(m, y) { i.op = .binaryImm(imm, m == "sub" ? 0 &- y : y); i.srcs = [i.srcs[0]] }
                    else if let x = c[0], ["add", "and", "or", "xor"].contains(m), let imm = immediateForm(m, x) {
                        i.op = .binaryImm(imm, x); i.srcs = [i.srcs[1]]
                    }
                case .binaryImm(let m, let y):
                    if let x = c[0], let v = fold(m == "sltiu" ? "sltu" : String(m.dropLast()), x, y) { i.op = .li(v); i.srcs = [] }
                case .unary(let m):
                    if let x = c[0] { i.op = .li(m == "neg" ? 0 &- x : m == "not" ? ~x : (x == 0) == (m == "seqz") ? 1 : 0); i.srcs = [] }
                case .mv: if let x = c[0], i.srcs[0] != 0 { i.op = .li(x); i.srcs = [] }
                default: break
                }
                blocks[b].instructions[k] = i
            }
            if case .branch(let m, let x, let y, let t, let e) = blocks[b].terminator, let p = known[x], let q = known[y] {
                let (up, uq) = (UInt32(bitPattern: p), UInt32(bitPattern: q))
                let taken = ["eq": p == q, "ne": p != q, "lt": p < q, "ge": p >= q, "ltu": up < uq, "geu": up >= uq][m]!
                blocks[b].terminator = .jump(taken ? t : e)
            }
        }
    }

    /// `x op y` on constants as RV32 computes it (division never traps: x / 0 is -1, x % 0 is x,
    /// INT_MIN / -1 is INT_MIN).
    func fold(_ m: String, _ x: Int32, _ y: Int32) -> Int32? {
        let (ux, uy) = (UInt32(bitPattern: x), UInt32(bitPattern: y))
        let ring: [String: (Int32, Int32) -> Int32] = ["add": (&+), "sub": (&-), "mul": (&*), "and": (&), "or": (|), "xor": (^)]
        if let f = ring[m] { return f(x, y) }
        switch m {
        case "div": return y == 0 ? -1 : x.dividedReportingOverflow(by: y).partialValue
        case "rem": return y == 0 ? x : x.remainderReportingOverflow(dividingBy: y).partialValue
        case "divu": return y == 0 ? -1 : Int32(bitPattern: ux / uy)
        case "remu": return y == 0 ? x : Int32(bitPattern: ux % uy)
        case "sll": return x << (y & 31)
        case "sra": return x >> (y & 31)
        case "srl": return Int32(bitPattern: ux >> (uy & 31))
        case "slt": return x < y ? 1 : 0
        case "sltu": return ux < uy ? 1 : 0
        default: return nil
        }
    }

    /// The immediate form of `m` when constant `y` fits it.
    func immediateForm(_ m: String, _ y: Int32) -> String? {
        let fits = y >= -2048 && y < 2048
        switch m {
        case "add", "and", "or", "xor", "slt": return fits ? (m == "add" ? "addi" : m + "i") : nil
        case "sltu": return fits ? "sltiu" : nil
        case "sub": return y > -2048 && y <= 2048 ? "addi" : nil
        case "sll", "srl", "sra": return y >= 0 && y < 32 ? m + "i" : nil
        default: return nil
        }
    }

    func propagateCopies() {
        var uses = [Int](repeating: 0, count: vregCount)
        for b in layout {
            for i in blocks[b].instructions { for s in i.srcs { uses[s] += 1 } }
            for s in blocks[b].terminator.uses { uses[s] += 1 }
        }
        let defs = definitionCounts()
        for b in layout {
            var ins = blocks[b].instructions
            var k = 0
            while k < ins.count {
                defer { k += 1 }
                guard case .mv = ins[k].op, let x = ins[k].dst, let t = ins[k].srcs.first, t > 1, defs[t] == 1, uses[t] == 1,
                      let j = ins[..<k].lastIndex(where: { $0.dst == t }) else { continue }
                if ins[(j + 1)..<k].contains(where: { $0.dst == x || $0.srcs.contains(x) }) { continue }
                ins[j].dst = x
                ins.remove(at: k)
                k -= 1
            }
            blocks[b].instructions = ins
        }
    }

    func eliminateDeadCode() {
        while true {
            let live = Liveness(self)
            var removed = false
            for b in layout {
                var alive = live.liveOut[b]
                for s in blocks[b].terminator.uses { alive.insert(s) }
                var kept: [IRInstruction] = []
                for var i in blocks[b].instructions.reversed() {
                    if let d = i.dst, !alive.contains(d) {
                        if i.isPure { removed = true; continue }
                        i.dst = nil                         // a call whose result nobody reads
                    }
                    if let d = i.dst { alive.remove(d) }
                    for s in i.srcs { alive.insert(s) }
                    kept.append(i)
                }
                blocks[b].instructions = kept.reversed()
            }
            if !removed { return }
        }
    }
}

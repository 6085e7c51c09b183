// From allocated IR to assembly: name the registers, add the frame, the calls' moves.
//
// Frame of an IR function (sp stays put in the body: there are no pushes):
//   s0-4, s0-8       ra (only when the function calls) and the caller's s0
//   below            memory locals and parameters, at negative offsets from s0 (only when
//                    there are any; otherwise s0 is not touched)
//   then             the s registers the allocator used, then the spill slots
//   sp+0 ...         the outgoing argument words 8, 9, ... of the call with the most words
//                    (the callee's s0+0 ...); `frameLayout` lists it all, slot by slot
// A spilled operand is loaded into t5 or t6 just before its instruction, a spilled result is
// computed in t5 and stored just after. Arguments go to a0-a7 as one parallel move: a move
// whose target no other pending move still reads goes first; when only cycles remain, one
// source is parked in t5. A block falls through to the next one in the layout, so a branch
// needs one instruction (its condition inverted when the taken block is the next one).

extension CodeGenerator {
    /// Lowers, optimizes, allocates and emits `fn`; throws `Unsupported` for the stack machine.
    func emitIRFunction(_ fn: Function) throws -> [String] {
        let f = try IRBuilder(fn).lower()
        f.optimize()
        let live = Liveness(f)
        let (intervals, calls) = liveIntervals(f, live)
        let a = linearScan(intervals, calls: calls, hints: registerHints(f))
        counter += 1
        var emitter = IREmitter(f, a, live, id: counter)
        return try emitter.emit()
    }
}

struct IREmitter {
    let f: IRFunction
    let a: Allocation
    let live: Liveness
    let prefix: String
    var out: [String] = []
    let frameSize: Int, usesFramePointer: Bool, savesRA: Bool
    /// Words of the outgoing argument area at 0(sp): the most stack words any call passes.
    let outgoingWords: Int

    init(_ f: IRFunction, _ a: Allocation, _ live: Liveness, id: Int) {
        self.f = f; self.a = a; self.live = live; prefix = ".L.ir.\(id)."
        usesFramePointer = f.localBytes > 0
        savesRA = a.hasCalls
        var most = 0
        for b in f.layout {
            for i in f.blocks[b].instructions { if case .call(let name) = i.op { most = max(most, i.srcs.count - (name == nil ? 1 : 0) - 8) } }
        }
        outgoingWords = most
        let top = usesFramePointer ? 8 : savesRA ? 4 : 0
        frameSize = (top + f.localBytes + 4 * (outgoingWords + a.calleeSaved.count + a.spillSlots) + 15) / 16 * 16
    }

    mutating func emit(_ s: String) { out.append("  " + s) }
    /// Where the prologue saves the k-th callee-saved register, and where spill slot k is (sp offsets).
    func savedAt(_ k: Int) -> Int { 4 * (outgoingWords + k) }
    func slot(_ k: Int) -> Int { 4 * (outgoingWords + a.calleeSaved.count + k) }

    /// The frame, slot by slot, highest address first: (sp offset, bytes, what is there).
    /// The prologue, the epilogue and every spill and stack argument use these same offsets.
    var frameLayout: [(offset: Int, bytes: Int, what: String)] {
        var slots: [(offset: Int, bytes: Int, what: String)] = []
        if savesRA { slots.append((frameSize - 4, 4, "ra")) }
        if usesFramePointer { slots.append((frameSize - 8, 4, "caller's s0")) }
        if f.localBytes > 0 { slots.append((frameSize - 8 - f.localBytes, f.localBytes, "locals in memory")) }
        for k in stride(from: a.spillSlots - 1, through: 0, by: -1) { slots.append((slot(k), 4, "spill slot \(k)")) }
        for (k, r) in a.calleeSaved.enumerated().reversed() { slots.append((savedAt(k), 4, "saved \(r)")) }
        for w in stride(from: outgoingWords - 1, through: 0, by: -1) { slots.append((4 * w, 4, "argument word \(8 + w)")) }
        return slots
    }

    /// The register holding `v` for reading; a spilled vreg is loaded into `scratch` first.
    mutating func use(_ v: VReg, _ scratch: String) -> String {
        if v == 0 { return "zero" }
        if v == 1 { return "s0" }
        switch a.location[v] {
        case .register(let r)?: return r
        case .spill(let k)?: emit("lw \(scratch), \(slot(k))(sp)"); return scratch
        case nil: return "zero"                 // never written (a read of an uninitialized variable)
        }
    }
    func target(_ v: VReg) -> String { if case .register(let r)? = a.location[v] { return r }; return "t5" }
    mutating func finish(_ v: VReg) { if case .spill(let k)? = a.location[v] { emit("sw t5, \(slot(k))(sp)") } }

    /// base + offset as a register and a 12-bit offset (t6 holds a large sum).
    mutating func offset(_ base: String, _ off: Int) -> (String, Int) {
        if off >= -2048 && off < 2048 { return (base, off) }
        emit("li t6, \(off)"); emit("add t6, \(base), t6")
        return ("t6", 0)
    }

    mutating func emit() throws -> [String] {
        if 4 * (outgoingWords + a.calleeSaved.count + a.spillSlots) >= 2048 { throw Unsupported() }
        out.append("")
        emit(".text")
        if !f.isStatic { emit(".globl \(f.name)") }
        emit(".p2align 2")
        out.append(f.name + ":")
        prologue()
        for (k, b) in f.layout.enumerated() {
            out.append(prefix + "\(b):")
            for i in f.blocks[b].instructions { instruction(i) }
            terminator(f.blocks[b].terminator, next: k + 1 < f.layout.count ? f.layout[k + 1] : nil)
        }
        out.append(prefix + "return:")
        epilogue()
        return out
    }

    mutating func prologue() {
        guard frameSize > 0 else { return parameters() }
        if frameSize <= 2048 { emit("addi sp, sp, -\(frameSize)") } else { emit("li t5, \(frameSize)"); emit("sub sp, sp, t5") }
        let (top, off) = offset("sp", frameSize)
        if savesRA { emit("sw ra, \(off - 4)(\(top))") }
        if usesFramePointer { emit("sw s0, \(off - 8)(\(top))"); emit("addi s0, \(top), \(off)") }
        for (k, r) in a.calleeSaved.enumerated() { emit("sw \(r), \(savedAt(k))(sp)") }
        for p in f.memoryParameters {
            let (base, o) = offset("s0", p.offset)
            emit("\(p.store) a\(p.word), \(o)(\(base))")
        }
        parameters()
    }

    /// Parameters arrive in a0-a7; each live one moves to where the allocator put it.
    mutating func parameters() {
        let entry = f.layout[0]
        var moves: [(dst: String, src: String)] = []
        for (w, p) in f.parameters.enumerated() {
            guard let p, live.liveIn[entry].contains(p) else { continue }
            switch a.location[p] {
            case .register(let r)?: moves.append((r, "a\(w)"))
            case .spill(let k)?: emit("sw a\(w), \(slot(k))(sp)")
            case nil: break
            }
        }
        parallelMove(moves)
    }

    mutating func parallelMove(_ moves: [(dst: String, src: String)]) {
        // BEGIN SOLUTION ctoriscv.19: sequentialize the parallel move: emit a move whose target no pending move reads; break a cycle through t5
        var pending = moves.filter { $0.dst != $0.src }
        while !pending.isEmpty {
            if let k = pending.firstIndex(where: { m in !pending.contains { $0.src == m.dst } }) {
                emit("mv \(pending[k].dst), \(pending[k].src)")
                pending.remove(at: k)
            } else {
                let s = pending[0].src
                emit("mv t5, \(s)")
                for j in pending.indices where pending[j].src == s { pending[j].src = "t5" }
            }
        }
        // END SOLUTION ctoriscv.19
    }

    mutating func epilogue() {
        guard frameSize > 0 else { emit("ret"); return }
        for (k, r) in a.calleeSaved.enumerated() { emit("lw \(r), \(savedAt(k))(sp)") }
        let (top, off) = offset("sp", frameSize)
        if savesRA { emit("lw ra, \(off - 4)(\(top))") }
        if usesFramePointer { emit("lw s0, \(off - 8)(\(top))") }
        if top == "sp" { emit("addi sp, sp, \(frameSize)") } else { emit("mv sp, \(top)") }
        emit("ret")
    }

    mutating func instruction(_ i: IRInstruction) {
        let d = i.dst.map { target($0) } ?? "zero"
        switch i.op {
        case .li(let c): emit("li \(d), \(c)")
        case .la(let s): emit("la \(d), \(s)")
        case .mv:
            let s = use(i.srcs[0], "t5")
            if s != d { emit("mv \(d), \(s)") }
        case .binary(let m):
            let x = use(i.srcs[0], "t5"), y = use(i.srcs[1], "t6")
            emit("\(m) \(d), \(x), \(y)")
        case .binaryImm(let m, let c): emit("\(m) \(d), \(use(i.srcs[0], "t5")), \(c)")
        case .unary(let m): emit("\(m) \(d), \(use(i.srcs[0], "t5"))")
        case .load(let m, let o): emit("\(m) \(d), \(o)(\(use(i.srcs[0], "t5")))")
        case .store(let m, let o):
            let v = use(i.srcs[0], "t5"), b = use(i.srcs[1], "t6")
            emit("\(m) \(v), \(o)(\(b))")
        case .call(let name):
            var args = i.srcs[...]
            if name == nil { let c = use(args.removeFirst(), "t6"); if c != "t6" { emit("mv t6, \(c)") } }
            var moves: [(dst: String, src: String)] = [], loads: [(String, Int)] = []
            // words 8, 9, ... go to the outgoing area first, before the moves overwrite a0-a7
            for (w, v) in args.enumerated() where w >= 8 { emit("sw \(use(v, "t5")), \(4 * (w - 8))(sp)") }
            for (w, v) in args.enumerated() where w < 8 {
                if case .spill(let k)? = a.location[v] { loads.append(("a\(w)", slot(k))) }
                else { moves.append(("a\(w)", use(v, "t5"))) }
            }
            parallelMove(moves)
            for (r, o) in loads { emit("lw \(r), \(o)(sp)") }
            emit(name.map { "call \($0)" } ?? "jalr t6")
            if i.dst != nil && d != "a0" { emit("mv \(d), a0") }
        }
        if let v = i.dst { finish(v) }
    }

    static let inverse = ["eq": "ne", "ne": "eq", "lt": "ge", "ge": "lt", "ltu": "geu", "geu": "ltu"]

    mutating func terminator(_ t: Terminator, next: Int?) {
        switch t {
        case .jump(let b): if b != next { emit("j \(prefix)\(b)") }
        case .branch(let c, let x, let y, let yes, let no):
            let p = use(x, "t5"), q = use(y, "t6")
            if no == next { emit("b\(c) \(p), \(q), \(prefix)\(yes)") }
            else if yes == next { emit("b\(IREmitter.inverse[c]!) \(p), \(q), \(prefix)\(no)") }
            else { emit("b\(c) \(p), \(q), \(prefix)\(yes)"); emit("j \(prefix)\(no)") }
        case .ret(let v):
            if let v { let r = use(v, "a0"); if r != "a0" { emit("mv a0, \(r)") } }
            if next != nil { emit("j \(prefix)return") }
        }
    }
}

// The IR between the AST and assembly: virtual registers, basic blocks, a control-flow graph.
//
// The same ideas as pt2's graph IR, on scalars. A function is a list of basic blocks; a block
// is straight-line instructions and one terminator (jump, two-way branch, return), so its
// successors are explicit and the blocks form a CFG. Every value is a 32-bit virtual register
// (`VReg`), as many as needed. Virtual registers are not SSA: a C variable that lives in a
// register is one vreg, assigned wherever the C assigns it; the temporaries that expressions
// make are defined exactly once. Two vregs are fixed: 0 is the zero register and 1 the frame
// pointer s0. Instructions are RISC-V instructions with vregs for registers, so emitting
// assembly (IREmit.swift) is a matter of naming the registers the allocator chose.

/// A virtual register: 0 is `zero`, 1 is the frame pointer `s0`, the rest are the allocator's.
typealias VReg = Int

/// One IR instruction: `dst = op(srcs)`.
struct IRInstruction {
    enum Op {
        case li(Int32)                     // dst = constant
        case la(String)                    // dst = address of a symbol
        case mv                            // dst = srcs[0]
        case binary(String)                // dst = srcs[0] op srcs[1]: add sub mul div divu rem remu and or xor sll srl sra slt sltu
        case binaryImm(String, Int32)      // dst = srcs[0] op constant: addi andi ori xori slli srli srai slti sltiu
        case unary(String)                 // dst = op srcs[0]: neg not seqz snez
        case load(String, Int32)           // dst = memory[srcs[0] + offset]: lb lbu lh lhu lw
        case store(String, Int32)          // memory[srcs[1] + offset] = srcs[0]: sb sh sw
        case call(String?)                 // dst = f(srcs) (a0-a7), or through srcs[0] when no name
    }
    var op: Op
    var dst: VReg?
    var srcs: [VReg]

    /// Removable when its result is unused: everything but stores and calls.
    var isPure: Bool {
        switch op { case .store, .call: return false; default: return true }
    }
}

/// How a block ends.
enum Terminator {
    case jump(Int)
    /// `b<cond> a, b` to the first block, else to the second (cond: eq ne lt ge ltu geu).
    case branch(String, VReg, VReg, Int, Int)
    case ret(VReg?)

    var successors: [Int] {
        switch self {
        case .jump(let b): return [b]
        case .branch(_, _, _, let t, let f): return [t, f]
        case .ret: return []
        }
    }
    var uses: [VReg] {
        switch self {
        case .branch(_, let a, let b, _, _): return [a, b]
        case .ret(let v?): return [v]
        default: return []
        }
    }
}

/// A basic block: its id is its index in `IRFunction.blocks`.
struct IRBlock {
    var instructions: [IRInstruction] = []
    var terminator: Terminator = .ret(nil)
}

/// A function in IR form, and what the emitter needs to know about its frame.
final class IRFunction {
    let name: String
    var blocks: [IRBlock] = []
    /// The blocks in the order they are laid out in memory (branches fall through to the next).
    var layout: [Int] = []
    var vregCount = 2
    /// For each parameter word (a0, a1, ...): the vreg it arrives in, or nil if it lives in memory.
    var parameters: [VReg?] = []
    /// Parameters that live in memory: (argument word, frame offset, store mnemonic).
    var memoryParameters: [(word: Int, offset: Int, store: String)] = []
    /// Bytes of memory locals below the saved ra and s0.
    var localBytes = 0
    var isStatic = false

    init(name: String) { self.name = name }

    func newVReg() -> VReg { vregCount += 1; return vregCount - 1 }

    /// The IR as text, one instruction a line (for tests and `ctoriscv --ir`).
    var description: String {
        func r(_ v: VReg) -> String { v == 0 ? "zero" : v == 1 ? "fp" : "v\(v)" }
        var s = "function \(name)(\(parameters.map { $0.map(r) ?? "mem" }.joined(separator: ", ")))\n"
        for b in layout {
            s += "b\(b):\n"
            for i in blocks[b].instructions {
                let a = i.srcs.map(r)
                let text: String
                switch i.op {
                case .li(let c): text = "li \(c)"
                case .la(let l): text = "la \(l)"
                case .mv: text = "mv \(a[0])"
                case .binary(let m): text = "\(m) \(a[0]), \(a[1])"
                case .binaryImm(let m, let c): text = "\(m) \(a[0]), \(c)"
                case .unary(let m): text = "\(m) \(a[0])"
                case .load(let m, let o): text = "\(m) \(o)(\(a[0]))"
                case .store(let m, let o): text = "\(m) \(a[0]), \(o)(\(a[1]))"
                case .call(let f): text = "call \(f ?? "*" + a[0])(\(a.dropFirst(f == nil ? 1 : 0).joined(separator: ", ")))"
                }
                s += "  " + (i.dst.map { r($0) + " = " } ?? "") + text + "\n"
            }
            switch blocks[b].terminator {
            case .jump(let t): s += "  jump b\(t)\n"
            case .branch(let c, let x, let y, let t, let e): s += "  b\(c) \(r(x)), \(r(y)) ? b\(t) : b\(e)\n"
            case .ret(let v): s += "  ret" + (v.map { " " + r($0) } ?? "") + "\n"
            }
        }
        return s
    }
}

// long long on a 32-bit machine: each value is a register pair, low word first.
// Addition carries by hand (sltu), multiplication builds the high word from mulhu,
// division calls the runtime's __divdi3 family, shifts pick between two cases.

extension CodeGenerator {
    /// (a0:a1) = (a0:a1) op (a2:a3); shifts take the amount in a2; comparisons leave 0/1 in a0.
    func emitBinary64(_ n: Node) throws {
        // BEGIN SOLUTION ctoriscv.11: emit long long arithmetic on register pairs (carry, mulhu, shifts, compares)
        let unsigned = n.lhs!.type.isUnsigned
        switch n.kind {
        case .add:
            emit("add t0, a0, a2"); emit("sltu t1, t0, a0")
            emit("add a1, a1, a3"); emit("add a1, a1, t1"); emit("mv a0, t0")
        case .sub:
            emit("sltu t1, a0, a2"); emit("sub a0, a0, a2")
            emit("sub a1, a1, a3"); emit("sub a1, a1, t1")
        case .mul:
            emit("mul t0, a0, a3"); emit("mul t1, a1, a2"); emit("add t0, t0, t1")
            emit("mulhu t1, a0, a2"); emit("add a1, t0, t1"); emit("mul a0, a0, a2")
        case .div, .mod:
            let helper = (n.kind == .div ? "div" : "mod") + "di3"
            let pad = (16 - depth % 16) % 16
            if pad > 0 { emit("addi sp, sp, -\(pad)") }
            emit("call __\(unsigned ? "u" : "")\(helper)")
            if pad > 0 { emit("addi sp, sp, \(pad)") }
        case .bitAnd: emit("and a0, a0, a2"); emit("and a1, a1, a3")
        case .bitOr: emit("or a0, a0, a2"); emit("or a1, a1, a3")
        case .bitXor: emit("xor a0, a0, a2"); emit("xor a1, a1, a3")
        case .shl, .shr:
            let small = newLabel("small"), done = newLabel("done")
            emit("andi a2, a2, 63"); emit("li t0, 32")
            emit("blt a2, t0, \(small)")
            emit("addi t1, a2, -32")
            if n.kind == .shl { emit("sll a1, a0, t1"); emit("li a0, 0") }
            else { emit(unsigned ? "srl a0, a1, t1" : "sra a0, a1, t1"); emit(unsigned ? "li a1, 0" : "srai a1, a1, 31") }
            emit("j \(done)")
            label(small)
            emit("beqz a2, \(done)")
            emit("sub t1, t0, a2")
            if n.kind == .shl {
                emit("srl t2, a0, t1"); emit("sll a1, a1, a2"); emit("or a1, a1, t2"); emit("sll a0, a0, a2")
            } else {
                emit("sll t2, a1, t1"); emit("srl a0, a0, a2"); emit("or a0, a0, t2")
                emit(unsigned ? "srl a1, a1, a2" : "sra a1, a1, a2")
            }
            label(done)
        case .eq, .ne:
            emit("xor t0, a0, a2"); emit("xor t1, a1, a3"); emit("or a0, t0, t1")
            emit(n.kind == .eq ? "seqz a0, a0" : "snez a0, a0")
        case .lt:
            lessThan64(unsigned, "a0", "a1", "a2", "a3")
        case .le:                                   // a <= b is !(b < a)
            lessThan64(unsigned, "a2", "a3", "a0", "a1")
            emit("xori a0, a0, 1")
        default:
            throw CompileError("cannot generate code for this long long expression", at: n.loc)
        }
        // END SOLUTION ctoriscv.11
    }

    /// a0 = (xlo:xhi) < (ylo:yhi): the high words decide unless they are equal.
    func lessThan64(_ unsigned: Bool, _ xlo: String, _ xhi: String, _ ylo: String, _ yhi: String) {
        emit("\(unsigned ? "sltu" : "slt") t0, \(xhi), \(yhi)")
        emit("xor t1, \(xhi), \(yhi)"); emit("seqz t1, t1")
        emit("sltu t2, \(xlo), \(ylo)")
        emit("and t1, t1, t2"); emit("or a0, t0, t1")
    }
}

// Register allocation, the simplest kind that pays: scalar locals whose address is never
// taken live in the callee-saved registers s1-s11 instead of the frame.
//
// A variable whose address is never taken can only be read and written by name, so nothing
// can observe where it lives. The parser counts each variable's uses and notes `&v`; here the
// most used candidates (int-sized scalars: no arrays, structs or long long) get a register
// each, until the eleven run out. Callee-saved registers survive calls, so the stack machine's
// calls need no extra saves; the prologue saves the ones a function uses and the epilogue
// restores them. There is no liveness analysis: a register is a variable's for the whole
// function, which is exactly what a graph-coloring allocator would improve on.

extension CodeGenerator {
    static let calleeSaved = ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11"]

    /// Assigns registers to `f`'s best candidates; returns the registers it used, in order.
    func allocateRegisters(_ f: Function) -> [String] {
        guard allocatesRegisters else { return [] }
        let candidates = f.locals.filter { v in
            // a char or short parameter may arrive as an unpromoted int (K&R callers): keep
            // those in memory, where storing the byte truncates it
            !v.addressTaken && (v.type.isInteger || v.type.kind == .pointer)
                && (v.type.size == 4 || (v.type.size < 4 && !f.params.contains { $0 === v }))
        }
        let chosen = candidates.enumerated()
            .sorted { $0.element.uses != $1.element.uses ? $0.element.uses > $1.element.uses : $0.offset < $1.offset }
            .prefix(CodeGenerator.calleeSaved.count)
        var used: [String] = []
        for (k, (_, v)) in chosen.enumerated() {
            v.register = CodeGenerator.calleeSaved[k]
            used.append(CodeGenerator.calleeSaved[k])
        }
        return used
    }
}

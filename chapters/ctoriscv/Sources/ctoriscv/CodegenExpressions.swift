// Code generation for expressions: the value lands in a0 (a0:a1 for long long).

extension CodeGenerator {
    /// Puts the address of an lvalue in a0.
    func emitAddress(_ n: Node) throws {
        switch n.kind {
        case .variable:
            let v = n.variable!
            if v.register != nil { throw CompileError("internal error: address of a register variable", at: n.loc) }
            if v.isLocal { addImmediate("a0", "s0", v.offset) } else { emit("la a0, \(v.name)") }
        case .deref:
            try emitExpression(n.lhs!)
        case .member:
            try emitAddress(n.lhs!)
            addImmediate("a0", "a0", n.member!.offset)
        case .function:
            emit("la a0, \(n.name)")
        case .comma:
            try emitExpression(n.lhs!)
            try emitAddress(n.rhs!)
        case .call, .conditional, .assign:
            guard n.type.kind == .structure || n.type.kind == .union else { throw CompileError("not an lvalue", at: n.loc) }
            try emitExpression(n)            // an aggregate's value is its address
        default:
            throw CompileError("not an lvalue", at: n.loc)
        }
    }

    /// Loads the value of type `t` at address a0. Arrays, structs and functions stay addresses.
    func load(_ t: CType) {
        if t.isAggregate || t.kind == .function { return }
        switch t.size {
        case 1: emit(t.isUnsigned ? "lbu a0, 0(a0)" : "lb a0, 0(a0)")
        case 2: emit(t.isUnsigned ? "lhu a0, 0(a0)" : "lh a0, 0(a0)")
        case 8: emit("lw a1, 4(a0)"); emit("lw a0, 0(a0)")
        default: emit("lw a0, 0(a0)")
        }
    }

    /// Stores a0 (a0:a1) of type `t` at the address on top of the stack, which it pops.
    func store(_ t: CType) {
        pop("t1")
        if t.kind == .structure || t.kind == .union {
            for i in stride(from: 0, to: t.size, by: 1) { emit("lbu t0, \(i)(a0)"); emit("sb t0, \(i)(t1)") }
            emit("mv a0, t1")
            return
        }
        switch t.size {
        case 1: emit("sb a0, 0(t1)")
        case 2: emit("sh a0, 0(t1)")
        case 8: emit("sw a0, 0(t1)"); emit("sw a1, 4(t1)")
        default: emit("sw a0, 0(t1)")
        }
    }

    /// Converts a0 (a0:a1) from `from` to `to`: truncation, sign or zero extension.
    func convert(from: CType, to: CType) {
        if to.kind == .void || from.isAggregate && to.isAggregate { return }
        if to.is64 {
            if !from.is64 { emit(from.isUnsigned || from.isPointerLike ? "li a1, 0" : "srai a1, a0, 31") }
            return
        }
        if to.isPointerLike { return }
        switch to.size {
        case 1: if to.isUnsigned { emit("andi a0, a0, 255") } else { emit("slli a0, a0, 24"); emit("srai a0, a0, 24") }
        case 2: emit("slli a0, a0, 16"); emit(to.isUnsigned ? "srli a0, a0, 16" : "srai a0, a0, 16")
        default: break
        }
    }

    func emitExpression(_ n: Node) throws {
        switch n.kind {
        case .number:
            emit("li a0, \(Int32(truncatingIfNeeded: n.value))")
            if n.type.is64 { emit("li a1, \(Int32(truncatingIfNeeded: n.value >> 32))") }
        case .variable where n.variable!.register != nil:
            emit("mv a0, \(n.variable!.register!)")
        case .assign where n.lhs!.kind == .variable && n.lhs!.variable!.register != nil:
            try emitExpression(n.rhs!)                   // already converted to the variable's type
            emit("mv \(n.lhs!.variable!.register!), a0")
        case .variable, .member, .deref:
            try emitAddress(n)
            load(n.type)
        case .function:
            emit("la a0, \(n.name)")
        case .address:
            try emitAddress(n.lhs!)
        case .assign:
            try emitAddress(n.lhs!)
            push()
            try emitExpression(n.rhs!)
            store(n.type)
        case .comma:
            try emitExpression(n.lhs!)
            try emitExpression(n.rhs!)
        case .block:                                     // a compound literal's initialization
            try emitStatement(n)
        case .cast:
            try emitExpression(n.lhs!)
            convert(from: n.lhs!.type, to: n.type)
        case .neg:
            try emitExpression(n.lhs!)
            if n.type.is64 { emit("snez t0, a0"); emit("neg a0, a0"); emit("neg a1, a1"); emit("sub a1, a1, t0") }
            else { emit("neg a0, a0") }
        case .bitNot:
            try emitExpression(n.lhs!)
            emit("not a0, a0")
            if n.type.is64 { emit("not a1, a1") }
        case .not:
            try emitCondition(n.lhs!)
            emit("seqz a0, a0")
        case .logAnd, .logOr:
            let end = newLabel("logic")
            try emitCondition(n.lhs!)
            emit("snez a0, a0")
            emit(n.kind == .logAnd ? "beqz a0, \(end)" : "bnez a0, \(end)")
            try emitCondition(n.rhs!)
            emit("snez a0, a0")
            label(end)
        case .conditional:
            let elseLabel = newLabel("else"), end = newLabel("end")
            try emitCondition(n.cond!)
            emit("beqz a0, \(elseLabel)")
            try emitExpression(n.then!)
            emit("j \(end)")
            label(elseLabel)
            try emitExpression(n.els!)
            label(end)
        case .call:
            try emitCall(n)
        case .memZero:
            let v = n.variable!
            addImmediate("a0", "s0", v.offset)
            for i in stride(from: 0, to: v.type.size - 3, by: 4) { emit("sw zero, \(i)(a0)") }
            for i in (v.type.size & ~3)..<v.type.size { emit("sb zero, \(i)(a0)") }
        case .vaStart:
            try emitAddress(n.lhs!)
            let f = function!
            let (_, named) = CodeGenerator.argumentWords(f.params.map(\.type), fixed: f.params.count)
            addImmediate("t0", "s0", -32 + 4 * named)
            emit("sw t0, 0(a0)")
        case .vaArg:
            try emitAddress(n.lhs!)
            emit("mv t1, a0")
            emit("lw t0, 0(t1)")
            if n.type.is64 { emit("addi t0, t0, 7"); emit("andi t0, t0, -8") }
            emit("addi t2, t0, \(n.type.is64 ? 8 : 4)")
            emit("sw t2, 0(t1)")
            emit("mv a0, t0")
            load(n.type)
        default:
            guard let l = n.lhs, let r = n.rhs else { throw CompileError("cannot generate code for this expression", at: n.loc) }
            if l.type.is64 {
                if n.kind == .shl || n.kind == .shr {
                    try emitExpression(r); push()
                    try emitExpression(l); pop("a2")
                } else {
                    try emitExpression(r); push64()
                    try emitExpression(l); pop64("a2", "a3")
                }
                try emitBinary64(n)
            } else if let leaf = leafOperand(r) {        // a constant or a register: no push and pop
                try emitExpression(l)
                emit(leaf)
                emitBinary(n)
            } else {
                try emitExpression(r); push()
                try emitExpression(l); pop("a1")
                emitBinary(n)
            }
        }
    }

    /// The one instruction that puts a leaf operand (a 32-bit constant, a register variable,
    /// possibly under a no-op cast) in a1, or nil when the operand needs real evaluation.
    func leafOperand(_ n: Node) -> String? {
        if n.kind == .cast, let inner = n.lhs, !n.type.is64, !inner.type.is64, inner.type.size == 4 || inner.type.isPointerLike,
           n.type.size == 4 || n.type.isPointerLike {
            return leafOperand(inner)
        }
        if n.kind == .number && !n.type.is64 { return "li a1, \(Int32(truncatingIfNeeded: n.value))" }
        if n.kind == .variable, let r = n.variable!.register { return "mv a1, \(r)" }
        return nil
    }

    /// a0 = a0 op a1 for the 32-bit binary operators (operands already converted to one type).
    func emitBinary(_ n: Node) {
        // BEGIN SOLUTION ctoriscv.7: emit the RV32IM instructions for the 32-bit binary operators
        let unsigned = n.lhs!.type.isUnsigned || n.lhs!.type.isPointerLike
        switch n.kind {
        case .add: emit("add a0, a0, a1")
        case .sub: emit("sub a0, a0, a1")
        case .mul: emit("mul a0, a0, a1")
        case .div: emit(unsigned ? "divu a0, a0, a1" : "div a0, a0, a1")
        case .mod: emit(unsigned ? "remu a0, a0, a1" : "rem a0, a0, a1")
        case .bitAnd: emit("and a0, a0, a1")
        case .bitOr: emit("or a0, a0, a1")
        case .bitXor: emit("xor a0, a0, a1")
        case .shl: emit("sll a0, a0, a1")
        case .shr: emit(unsigned ? "srl a0, a0, a1" : "sra a0, a0, a1")
        case .eq: emit("xor a0, a0, a1"); emit("seqz a0, a0")
        case .ne: emit("xor a0, a0, a1"); emit("snez a0, a0")
        case .lt: emit(unsigned ? "sltu a0, a0, a1" : "slt a0, a0, a1")
        case .le: emit(unsigned ? "sltu a0, a1, a0" : "slt a0, a1, a0"); emit("xori a0, a0, 1")
        default: emit("unimp")
        }
        // END SOLUTION ctoriscv.7
    }

    /// A call under ILP32: arguments are written to a reserved block laid out exactly as the
    /// argument words (a0-a7 then the stack), the first eight words are loaded into a0-a7, and
    /// the rest stay on the stack, 16-byte aligned, where the callee expects them.
    func emitCall(_ n: Node) throws {
        // BEGIN SOLUTION ctoriscv.8: pass the arguments in a0-a7 and on the stack (ILP32), keep sp 16-byte aligned, call
        let (starts, words) = CodeGenerator.argumentWords(n.body.map(\.type), fixed: n.fixedArguments)
        let stackWords = max(0, words - 8), regWords = min(words, 8)
        let pad = (16 - (depth + stackWords * 4) % 16) % 16
        let reserved = pad + words * 4
        if reserved > 0 { emit("addi sp, sp, -\(reserved)"); depth += reserved }
        for (arg, w) in zip(n.body, starts) {
            try emitExpression(arg)
            emit("sw a0, \(w * 4)(sp)")
            if arg.type.is64 { emit("sw a1, \(w * 4 + 4)(sp)") }
        }
        if n.name.isEmpty { try emitExpression(n.lhs!); emit("mv t3, a0") }
        for r in 0..<regWords { emit("lw a\(r), \(r * 4)(sp)") }
        if regWords > 0 { emit("addi sp, sp, \(regWords * 4)"); depth -= regWords * 4 }
        emit(n.name.isEmpty ? "jalr t3" : "call \(n.name)")
        let rest = reserved - regWords * 4
        if rest > 0 { emit("addi sp, sp, \(rest)"); depth -= rest }
        // END SOLUTION ctoriscv.8
    }
}

// Code generation for statements: control flow becomes labels and branches.

extension CodeGenerator {
    /// Evaluates a condition into a0 as zero / non-zero (a long long is folded to one word).
    func emitCondition(_ n: Node) throws {
        try emitExpression(n)
        if n.type.is64 { emit("or a0, a0, a1") }
    }

    func emitStatement(_ n: Node) throws {
        switch n.kind {
        case .block:
            for s in n.body { try emitStatement(s) }
        case .exprStmt:
            try emitExpression(n.lhs!)
        case .memZero:
            try emitExpression(n)
        case .null:
            break
        case .returnStmt:
            if let e = n.lhs { try emitExpression(e) }
            emit("j \(returnLabel)")
        case .ifStmt, .forStmt, .doStmt:
            try emitControlFlow(n)
        case .switchStmt:
            try emitExpression(n.cond!)
            for c in n.cases {
                if n.cond!.type.is64 {
                    emit("li t0, \(Int32(truncatingIfNeeded: c.value))"); emit("li t1, \(Int32(truncatingIfNeeded: c.value >> 32))")
                    emit("xor t0, t0, a0"); emit("xor t1, t1, a1"); emit("or t0, t0, t1")
                    emit("beqz t0, \(c.uniqueLabel)")
                } else {
                    emit("li t0, \(Int32(truncatingIfNeeded: c.value))")
                    emit("beq a0, t0, \(c.uniqueLabel)")
                }
            }
            emit("j \(n.defaultCase?.uniqueLabel ?? n.breakLabel)")
            try emitStatement(n.then!)
            label(n.breakLabel)
        case .caseLabel, .label:
            label(n.uniqueLabel)
            try emitStatement(n.lhs!)
        case .breakStmt, .continueStmt, .gotoStmt:
            emit("j \(n.uniqueLabel)")
        default:
            try emitExpression(n)
        }
    }

    /// if, for/while and do-while.
    func emitControlFlow(_ n: Node) throws {
        // BEGIN SOLUTION ctoriscv.10: emit branches and labels for if, for/while and do-while
        switch n.kind {
        case .ifStmt:
            let elseLabel = newLabel("else"), end = newLabel("end")
            try emitCondition(n.cond!)
            emit("beqz a0, \(elseLabel)")
            try emitStatement(n.then!)
            emit("j \(end)")
            label(elseLabel)
            if let e = n.els { try emitStatement(e) }
            label(end)
        case .forStmt:
            let begin = newLabel("begin")
            if let i = n.initStmt { try emitStatement(i) }
            label(begin)
            if let c = n.cond {
                try emitCondition(c)
                emit("beqz a0, \(n.breakLabel)")
            }
            try emitStatement(n.body[0])
            label(n.continueLabel)
            if let inc = n.inc { try emitExpression(inc) }
            emit("j \(begin)")
            label(n.breakLabel)
        default:
            let begin = newLabel("begin")
            label(begin)
            try emitStatement(n.body[0])
            label(n.continueLabel)
            try emitCondition(n.cond!)
            emit("bnez a0, \(begin)")
            label(n.breakLabel)
        }
        // END SOLUTION ctoriscv.10
    }
}

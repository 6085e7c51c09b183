// Lowering a function to IR: the builder, statements and conditions become basic blocks.
//
// The builder fills one block at a time. `start(b)` places block b next in the layout (the
// open block falls into it with a jump, which the emitter drops); a terminator closes the
// block, and code after it (after `return` or `break`) opens a fresh block nobody jumps to,
// which the passes delete. Loops are laid out with the test at the bottom, as gcc does, so an
// iteration costs one branch. Every C label, case and break/continue target is a block.

final class IRBuilder {
    let f: IRFunction
    let source: Function
    var current = 0
    var open = false
    var labels: [String: Int] = [:]
    /// Variables that live in a vreg.
    var registers: [ObjectIdentifier: VReg] = [:]
    /// The address of each global, loaded once in the entry block.
    var globals: [String: VReg] = [:]
    var entryLoads: [IRInstruction] = []
    var depth = 0

    init(_ fn: Function) { source = fn; f = IRFunction(name: fn.name); f.isStatic = fn.isStatic }

    func newBlock() -> Int { f.blocks.append(IRBlock()); return f.blocks.count - 1 }
    func block(_ label: String) -> Int {
        if let b = labels[label] { return b }
        let b = newBlock(); labels[label] = b; return b
    }
    /// Continues in block b (the open block falls through into it).
    func start(_ b: Int) {
        if open { f.blocks[current].terminator = .jump(b) }
        current = b; open = true; f.layout.append(b)
    }
    func terminate(_ t: Terminator) {
        if !open { start(newBlock()) }
        f.blocks[current].terminator = t; open = false
    }
    @discardableResult
    func emit(_ op: IRInstruction.Op, _ srcs: [VReg], into dst: VReg? = nil, result: Bool = true) -> VReg {
        if !open { start(newBlock()) }
        let d = result ? dst ?? f.newVReg() : nil
        f.blocks[current].instructions.append(IRInstruction(op: op, dst: d, srcs: srcs))
        return d ?? 0
    }
    func globalAddress(_ name: String) -> VReg {
        if let r = globals[name] { return r }
        let r = f.newVReg()
        globals[name] = r
        entryLoads.append(IRInstruction(op: .la(name), dst: r, srcs: []))
        return r
    }
    /// The AST may be deep; stay well inside the stack (the parser bounds the height).
    func enter(_ n: Node) throws { if n.height > 2000 { throw Unsupported() } }

    /// A scalar of at most 4 bytes whose address is never taken lives in a vreg.
    static func inRegister(_ v: Variable) -> Bool {
        !v.addressTaken && (v.type.isInteger || v.type.kind == .pointer) && !v.type.is64 && v.type.size <= 4
    }

    /// Lowers `fn`; throws `Unsupported` for what only the stack machine handles.
    func lower() throws -> IRFunction {
        let fn = source
        let (starts, words) = CodeGenerator.argumentWords(fn.params.map(\.type), fixed: fn.params.count)
        if fn.type.isVariadic || words > 8 || fn.params.contains(where: { $0.type.is64 || $0.type.size > 4 }) { throw Unsupported() }
        var offset = -8
        for v in fn.locals {
            if IRBuilder.inRegister(v) { registers[ObjectIdentifier(v)] = f.newVReg(); continue }
            offset -= v.type.size
            offset = -((-offset + v.type.align - 1) / v.type.align * v.type.align)
            v.offset = offset
        }
        f.localBytes = -offset - 8
        f.parameters = Array(repeating: nil, count: words)
        start(newBlock())
        for (v, w) in zip(fn.params, starts) {
            if let r = registers[ObjectIdentifier(v)] {
                f.parameters[w] = r
                if v.type.size < 4 { emit(.mv, [convert(r, from: .int, to: v.type)], into: r) }   // a K&R caller may pass an int
            } else {
                f.memoryParameters.append((w, v.offset, storeMnemonic(v.type)))
            }
        }
        try statement(fn.body)
        if open { terminate(.ret(fn.name == "main" ? 0 : nil)) }     // falling off main returns 0
        f.blocks[0].instructions.insert(contentsOf: entryLoads, at: 0)
        return f
    }

    func statement(_ n: Node) throws {
        try enter(n)
        switch n.kind {
        case .block: for s in n.body { try statement(s) }
        case .exprStmt: _ = try value(n.lhs!)
        case .null: break
        case .returnStmt: terminate(.ret(try n.lhs.map { try value($0) }))
        case .ifStmt:
            let then = newBlock(), end = newBlock(), els = n.els == nil ? end : newBlock()
            try branch(n.cond!, then, els)
            start(then); try statement(n.then!)
            if let e = n.els { terminate(.jump(end)); start(els); try statement(e) }
            start(end)
        case .forStmt:
            if let i = n.initStmt { try statement(i) }
            let body = newBlock(), test = newBlock()
            terminate(.jump(test))
            start(body); try statement(n.body[0])
            start(block(n.continueLabel))
            if let inc = n.inc { _ = try value(inc) }
            start(test)
            if let c = n.cond { try branch(c, body, block(n.breakLabel)) } else { terminate(.jump(body)) }
            start(block(n.breakLabel))
        case .doStmt:
            let body = newBlock()
            start(body); try statement(n.body[0])
            start(block(n.continueLabel))
            try branch(n.cond!, body, block(n.breakLabel))
            start(block(n.breakLabel))
        case .switchStmt:
            let v = try value(n.cond!)
            for c in n.cases {
                let next = newBlock()
                terminate(.branch("eq", v, loadConstant(Int64(Int32(truncatingIfNeeded: c.value))), block(c.uniqueLabel), next))
                start(next)
            }
            terminate(.jump(block(n.defaultCase?.uniqueLabel ?? n.breakLabel)))
            try statement(n.then!)
            start(block(n.breakLabel))
        case .caseLabel, .label:
            start(block(n.uniqueLabel))
            try statement(n.lhs!)
        case .breakStmt, .continueStmt, .gotoStmt: terminate(.jump(block(n.uniqueLabel)))
        default: _ = try value(n)
        }
    }

    /// Branches to `t` when the scalar `n` is non-zero, else to `f`: comparisons become one
    /// branch instruction, `&&` `||` `!` become control flow.
    func branch(_ n: Node, _ t: Int, _ f: Int) throws {
        // BEGIN SOLUTION ctoriscv.16: lower a condition to branches: && and || short-circuit, ! swaps the targets, a comparison is one branch
        try enter(n)
        switch n.kind {
        case .logAnd, .logOr:
            let mid = newBlock()
            try branch(n.lhs!, n.kind == .logAnd ? mid : t, n.kind == .logAnd ? f : mid)
            start(mid)
            try branch(n.rhs!, t, f)
        case .not: try branch(n.lhs!, f, t)
        case .number: terminate(.jump(n.value != 0 ? t : f))
        case .eq, .ne, .lt, .le where !n.lhs!.type.is64:
            let unsigned = n.lhs!.type.isUnsigned || n.lhs!.type.isPointerLike
            let a = try value(n.lhs!)
            let b = constant(n.rhs!) == 0 ? 0 : try value(n.rhs!)
            switch n.kind {
            case .eq: terminate(.branch("eq", a, b, t, f))
            case .ne: terminate(.branch("ne", a, b, t, f))
            case .lt: terminate(.branch(unsigned ? "ltu" : "lt", a, b, t, f))
            default: terminate(.branch(unsigned ? "geu" : "ge", b, a, t, f))      // a <= b is b >= a
            }
        default: terminate(.branch("ne", try value(n), 0, t, f))
        }
        // END SOLUTION ctoriscv.16
    }

    /// `&&`, `||`, `!` and `?:` as values: branches that set one result vreg.
    func valueThroughBranches(_ n: Node) throws -> VReg {
        if n.kind == .not { return emit(.unary("seqz"), [try value(n.lhs!)]) }
        let r = f.newVReg(), yes = newBlock(), no = newBlock(), end = newBlock()
        try branch(n.kind == .conditional ? n.cond! : n, yes, no)
        start(yes)
        emit(.mv, [n.kind == .conditional ? try value(n.then!) : loadConstant(1)], into: r)
        terminate(.jump(end))
        start(no)
        emit(.mv, [n.kind == .conditional ? try value(n.els!) : 0], into: r)
        start(end)
        return r
    }
}

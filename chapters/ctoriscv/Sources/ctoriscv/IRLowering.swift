// Lowering expressions to IR: each C expression becomes instructions that leave its value in a
// fresh virtual register.
//
// A local whose address is never taken and that holds an int-sized scalar is a vreg of its
// own for the whole function; everything else lives in memory, reached through an address
// (a base vreg and a constant offset, so that `p->x`, `a[3]` and locals need no extra add).
// Constants that fit an instruction's 12-bit immediate go into the instruction (addi, andi,
// slli for a multiplication by a power of two, slti, ...): instruction selection at its
// simplest. Conditions in `if`, loops, `&&`, `||` and `!` become branches, never 0/1 values.
// What the IR does not cover (long long, va_arg, variadic definitions, more than eight
// parameter words; a call may pass any number of words) throws `Unsupported`, and the
// function goes to the stack machine instead.

/// This function needs a construct the IR does not cover; the stack machine compiles it.
struct Unsupported: Error {}

extension IRBuilder {
    /// A constant the node always has (a number, possibly cast, or arithmetic on numbers).
    func constant(_ n: Node) -> Int64? {
        if n.type.is64 { return nil }
        switch n.kind {
        case .number: return Int64(Int32(truncatingIfNeeded: n.value))
        case .cast where n.type.size == 4 || n.type.isPointerLike:
            return n.lhs!.type.size == 4 && !n.lhs!.type.is64 ? constant(n.lhs!) : nil
        case .mul, .add, .sub:
            guard let a = constant(n.lhs!), let b = constant(n.rhs!) else { return nil }
            let v = n.kind == .mul ? a &* b : n.kind == .add ? a &+ b : a &- b
            return Int64(Int32(truncatingIfNeeded: v))
        default: return nil
        }
    }

    static func fits12(_ v: Int64) -> Bool { v >= -2048 && v < 2048 }

    /// The address of an lvalue as base + offset, the offset small enough for a load or store.
    func address(_ n: Node) throws -> (VReg, Int32) {
        var (base, offset): (VReg, Int64)
        switch n.kind {
        case .variable:
            let v = n.variable!
            if registers[ObjectIdentifier(v)] != nil { throw Unsupported() }
            (base, offset) = v.isLocal ? (1, Int64(v.offset)) : (globalAddress(v.name), 0)
        case .deref:
            let p = n.lhs!
            if p.kind == .add || p.kind == .sub, p.type.isPointerLike, let c = constant(p.rhs!) {
                if p.lhs!.type.kind == .array, [.variable, .member, .deref].contains(p.lhs!.kind) {   // a[3]: one address
                    let (b, o) = try address(p.lhs!)
                    (base, offset) = (b, Int64(o) + (p.kind == .add ? c : -c))
                } else { (base, offset) = (try value(p.lhs!), p.kind == .add ? c : -c) }
            } else { (base, offset) = (try value(p), 0) }
        case .member:
            let (b, o) = try address(n.lhs!)
            (base, offset) = (b, Int64(o) + Int64(n.member!.offset))
        case .function: (base, offset) = (globalAddress(n.name), 0)
        case .comma:
            _ = try value(n.lhs!)
            return try address(n.rhs!)
        case .call, .conditional, .assign:
            guard n.type.kind == .structure || n.type.kind == .union else { throw Unsupported() }
            (base, offset) = (try value(n), 0)     // an aggregate's value is its address
        default: throw Unsupported()
        }
        return try within(base, offset)
    }

    func loadConstant(_ v: Int64) -> VReg { v == 0 ? 0 : emit(.li(Int32(truncatingIfNeeded: v)), []) }

    /// The value of type `t` at base + offset; an array, struct or function is its address.
    func load(_ t: CType, _ base: VReg, _ offset: Int32) -> VReg {
        if t.isAggregate || t.kind == .function { return offset == 0 ? base : emit(.binaryImm("addi", offset), [base]) }
        let m = t.size == 1 ? (t.isUnsigned ? "lbu" : "lb") : t.size == 2 ? (t.isUnsigned ? "lhu" : "lh") : "lw"
        return emit(.load(m, offset), [base])
    }

    func storeMnemonic(_ t: CType) -> String { t.size == 1 ? "sb" : t.size == 2 ? "sh" : "sw" }

    /// Truncation or sign/zero extension from `from` to `to` (both at most 4 bytes).
    func convert(_ r: VReg, from: CType, to: CType) -> VReg {
        if to.kind == .void || to.isPointerLike || to.size >= 4 || from.isAggregate { return r }
        if to.size == 1 && to.isUnsigned { return emit(.binaryImm("andi", 255), [r]) }
        let shift: Int32 = to.size == 1 ? 24 : 16
        return emit(.binaryImm(to.isUnsigned ? "srli" : "srai", shift), [emit(.binaryImm("slli", shift), [r])])
    }

    /// Lowers an expression; returns the vreg holding its value.
    func value(_ n: Node) throws -> VReg {
        try enter(n)
        if n.type.is64 || n.lhs?.type.is64 == true { throw Unsupported() }
        switch n.kind {
        case .number: return loadConstant(Int64(Int32(truncatingIfNeeded: n.value)))
        case .variable:
            if let r = registers[ObjectIdentifier(n.variable!)] { return r }
            let (b, o) = try address(n)
            return load(n.type, b, o)
        case .member, .deref:
            let (b, o) = try address(n)
            return load(n.type, b, o)
        case .function: return globalAddress(n.name)
        case .address:
            let (b, o) = try address(n.lhs!)
            return o == 0 ? b : emit(.binaryImm("addi", o), [b])
        case .assign: return try assignment(n)
        case .comma:
            _ = try value(n.lhs!)
            return try value(n.rhs!)
        case .cast: return convert(try value(n.lhs!), from: n.lhs!.type, to: n.type)
        case .neg: return emit(.unary("neg"), [try value(n.lhs!)])
        case .bitNot: return emit(.unary("not"), [try value(n.lhs!)])
        case .logAnd, .logOr, .not, .conditional: return try valueThroughBranches(n)
        case .call: return try call(n)
        case .block:                                     // a compound literal's initialization
            try statement(n)
            return 0
        case .memZero:
            let v = n.variable!
            for i in stride(from: 0, to: v.type.size - 3, by: 4) { try storeZero("sw", v.offset + i) }
            for i in (v.type.size & ~3)..<v.type.size { try storeZero("sb", v.offset + i) }
            return 0
        case .eq, .ne, .lt, .le, .add, .sub, .mul, .div, .mod, .bitAnd, .bitOr, .bitXor, .shl, .shr:
            return try binary(n)
        default: throw Unsupported()
        }
    }

    func storeZero(_ m: String, _ offset: Int) throws {
        let (b, o) = try within(1, Int64(offset))
        emit(.store(m, o), [0, b], result: false)
    }

    /// `l = r`: into the variable's vreg, through memory, or a struct copied word by word.
    func assignment(_ n: Node) throws -> VReg {
        let l = n.lhs!
        if l.kind == .variable, let x = registers[ObjectIdentifier(l.variable!)] {
            emit(.mv, [try value(n.rhs!)], into: x)
            return x
        }
        let (b, o) = try address(l)
        let r = try value(n.rhs!)
        if l.type.kind == .structure || l.type.kind == .union {
            let step = l.type.align >= 4 && l.type.size % 4 == 0 ? 4 : 1
            for i in stride(from: 0, to: l.type.size, by: step) {
                let (db, dof) = try within(b, Int64(o) + Int64(i)), (sb, sof) = try within(r, Int64(i))
                emit(.store(step == 4 ? "sw" : "sb", dof), [emit(.load(step == 4 ? "lw" : "lbu", sof), [sb]), db], result: false)
            }
            return o == 0 ? b : emit(.binaryImm("addi", o), [b])
        }
        emit(.store(storeMnemonic(l.type), o), [r, b], result: false)
        return r
    }

    func within(_ base: VReg, _ offset: Int64) throws -> (VReg, Int32) {
        IRBuilder.fits12(offset) ? (base, Int32(offset)) : (emit(.binary("add"), [base, loadConstant(offset)]), 0)
    }

    /// The 32-bit binary operators, with a constant right operand folded into the instruction.
    func binary(_ n: Node) throws -> VReg {
        let unsigned = n.lhs!.type.isUnsigned || n.lhs!.type.isPointerLike
        let a = try value(n.lhs!)
        if let c = constant(n.rhs!), let r = immediate(n.kind, a, c, unsigned) { return r }
        let b = try value(n.rhs!)
        switch n.kind {
        case .eq: return emit(.unary("seqz"), [emit(.binary("xor"), [a, b])])
        case .ne: return emit(.unary("snez"), [emit(.binary("xor"), [a, b])])
        case .lt: return emit(.binary(unsigned ? "sltu" : "slt"), [a, b])
        case .le: return emit(.binaryImm("xori", 1), [emit(.binary(unsigned ? "sltu" : "slt"), [b, a])])
        default: return emit(.binary(IRBuilder.mnemonic(n.kind, unsigned)), [a, b])
        }
    }

    static func mnemonic(_ k: Node.Kind, _ unsigned: Bool) -> String {
        let signedOrNot: [Node.Kind: (String, String)] = [.div: ("div", "divu"), .mod: ("rem", "remu"), .shr: ("sra", "srl")]
        if let (s, u) = signedOrNot[k] { return unsigned ? u : s }
        return [.add: "add", .sub: "sub", .mul: "mul", .bitAnd: "and", .bitOr: "or", .bitXor: "xor", .shl: "sll"][k]!
    }

    /// `a op c` in one instruction (or two), when the constant allows; nil otherwise.
    func immediate(_ k: Node.Kind, _ a: VReg, _ c: Int64, _ unsigned: Bool) -> VReg? {
        let power = c > 0 && c & (c - 1) == 0 ? Int32(c.trailingZeroBitCount) : nil
        switch k {
        case .add where IRBuilder.fits12(c): return emit(.binaryImm("addi", Int32(c)), [a])
        case .sub where IRBuilder.fits12(-c): return emit(.binaryImm("addi", Int32(-c)), [a])
        case .bitAnd where IRBuilder.fits12(c): return emit(.binaryImm("andi", Int32(c)), [a])
        case .bitOr where IRBuilder.fits12(c): return emit(.binaryImm("ori", Int32(c)), [a])
        case .bitXor where IRBuilder.fits12(c): return emit(.binaryImm("xori", Int32(c)), [a])
        case .shl: return emit(.binaryImm("slli", Int32(c & 31)), [a])
        case .shr: return emit(.binaryImm(unsigned ? "srli" : "srai", Int32(c & 31)), [a])
        case .mul where power != nil: return emit(.binaryImm("slli", power!), [a])
        case .div where power != nil && unsigned: return emit(.binaryImm("srli", power!), [a])
        case .mod where power != nil && unsigned && c <= 2048: return emit(.binaryImm("andi", Int32(c - 1)), [a])
        case .eq where IRBuilder.fits12(-c): return emit(.unary("seqz"), [c == 0 ? a : emit(.binaryImm("addi", Int32(-c)), [a])])
        case .ne where IRBuilder.fits12(-c): return emit(.unary("snez"), [c == 0 ? a : emit(.binaryImm("addi", Int32(-c)), [a])])
        case .lt where IRBuilder.fits12(c): return emit(.binaryImm(unsigned ? "sltiu" : "slti", Int32(c)), [a])
        case .le where IRBuilder.fits12(c + 1) && (unsigned ? c >= 0 : true):
            return emit(.binaryImm(unsigned ? "sltiu" : "slti", Int32(c + 1)), [a])
        default: return nil
        }
    }

    /// A call: one word per argument (none of them long long), the first eight in a0-a7 and
    /// the rest in the frame's outgoing area at 0(sp), 4(sp), ... (IREmit.swift).
    func call(_ n: Node) throws -> VReg {
        if n.body.contains(where: { $0.type.is64 || $0.type.isAggregate && $0.type.kind != .array }) { throw Unsupported() }
        var srcs: [VReg] = []
        if n.name.isEmpty { srcs.append(try value(n.lhs!)) }
        for a in n.body { srcs.append(try value(a)) }
        return emit(.call(n.name.isEmpty ? nil : n.name), srcs)
    }
}

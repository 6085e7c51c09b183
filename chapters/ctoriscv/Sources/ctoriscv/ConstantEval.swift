// Compile-time evaluation: array sizes, case labels, enum values and global initializers.

/// Truncates `v` to the width of `t` and sign- or zero-extends it back, as a cast would.
func truncate(_ v: Int64, to t: CType) -> Int64 {
    if t.kind == .void { return v }
    switch t.isPointerLike ? 4 : t.size {
    case 1: return t.isUnsigned ? Int64(UInt8(truncatingIfNeeded: v)) : Int64(Int8(truncatingIfNeeded: v))
    case 2: return t.isUnsigned ? Int64(UInt16(truncatingIfNeeded: v)) : Int64(Int16(truncatingIfNeeded: v))
    case 4: return t.isUnsigned ? Int64(UInt32(truncatingIfNeeded: v)) : Int64(Int32(truncatingIfNeeded: v))
    default: return v
    }
}

extension Parser {
    /// The value of a constant expression; throws at the first part that is not constant.
    func evaluate(_ n: Node) throws -> Int64 {
        try enter(); defer { leave() }
        let t = n.type
        func l() throws -> Int64 { try evaluate(n.lhs!) }
        func r() throws -> Int64 { try evaluate(n.rhs!) }
        let unsigned = (n.lhs?.type.isUnsigned ?? false) || (n.lhs?.type.isPointerLike ?? false)
        switch n.kind {
        case .number: return truncate(n.value, to: t)
        case .add: return truncate(try l() &+ (try r()), to: t)
        case .sub: return truncate(try l() &- (try r()), to: t)
        case .mul: return truncate(try l() &* (try r()), to: t)
        case .div, .mod:
            let a = try l(), b = try r()
            if b == 0 { throw CompileError("division by zero in constant expression", at: n.loc) }
            if t.isUnsigned && t.size == 8 {
                let (ua, ub) = (UInt64(bitPattern: a), UInt64(bitPattern: b))
                return Int64(bitPattern: n.kind == .div ? ua / ub : ua % ub)
            }
            if a == Int64.min && b == -1 { return n.kind == .div ? a : 0 }
            return truncate(n.kind == .div ? a / b : a % b, to: t)
        case .bitAnd: return try l() & (try r())
        case .bitOr: return try l() | (try r())
        case .bitXor: return try l() ^ (try r())
        case .shl: return truncate(try l() << (try r() & 63), to: t)
        case .shr:
            let a = try l(), s = try r() & 63
            if t.isUnsigned && t.size == 8 { return Int64(bitPattern: UInt64(bitPattern: a) >> UInt64(s)) }
            return truncate(a >> s, to: t)
        case .eq: return try l() == (try r()) ? 1 : 0
        case .ne: return try l() != (try r()) ? 1 : 0
        case .lt, .le:
            let a = try l(), b = try r()
            if unsigned && n.lhs!.type.size == 8 {
                let (ua, ub) = (UInt64(bitPattern: a), UInt64(bitPattern: b))
                return (n.kind == .lt ? ua < ub : ua <= ub) ? 1 : 0
            }
            return (n.kind == .lt ? a < b : a <= b) ? 1 : 0
        case .logAnd: return try l() != 0 && (try r()) != 0 ? 1 : 0
        case .logOr: return try l() != 0 || (try r()) != 0 ? 1 : 0
        case .not: return try l() == 0 ? 1 : 0
        case .bitNot: return truncate(~(try l()), to: t)
        case .neg: return truncate(0 &- (try l()), to: t)
        case .cast: return truncate(try l(), to: t)
        case .comma: return try r()
        case .conditional: return try evaluate(n.cond!) != 0 ? try evaluate(n.then!) : try evaluate(n.els!)
        default: throw CompileError("expression is not a constant", at: n.loc)
        }
    }

    /// A global initializer that is an address: `&x`, `array`, `"str"`, `f`, `&a[2]`, `p + 1`.
    func evaluateAddress(_ n: Node) throws -> (label: String, addend: Int)? {
        switch n.kind {
        case .cast: return try evaluateAddress(n.lhs!)
        case .variable where !n.variable!.isLocal && (n.type.kind == .array):
            return (n.variable!.name, 0)
        case .function: return (n.name, 0)
        case .address:
            return try lvalueAddress(n.lhs!)
        case .add, .sub:
            guard let base = try evaluateAddress(n.lhs!) else { return nil }
            let off = Int(truncatingIfNeeded: try evaluate(n.rhs!))
            return (base.label, base.addend + (n.kind == .add ? off : -off))
        default: return nil
        }
    }

    func lvalueAddress(_ n: Node) throws -> (label: String, addend: Int)? {
        switch n.kind {
        case .variable where !n.variable!.isLocal: return (n.variable!.name, 0)
        case .function: return (n.name, 0)
        case .member:
            guard let base = try lvalueAddress(n.lhs!) else { return nil }
            return (base.label, base.addend + n.member!.offset)
        case .deref: return try evaluateAddress(n.lhs!)
        default: return nil
        }
    }
}

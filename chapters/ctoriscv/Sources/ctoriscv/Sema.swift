// Type checking: every node constructor here checks its operands, converts them, and
// gives the result its type. The usual arithmetic conversions become explicit casts, and
// pointer arithmetic is scaled here, so code generation sees only same-typed operands.

extension Parser {
    func number(_ v: Int64, _ type: CType = .int, at loc: SourceLocation) -> Node {
        let n = Node(.number, at: loc)
        n.value = v; n.type = type
        return n
    }

    func binary(_ kind: Node.Kind, _ l: Node, _ r: Node, type: CType, at loc: SourceLocation) -> Node {
        let n = Node(kind, at: loc)
        n.lhs = l; n.rhs = r; n.type = type
        return n
    }

    /// Converts `n` to `type` (a no-op node is skipped when nothing changes).
    func cast(_ n: Node, to type: CType) throws -> Node {
        let from = n.type
        if type.kind == .void { let c = Node(.cast, at: n.loc); c.lhs = n; c.type = type; return c }
        if !type.isScalar { throw CompileError("conversion to non-scalar type requested", at: n.loc) }
        if !from.isScalar && !from.isPointerLike { throw CompileError("cannot convert '\(from)' to '\(type)'", at: n.loc) }
        let c = Node(.cast, at: n.loc)
        c.lhs = n; c.type = type
        return c
    }

    func requireScalar(_ n: Node, _ what: String) throws {
        if !n.type.isScalar && !n.type.isPointerLike { throw CompileError("\(what) requires a scalar operand, not '\(n.type)'", at: n.loc) }
    }

    func requireInteger(_ n: Node, _ op: String) throws {
        if !n.type.isInteger { throw CompileError("invalid operand to '\(op)' (have '\(n.type)')", at: n.loc) }
    }

    /// Arithmetic on integers: * / % & | ^ and the integer cases of + and -.
    func arithmetic(_ kind: Node.Kind, _ l: Node, _ r: Node, op: String, at loc: SourceLocation) throws -> Node {
        guard l.type.isInteger && r.type.isInteger else {
            throw CompileError("invalid operands to binary '\(op)' (have '\(l.type)' and '\(r.type)')", at: loc)
        }
        let t = commonType(l.type, r.type)
        return binary(kind, try cast(l, to: t), try cast(r, to: t), type: t, at: loc)
    }

    func shift(_ kind: Node.Kind, _ l: Node, _ r: Node, op: String, at loc: SourceLocation) throws -> Node {
        guard l.type.isInteger && r.type.isInteger else {
            throw CompileError("invalid operands to binary '\(op)' (have '\(l.type)' and '\(r.type)')", at: loc)
        }
        let t = promoted(l.type)
        return binary(kind, try cast(l, to: t), try cast(r, to: .int), type: t, at: loc)
    }

    func pointerType(_ t: CType) -> CType? {
        if t.kind == .pointer { return t }
        if t.kind == .array { return .pointer(to: t.base!) }
        return nil
    }

    /// `p + n` scales n by the pointee size; `n + p` is turned around.
    func add(_ l: Node, _ r: Node, at loc: SourceLocation) throws -> Node {
        if l.type.isInteger && r.type.isInteger { return try arithmetic(.add, l, r, op: "+", at: loc) }
        if let p = pointerType(l.type), r.type.isInteger { return try pointerOffset(.add, l, p, r, at: loc) }
        if let p = pointerType(r.type), l.type.isInteger { return try pointerOffset(.add, r, p, l, at: loc) }
        throw CompileError("invalid operands to binary '+' (have '\(l.type)' and '\(r.type)')", at: loc)
    }

    func pointerOffset(_ kind: Node.Kind, _ p: Node, _ pt: CType, _ i: Node, at loc: SourceLocation) throws -> Node {
        // BEGIN SOLUTION ctoriscv.6: scale the integer operand by the pointee size (reject void, function and incomplete pointees)
        let base = pt.base!
        if base.kind == .void || base.kind == .function || !base.isComplete {
            throw CompileError("arithmetic on a pointer to an incomplete type '\(base)'", at: loc)
        }
        let scaled = binary(.mul, try cast(i, to: .int), number(Int64(base.size), at: loc), type: .int, at: loc)
        return binary(kind, p, scaled, type: pt, at: loc)
        // END SOLUTION ctoriscv.6
    }

    /// `p - n` steps back; `p - q` counts elements between two pointers of the same type.
    func sub(_ l: Node, _ r: Node, at loc: SourceLocation) throws -> Node {
        if l.type.isInteger && r.type.isInteger { return try arithmetic(.sub, l, r, op: "-", at: loc) }
        if let p = pointerType(l.type), r.type.isInteger { return try pointerOffset(.sub, l, p, r, at: loc) }
        if let p = pointerType(l.type), let q = pointerType(r.type) {
            guard p.base!.isCompatible(with: q.base!), p.base!.size > 0, p.base!.kind != .void else {
                throw CompileError("invalid operands to binary '-' (have '\(l.type)' and '\(r.type)')", at: loc)
            }
            let diff = binary(.sub, l, r, type: .int, at: loc)
            return binary(.div, diff, number(Int64(p.base!.size), at: loc), type: .int, at: loc)
        }
        throw CompileError("invalid operands to binary '-' (have '\(l.type)' and '\(r.type)')", at: loc)
    }

    /// == != < <=: integers get the usual conversions; pointers compare as unsigned addresses.
    func compare(_ kind: Node.Kind, _ l: Node, _ r: Node, op: String, at loc: SourceLocation) throws -> Node {
        if l.type.isInteger && r.type.isInteger {
            let t = commonType(l.type, r.type)
            return binary(kind, try cast(l, to: t), try cast(r, to: t), type: .int, at: loc)
        }
        guard (l.type.isScalar || l.type.isPointerLike) && (r.type.isScalar || r.type.isPointerLike) else {
            throw CompileError("invalid operands to binary '\(op)' (have '\(l.type)' and '\(r.type)')", at: loc)
        }
        return binary(kind, try cast(l, to: .uint), try cast(r, to: .uint), type: .int, at: loc)
    }

    func logical(_ kind: Node.Kind, _ l: Node, _ r: Node, op: String, at loc: SourceLocation) throws -> Node {
        try requireScalar(l, "'\(op)'"); try requireScalar(r, "'\(op)'")
        return binary(kind, l, r, type: .int, at: loc)
    }

    func isLvalue(_ n: Node) -> Bool {
        switch n.kind {
        case .variable, .deref: return true
        case .member: return true
        case .comma: return n.lhs?.kind == .block && isLvalue(n.rhs!)     // a compound literal
        default: return false
        }
    }

    /// `l = r`: l must be a modifiable lvalue; r is converted to l's type.
    func assign(_ l: Node, _ r: Node, at loc: SourceLocation, initializing: Bool = false) throws -> Node {
        guard isLvalue(l) else { throw CompileError("lvalue required as left operand of assignment", at: loc) }
        if l.type.kind == .array { throw CompileError("assignment to expression with array type", at: loc) }
        if l.type.isConst && !initializing { throw CompileError("assignment of read-only location", at: loc) }
        if l.type.kind == .structure || l.type.kind == .union {
            guard l.type.isCompatible(with: r.type) else { throw CompileError("incompatible types when assigning to type '\(l.type)' from type '\(r.type)'", at: loc) }
            return binary(.assign, l, r, type: l.type, at: loc)
        }
        if !l.type.isScalar { throw CompileError("cannot assign to '\(l.type)'", at: loc) }
        if !r.type.isScalar && !r.type.isPointerLike { throw CompileError("incompatible types when assigning to type '\(l.type)' from type '\(r.type)'", at: loc) }
        return binary(.assign, l, try cast(r, to: l.type), type: l.type, at: loc)
    }

    /// `(T){ ... }` (C99): an unnamed object, in the frame inside a function (initialized where
    /// the literal stands), static at file scope; the expression is that object, an lvalue.
    func compoundLiteral(_ t: CType, at loc: SourceLocation) throws -> Node {
        if t.kind == .function || t.kind == .void || (!t.isComplete && t.kind != .array) {
            throw CompileError("compound literal has incomplete type '\(t)'", at: loc)
        }
        if currentReturnType == nil {
            let v = Variable(name: uniqueLabel("compound"), type: t, isLocal: false)
            v.isStatic = true; v.isDefinition = true
            program.globals.append(v)
            try globalInitializer(v)
            return variableNode(v, at: loc)
        }
        let v = temporary(t)
        v.addressTaken = true
        let initialize = try localInitializer(v, at: loc)
        return binary(.comma, initialize, variableNode(v, at: loc), type: v.type, at: loc)
    }

    /// A hidden local, for lowering `a op= b` and `a++`.
    func temporary(_ type: CType) -> Variable {
        let v = Variable(name: "", type: type, isLocal: true)
        locals.append(v)
        return v
    }

    func variableNode(_ v: Variable, at loc: SourceLocation) -> Node {
        v.uses += 1
        let n = Node(.variable, at: loc)
        n.variable = v; n.type = v.type
        return n
    }

    /// `a op= b` becomes `(t = &a, *t = *t op b)` so that `a` is evaluated once.
    func compoundAssign(_ op: String, _ l: Node, _ r: Node, at loc: SourceLocation) throws -> Node {
        guard isLvalue(l) else { throw CompileError("lvalue required as left operand of assignment", at: loc) }
        if l.kind == .variable {                     // naming a variable has no side effects: a = a op b
            return try assign(l, try binaryOperator(op, l, r, at: loc), at: loc)
        }
        let t = temporary(.pointer(to: l.type))
        let setT = try assign(variableNode(t, at: loc), try address(l, at: loc), at: loc)
        let target = try deref(variableNode(t, at: loc), at: loc)
        let value = try binaryOperator(op, try deref(variableNode(t, at: loc), at: loc), r, at: loc)
        let store = try assign(target, value, at: loc)
        return binary(.comma, setT, store, type: store.type, at: loc)
    }

    /// `a++` becomes `(typeof a)((a += 1) - 1)`.
    func postIncrement(_ n: Node, _ delta: Int64, at loc: SourceLocation) throws -> Node {
        try requireScalar(n, "increment")
        let inc = try compoundAssign("+", n, number(delta, at: loc), at: loc)
        let back = try add(inc, number(-delta, at: loc), at: loc)
        return try cast(back, to: n.type)
    }

    func binaryOperator(_ op: String, _ l: Node, _ r: Node, at loc: SourceLocation) throws -> Node {
        switch op {
        case "+": return try add(l, r, at: loc)
        case "-": return try sub(l, r, at: loc)
        case "*": return try arithmetic(.mul, l, r, op: op, at: loc)
        case "/": return try arithmetic(.div, l, r, op: op, at: loc)
        case "%": return try arithmetic(.mod, l, r, op: op, at: loc)
        case "&": return try arithmetic(.bitAnd, l, r, op: op, at: loc)
        case "|": return try arithmetic(.bitOr, l, r, op: op, at: loc)
        case "^": return try arithmetic(.bitXor, l, r, op: op, at: loc)
        case "<<": return try shift(.shl, l, r, op: op, at: loc)
        default: return try shift(.shr, l, r, op: op, at: loc)
        }
    }

    func deref(_ n: Node, at loc: SourceLocation) throws -> Node {
        if n.type.kind == .function { return n }
        guard let p = pointerType(n.type) else { throw CompileError("invalid type argument of unary '*' (have '\(n.type)')", at: loc) }
        if p.base!.kind == .void { throw CompileError("dereferencing 'void *' pointer", at: loc) }
        let d = Node(.deref, at: loc)
        d.lhs = n; d.type = p.base!
        return d
    }

    func address(_ n: Node, at loc: SourceLocation) throws -> Node {
        guard isLvalue(n) || n.kind == .function else { throw CompileError("lvalue required as unary '&' operand", at: loc) }
        n.variable?.addressTaken = true
        let a = Node(.address, at: loc)
        a.lhs = n; a.type = .pointer(to: n.type)
        return a
    }

    func member(_ n: Node, _ name: Token) throws -> Node {
        guard n.type.kind == .structure || n.type.kind == .union else {
            throw CompileError("request for member '\(name.text)' in something not a structure or union", at: name.loc)
        }
        guard let m = n.type.members.first(where: { $0.name == name.text }) else {
            throw CompileError("'\(n.type)' has no member named '\(name.text)'", at: name.loc)
        }
        let x = Node(.member, at: name.loc)
        x.lhs = n; x.member = m
        x.type = m.type
        if n.type.isConst && !m.type.isConst { x.type = m.type.copy(); x.type.isConst = true }
        return x
    }

    /// `c ? a : b`: arithmetic arms meet in their common type, pointer arms keep the first.
    func conditional(_ c: Node, _ a: Node, _ b: Node, at loc: SourceLocation) throws -> Node {
        try requireScalar(c, "condition")
        let n = Node(.conditional, at: loc)
        n.cond = c
        if a.type.isInteger && b.type.isInteger {
            let t = commonType(a.type, b.type)
            n.then = try cast(a, to: t); n.els = try cast(b, to: t); n.type = t
        } else if a.type.kind == .void || b.type.kind == .void {
            n.then = a; n.els = b; n.type = .void
        } else if let p = pointerType(a.type) ?? (a.type.kind == .function ? .pointer(to: a.type) : nil) {
            n.then = a; n.els = try cast(b, to: p); n.type = p
            if b.type.kind == .pointer && a.type.kind == .pointer && a.type.base!.kind == .void { n.type = b.type }
        } else if let p = pointerType(b.type) {
            n.then = try cast(a, to: p); n.els = b; n.type = p
        } else if a.type.isAggregate && a.type.isCompatible(with: b.type) && a.type.kind != .array {
            n.then = a; n.els = b; n.type = a.type
        } else {
            throw CompileError("type mismatch in conditional expression ('\(a.type)' and '\(b.type)')", at: loc)
        }
        return n
    }

    /// A call: arguments are converted to the parameter types, or promoted without a prototype.
    func call(_ callee: Node, _ args: [Node], at loc: SourceLocation) throws -> Node {
        var ft = callee.type
        if ft.kind == .pointer, let b = ft.base, b.kind == .function { ft = b }
        guard ft.kind == .function else { throw CompileError("called object is not a function or function pointer", at: loc) }
        let name = callee.kind == .function ? callee.name : "function"
        if ft.hasPrototype || !ft.params.isEmpty {
            if args.count < ft.params.count { throw CompileError("too few arguments to \(name == "function" ? name : "function '\(name)'")", at: loc) }
            if args.count > ft.params.count && !ft.isVariadic && ft.hasPrototype {
                throw CompileError("too many arguments to \(name == "function" ? name : "function '\(name)'")", at: loc)
            }
        }
        var converted: [Node] = [], fixed = 0
        for (i, a) in args.enumerated() {
            if a.type.kind == .void { throw CompileError("invalid use of void expression", at: a.loc) }
            var words: [Node]
            if i < ft.params.count && isAggregateValue(ft.params[i]) != isAggregateValue(a.type) || i < ft.params.count && isAggregateValue(a.type) && !a.type.isCompatible(with: ft.params[i]) {
                throw CompileError("incompatible type for argument \(i + 1) of \(name == "function" ? name : "'\(name)'")", at: a.loc)
            }
            if isAggregateValue(a.type) { words = try aggregateArgument(a, at: a.loc) }
            else { words = [i < ft.params.count ? try cast(a, to: ft.params[i]) : try cast(a, to: promoted(a.type))] }
            converted += words
            if i < ft.params.count { fixed += words.count }
        }
        let n = Node(.call, at: loc)
        n.lhs = callee; n.body = converted; n.type = ft.base!; n.calleeType = ft; n.fixedArguments = fixed
        n.name = callee.kind == .function ? callee.name : ""
        if isAggregateValue(ft.base!) { return try aggregateResult(n, ft.base!, at: loc) }
        return n
    }
}

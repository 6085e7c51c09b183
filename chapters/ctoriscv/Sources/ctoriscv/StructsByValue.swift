// Structs and unions by value, lowered to what the ILP32 psABI passes in registers.
//
// An aggregate of at most 8 bytes travels as integer words (one `unsigned`, two of them, or
// an `unsigned long long` when it needs 8-byte alignment) and comes back in a0/a1; a larger
// one is passed as a pointer to a copy the caller makes, and returned through a pointer the
// caller passes as a hidden first argument. All of it is rewritten in the AST here, with
// hidden temporaries, so the code generator only ever sees integer and pointer arguments.

extension Parser {
    func isAggregateValue(_ t: CType) -> Bool { t.kind == .structure || t.kind == .union }

    /// The integer type that carries an aggregate of at most 8 bytes.
    func carrier(_ t: CType) -> CType {
        if t.size <= 4 { return .uint }
        let c = CType.longLong; c.isUnsigned = true
        return c
    }

    /// `*(T *)&v`: the storage of `v` seen as a `T` (an lvalue).
    func reinterpret(_ v: Variable, as t: CType, word: Int = 0, at loc: SourceLocation) throws -> Node {
        let p = try cast(try address(variableNode(v, at: loc), at: loc), to: .pointer(to: t))
        return try deref(word == 0 ? p : try add(p, number(Int64(word), at: loc), at: loc), at: loc)
    }

    /// A hidden 8-byte temporary, big enough to hold any aggregate that travels in registers.
    func rawTemporary() -> Variable {
        let t = CType.longLong; t.isUnsigned = true
        return temporary(t)
    }

    /// The argument words that pass aggregate `a`, copying it first.
    func aggregateArgument(_ a: Node, at loc: SourceLocation) throws -> [Node] {
        if a.type.size > 8 {
            let copy = temporary(a.type)
            let fill = try assign(variableNode(copy, at: loc), a, at: loc)
            let pointer = try address(variableNode(copy, at: loc), at: loc)
            return [binary(.comma, fill, pointer, type: pointer.type, at: loc)]
        }
        let raw = rawTemporary()
        let fill = try assign(try reinterpret(raw, as: a.type, at: loc), a, at: loc)
        func first(_ t: CType) throws -> Node {
            let w = try reinterpret(raw, as: t, at: loc)
            return binary(.comma, fill, w, type: w.type, at: loc)
        }
        if a.type.size <= 4 || a.type.align == 8 { return [try first(carrier(a.type))] }
        return [try first(.uint), try reinterpret(raw, as: .uint, word: 1, at: loc)]
    }

    /// A call whose result is an aggregate: the value lands in a hidden temporary.
    func aggregateResult(_ call: Node, _ type: CType, at loc: SourceLocation) throws -> Node {
        if type.size > 8 {
            let result = temporary(type)
            call.body.insert(try address(variableNode(result, at: loc), at: loc), at: 0)
            call.fixedArguments += 1
            call.type = .void
            return binary(.comma, call, variableNode(result, at: loc), type: type, at: loc)
        }
        let raw = rawTemporary()
        call.type = carrier(type)
        let store = try assign(try reinterpret(raw, as: call.type, at: loc), call, at: loc)
        let value = try reinterpret(raw, as: type, at: loc)
        return binary(.comma, store, value, type: type, at: loc)
    }

    /// In a definition, the hidden parameters that receive aggregate `v`, and the statement
    /// that rebuilds `v` from them at the start of the body.
    func aggregateParameter(_ v: Variable, at loc: SourceLocation) throws -> (params: [Variable], copy: Node) {
        let s = Node(.exprStmt, at: loc)
        if v.type.size > 8 {
            let p = temporary(.pointer(to: v.type))
            s.lhs = try assign(variableNode(v, at: loc), try deref(variableNode(p, at: loc), at: loc), at: loc)
            return ([p], s)
        }
        let raw = rawTemporary()
        let words: [Variable] = v.type.size <= 4 || v.type.align == 8 ? [temporary(carrier(v.type))] : [temporary(.uint), temporary(.uint)]
        var e = try assign(variableNode(v, at: loc), try reinterpret(raw, as: v.type, at: loc), at: loc)
        for (k, w) in words.enumerated().reversed() {
            let fill = try assign(try reinterpret(raw, as: w.type, word: k, at: loc), variableNode(w, at: loc), at: loc)
            e = binary(.comma, fill, e, type: e.type, at: loc)
        }
        s.lhs = e
        return (words, s)
    }

    /// `return e;` in a function returning an aggregate.
    func aggregateReturn(_ e: Node, _ type: CType, at loc: SourceLocation) throws -> Node {
        if type.size > 8 {
            guard let out = hiddenResult else { throw CompileError("internal error: no result pointer", at: loc) }
            return try assign(try deref(variableNode(out, at: loc), at: loc), e, at: loc)
        }
        let raw = rawTemporary()
        let fill = try assign(try reinterpret(raw, as: type, at: loc), e, at: loc)
        let word = try reinterpret(raw, as: carrier(type), at: loc)
        return binary(.comma, fill, word, type: word.type, at: loc)
    }
}

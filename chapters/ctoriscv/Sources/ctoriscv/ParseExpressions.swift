// Expressions, from the comma operator down to primary expressions.

extension Parser {
    // expr = assign ("," assign)*
    func expr() throws -> Node {
        var n = try assignment()
        while current.is(",") {
            let loc = current.loc
            pos += 1
            let r = try assignment()
            n = try checkHeight(binary(.comma, n, r, type: r.type, at: loc))
        }
        return n
    }

    // assign = conditional (("=" | "+=" | "-=" | "*=" | "/=" | "%=" | "&=" | "|=" | "^=" | "<<=" | ">>=") assign)?
    func assignment() throws -> Node {
        try enter(); defer { leave() }
        let l = try conditionalExpr()
        let tok = current
        guard tok.kind == .punctuator else { return l }
        if tok.text == "=" { pos += 1; return try assign(l, try assignment(), at: tok.loc) }
        if ["+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>="].contains(tok.text) {
            pos += 1
            return try compoundAssign(String(tok.text.dropLast()), l, try assignment(), at: tok.loc)
        }
        return l
    }

    // conditional = logor ("?" expr ":" conditional)?
    func conditionalExpr() throws -> Node {
        let c = try binaryLevel(0)
        guard current.is("?") else { return c }
        let loc = current.loc
        pos += 1
        let a = try expr()
        try expect(":")
        let b = try conditionalExpr()
        return try conditional(c, a, b, at: loc)
    }

    static let binaryLevels: [[String]] = [["||"], ["&&"], ["|"], ["^"], ["&"], ["==", "!="],
                                           ["<", "<=", ">", ">="], ["<<", ">>"], ["+", "-"], ["*", "/", "%"]]

    // logor = logand ("||" logand)*          logand = bitor ("&&" bitor)*
    // bitor = bitxor ("|" bitxor)*           bitxor = bitand ("^" bitand)*
    // bitand = equality ("&" equality)*      equality = relational (("==" | "!=") relational)*
    // relational = shift (("<" | "<=" | ">" | ">=") shift)*
    // shift = add (("<<" | ">>") add)*       add = mul (("+" | "-") mul)*
    // mul = cast (("*" | "/" | "%") cast)*
    func binaryLevel(_ level: Int) throws -> Node {
        // BEGIN SOLUTION ctoriscv.4: parse the binary operators by precedence climbing over Parser.binaryLevels (left-associative; > and >= swap operands)
        if level == Parser.binaryLevels.count { return try castExpr() }
        var l = try binaryLevel(level + 1)
        while current.kind == .punctuator, let op = Parser.binaryLevels[level].first(where: { $0 == current.text }) {
            let loc = current.loc
            pos += 1
            let r = try binaryLevel(level + 1)
            switch op {
            case "||": l = try logical(.logOr, l, r, op: op, at: loc)
            case "&&": l = try logical(.logAnd, l, r, op: op, at: loc)
            case "==": l = try compare(.eq, l, r, op: op, at: loc)
            case "!=": l = try compare(.ne, l, r, op: op, at: loc)
            case "<": l = try compare(.lt, l, r, op: op, at: loc)
            case "<=": l = try compare(.le, l, r, op: op, at: loc)
            case ">": l = try compare(.lt, r, l, op: op, at: loc)
            case ">=": l = try compare(.le, r, l, op: op, at: loc)
            default: l = try binaryOperator(op, l, r, at: loc)
            }
            l = try checkHeight(l)
        }
        return l
        // END SOLUTION ctoriscv.4
    }

    // cast = "(" type-name ")" (cast | "{" initializer-list "}" postfix-tail) | unary
    func castExpr() throws -> Node {
        if current.is("(") && isTypeName(peek(1)) {
            let at = current.loc
            pos += 1
            let t = try typeName()
            try expect(")")
            try enter(); defer { leave() }
            if current.is("{") { return try postfix(try compoundLiteral(t, at: at)) }
            let operand = try castExpr()
            return try cast(operand, to: t)
        }
        return try unary()
    }

    // unary = ("+" | "-" | "&" | "*" | "!" | "~") cast | ("++" | "--") unary
    //       | "sizeof" unary | "sizeof" "(" type-name ")" | postfix
    func unary() throws -> Node {
        try enter(); defer { leave() }
        let tok = current
        if tok.kind == .punctuator {
            switch tok.text {
            case "+": pos += 1; let n = try castExpr(); try requireInteger(n, "unary +"); return try cast(n, to: promoted(n.type))
            case "-":
                pos += 1
                let n = try castExpr()
                try requireInteger(n, "unary -")
                let t = promoted(n.type)
                let x = Node(.neg, at: tok.loc); x.lhs = try cast(n, to: t); x.type = t
                return x
            case "&": pos += 1; return try address(try castExpr(), at: tok.loc)
            case "*": pos += 1; return try deref(try castExpr(), at: tok.loc)
            case "!":
                pos += 1
                let n = try castExpr()
                try requireScalar(n, "'!'")
                let x = Node(.not, at: tok.loc); x.lhs = n; x.type = .int
                return x
            case "~":
                pos += 1
                let n = try castExpr()
                try requireInteger(n, "unary ~")
                let t = promoted(n.type)
                let x = Node(.bitNot, at: tok.loc); x.lhs = try cast(n, to: t); x.type = t
                return x
            case "++", "--":
                pos += 1
                return try compoundAssign(tok.text == "++" ? "+" : "-", try unary(), number(1, at: tok.loc), at: tok.loc)
            default: break
            }
        }
        if tok.is("sizeof") {
            pos += 1
            let t: CType
            if current.is("(") && isTypeName(peek(1)) {
                pos += 1
                t = try typeName()
                try expect(")")
            } else {
                t = try unary().type
            }
            if t.kind == .function || t.kind == .void || !t.isComplete || (t.kind == .array && t.count < 0) {
                throw CompileError("invalid application of 'sizeof' to an incomplete type", at: tok.loc)
            }
            return number(Int64(t.size), .uint, at: tok.loc)
        }
        return try postfix()
    }

    // postfix = primary ("[" expr "]" | "(" (assign ("," assign)*)? ")" | "." ident | "->" ident | "++" | "--")*
    func postfix(_ start: Node? = nil) throws -> Node {
        var n = try start ?? primary()
        while true {
            let tok = current
            if accept("[") {
                let i = try expr()
                try expect("]")
                n = try deref(try add(n, i, at: tok.loc), at: tok.loc)
            } else if accept("(") {
                var args: [Node] = []
                if !accept(")") {
                    repeat { args.append(try assignment()) } while accept(",")
                    try expect(")")
                }
                n = try call(n, args, at: tok.loc)
            } else if accept(".") {
                n = try member(n, try identifier())
            } else if accept("->") {
                n = try member(try deref(n, at: tok.loc), try identifier())
            } else if accept("++") {
                n = try postIncrement(n, 1, at: tok.loc)
            } else if accept("--") {
                n = try postIncrement(n, -1, at: tok.loc)
            } else {
                return n
            }
            n = try checkHeight(n)
        }
    }

    // primary = "(" expr ")" | identifier | number | character | string+
    //         | "__builtin_va_start" "(" assign ")" | "__builtin_va_arg" "(" assign "," type-name ")"
    func primary() throws -> Node {
        let tok = current
        if accept("(") {
            if current.is("{") { throw CompileError("statement expressions (a GNU extension) are not supported", at: current.loc) }
            let n = try expr()
            try expect(")")
            return n
        }
        switch tok.kind {
        case .number:
            pos += 1
            return number(Int64(bitPattern: tok.value), literalType(tok), at: tok.loc)
        case .character:
            pos += 1
            return number(tok.isWide ? Int64(Int32(truncatingIfNeeded: tok.value)) : Int64(tok.value), at: tok.loc)
        case .string:
            pos += 1
            return stringLiteral(tok)
        case .identifier:
            if tok.text == "__builtin_va_start" || tok.text == "__builtin_va_arg" { return try variadicBuiltin() }
            if keywords.contains(tok.text) {
                throw CompileError("expected expression before '\(tok.text)'", at: tok.loc)
            }
            pos += 1
            switch lookup(tok.text) {
            case .variable(let v)?:
                if v.isFunction {
                    let f = Node(.function, at: tok.loc); f.name = v.name; f.type = v.type
                    return f
                }
                return variableNode(v, at: tok.loc)
            case .enumConstant(let value)?:
                return number(value, at: tok.loc)
            case .typedef?:
                throw CompileError("unexpected type name '\(tok.text)'", at: tok.loc)
            case nil:
                if current.is("(") {          // C89 implicit declaration: int name()
                    let t = CType.function(returning: .int); t.hasPrototype = false
                    let saved = scopes
                    scopes = [scopes[0]]
                    let v = try newGlobal(tok.text, t, at: tok.loc)
                    scopes = saved
                    scopes[0].names[tok.text] = .variable(v)
                    let f = Node(.function, at: tok.loc); f.name = v.name; f.type = v.type
                    return f
                }
                throw CompileError("'\(tok.text)' undeclared", at: tok.loc)
            }
        default:
            throw CompileError(tok.kind == .eof ? "expected expression at end of input" : "expected expression before '\(tok.text)'", at: tok.loc)
        }
    }

    /// int, then long, then the unsigned types, as C89 picks a constant's type.
    func literalType(_ tok: Token) -> CType {
        let v = tok.value
        if tok.longCount == 2 || v > 0xFFFF_FFFF {
            let t = CType.longLong
            t.isUnsigned = tok.isUnsignedSuffix || v > 0x7FFF_FFFF_FFFF_FFFF
            return t
        }
        let t: CType = tok.longCount == 1 ? .long : .int
        t.isUnsigned = tok.isUnsignedSuffix || v > 0x7FFF_FFFF
        return t
    }

    func variadicBuiltin() throws -> Node {
        let tok = current
        pos += 1
        guard currentIsVariadic else { throw CompileError("'\(tok.text)' used in a function with fixed arguments", at: tok.loc) }
        try expect("(")
        let ap = try assignment()
        guard isLvalue(ap), ap.type.kind == .pointer else { throw CompileError("va_list expected", at: ap.loc) }
        ap.variable?.addressTaken = true
        let n = Node(tok.text == "__builtin_va_start" ? .vaStart : .vaArg, at: tok.loc)
        n.lhs = ap
        n.type = .void
        if n.kind == .vaArg {
            try expect(",")
            n.type = try typeName()
            if !n.type.isScalar { throw CompileError("va_arg of type '\(n.type)' is not supported", at: tok.loc) }
        }
        try expect(")")
        return n
    }

    // const-expr = conditional   (evaluated at compile time)
    func constExpr() throws -> Int64 {
        let n = try conditionalExpr()
        return try evaluate(n)
    }
}

// Statements and block-scope declarations.

extension Parser {
    // compound-stmt = (typedef | declaration | stmt)* "}"
    func compoundStatement(at loc: SourceLocation) throws -> Node {
        let block = Node(.block, at: loc)
        pushScope()
        defer { popScope() }
        while !accept("}") {
            if current.kind == .eof { throw CompileError("expected '}' at end of input", at: current.loc) }
            if isTypeName(current) && !peek(1).is(":") {
                var attr = DeclAttributes()
                let base = try declspec(&attr)
                if attr.isTypedef { try typedefs(base); continue }
                block.body.append(try declaration(base, attr))
            } else {
                block.body.append(try statement())
            }
        }
        return block
    }

    // declaration = (declarator ("=" initializer)? ("," declarator ("=" initializer)?)*)? ";"
    func declaration(_ base: CType, _ attr: DeclAttributes) throws -> Node {
        let block = Node(.block, at: current.loc)
        var first = true
        while !accept(";") {
            if !first { try expect(",") }
            first = false
            let (t, nameTok) = try declarator(base)
            guard let name = nameTok else { throw CompileError("expected identifier in declaration", at: current.loc) }
            if t.kind == .void { throw CompileError("variable '\(name.text)' declared void", at: name.loc) }
            if t.kind == .function || attr.isExtern {        // a block-scope declaration of a global
                let v = try newGlobal(name.text, t, at: name.loc)
                declare(name.text, .variable(v))
                continue
            }
            if attr.isStatic {                               // a static local is a global with a private name
                let v = Variable(name: uniqueLabel("static.\(name.text)"), type: t, isLocal: false)
                v.isStatic = true; v.isDefinition = true
                program.globals.append(v)
                declare(name.text, .variable(v))
                if accept("=") { try globalInitializer(v) }
                continue
            }
            let v = newLocal(name.text, t)
            if accept("=") { block.body.append(try localInitializer(v, at: name.loc)) }
            if !v.type.isComplete || (v.type.kind == .array && v.type.count < 0) {
                throw CompileError("storage size of '\(name.text)' isn't known", at: name.loc)
            }
        }
        return block
    }

    // stmt = "return" expr? ";" | "if" "(" expr ")" stmt ("else" stmt)?
    //      | "switch" "(" expr ")" stmt | "case" const-expr ":" stmt | "default" ":" stmt
    //      | "for" "(" (declaration | expr? ";") expr? ";" expr? ")" stmt
    //      | "while" "(" expr ")" stmt | "do" stmt "while" "(" expr ")" ";"
    //      | "goto" ident ";" | "break" ";" | "continue" ";" | ident ":" stmt
    //      | "{" compound-stmt | expr? ";"
    func statement() throws -> Node {
        try enter(); defer { leave() }
        let tok = current
        let loc = tok.loc
        if accept("return") {
            let n = Node(.returnStmt, at: loc)
            if accept(";") {
                if currentReturnType?.kind != .void { /* C89 allows a bare return in a non-void function */ }
                return n
            }
            let e = try expr()
            try expect(";")
            guard let rt = currentReturnType else { return n }
            if rt.kind == .void { throw CompileError("'return' with a value, in function returning void", at: loc) }
            n.lhs = isAggregateValue(rt) ? try aggregateReturn(e, rt, at: loc) : try cast(e, to: rt)
            return n
        }
        if accept("if") {
            let n = Node(.ifStmt, at: loc)
            try expect("(")
            n.cond = try condition()
            try expect(")")
            n.then = try statement()
            if accept("else") { n.els = try statement() }
            return n
        }
        if accept("switch") {
            let n = Node(.switchStmt, at: loc)
            try expect("(")
            let c = try expr()
            try requireInteger(c, "switch")
            n.cond = try cast(c, to: promoted(c.type))
            try expect(")")
            n.breakLabel = uniqueLabel("break")
            switches.append(n); breakTargets.append(n.breakLabel)
            defer { switches.removeLast(); breakTargets.removeLast() }
            n.then = try statement()
            return n
        }
        if accept("case") {
            guard let sw = switches.last else { throw CompileError("case label not within a switch statement", at: loc) }
            let v = truncate(try constExpr(), to: sw.cond!.type)
            try expect(":")
            if sw.cases.contains(where: { $0.value == v }) { throw CompileError("duplicate case value", at: loc) }
            let n = Node(.caseLabel, at: loc)
            n.value = v; n.uniqueLabel = uniqueLabel("case")
            sw.cases.append(n)
            n.lhs = try statement()
            return n
        }
        if accept("default") {
            guard let sw = switches.last else { throw CompileError("'default' label not within a switch statement", at: loc) }
            if sw.defaultCase != nil { throw CompileError("multiple default labels in one switch", at: loc) }
            try expect(":")
            let n = Node(.caseLabel, at: loc)
            n.uniqueLabel = uniqueLabel("default")
            sw.defaultCase = n
            n.lhs = try statement()
            return n
        }
        if accept("for") {
            let n = Node(.forStmt, at: loc)
            try expect("(")
            pushScope()
            defer { popScope() }
            if isTypeName(current) {
                var attr = DeclAttributes()
                n.initStmt = try declaration(try declspec(&attr), attr)
            } else if !accept(";") {
                let s = Node(.exprStmt, at: current.loc); s.lhs = try expr(); n.initStmt = s
                try expect(";")
            }
            if !current.is(";") { n.cond = try condition() }
            try expect(";")
            if !current.is(")") { n.inc = try expr() }
            try expect(")")
            n.body = [try loopBody(n)]
            return n
        }
        if accept("while") {
            let n = Node(.forStmt, at: loc)
            try expect("(")
            n.cond = try condition()
            try expect(")")
            n.body = [try loopBody(n)]
            return n
        }
        if accept("do") {
            let n = Node(.doStmt, at: loc)
            n.body = [try loopBody(n)]
            try expect("while")
            try expect("(")
            n.cond = try condition()
            try expect(")")
            try expect(";")
            return n
        }
        if accept("goto") {
            let n = Node(.gotoStmt, at: loc)
            n.name = try identifier().text
            try expect(";")
            gotos.append(n)
            return n
        }
        if accept("break") {
            guard let target = breakTargets.last else { throw CompileError("break statement not within loop or switch", at: loc) }
            try expect(";")
            let n = Node(.breakStmt, at: loc); n.uniqueLabel = target
            return n
        }
        if accept("continue") {
            guard let target = continueTargets.last else { throw CompileError("continue statement not within a loop", at: loc) }
            try expect(";")
            let n = Node(.continueStmt, at: loc); n.uniqueLabel = target
            return n
        }
        if tok.kind == .identifier && !keywords.contains(tok.text) && peek(1).is(":") {
            pos += 2
            if labels[tok.text] != nil { throw CompileError("duplicate label '\(tok.text)'", at: loc) }
            let n = Node(.label, at: loc)
            n.name = tok.text; n.uniqueLabel = uniqueLabel("label")
            labels[tok.text] = n.uniqueLabel
            n.lhs = try statement()
            return n
        }
        if accept("{") { return try compoundStatement(at: loc) }
        if accept(";") { return Node(.null, at: loc) }
        let n = Node(.exprStmt, at: loc)
        n.lhs = try expr()
        try expect(";")
        return n
    }

    /// A controlling expression must be scalar.
    func condition() throws -> Node {
        let c = try expr()
        try requireScalar(c, "condition")
        return c
    }

    /// Parses a loop body with `break` and `continue` pointing at the loop's labels.
    func loopBody(_ loop: Node) throws -> Node {
        loop.breakLabel = uniqueLabel("break")
        loop.continueLabel = uniqueLabel("continue")
        breakTargets.append(loop.breakLabel); continueTargets.append(loop.continueLabel)
        defer { breakTargets.removeLast(); continueTargets.removeLast() }
        return try statement()
    }
}

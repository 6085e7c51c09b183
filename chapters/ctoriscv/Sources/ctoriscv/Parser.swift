// The parser: tokens -> typed AST, by recursive descent (after chibicc's parse.c).
//
// Design. Each grammar rule is one method, with the rule in a comment above it, so the
// grammar can be read off the code. Types are attached while nodes are built (Sema.swift):
// every expression leaves the parser with its C type, the usual arithmetic conversions made
// explicit as casts and pointer arithmetic scaled by the element size. Names live in a stack
// of block scopes holding variables, typedefs and enum constants, plus a tag namespace for
// struct/union/enum. The tricky corner of C's grammar, the declarator that reads inside-out
// (`int (*fp)(int)`), is parsed twice, chibicc-style: once to skip it and find the type
// suffix after it, then again with that suffix applied. Errors are thrown as `CompileError`
// at the offending token; nothing in here may trap on any input.

enum ScopeEntry {
    case variable(Variable)
    case typedef(CType)
    case enumConstant(Int64)
}

struct Scope {
    var names: [String: ScopeEntry] = [:]
    var tags: [String: CType] = [:]
}

let keywords: Set<String> = [
    "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
    "extern", "float", "for", "goto", "if", "int", "long", "register", "return", "short", "signed",
    "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while",
    "inline", "__builtin_va_start", "__builtin_va_arg",
]

/// The result of parsing a translation unit.
struct Program {
    var globals: [Variable] = []
    var functions: [Function] = []
}

final class Parser {
    let tokens: [Token]
    var pos = 0
    var scopes: [Scope] = [Scope()]
    var program = Program()
    var globalsByName: [String: Variable] = [:]
    // The function being parsed.
    var locals: [Variable] = []
    var currentReturnType: CType?
    /// Parsing a parameter's declarator (where `[static 5]` and `[const]` are allowed).
    var inParameter = false
    var currentFunctionName = ""
    var currentIsVariadic = false
    /// A function returning a large aggregate: the hidden pointer to the caller's buffer.
    var hiddenResult: Variable?
    var breakTargets: [String] = []
    var continueTargets: [String] = []
    var switches: [Node] = []
    var labels: [String: String] = [:]
    var gotos: [Node] = []
    var counter = 0
    var depth = 0

    init(tokens: [Token]) { self.tokens = tokens }

    // MARK: token helpers
    var current: Token { tokens[pos] }
    func peek(_ k: Int) -> Token { tokens[min(pos + k, tokens.count - 1)] }
    func accept(_ s: String) -> Bool {
        if current.is(s) && current.kind != .eof { pos += 1; return true }
        return false
    }
    func expect(_ s: String) throws {
        guard accept(s) else { throw CompileError("expected '\(s)'" + (current.kind == .eof ? " at end of input" : " before '\(current.text)'"), at: current.loc) }
    }
    func identifier() throws -> Token {
        guard current.kind == .identifier, !keywords.contains(current.text) else {
            throw CompileError("expected identifier" + (current.kind == .eof ? " at end of input" : " before '\(current.text)'"), at: current.loc)
        }
        defer { pos += 1 }
        return current
    }
    func uniqueLabel(_ kind: String) -> String { counter += 1; return ".L.\(kind).\(counter)" }

    /// Guards the recursion depth so that deeply nested input is an error, not a stack overflow.
    func enter() throws {
        depth += 1
        if depth > 150 { throw CompileError("nesting too deep", at: current.loc) }
    }
    func leave() { depth -= 1 }

    /// Expression trees taller than this are refused, so code generation cannot overflow the stack.
    func checkHeight(_ n: Node) throws -> Node {
        if n.height > 300 { throw CompileError("expression too complex", at: n.loc) }
        return n
    }

    // MARK: scopes
    func pushScope() { scopes.append(Scope()) }
    func popScope() { scopes.removeLast() }
    func lookup(_ name: String) -> ScopeEntry? {
        for s in scopes.reversed() { if let e = s.names[name] { return e } }
        return nil
    }
    func lookupTag(_ name: String) -> CType? {
        for s in scopes.reversed() { if let t = s.tags[name] { return t } }
        return nil
    }
    func declare(_ name: String, _ entry: ScopeEntry) { scopes[scopes.count - 1].names[name] = entry }

    func isTypeName(_ tok: Token) -> Bool {
        guard tok.kind == .identifier else { return false }
        if ["void", "char", "short", "int", "long", "signed", "unsigned", "struct", "union", "enum",
            "typedef", "static", "extern", "auto", "register", "const", "volatile", "inline", "float", "double"].contains(tok.text) { return true }
        if keywords.contains(tok.text) { return false }
        if case .typedef = lookup(tok.text) { return true }
        return false
    }

    /// Declares a local variable in the current scope and the current function's frame.
    func newLocal(_ name: String, _ type: CType) -> Variable {
        let v = Variable(name: name, type: type, isLocal: true)
        locals.append(v)
        declare(name, .variable(v))
        return v
    }

    /// Declares (or re-declares) a global variable or function.
    func newGlobal(_ name: String, _ type: CType, at loc: SourceLocation) throws -> Variable {
        if let v = globalsByName[name] {
            if v.isFunction != (type.kind == .function) || (!v.isFunction && !v.type.isCompatible(with: type) && !(v.type.kind == .array && type.kind == .array)) {
                throw CompileError("conflicting types for '\(name)'", at: loc)
            }
            if v.type.kind == .array && v.type.count < 0 { v.type = type }
            if v.isFunction && !v.type.hasPrototype && type.hasPrototype { v.type = type }
            declare(name, .variable(v))
            return v
        }
        let v = Variable(name: name, type: type, isLocal: false)
        v.isFunction = type.kind == .function
        globalsByName[name] = v
        program.globals.append(v)
        declare(name, .variable(v))
        return v
    }

    /// An anonymous global for a string literal; the node names it.
    func stringLiteral(_ tok: Token) -> Node {
        pos -= 1
        let (bytes, wide) = stringBytes()
        let v = Variable(name: uniqueLabel("str"), type: .array(of: wide ? .int : .char, count: bytes.count / (wide ? 4 : 1) + 1), isLocal: false)
        v.isStatic = true; v.isDefinition = true
        v.initData = bytes + [UInt8](repeating: 0, count: wide ? 4 : 1)
        program.globals.append(v)
        let n = Node(.variable, at: tok.loc)
        n.variable = v; n.type = v.type
        return n
    }
    func peekIsString() -> Bool { current.kind == .string }

    /// Adjacent string literals, concatenated: their bytes, 4 per character if any is wide.
    func stringBytes() -> (bytes: [UInt8], wide: Bool) {
        var parts: [Token] = []
        while peekIsString() { parts.append(current); pos += 1 }
        let wide = parts.contains { $0.isWide }
        return (parts.flatMap { p in wide && !p.isWide ? p.bytes.flatMap { [$0, 0, 0, 0] } : p.bytes }, wide)
    }

    // program = (typedef | function-definition | global-declaration)*
    func parseProgram() throws -> Program {
        while current.kind != .eof {
            if accept(";") { continue }
            let start = current
            var attr = DeclAttributes()
            let base = try declspec(&attr)
            if attr.isTypedef { try typedefs(base); continue }
            if accept(";") { continue }     // struct/enum declaration only
            let (type, name) = try declarator(base)
            guard let nameTok = name else { throw CompileError("expected identifier in declaration", at: start.loc) }
            if type.kind == .function && (current.is("{") || (type.isKandR && isTypeName(current))) {
                try functionDefinition(type, nameTok, attr)
                continue
            }
            try globalDeclaration(base, type, nameTok, attr)
        }
        return program
    }

    // global-declaration = declarator ("=" initializer)? ("," declarator ("=" initializer)?)* ";"
    func globalDeclaration(_ base: CType, _ firstType: CType, _ firstName: Token, _ attr: DeclAttributes) throws {
        var type = firstType, name = firstName
        while true {
            if type.kind == .void { throw CompileError("variable '\(name.text)' declared void", at: name.loc) }
            let v = try newGlobal(name.text, type, at: name.loc)
            if attr.isStatic { v.isStatic = true }
            if !v.isFunction {
                if accept("=") {
                    if v.initData != nil { throw CompileError("redefinition of '\(name.text)'", at: name.loc) }
                    try globalInitializer(v)
                    v.isDefinition = true
                } else if !attr.isExtern { v.isDefinition = true }
                if v.isDefinition && !v.type.isComplete && v.type.kind != .array {
                    throw CompileError("storage size of '\(name.text)' isn't known", at: name.loc)
                }
            }
            if accept(";") { return }
            try expect(",")
            let (t, n) = try declarator(base)
            guard let nn = n else { throw CompileError("expected identifier", at: current.loc) }
            (type, name) = (t, nn)
        }
    }

    // typedef = declarator ("," declarator)* ";"
    func typedefs(_ base: CType) throws {
        repeat {
            let (t, name) = try declarator(base)
            guard let n = name else { throw CompileError("typedef name missing", at: current.loc) }
            declare(n.text, .typedef(t))
        } while accept(",")
        try expect(";")
    }

    // function-definition = declarator kr-declaration* "{" compound-stmt
    func functionDefinition(_ type: CType, _ name: Token, _ attr: DeclAttributes) throws {
        if type.isKandR { try kandRParameters(type) }
        let fv = try newGlobal(name.text, type, at: name.loc)
        if fv.isDefinition { throw CompileError("redefinition of '\(name.text)'", at: name.loc) }
        fv.isDefinition = true
        if attr.isStatic { fv.isStatic = true }
        if type.base!.kind == .array { throw CompileError("function cannot return an array", at: name.loc) }
        locals = []; labels = [:]; gotos = []
        currentReturnType = type.base; currentFunctionName = name.text; currentIsVariadic = type.isVariadic
        pushScope()
        var params: [Variable] = [], copies: [Node] = []
        hiddenResult = nil
        if isAggregateValue(type.base!) && type.base!.size > 8 {     // the caller's result buffer
            let out = temporary(.pointer(to: type.base!))
            hiddenResult = out
            params.append(out)
        }
        for (i, pt) in type.params.enumerated() {
            guard let pn = type.paramNames[i] else { throw CompileError("parameter name omitted", at: name.loc) }
            let v = newLocal(pn.text, pt)
            if isAggregateValue(pt) {
                let (hidden, copy) = try aggregateParameter(v, at: pn.loc)
                params += hidden; copies.append(copy)
            } else { params.append(v) }
        }
        let bodyLoc = current.loc
        try expect("{")
        let body = try compoundStatement(at: bodyLoc)
        body.body.insert(contentsOf: copies, at: 0)
        popScope()
        for g in gotos {
            guard let target = labels[g.name] else { throw CompileError("label '\(g.name)' used but not defined", at: g.loc) }
            g.uniqueLabel = target
        }
        let f = Function(name: name.text, type: type, body: body)
        f.params = params; f.locals = locals; f.isStatic = fv.isStatic
        program.functions.append(f)
        currentReturnType = nil
    }

    // kr-declaration = declspec declarator ("," declarator)* ";"
    func kandRParameters(_ type: CType) throws {
        while isTypeName(current) {
            var attr = DeclAttributes()
            let base = try declspec(&attr)
            repeat {
                let (t, name) = try declarator(base)
                guard let n = name, let i = type.paramNames.firstIndex(where: { $0?.text == n.text }) else {
                    throw CompileError("declaration for parameter that is not in the parameter list", at: current.loc)
                }
                type.params[i] = promotedParameter(t)
            } while accept(",")
            try expect(";")
        }
    }
}

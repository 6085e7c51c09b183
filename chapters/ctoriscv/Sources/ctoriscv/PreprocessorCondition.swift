// `#if` conditions: `defined`, macro expansion, then a small constant-expression evaluator.

extension Preprocessor {
    /// Evaluates the tokens of an `#if`/`#elif` line to true or false.
    mutating func evalCondition(_ line: [Token], at directive: Token) throws -> Bool {
        // Replace `defined X` / `defined(X)` before expanding macros.
        var toks: [Token] = [], i = 0
        while i < line.count {
            if line[i].is("defined") {
                var j = i + 1
                let paren = j < line.count && line[j].is("(")
                if paren { j += 1 }
                guard j < line.count, line[j].kind == .identifier else { throw CompileError("macro name missing after 'defined'", at: line[i].loc) }
                var one = line[i]
                one.kind = .number; one.value = macros[line[j].text] != nil ? 1 : 0; one.text = String(one.value)
                toks.append(one)
                j += 1
                if paren { guard j < line.count, line[j].is(")") else { throw CompileError("expected ')' after 'defined'", at: line[i].loc) }; j += 1 }
                i = j; continue
            }
            toks.append(line[i]); i += 1
        }
        var sub = Preprocessor(includePaths: [])
        sub.macros = macros
        var expanded = try sub.run(toks + [Token(kind: .eof, text: "", loc: directive.loc)])
        let end = expanded.removeLast()
        if expanded.isEmpty { throw CompileError("#\(directive.text) with no expression", at: directive.loc) }
        var e = ConditionEvaluator(tokens: expanded, end: end)
        let v = try e.conditional()
        if e.pos < expanded.count { throw CompileError("extra token in #\(directive.text) expression", at: expanded[e.pos].loc) }
        return v != 0
    }
}

/// Precedence climbing over preprocessor tokens, in 64-bit signed arithmetic. An operand that
/// `&&`, `||` or `?:` never evaluates is still parsed, but with `dead` above zero: there a
/// division by zero is no error (`#if 0 && (1 / 0)` is valid C).
struct ConditionEvaluator {
    let tokens: [Token]
    let end: Token
    var pos = 0
    var dead = 0

    /// Parses an operand that is not evaluated when `live` is false.
    mutating func operand(live: Bool, _ parse: (inout ConditionEvaluator) throws -> Int64) rethrows -> Int64 {
        if !live { dead += 1 }
        defer { if !live { dead -= 1 } }
        return try parse(&self)
    }

    var current: Token { pos < tokens.count ? tokens[pos] : end }
    mutating func accept(_ s: String) -> Bool { if current.is(s) && pos < tokens.count { pos += 1; return true }; return false }

    static let levels: [[String]] = [["||"], ["&&"], ["|"], ["^"], ["&"], ["==", "!="], ["<", "<=", ">", ">="], ["<<", ">>"], ["+", "-"], ["*", "/", "%"]]

    // conditional = binary(0) ("?" conditional ":" conditional)?
    mutating func conditional() throws -> Int64 {
        let c = try binary(0)
        guard accept("?") else { return c }
        let a = try operand(live: c != 0) { try $0.conditional() }
        guard accept(":") else { throw CompileError("expected ':' in #if expression", at: current.loc) }
        let b = try operand(live: c == 0) { try $0.conditional() }
        return c != 0 ? a : b
    }

    // binary(n) = binary(n+1) (op(n) binary(n+1))*
    mutating func binary(_ level: Int) throws -> Int64 {
        if level == ConditionEvaluator.levels.count { return try unary() }
        var l = try binary(level + 1)
        while let op = ConditionEvaluator.levels[level].first(where: { current.is($0) }), pos < tokens.count {
            let at = current.loc
            pos += 1
            let live = op == "||" ? l == 0 : op == "&&" ? l != 0 : true
            let r = try operand(live: live) { try $0.binary(level + 1) }
            switch op {
            case "||": l = (l != 0 || r != 0) ? 1 : 0
            case "&&": l = (l != 0 && r != 0) ? 1 : 0
            case "|": l |= r
            case "^": l ^= r
            case "&": l &= r
            case "==": l = l == r ? 1 : 0
            case "!=": l = l != r ? 1 : 0
            case "<": l = l < r ? 1 : 0
            case "<=": l = l <= r ? 1 : 0
            case ">": l = l > r ? 1 : 0
            case ">=": l = l >= r ? 1 : 0
            case "<<": l = l << (r & 63)
            case ">>": l = l >> (r & 63)
            case "+": l = l &+ r
            case "-": l = l &- r
            case "*": l = l &* r
            default:
                if r == 0 { if dead > 0 { l = 0; continue }; throw CompileError("division by zero in #if", at: at) }
                if l == Int64.min && r == -1 { l = op == "/" ? l : 0 } else { l = op == "/" ? l / r : l % r }
            }
        }
        return l
    }

    // unary = ("+" | "-" | "!" | "~") unary | "(" conditional ")" | number | identifier
    mutating func unary() throws -> Int64 {
        let t = current
        if accept("+") { return try unary() }
        if accept("-") { return 0 &- (try unary()) }
        if accept("!") { return try unary() == 0 ? 1 : 0 }
        if accept("~") { return ~(try unary()) }
        if accept("(") {
            let v = try conditional()
            guard accept(")") else { throw CompileError("expected ')' in #if expression", at: current.loc) }
            return v
        }
        guard pos < tokens.count else { throw CompileError("expected expression in #if", at: t.loc) }
        pos += 1
        switch t.kind {
        case .number, .character: return Int64(bitPattern: t.value)
        case .identifier: return 0
        default: throw CompileError("invalid token in #if expression", at: t.loc)
        }
    }
}

// The preprocessor: tokens -> tokens, with macros, conditionals and includes.
//
// Design (after chibicc's preprocess.c): the input is a stack of pending tokens, popped one
// at a time. A directive (`#` first on its line) is executed; a macro name is replaced by
// its expansion, which is pushed back onto the stack to be rescanned. Every token carries a
// hide set, the macros that produced it, so that a macro never expands inside itself
// (Prosser's algorithm). `#if` evaluates a constant expression after `defined` and macro
// expansion; identifiers left over are 0.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct Macro {
    var params: [String]?          // nil: object-like
    var body: [Token]
}

/// Headers the compiler provides, so programs can `#include <stdio.h>` without a libc.
let builtinHeaders: [String: String] = [
    "stdarg.h": "#ifndef __STDARG_H\n#define __STDARG_H\ntypedef char *va_list;\n#define va_start(ap, last) __builtin_va_start(ap)\n#define va_arg(ap, t) __builtin_va_arg(ap, t)\n#define va_end(ap) ((void)0)\n#endif\n",
    "stddef.h": "#ifndef __STDDEF_H\n#define __STDDEF_H\n#define NULL ((void *)0)\ntypedef unsigned int size_t;\ntypedef int ptrdiff_t;\n#define offsetof(t, m) ((size_t)&((t *)0)->m)\n#endif\n",
    "stdio.h": "#ifndef __STDIO_H\n#define __STDIO_H\n#define NULL ((void *)0)\n#define EOF (-1)\nint putchar(int c);\nint puts(const char *s);\nint printf(const char *fmt, ...);\n#endif\n",
    "stdlib.h": "#ifndef __STDLIB_H\n#define __STDLIB_H\n#define NULL ((void *)0)\nvoid exit(int code);\nint abs(int x);\n#endif\n",
    "string.h": "#ifndef __STRING_H\n#define __STRING_H\n#define NULL ((void *)0)\nunsigned int strlen(const char *s);\nint strcmp(const char *a, const char *b);\nchar *strcpy(char *d, const char *s);\nvoid *memcpy(void *d, const void *s, unsigned int n);\nvoid *memset(void *d, int c, unsigned int n);\n#endif\n",
]

struct Preprocessor {
    var macros: [String: Macro] = [:]
    var pending: [Token] = []               // reversed: the next token is `pending.last`
    var conditions: [(taken: Bool, inElse: Bool)] = []
    var includePaths: [String]
    var includeDepth = 0
    /// How deep macro arguments are being expanded inside other macro arguments.
    var nesting = 0

    init(includePaths: [String]) { self.includePaths = includePaths }

    mutating func pop() -> Token { pending.popLast() ?? pending[0] }
    func peekToken() -> Token? { pending.last }
    mutating func push(_ tokens: [Token]) { pending.append(contentsOf: tokens.reversed()) }

    /// Preprocesses a whole token list (ending in `.eof`) into the token list the parser reads.
    mutating func run(_ tokens: [Token]) throws -> [Token] {
        push(tokens)
        var out: [Token] = []
        while let tok = pending.popLast() {
            if tok.kind == .eof {
                if !conditions.isEmpty { throw CompileError("unterminated conditional directive", at: tok.loc) }
                out.append(tok)
                return out
            }
            if tok.is("#") && tok.atLineStart { try directive(tok); continue }
            if try expandMacro(tok) { continue }
            out.append(tok)
        }
        return out
    }

    /// The rest of the directive's line.
    mutating func lineTokens() -> [Token] {
        var line: [Token] = []
        while let t = peekToken(), !t.atLineStart, t.kind != .eof { line.append(pop()) }
        return line
    }

    mutating func directive(_ hash: Token) throws {
        guard let name = peekToken(), !name.atLineStart, name.kind != .eof else { return }  // null directive
        _ = pop()
        var line = lineTokens()
        switch name.text {
        case "define": try define(line, at: name)
        case "undef":
            guard let id = line.first, id.kind == .identifier else { throw CompileError("macro name missing", at: name.loc) }
            macros[id.text] = nil
        case "include": try include(line, at: name)
        case "if": try beginConditional(try evalCondition(line, at: name))
        case "ifdef", "ifndef":
            guard let id = line.first, id.kind == .identifier else { throw CompileError("macro name missing", at: name.loc) }
            try beginConditional((macros[id.text] != nil) == (name.text == "ifdef"))
        case "elif":
            guard var top = conditions.popLast(), !top.inElse else { throw CompileError("#elif without #if", at: name.loc) }
            if top.taken { conditions.append(top); try skip() } else {
                top.taken = try evalCondition(line, at: name)
                conditions.append(top)
                if !top.taken { try skip() }
            }
        case "else":
            guard var top = conditions.popLast(), !top.inElse else { throw CompileError("#else without #if", at: name.loc) }
            top.inElse = true
            conditions.append(top)
            if top.taken { try skip() }
            else { conditions[conditions.count - 1].taken = true }
        case "endif":
            if conditions.popLast() == nil { throw CompileError("#endif without #if", at: name.loc) }
        case "error":
            line.removeAll()
            throw CompileError("#error", at: name.loc)
        case "line": try lineDirective(line, at: name)
        case "pragma", "ident": break
        default: throw CompileError("invalid preprocessing directive #\(name.text)", at: name.loc)
        }
    }

    // line-directive = "#" "line" digit-sequence string? (after macro expansion)
    /// Renumbers the rest of this file: the next line is line N (of file "name").
    mutating func lineDirective(_ line: [Token], at directive: Token) throws {
        var sub = Preprocessor(includePaths: [])
        sub.macros = macros
        var toks = try sub.run(line + [Token(kind: .eof, text: "", loc: directive.loc)])
        toks.removeLast()
        guard let n = toks.first, n.kind == .number, n.isDecimal, n.longCount == 0, !n.isUnsignedSuffix,
              n.value >= 1, n.value <= 2_147_483_647 else {
            throw CompileError("#line directive requires a positive integer argument", at: toks.first?.loc ?? directive.loc)
        }
        if toks.count > 1 && toks[1].kind != .string { throw CompileError("invalid filename in #line directive", at: toks[1].loc) }
        if toks.count > 2 { throw CompileError("extra tokens at end of #line directive", at: toks[2].loc) }
        let file = directive.loc.file
        let delta = Int(n.value) - (directive.loc.line + 1)
        let name = toks.count > 1 ? String(decoding: toks[1].bytes, as: UTF8.self) : directive.loc.presumedName
        // every later token of this file (the pending stack holds them, last first)
        for k in pending.indices.reversed() where pending[k].loc.file === file {
            if pending[k].loc.line <= directive.loc.line { continue }
            pending[k].loc.presumedLineDelta = delta
            pending[k].loc.presumedName = name
        }
    }

    mutating func beginConditional(_ taken: Bool) throws {
        conditions.append((taken, false))
        if !taken { try skip() }
    }

    /// Skips tokens until the `#elif`, `#else` or `#endif` that belongs to the current `#if`,
    /// leaving that directive to be read next.
    mutating func skip() throws {
        var depth = 0
        while let t = peekToken() {
            if t.kind == .eof { return }
            if t.is("#") && t.atLineStart, pending.count >= 2 {
                let d = pending[pending.count - 2]
                if !d.atLineStart {
                    if ["if", "ifdef", "ifndef"].contains(d.text) { depth += 1 }
                    else if d.text == "endif" { if depth == 0 { return }; depth -= 1 }
                    else if (d.text == "elif" || d.text == "else") && depth == 0 { return }
                }
            }
            _ = pop()
        }
    }

    // define = identifier ("(" params ")")? tokens
    mutating func define(_ line: [Token], at directive: Token) throws {
        guard let name = line.first, name.kind == .identifier else { throw CompileError("macro name must be an identifier", at: directive.loc) }
        if line.count > 1 && line[1].is("(") && !line[1].hasSpace {
            var params: [String] = [], i = 2
            while i < line.count && !line[i].is(")") {
                if !params.isEmpty || line[i].is(",") {
                    guard line[i].is(",") else { throw CompileError("expected ',' in macro parameters", at: line[i].loc) }
                    i += 1
                }
                guard i < line.count, line[i].kind == .identifier || line[i].is("...") else { throw CompileError("expected parameter name", at: i < line.count ? line[i].loc : name.loc) }
                params.append(line[i].is("...") ? "__VA_ARGS__" : line[i].text); i += 1
            }
            guard i < line.count else { throw CompileError("missing ')' in macro parameters", at: name.loc) }
            macros[name.text] = Macro(params: params, body: Array(line[(i + 1)...]))
        } else {
            macros[name.text] = Macro(params: nil, body: Array(line.dropFirst()))
        }
    }

    // include = "\"" file "\"" | "<" file ">"
    mutating func include(_ line: [Token], at directive: Token) throws {
        var path = "", angled = false
        if let first = line.first, first.kind == .string { path = String(decoding: first.bytes, as: UTF8.self) }
        else if let first = line.first, first.is("<") {
            angled = true
            for t in line.dropFirst() { if t.is(">") { break }; path += t.text }
        } else { throw CompileError("expected \"FILENAME\" or <FILENAME>", at: directive.loc) }
        includeDepth += 1
        if includeDepth > 200 { throw CompileError("#include nested too deeply", at: directive.loc) }
        var candidates: [String] = []
        if !angled, let slash = directive.loc.file.name.lastIndex(of: "/") {
            candidates.append(String(directive.loc.file.name[...slash]) + path)
        } else if !angled { candidates.append(path) }
        candidates += includePaths.map { $0 + "/" + path }
        for c in candidates {
            if let data = FileManager.default.contents(atPath: c) {
                var toks = try tokenize(SourceFile(name: c, text: String(decoding: data, as: UTF8.self)))
                toks.removeLast()
                push(toks)
                return
            }
        }
        if let text = builtinHeaders[path] {
            var toks = try tokenize(SourceFile(name: "<" + path + ">", text: text))
            toks.removeLast()
            push(toks)
            return
        }
        throw CompileError("cannot open include file '\(path)'", at: directive.loc)
    }

    /// Expands `tok` if it names a macro (pushing the expansion back); false if it does not.
    mutating func expandMacro(_ tok: Token) throws -> Bool {
        guard tok.kind == .identifier, !tok.hideSet.contains(tok.text) else { return false }
        if tok.text == "__LINE__" || tok.text == "__FILE__" {
            var t = tok
            if tok.text == "__LINE__" { t.kind = .number; t.value = UInt64(max(0, tok.loc.presumedLine)); t.text = String(t.value) }
            else { t.kind = .string; t.bytes = Array(tok.loc.presumedFileName.utf8); t.text = "\"\(tok.loc.presumedFileName)\"" }
            push([t])
            return true
        }
        guard let macro = macros[tok.text] else { return false }
        guard let params = macro.params else {
            var body = macro.body
            for k in body.indices {
                body[k].hideSet.formUnion(tok.hideSet); body[k].hideSet.insert(tok.text)
                body[k].loc = tok.loc; body[k].atLineStart = false
            }
            if let f = body.first { body[0].hasSpace = tok.hasSpace || f.hasSpace }
            push(try paste(body))
            return true
        }
        guard let open = peekToken(), open.is("(") else { return false }
        _ = pop()
        let args = try collectArguments(count: params.count, variadic: params.last == "__VA_ARGS__", macro: tok)
        var body = try substitute(macro.body, params: params, args: args, at: tok)
        for k in body.indices {
            body[k].hideSet.formUnion(tok.hideSet); body[k].hideSet.insert(tok.text)
            body[k].loc = tok.loc; body[k].atLineStart = false
        }
        push(body)
        return true
    }

    /// The arguments of a function-like macro call, after its "(", up to the matching ")".
    mutating func collectArguments(count: Int, variadic: Bool, macro: Token) throws -> [[Token]] {
        var args: [[Token]] = [[]], depth = 0
        while true {
            guard let t = pending.popLast(), t.kind != .eof else { throw CompileError("unterminated macro call", at: macro.loc) }
            if t.is("(") { depth += 1 } else if t.is(")") { if depth == 0 { break }; depth -= 1 }
            if t.is(",") && depth == 0 && !(variadic && args.count == count) { args.append([]); continue }
            args[args.count - 1].append(t)
        }
        if count == 0 && args.count == 1 && args[0].isEmpty { args = [] }
        if args.count != count { throw CompileError("macro '\(macro.text)' expects \(count) arguments, got \(args.count)", at: macro.loc) }
        return args
    }

    /// Replaces parameters in `body` by arguments (`#x` stringized, `x ## y` pasted, others expanded).
    func substitute(_ body: [Token], params: [String], args: [[Token]], at macro: Token) throws -> [Token] {
        // BEGIN SOLUTION ctoriscv.2: replace macro parameters by arguments: #x stringizes, x ## y pastes, any other argument is fully macro-expanded first
        var out: [Token] = [], i = 0
        func arg(_ t: Token) -> [Token]? { params.firstIndex(of: t.text).map { args[$0] } }
        while i < body.count {
            let t = body[i]
            if t.is("#"), i + 1 < body.count, let a = arg(body[i + 1]) {
                var s = t
                s.kind = .string
                var text = ""
                for (k, x) in a.enumerated() { if k > 0 && x.hasSpace { text += " " }; text += x.text }
                s.bytes = Array(text.utf8); s.text = "\"" + text + "\""
                out.append(s); i += 2; continue
            }
            let nextIsPaste = i + 1 < body.count && body[i + 1].is("##")
            let prevIsPaste = i > 0 && body[i - 1].is("##")
            if let a = arg(t) {
                if nextIsPaste || prevIsPaste { out += a } else {
                    var sub = Preprocessor(includePaths: [])
                    sub.macros = macros
                    sub.nesting = nesting + 1
                    if sub.nesting > 100 { throw CompileError("macro arguments nested too deeply", at: macro.loc) }
                    var expanded = try sub.run(a + [Token(kind: .eof, text: "", loc: macro.loc)])
                    expanded.removeLast()
                    if !expanded.isEmpty { expanded[0].hasSpace = t.hasSpace }
                    out += expanded
                }
            } else { out.append(t) }
            i += 1
        }
        return try paste(out)
        // END SOLUTION ctoriscv.2
    }

    /// Joins `a ## b` into one token by lexing the concatenated spelling.
    func paste(_ tokens: [Token]) throws -> [Token] {
        var out: [Token] = []
        var i = 0
        while i < tokens.count {
            if tokens[i].is("##"), let left = out.popLast(), i + 1 < tokens.count {
                let text = left.text + tokens[i + 1].text
                var toks = try tokenize(SourceFile(name: left.loc.file.name, text: text))
                guard toks.count == 2 else { throw CompileError("pasting forms '\(text)', an invalid token", at: left.loc) }
                toks[0].loc = left.loc; toks[0].hideSet = left.hideSet; toks[0].hasSpace = left.hasSpace
                out.append(toks[0]); i += 2; continue
            }
            out.append(tokens[i]); i += 1
        }
        return out
    }
}

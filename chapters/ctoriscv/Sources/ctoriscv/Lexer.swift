// The lexer: bytes -> tokens.
//
// One pass over the bytes, longest match first. Comments (/* */ and //) and white space
// become flags on the next token (`hasSpace`, `atLineStart`) because the preprocessor needs
// them; backslash-newline joins lines. Numbers get their value and suffix here, strings and
// characters their escape-processed bytes. Floating-point literals are rejected with a clear
// error: this compiler has integer types only.

/// Punctuators, longest first so that `>>=` wins over `>>` and `>`.
private let punctuators: [String] = [
    "<<=", ">>=", "...", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
    "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "##",
    "[", "]", "(", ")", "{", "}", ".", "&", "*", "+", "-", "~", "!", "/", "%", "<", ">",
    "^", "|", "?", ":", ";", "=", ",", "#",
].sorted { $0.count > $1.count }
/// Candidates by first byte, longest first: at most four comparisons per punctuator.
private let punctuatorsByFirstByte: [[(text: String, bytes: [UInt8])]] = {
    var table = [[(text: String, bytes: [UInt8])]](repeating: [], count: 256)
    for p in punctuators { let b = Array(p.utf8); table[Int(b[0])].append((p, b)) }
    return table
}()

struct Lexer {
    let file: SourceFile
    let b: [UInt8]
    var i = 0, line = 1, lineStart = 0

    init(file: SourceFile) {
        self.file = file
        // Join backslash-newline continuations, keeping a newline so line numbers stay right
        // for the lines after the continued one (the joined line is reported at its start).
        self.b = file.bytes
    }

    func loc(_ at: Int) -> SourceLocation { SourceLocation(file: file, line: line, column: at - lineStart + 1) }
    func peek(_ k: Int = 0) -> UInt8 { i + k < b.count ? b[i + k] : 0 }

    static func isIdentStart(_ c: UInt8) -> Bool { c == 95 || (c | 32 >= 97 && c | 32 <= 122) }
    static func isIdentChar(_ c: UInt8) -> Bool { isIdentStart(c) || (c >= 48 && c <= 57) }

    /// Tokenizes the whole file; the last token is `.eof`.
    mutating func tokenize() throws -> [Token] {
        var tokens: [Token] = []
        var atLineStart = true, hasSpace = false
        while true {
            let c = peek()
            if i >= b.count {
                tokens.append(Token(kind: .eof, text: "", loc: loc(i), atLineStart: true))
                return tokens
            }
            if c == 10 { i += 1; line += 1; lineStart = i; atLineStart = true; hasSpace = false; continue }
            if c == 92 && peek(1) == 10 { i += 2; line += 1; lineStart = i; continue }   // line splice
            if c == 32 || c == 9 || c == 13 || c == 12 || c == 11 { i += 1; hasSpace = true; continue }
            if c == 47 && peek(1) == 47 {                                            // // comment
                while i < b.count && b[i] != 10 { i += 1 }
                hasSpace = true; continue
            }
            if c == 47 && peek(1) == 42 {                                            // /* comment */
                let start = loc(i)
                i += 2
                while !(peek() == 42 && peek(1) == 47) {
                    if i >= b.count { throw CompileError("unterminated comment", at: start) }
                    if b[i] == 10 { line += 1; lineStart = i + 1 }
                    i += 1
                }
                i += 2; hasSpace = true; continue
            }
            var tok = try next()
            tok.atLineStart = atLineStart
            tok.hasSpace = hasSpace
            tokens.append(tok)
            atLineStart = false; hasSpace = false
        }
    }

    /// One token starting at `i`.
    mutating func next() throws -> Token {
        let start = i, here = loc(i)
        let c = peek()
        if (c >= 48 && c <= 57) || (c == 46 && peek(1) >= 48 && peek(1) <= 57) { return try number() }
        if c == 34 { return try stringLiteral() }
        if c == 39 { return try charLiteral() }
        if c == 76 && (peek(1) == 34 || peek(1) == 39) {                          // L"..." and L'x'
            i += 1
            var tok = try (peek() == 34 ? stringLiteral(wide: true) : charLiteral(wide: true))
            tok.text = "L" + tok.text; tok.loc = here
            return tok
        }
        if Lexer.isIdentStart(c) {
            while Lexer.isIdentChar(peek()) { i += 1 }
            return Token(kind: .identifier, text: String(decoding: b[start..<i], as: UTF8.self), loc: here)
        }
        for p in punctuatorsByFirstByte[Int(c)] where i + p.bytes.count <= b.count {
            var k = 1
            while k < p.bytes.count && b[i + k] == p.bytes[k] { k += 1 }
            if k == p.bytes.count {
                i += k
                return Token(kind: .punctuator, text: p.text, loc: here)
            }
        }
        throw CompileError("invalid character '\(Character(Unicode.Scalar(c)))'", at: here)
    }

    // number = decimal | 0 octal | 0x hex, then a u/l/ll suffix in any order
    mutating func number() throws -> Token {
        // BEGIN SOLUTION ctoriscv.1: lex an integer constant: its digits (decimal, 0 octal, 0x hex), value and u/l/ll suffixes; reject floating point
        let start = i, here = loc(i)
        while Lexer.isIdentChar(peek()) || peek() == 46 || ((peek() == 43 || peek() == 45) && (b[i - 1] | 32) == 101 && !(b[start] == 48 && (b[start + 1] | 32) == 120)) { i += 1 }
        let text = String(decoding: b[start..<i], as: UTF8.self)
        var digits = Substring(text.lowercased())
        var tok = Token(kind: .number, text: text, loc: here)
        while let last = digits.last, last == "u" || last == "l" {
            if last == "u" { tok.isUnsignedSuffix = true } else { tok.longCount += 1 }
            digits.removeLast()
        }
        var radix = 10
        if digits.hasPrefix("0x") { radix = 16; digits = digits.dropFirst(2) }
        else if digits.hasPrefix("0") && digits.count > 1 { radix = 8; digits = digits.dropFirst() }
        if radix != 16 && (digits.contains(".") || digits.contains("e")) || digits.contains(".") {
            throw CompileError("floating-point constants are not supported", at: here)
        }
        guard tok.longCount <= 2, !digits.isEmpty, let v = UInt64(digits, radix: radix) else {
            throw CompileError("invalid number '\(text)'", at: here)
        }
        tok.value = v
        tok.isDecimal = radix == 10
        return tok
        // END SOLUTION ctoriscv.1
    }

    /// One escape after a backslash: \n \t \0 \x41 \101 \\ \' \" ...; a wide literal keeps 32 bits.
    mutating func escape(wide: Bool = false) throws -> UInt32 {
        let here = loc(i)
        let c = peek(); i += 1
        switch c {
        case 110: return 10
        case 116: return 9
        case 114: return 13
        case 97: return 7
        case 98: return 8
        case 102: return 12
        case 118: return 11
        case 101: return 27
        case 48...55:
            var v = Int(c - 48)
            for _ in 0..<2 where peek() >= 48 && peek() <= 55 { v = v * 8 + Int(peek() - 48); i += 1 }
            return wide ? UInt32(v) : UInt32(UInt8(truncatingIfNeeded: v))
        case 120:
            var v: UInt32 = 0, n = 0
            while let d = hexValue(peek()) { v = v &* 16 &+ UInt32(d); i += 1; n += 1 }
            if n == 0 { throw CompileError("invalid hex escape", at: here) }
            return wide ? v : UInt32(UInt8(truncatingIfNeeded: v))
        case 0: throw CompileError("unterminated escape", at: here)
        default: return UInt32(c)
        }
    }

    func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case 48...57: return Int(c - 48)
        case 97...102: return Int(c - 87)
        case 65...70: return Int(c - 55)
        default: return nil
        }
    }

    /// One character of a literal: an escape, or (wide literals) a UTF-8 sequence decoded.
    mutating func literalCharacter(wide: Bool) throws -> UInt32 {
        if peek() == 92 { i += 1; return try escape(wide: wide) }
        let c = peek(); i += 1
        guard wide, c >= 0xC0 else { return UInt32(c) }
        let extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1
        var v = UInt32(c) & (0x3F >> UInt32(extra))
        for _ in 0..<extra where peek() & 0xC0 == 0x80 { v = v << 6 | UInt32(peek() & 0x3F); i += 1 }
        return v
    }

    // string = "L"? '"' character* '"'  (a wide string holds 4-byte wchar_t, little-endian)
    mutating func stringLiteral(wide: Bool = false) throws -> Token {
        let start = i, here = loc(i)
        i += 1
        var bytes: [UInt8] = []
        while peek() != 34 {
            if i >= b.count || peek() == 10 { throw CompileError("unterminated string literal", at: here) }
            let v = try literalCharacter(wide: wide)
            if wide { for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> UInt32(8 * k))) } }
            else { bytes.append(UInt8(truncatingIfNeeded: v)) }
        }
        i += 1
        var tok = Token(kind: .string, text: String(decoding: b[start..<i], as: UTF8.self), loc: here)
        tok.bytes = bytes
        tok.isWide = wide
        return tok
    }

    // character = "L"? "'" character "'"  (L'x' is a wchar_t, an int on ILP32)
    mutating func charLiteral(wide: Bool = false) throws -> Token {
        let start = i, here = loc(i)
        i += 1
        if peek() == 39 || peek() == 10 || i >= b.count { throw CompileError("empty character constant", at: here) }
        let v = try literalCharacter(wide: wide)
        if peek() != 39 { throw CompileError("unterminated character constant", at: here) }
        i += 1
        var tok = Token(kind: .character, text: String(decoding: b[start..<i], as: UTF8.self), loc: here)
        tok.value = UInt64(v)
        tok.isWide = wide
        return tok
    }
}

/// Tokenizes `file`; throws on the first lexical error.
func tokenize(_ file: SourceFile) throws -> [Token] {
    var lexer = Lexer(file: file)
    return try lexer.tokenize()
}

// The tokens the lexer produces and the preprocessor and parser consume.

/// What a token is; keywords are identifiers until the parser looks at them.
enum TokenKind: Equatable, Sendable {
    case identifier, punctuator, number, string, character, eof
}

/// One token with its spelling, where it came from, and what the preprocessor needs.
struct Token: Sendable {
    var kind: TokenKind
    /// The spelling as written (for strings and characters too).
    var text: String
    var loc: SourceLocation
    /// First token of a line (directives start with `#` at the beginning of a line).
    var atLineStart = false
    /// Preceded by white space (for `#` stringizing).
    var hasSpace = false
    /// Numbers and characters: the value.
    var value: UInt64 = 0
    /// Numbers: the suffix (`u`, `l`, `ll`) and whether the literal is octal or hex.
    var isUnsignedSuffix = false
    var longCount = 0
    var isDecimal = true
    /// Strings: the bytes after escape processing, without the terminating zero.
    var bytes: [UInt8] = []
    /// Strings and characters: `L"..."` / `L'x'` (wchar_t, a 4-byte int).
    var isWide = false
    /// Macros already expanded to produce this token (the "hide set" of Prosser's algorithm).
    var hideSet: Set<String> = []

    func `is`(_ s: String) -> Bool { (kind == .punctuator || kind == .identifier) && text == s }
}

// Source files, locations and the one error type every stage throws.
//
// A diagnostic reads `file:line:column: error: message`, then the offending source line and a
// caret under the column, like gcc and clang. Every stage (preprocessor, parser, checker,
// assembler) reports through `CompileError`, so no input can crash the compiler.

/// A source file held in memory: its name (as written in diagnostics) and its bytes.
public final class SourceFile: Sendable {
    /// The name diagnostics print, e.g. "prog.c" or "<input>".
    public let name: String
    /// The file's bytes (UTF-8 or ASCII).
    public let bytes: [UInt8]

    /// Wraps `text` under the name `name`.
    public init(name: String, text: String) {
        self.name = name
        self.bytes = Array(text.utf8)
    }

    /// The text of 1-based line `line`, without its newline.
    func lineText(_ line: Int) -> String {
        var current = 1, start = 0
        var i = 0
        while i < bytes.count && current < line {
            if bytes[i] == 10 { current += 1; start = i + 1 }
            i += 1
        }
        if current != line { return "" }
        var end = start
        while end < bytes.count && bytes[end] != 10 { end += 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}

/// Where a token starts: file, 1-based line and column.
public struct SourceLocation: Sendable {
    let file: SourceFile
    let line: Int
    let column: Int
    /// After `#line N "name"`: the line and file name that `__LINE__`, `__FILE__` and
    /// diagnostics report (the source line printed is still the physical one).
    var presumedLineDelta = 0
    var presumedName: String?
    var presumedLine: Int { line + presumedLineDelta }
    var presumedFileName: String { presumedName ?? file.name }
}

/// A compile-time error: `file:line:column: error: message`, the source line, a caret.
public struct CompileError: Error, CustomStringConvertible, Sendable {
    /// The whole diagnostic text, ready to print.
    public let description: String
    /// The message alone, without location or source line.
    public let message: String

    init(_ message: String, at loc: SourceLocation) {
        self.message = message
        let line = loc.file.lineText(loc.line)
        let pad = String(repeating: " ", count: max(0, loc.column - 1))
        description = "\(loc.presumedFileName):\(loc.presumedLine):\(loc.column): error: \(message)\n\(line)\n\(pad)^"
    }

    /// An error with no source position (assembler, linker, driver).
    init(_ message: String) {
        self.message = message
        description = "error: \(message)"
    }
}

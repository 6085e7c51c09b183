// Fuzzing the front end: random and mutated programs must give a result or a CompileError,
// never a crash or another kind of error. Seeded, so every run tries the same inputs.
import Foundation
import Testing
@testable import ctoriscv

@Suite("fuzz")
struct FuzzTests {
    static let fragments = ["int", "char", "long", "unsigned", "struct", "union", "enum", "typedef", "static", "(", ")",
                            "[", "]", "{", "}", ";", ",", "*", "&", "+", "-", "/", "%", "=", "==", "<<", ">>=", "?", ":",
                            "->", ".", "...", "++", "--", "!", "~", "sizeof", "if", "else", "while", "for", "do", "switch",
                            "case", "default", "goto", "return", "break", "continue", "x", "y", "main", "0", "1", "42",
                            "0x7fffffff", "'a'", "\"s\"", "#define", "#if", "#endif", "#include", "\n", " ", "/*", "*/",
                            "//", "\\", "##", "#", "long long", "void", "const", "extern", "a[", "f(", "9999999999999999999999"]

    /// Cases per test; CTORISCV_FUZZ_SCALE=20 runs twenty times as many (with other seeds).
    static let scale = Int(ProcessInfo.processInfo.environment["CTORISCV_FUZZ_SCALE"] ?? "") ?? 1

    /// Compiles `source`; anything but success or CompileError is a failure. With `execute`,
    /// a program that compiles must also assemble, and then run or stop with an EmulatorError.
    func check(_ source: String, execute: Bool = false) {
        let asm: String
        do { asm = try compile(source: source, fileName: "fuzz.c") }
        catch is CompileError { return }
        catch { Issue.record("unexpected error \(error) for:\n\(source)"); return }
        guard execute else { return }
        let elf: [UInt8]
        do { elf = try assemble(asm) }
        catch let e as CompileError where e.message.hasPrefix("undefined reference") || e.message.hasPrefix("multiple definition") {
            return                                   // a link error is the program's fault
        } catch { Issue.record("compiled but did not assemble: \(error)\n\(source)"); return }
        do { _ = try Emulator(elf: elf).run(maxSteps: 20_000) }
        catch is EmulatorError {}
        catch { Issue.record("unexpected error \(error) running:\n\(source)") }
    }

    @Test("mutated corpus programs never crash the compiler")
    func mutations() {
        var rng = SplitMix64(state: 2024 &+ UInt64(FuzzTests.scale))
        let sources = Corpus.programs.map { Corpus.source($0).replacingOccurrences(of: "#include \"test.h\"", with: "#define ASSERT(a, b) if ((a) != (b)) return 1") }
        for n in 0..<(2500 * FuzzTests.scale) {
            var s = Array(sources[Int(rng.next() % UInt64(sources.count))].utf8)
            for _ in 0..<(1 + rng.next() % 4) {
                guard !s.isEmpty else { break }
                let at = Int(rng.next() % UInt64(s.count))
                switch rng.next() % 4 {
                case 0: s.remove(at: at)                                                        // delete a byte
                case 1: s.insert(contentsOf: Array(FuzzTests.fragments[Int(rng.next() % UInt64(FuzzTests.fragments.count))].utf8), at: at)
                case 2: s[at] = UInt8(32 + rng.next() % 95)                                     // replace a byte
                default: let n = min(s.count - at, Int(rng.next() % 40)); s.removeSubrange(at..<at + n)   // cut a span
                }
            }
            check(String(decoding: s, as: UTF8.self), execute: n % 10 == 0)   // every 10th also runs
        }
    }

    @Test("random token soup never crashes the compiler")
    func tokenSoup() {
        var rng = SplitMix64(state: 7 &+ UInt64(FuzzTests.scale))
        for _ in 0..<(1500 * FuzzTests.scale) {
            var s = ""
            for _ in 0..<(rng.next() % 60) { s += FuzzTests.fragments[Int(rng.next() % UInt64(FuzzTests.fragments.count))] + " " }
            check(s)
            check("int main() { " + s + " }")
        }
    }

    @Test("random bytes never crash the lexer")
    func randomBytes() {
        var rng = SplitMix64(state: 99 &+ UInt64(FuzzTests.scale))
        for _ in 0..<(500 * FuzzTests.scale) {
            let bytes = (0..<(rng.next() % 200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            check(String(decoding: bytes, as: UTF8.self))
        }
    }

    @Test("deep nesting is an error, not a stack overflow")
    func deepNesting() {
        check("int main() { return " + String(repeating: "(", count: 20_000) + "1; }")
        check("int main() { " + String(repeating: "{", count: 20_000) + " }")
        check("int main() { return " + String(repeating: "-", count: 20_000) + "1; }")
        check("int " + String(repeating: "*", count: 10_000) + "p;")
        check("int a" + String(repeating: "[1]", count: 10_000) + ";")
        check("#define A(x) A(x) x\n#define B A(A(A(A(1))))\nint x = B;")
        check("int main() { return " + String(repeating: "1 + ", count: 20_000) + "1; }")
        check("int main() { return " + String(repeating: "1, ", count: 20_000) + "1; }")
        check("int main() { int a[2]; return a" + String(repeating: "[0]", count: 20_000) + "; }")
        check("#define F(x) x\nint x = " + String(repeating: "F(", count: 1_000) + "1" + String(repeating: ")", count: 1_000) + ";")
        // the tallest trees the parser accepts must still compile without overflowing the stack
        let chain = String(repeating: "1 + ", count: 290) + "1"
        check("int main() { return " + String(repeating: "(", count: 140) + chain + String(repeating: ")", count: 140) + "; }")
        check("int main() { int x; x = " + String(repeating: "(1 + ", count: 140) + chain + String(repeating: ")", count: 140) + "; return x; }")
    }
}

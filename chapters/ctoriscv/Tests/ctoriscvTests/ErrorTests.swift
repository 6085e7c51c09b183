// Bad programs must stop with the right diagnostic: file:line:column: error: message,
// then the source line and a caret.
import Testing
@testable import ctoriscv

@Suite("diagnostics")
struct ErrorTests {
    static let cases: [(source: String, message: String)] = [
        ("int main() { return x; }", "'x' undeclared"),
        ("int main() { return 1 }", "expected ';' before '}'"),
        ("int main() { int a; a = ; }", "expected expression before ';'"),
        ("int main() { float f; }", "floating-point types are not supported"),
        ("int main() { return 1.5; }", "floating-point constants are not supported"),
        ("int main() { 3 = 4; }", "lvalue required as left operand of assignment"),
        ("int main() { const int c = 1; c = 2; }", "assignment of read-only location"),
        ("int main() { int a[2]; int b[2]; a = b; }", "assignment to expression with array type"),
        ("struct S { int a; }; int main() { struct S s; return s.b; }", "'struct S' has no member named 'b'"),
        ("int main() { int x; return x.y; }", "request for member 'y' in something not a structure or union"),
        ("int main() { int x; return *x; }", "invalid type argument of unary '*' (have 'int')"),
        ("int main() { void *p; return *p; }", "dereferencing 'void *' pointer"),
        ("int main() { int *p, *q; p + q; }", "invalid operands to binary '+' (have 'int *' and 'int *')"),
        ("struct S { int a; }; int main() { struct S s; return s + 1; }", "invalid operands to binary '+' (have 'struct S' and 'int')"),
        ("int f(int a, int b); int main() { return f(1); }", "too few arguments to function 'f'"),
        ("int f(int a); int main() { return f(1, 2); }", "too many arguments to function 'f'"),
        ("int main() { break; }", "break statement not within loop or switch"),
        ("int main() { continue; }", "continue statement not within a loop"),
        ("int main() { case 1: return 0; }", "case label not within a switch statement"),
        ("int main() { switch (1) { case 1: case 1: ; } }", "duplicate case value"),
        ("int main() { goto nowhere; }", "label 'nowhere' used but not defined"),
        ("int main() { a: a: return 0; }", "duplicate label 'a'"),
        ("void f(void) { return 1; }", "'return' with a value, in function returning void"),
        ("int main() { int a[-1]; }", "size of array is negative or too large"),
        ("int main() { return 1 / 0 ? 1 : 0; } int a[1 / 0];", "division by zero in constant expression"),
        ("int main() { return \"abc; }", "unterminated string literal"),
        ("int main() { return 'a; }", "unterminated character constant"),
        ("int main() { /* never closed", "unterminated comment"),
        ("int main() { return @; }", "invalid character '@'"),
        ("int main() {", "expected '}' at end of input"),
        ("#include \"missing.h\"\nint main() { return 0; }", "cannot open include file 'missing.h'"),
        ("#if 1\nint main() { return 0; }", "unterminated conditional directive"),
        ("#endif\n", "#endif without #if"),
        ("#define F(a, b) a\nint main() { return F(1); }", "macro 'F' expects 2 arguments, got 1"),
        ("#foo\n", "invalid preprocessing directive #foo"),
        ("#line 0\n", "#line directive requires a positive integer argument"),
        ("#line x\n", "#line directive requires a positive integer argument"),
        ("#line 5 6\n", "invalid filename in #line directive"),
        ("#line 5 \"a.c\" 7\n", "extra tokens at end of #line directive"),
        ("#if 1 && (1 / 0)\n#endif\n", "division by zero in #if"),
        ("#if 0 || 2 % 0\n#endif\n", "division by zero in #if"),
        ("int main() { return L''; }", "empty character constant"),
        ("int a[3] = { [3] = 1 };", "array index in initializer exceeds array bounds"),
        ("int main() { int a[3] = { [-1] = 1 }; return 0; }", "array index in initializer exceeds array bounds"),
        ("struct P { int a; }; struct P p = { .z = 1 };", "unknown field 'z' specified in initializer"),
        ("int main() { struct P { int a; } p = { .a = 1, .b = 2 }; return 0; }", "unknown field 'b' specified in initializer"),
        ("struct P { int a; }; struct P p = { [0] = 1 };", "array index in non-array initializer"),
        ("int a[2] = { .x = 1 };", "field name not in record or union initializer"),
        ("struct P { int a; }; struct P p = { .a.b = 1 };", "designator into a non-aggregate 'int'"),
        ("int a[2] = { [1] 2 };", "expected '=' before '2'"),
        ("int main() { int n = 2; int a[3] = { [n] = 1 }; return 0; }", "expression is not a constant"),
        ("int main() { int x[const 3]; return 0; }", "static or type qualifiers in non-parameter array declarator"),
        ("int main() { return (void){ 1 }; }", "compound literal has incomplete type 'void'"),
        ("struct S { int a; struct { int b; }; };", "anonymous structs and unions (C11) are not supported"),
        ("struct S { int a; union { int b; char c; }; };", "anonymous structs and unions (C11) are not supported"),
        ("int main() { return ({ 1; }); }", "statement expressions (a GNU extension) are not supported"),
        ("int main() { switch (1) { case 1 ... 3: return 0; } return 1; }", "expected ':' before '...'"),
        ("int main() { return L\"ab; }", "unterminated string literal"),
        ("#error stop here\n", "#error"),
        ("int x; int x(void);", "conflicting types for 'x'"),
        ("int f(void) { return 0; } int f(void) { return 1; }", "redefinition of 'f'"),
        ("struct S { int a; }; struct S { int b; };", "redefinition of 'struct S'"),
        ("struct S s;", "storage size of 's' isn't known"),
        ("int main() { struct T *p; return sizeof(*p); }", "invalid application of 'sizeof' to an incomplete type"),
        ("int main() { int x = 1; int a[x]; }", "expression is not a constant"),
        ("int g = 1; int h = g;", "initializer element is not constant"),
        ("int main() { long short x; }", "invalid combination of type specifiers"),
        ("int main() { int int x; }", "invalid combination of type specifiers"),
        ("struct S { int a : 3; };", "bit-fields are not supported"),
        ("struct S { int a; }; struct T { int a; }; int f(struct S s); int main() { struct T t; return f(t); }", "incompatible type for argument 1 of 'f'"),
        ("struct S { int a; }; int f(struct S s); int main() { return f(1); }", "incompatible type for argument 1 of 'f'"),
        ("struct S { int a; }; struct S f(void) { return 1; }", "incompatible types when assigning to type 'struct S' from type 'int'"),
        ("int f(void) { return 1; } int (g(void))[2];", "function cannot return an array"),
        ("union U {}; int main() { union U u = {1}; return 0; }", "excess elements in union initializer"),
        ("int main() { struct S { int a; } s; return s; }", "cannot convert 'struct S' to 'int'"),
        ("int main() { int a; return (struct S { int x; })a; }", "conversion to non-scalar type requested"),
        ("int main() { void v; }", "variable 'v' declared void"),
        ("int main() { int x = 1 ? 2 : (void)0 + 1; }", "invalid operands to binary '+' (have 'void' and 'int')"),
    ]

    @Test("bad program gives the right message", arguments: cases.indices)
    func diagnostic(_ i: Int) {
        let (source, message) = ErrorTests.cases[i]
        do {
            _ = try compile(source: source, fileName: "bad.c")
            Issue.record("expected an error for: \(source)")
        } catch let e as CompileError {
            #expect(e.message == message, "source: \(source)\n\(e.description)")
            #expect(e.description.hasPrefix("bad.c:") || e.description.hasPrefix("<"), "\(e.description)")
        } catch {
            Issue.record("unexpected error type \(error)")
        }
    }

    @Test("a diagnostic cites file:line:column and shows the line with a caret")
    func format() {
        do {
            _ = try compile(source: "int main() {\n  int a;\n  return a + b;\n}\n", fileName: "prog.c")
            Issue.record("expected an error")
        } catch let e as CompileError {
            #expect(e.description == "prog.c:3:14: error: 'b' undeclared\n  return a + b;\n             ^")
        } catch { Issue.record("\(error)") }
    }

    @Test("after #line, a diagnostic names the presumed file and line but shows the real source line")
    func lineDirective() {
        do {
            _ = try compile(source: "int a;\n#line 40 \"other.c\"\nint main() { return x; }\n", fileName: "prog.c")
            Issue.record("expected an error")
        } catch let e as CompileError {
            #expect(e.description == "other.c:40:21: error: 'x' undeclared\nint main() { return x; }\n                    ^")
        } catch { Issue.record("\(error)") }
    }

    @Test("errors in an included file name that file")
    func includedFile() {
        do {
            _ = try compile(source: "#include <stdio.h>\nint main() { printf(1, 2 }", fileName: "inc.c")
            Issue.record("expected an error")
        } catch let e as CompileError {
            #expect(e.description.hasPrefix("inc.c:2:"))
        } catch { Issue.record("\(error)") }
    }

    @Test("assembler and linker errors")
    func assemblerErrors() {
        #expect(throws: CompileError.self) { try assemble("_start:\n  frob a0, a1\n") }
        #expect(throws: CompileError.self) { try assemble("_start:\n  addi a0, a0, 5000\n") }
        #expect(throws: CompileError.self) { try assemble("_start:\n  call nowhere\n") }
        #expect(throws: CompileError.self) { try assemble("  .globl main\nmain:\n  ret\n  .globl main\nmain:\n") }
        #expect(throws: CompileError.self) { try assemble("_start:\n  lw a0, (q9)\n") }
    }

    @Test("bad ELF files are refused")
    func badELF() {
        #expect(throws: EmulatorError.self) { try Emulator(elf: []) }
        #expect(throws: EmulatorError.self) { try Emulator(elf: Array("hello world, not an elf file at all, no no no no no no".utf8)) }
        var elf = (try? assemble("  .globl _start\n_start:\n  li a7, 93\n  ecall\n")) ?? []
        elf[18] = 62                  // x86-64
        #expect(throws: EmulatorError.self) { try Emulator(elf: elf) }
    }
}

// Grading cases for the ctoriscv appendix: C -> RV32I assembly -> ELF -> our emulator.
//
// References (Tests/Grading/Reference/ctoriscv/, made by chapters/ctoriscv/scripts/make_grading_reference.py):
//   programs.json      C programs; exit code and stdout from gcc -O0 -march=rv32im -mabi=ilp32
//                      (linked with ctoriscv's runtime for printf) run on qemu-riscv32.
//   gcc_elfs.json      gcc -O2 executables (base64); exit codes from qemu-riscv32. Also gcc -O0
//                      executables of the algo_ programs, whose instruction counts (on our
//                      emulator) the optimizing back end must beat.
//   encodings.json     instruction words assembled by riscv64-unknown-elf-as (read back with objdump).
//   asm_programs.json  hand-written assembly using every RV32IM instruction; exit codes from
//                      GNU as + qemu-riscv32.
// A compiled program needs the whole pipeline (and the runtime, compiled by ctoriscv itself),
// so a stub anywhere fails every program case; each case lists the TODO ids it is about.
//
// The first steps of the order manifest (Reference/ctoriscv/order.txt) have small cases that
// need only the ids before them, with expected results derived by hand in each case: the
// front end is checked where it decides whether a file compiles (#if/#error, conflicting
// declarations, array sizes that are negative exactly when a rule is broken), the back end
// with hand-encoded words, and code generation with programs that bring their own `_start`
// (so the runtime, which needs the whole compiler, is not linked) and return their answer.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if DEBUG
@testable import ctoriscv   // the back end's pieces are internal: their own cases run in debug builds (grade's default)
#else
import ctoriscv
#endif

enum CtoriscvGrading {
    struct Program: Decodable { let name: String; let source: String; let exit: Int32; let stdout: String }
    struct GccELF: Decodable { let name: String; let exit: Int32; let elf_base64: String }
    struct Encoding: Decodable { let asm: String; let pc: Int; let word: UInt32; let label: Int }
    struct AsmProgram: Decodable { let name: String; let source: String; let exit: Int32 }

    static func load<T: Decodable>(_ type: T.Type, _ file: String, _ context: GradingContext) throws -> T {
        let data = try context.referenceData(chapter: "ctoriscv", file: file)
        do { return try JSONDecoder().decode(T.self, from: data) }
        catch { throw GradingFailure("cannot read \(file): \(error)") }
    }

    /// Runs an ELF on our emulator; the exit code as the shell sees it (0...255).
    static func exitCode(_ elf: [UInt8]) throws -> (code: Int32, output: String, instructions: Int) {
        let emulator: Emulator
        do { emulator = try Emulator(elf: elf) } catch { throw GradingFailure("the emulator refused the ELF: \(error)") }
        do {
            let code = try emulator.run(maxSteps: 200_000_000) & 255
            return (code, String(decoding: emulator.output, as: UTF8.self), emulator.instructionsExecuted)
        } catch { throw GradingFailure("the program stopped abnormally: \(error)") }
    }

    /// A C program from programs.json, compiled by ctoriscv and run on our emulator. The cases of
    /// the front end and the stack machine compile with `.stackRegisters`, so that they pass
    /// before the optimizing back end (ctoriscv.16-19) is written; the `ir_` cases use it.
    static func programCase(_ name: String, _ todos: [String], _ backEnd: BackEnd = .stackRegisters) -> GradingCase {
        GradingCase(chapter: "ctoriscv", name: backEnd == .optimizing ? "ir_" + name : name, todos: todos) { context in
            let all = try load([Program].self, "programs.json", context)
            guard let p = all.first(where: { $0.name == name }) else { throw GradingFailure("no program \(name) in programs.json") }
            let elf: [UInt8]
            do { elf = try assemble(try compile(source: p.source, fileName: name + ".c", backEnd: backEnd)) }
            catch { throw GradingFailure("\(name).c did not compile: \(error)") }
            let (code, output, _) = try exitCode(elf)
            if code != p.exit { throw GradingFailure("\(name).c exited with \(code), gcc + qemu say \(p.exit)") }
            if output != p.stdout { throw GradingFailure("\(name).c printed \(output.debugDescription), expected \(p.stdout.debugDescription)") }
        }
    }

    /// Compiling `source` must succeed (the check fails with the compiler's message otherwise).
    static func compiles(_ what: String, _ source: String) throws {
        do { _ = try compile(source: source, fileName: what + ".c", backEnd: .stackRegisters) }
        catch { throw GradingFailure("\(what): this must compile, but ctoriscv says: \(error)\nsource:\n\(source)") }
    }

    /// Compiling `source` must fail with an error containing `message`.
    static func rejects(_ what: String, _ source: String, _ message: String) throws {
        do {
            _ = try compile(source: source, fileName: what + ".c", backEnd: .stackRegisters)
            throw GradingFailure("\(what): this must not compile (expected an error '\(message)'):\n\(source)")
        } catch let e as CompileError {
            guard e.description.contains(message) else {
                throw GradingFailure("\(what): expected the error '\(message)', got: \(e)")
            }
        }
    }

    /// `main`'s result, from a C program compiled with its own `_start` (no runtime linked).
    /// The first steps compile with the stack machine (plus register variables): the optimizing
    /// back end (ctoriscv.16-19) comes last in the chapter's order.
    static func exitOf(_ what: String, _ source: String, backEnd: BackEnd = .stackRegisters) throws -> Int32 {
        let asm: String
        do { asm = try compile(source: source, fileName: what + ".c", backEnd: backEnd) }
        catch { throw GradingFailure("\(what).c did not compile: \(error)") }
        let elf: [UInt8]
        do { elf = try assemble(asm + "\n  .globl _start\n_start:\n  call main\n  li a7, 93\n  ecall\n") }
        catch { throw GradingFailure("\(what): assembling the compiled program failed: \(error)") }
        return try exitCode(elf).code
    }

    static func expectExit(_ what: String, _ source: String, _ expected: Int32, backEnd: BackEnd = .stackRegisters) throws {
        let code = try exitOf(what, source, backEnd: backEnd)
        if code != expected { throw GradingFailure("\(what): main returned \(code) (exit code), expected \(expected)\nsource:\n\(source)") }
    }

    /// An array whose size is negative (1 << 31) exactly when `condition` is false: compiling
    /// it checks a constant expression, a C89 static assertion.
    static func holds(_ condition: String, _ name: String) -> String { "char \(name)[!(\(condition)) << 31];\n" }

    static let firstSteps: [GradingCase] = [
        // the lexer alone: #if compares constants the lexer read (a wrong value reaches #error)
        GradingCase(chapter: "ctoriscv", name: "lex_constants_in_if", todos: ["ctoriscv.1"]) { _ in
            try compiles("lex_constants", """
                #if 0x1F != 31 || 017 != 15 || 10u != 10 || 0XffffffffU != 4294967295 || 0 != 00 || 1000000 != 1000000L
                #error a constant was read wrong
                #endif
                #if 0x7fffffffL != 2147483647 || 077777 != 32767 || 12lu != 12 || 0xAbCdEfu != 11259375
                #error a constant was read wrong
                #endif

                """)
            try rejects("float_constant", "int x = 1.5;\n", "floating-point constants are not supported")
        },
        // macros in #if: ADD(ONE, 2) = ((1) + (2)) = 3; CAT(1, 2) pastes 12; TWICE(ADD, ONE)
        // = ADD(ADD(1, 1), 1) = 3; CAT(O, NE) pastes ONE, then rescanned to 1
        GradingCase(chapter: "ctoriscv", name: "macros_in_if", todos: ["ctoriscv.2"]) { _ in
            try compiles("macros_in_if", """
                #define ADD(a, b) ((a) + (b))
                #define CAT(a, b) a ## b
                #define ONE 1
                #define TWICE(f, x) f(f(x, x), x)
                #if ADD(ONE, 2) != 3 || CAT(1, 2) != 12 || TWICE(ADD, ONE) != 3 || CAT(O, NE) != 1
                #error a macro expanded wrong
                #endif

                """)
        },
        // declarators: each name declared twice, once through typedefs; a declarator parsed
        // wrong gives the two declarations different types ("conflicting types")
        GradingCase(chapter: "ctoriscv", name: "declarators_agree", todos: ["ctoriscv.3"]) { _ in
            try compiles("declarators_agree", """
                typedef char *T;
                extern T (*p)();
                extern char *(*p)();
                extern int (*f)(int, char *);
                typedef int F(int, char *);
                extern F *f;
                extern int *(*(*g)(void))();
                typedef int *R();
                typedef R *G(void);
                extern G *g;
                extern const char *const *volatile q;
                typedef const char *const CP;
                extern CP *volatile q;

                """)
            try rejects("declarators_differ", "extern char **p;\nextern char (*p)();\n", "conflicting types")
        },
        // precedence: && binds tighter than ||, << and >> associate to the left:
        // 1 || (0 && 0) = 1; (2 >> 1) << 1 = 2; 0 || ((2 >> 1) && (1 << 1)) = 1
        GradingCase(chapter: "ctoriscv", name: "precedence_in_array_sizes", todos: ["ctoriscv.4"]) { _ in
            try compiles("precedence", holds("1 || 0 && 0", "a") + holds("2 >> 1 << 1", "b") + holds("0 || 2 >> 1 && 1 << 1", "c"))
            try rejects("precedence_false", holds("0 || 1 && 0", "z"), "size of array is negative")
        },
        // the usual arithmetic conversions (ILP32: int and long 32 bits, long long 64):
        // -1 < 0u compares as unsigned (false); 1 + 1LL is long long (8 bytes); 'a' + 'b' is
        // int; -1LL < 0u is long long (true); (unsigned char)255 + 1 = 256 as int;
        // -1L < 0u is unsigned long (false); 1u + 1L is unsigned long (4 bytes)
        GradingCase(chapter: "ctoriscv", name: "conversions_in_array_sizes", todos: ["ctoriscv.5"]) { _ in
            try compiles("conversions", holds("(-1 < 0u) == 0", "a") + holds("sizeof(1 + 1LL) == 8", "b")
                         + holds("sizeof('a' + 'b') == 4", "c") + holds("(-1LL < 0u) == 1", "d")
                         + holds("(unsigned char)255 + 1 == 256", "e") + holds("(-1L < 0u) == 0", "f")
                         + holds("sizeof(1u + 1L) == 4", "g"))
            try rejects("conversions_false", holds("(-1 < 0u) == 1", "z"), "size of array is negative")
        },
        // the ELF headers alone: the program is three hand-encoded words (li a0, 42 = addi a0,
        // zero, 42 = 0x02a00513; li a7, 93 = 0x05d00893; ecall = 0x00000073), no encoder needed
        GradingCase(chapter: "ctoriscv", name: "elf_header_of_words", todos: ["ctoriscv.13"]) { _ in
            let elf: [UInt8]
            do { elf = try assemble("  .globl _start\n_start:\n  .word 0x02a00513\n  .word 0x05d00893\n  .word 0x00000073\n") }
            catch { throw GradingFailure("assembling failed: \(error)") }
            try checkHeaders(elf)
            let at = 0x60
            guard elf.count >= at + 12, elf[at] == 0x13, elf[at + 1] == 0x05, elf[at + 2] == 0xa0, elf[at + 3] == 0x02 else {
                throw GradingFailure("the first word at file offset 0x60 (e_entry 0x10060) is not 0x02a00513")
            }
        },
        // code generation, one idea at a time; main's result is the exit code (mod 256)
        // a frame with locals: x = 42; return x
        // the optimizing back end on a leaf function (no call, so no parallel move): eight values
        // live at once in registers. e = 3 * 5 + 7 = 22, f = 11 - 3 = 8, g = 22 * 8 - 5 = 171,
        // h = (171 ^ 13) & 255 = 166, and 166 + 2 + 4 - 1 = 171
        GradingCase(chapter: "ctoriscv", name: "ir_leaf_registers", todos: ["ctoriscv.18"]) { _ in
            try expectExit("ir_leaf_registers", """
                int main(void) {
                    int a; int b; int c; int d; int e; int f; int g; int h;
                    a = 3; b = 5; c = 7; d = 11;
                    e = a * b + c; f = d - a; g = e * f - b; h = (g ^ 13) & 255;
                    return h + (a < b) * 2 + (c > d) + (f == 8) * 4 - (e > f);
                }

                """, 171, backEnd: .optimizing)
        },
        GradingCase(chapter: "ctoriscv", name: "frame_and_locals", todos: ["ctoriscv.9"]) { _ in
            try expectExit("frame_and_locals", "int main(void) { int x; int y; x = 42; y = x; return y; }\n", 42)
        },
        // a = 7, b = 3: (a + b) * (a - b) = 40; a / b = 2; a % b = 1; a << b = 56; 56 >> 2 = 14;
        // a ^ b = 4; a | b = 7; a & b = 3; -a / b = -2 (truncates); 40 - 2 + 1 + 14 + 4 + 7 + 3 - 2 = 65,
        // plus (a < b) 0, (a >= b) 1, (a == 7) 1, (a != b) 1: 68
        GradingCase(chapter: "ctoriscv", name: "arithmetic", todos: ["ctoriscv.7"]) { _ in
            try expectExit("arithmetic", """
                int main(void) {
                    int a; int b;
                    a = 7; b = 3;
                    return (a + b) * (a - b) - a / b + a % b + ((a << b) >> 2) + (a ^ b) + (a | b) + (a & b) + -a / b
                        + (a < b) + (a >= b) + (a == 7) + (a != b);
                }

                """, 68)
        },
        // int a[4]: p = a; p[2] = 9 via *(p + 2); &a[3] - p = 3 elements; q = p + 1, q[1] = 9:
        // 9 + 3 + 9 = 21
        GradingCase(chapter: "ctoriscv", name: "pointer_offsets", todos: ["ctoriscv.6"]) { _ in
            try expectExit("pointer_offsets", """
                int main(void) {
                    int a[4]; int *p; int *q;
                    p = a; *(p + 2) = 9; q = p + 1;
                    return p[2] + (int)(&a[3] - p) + q[1];
                }

                """, 21)
        },
        // the even i below 10 sum to 20; the while loop does not run; do-while counts up to 25
        GradingCase(chapter: "ctoriscv", name: "branches_and_loops", todos: ["ctoriscv.10"]) { _ in
            try expectExit("branches_and_loops", """
                int main(void) {
                    int i; int s;
                    s = 0;
                    for (i = 0; i < 10; i = i + 1) { if (i % 2) continue; s = s + i; }
                    while (s > 100) s = s - 1;
                    do s = s + 1; while (s < 25);
                    if (s == 25) return s; else return 1;
                }

                """, 25)
        },
        // ten int arguments (a0-a7, then two on the stack): 1*1 + 2*2 + ... + 10*10 = 385;
        // 385 - 256 = 129 as the exit code; plus add3(1, 2, 3) = 6: 135
        GradingCase(chapter: "ctoriscv", name: "calls_with_stack_arguments", todos: ["ctoriscv.8"]) { _ in
            try expectExit("calls_with_stack_arguments", """
                int add3(int a, int b, int c) { return a + b + c; }
                int ten(int a, int b, int c, int d, int e, int f, int g, int h, int i, int j) {
                    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h + 9 * i + 10 * j;
                }
                int main(void) { return ten(1, 2, 3, 4, 5, 6, 7, 8, 9, 10) + add3(1, 2, 3) - 256; }

                """, 135)
        },
        // a = 2^32, b = 3a + 5 = 0x3_0000_0005: b >> 32 = 3, b & 0xff = 5, a < b, -b >> 63 = -1
        // (arithmetic), (b - a) >> 33 = 1 (2a + 5 = 0x2_0000_0005): 30 + 5 + 1 + 1 + 1 = 38
        GradingCase(chapter: "ctoriscv", name: "long_long_pairs", todos: ["ctoriscv.11"]) { _ in
            try expectExit("long_long_pairs", """
                int main(void) {
                    long long a; long long b;
                    a = 4294967296LL; b = a * 3 + 5;
                    return (int)(b >> 32) * 10 + (int)(b & 0xff) + (a < b) + (int)-(-b >> 63) + (int)((b - a) >> 33);
                }

                """, 38)
        },
    ]

    /// The optimizing back end piece by piece (each needs only the ids before it): lowering
    /// alone, liveness on lowered code, linear scan on given intervals, the parallel move on
    /// given moves. Expected results derived by hand in each case.
    static let backEndSteps: [GradingCase] = [
        // a && b and a || b each lower to two conditional branches (one per operand, the second
        // skipped when the first decides); !a is one branch with its targets swapped
        GradingCase(chapter: "ctoriscv", name: "ir_short_circuit", todos: ["ctoriscv.16"]) { _ in
            #if DEBUG
            for (cond, branches) in [("a && b", 2), ("a || b", 2), ("!a", 1), ("a < b", 1), ("(a < b) && !(b < 3)", 2)] {
                let src = "int f(int a, int b) { if (\(cond)) return 1; return 2; }"
                var pp = Preprocessor(includePaths: [])
                let fn = try Parser(tokens: try pp.run(try tokenize(SourceFile(name: "t.c", text: src)))).parseProgram().functions[0]
                let ir = try IRBuilder(fn).lower()
                let n = ir.layout.filter { if case .branch = ir.blocks[$0].terminator { return true }; return false }.count
                if n != branches { throw GradingFailure("if (\(cond)): \(n) conditional branches, expected \(branches)\n\(ir.description)") }
            }
            #else
            throw GradingSkip("ir_short_circuit reads internal types: it runs in debug builds (scripts/grade)")
            #endif
        },
        // for (i = 0; i < n; i++) s += a: the loop test reads i and n, the body (reached from it)
        // a and s, so all four are live into the test; only s is live into the exit; a, n into entry
        GradingCase(chapter: "ctoriscv", name: "liveness_of_a_loop", todos: ["ctoriscv.17"]) { _ in
            #if DEBUG
            let src = "int f(int a, int n) { int s = 0, i; for (i = 0; i < n; i++) s += a; return s; }"
            var pp = Preprocessor(includePaths: [])
            let fn = try Parser(tokens: try pp.run(try tokenize(SourceFile(name: "t.c", text: src)))).parseProgram().functions[0]
            let builder = IRBuilder(fn)
            let ir = try builder.lower()
            var v: [String: VReg] = [:]
            for x in fn.locals { if let r = builder.registers[ObjectIdentifier(x)] { v[x.name] = r } }
            let live = Liveness(ir)
            guard let test = ir.layout.first(where: { if case .branch = ir.blocks[$0].terminator { return true }; return false }),
                  case .branch(_, _, _, _, let exit) = ir.blocks[test].terminator else { throw GradingFailure("the loop has no test block") }
            let want: [(String, Set<VReg>, Set<VReg>)] = [("the loop test", live.liveIn[test], [v["a"]!, v["n"]!, v["s"]!, v["i"]!]),
                                                          ("the exit", live.liveIn[exit], [v["s"]!]), ("the entry", live.liveIn[ir.layout[0]], [v["a"]!, v["n"]!])]
            for (what, got, expected) in want where got != expected {
                throw GradingFailure("liveness: live into \(what) is \(got.sorted()), expected \(expected.sorted()) (a, n, s, i = \(v["a"]!), \(v["n"]!), \(v["s"]!), \(v["i"]!))\n\(ir.description)")
            }
            #else
            throw GradingSkip("liveness_of_a_loop reads internal types: it runs in debug builds (scripts/grade)")
            #endif
        },
        // v2 [0, 20] and v4 [5, 9] cross the call at 6 (s registers); v3 [2, 4] and v5 [11, 13]
        // do not (t registers, t0 free again by 11); 25 intervals all live at 24 spill the one that ends last
        GradingCase(chapter: "ctoriscv", name: "linear_scan", todos: ["ctoriscv.18"]) { _ in
            #if DEBUG
            let a = linearScan([LiveInterval(vreg: 2, start: 0, end: 20), LiveInterval(vreg: 3, start: 2, end: 4),
                                LiveInterval(vreg: 4, start: 5, end: 9), LiveInterval(vreg: 5, start: 11, end: 13)], calls: [6])
            let expected: [VReg: Location] = [2: .register("s1"), 3: .register("t0"), 4: .register("s2"), 5: .register("t1")]
            for (r, loc) in expected.sorted(by: { $0.key < $1.key }) where a.location[r] != loc {
                throw GradingFailure("linearScan: v\(r) got \(String(describing: a.location[r])), expected \(loc) (v2 [0,20], v3 [2,4], v4 [5,9], v5 [11,13], a call at 6)")
            }
            let b = linearScan((0..<25).map { LiveInterval(vreg: 2 + $0, start: $0, end: 100 + $0) }, calls: [])
            guard b.location[26] == .spill(0), (2..<26).allSatisfy({ if case .register = b.location[$0] { return true }; return false }) else {
                throw GradingFailure("linearScan: with 25 intervals live at once, v26 (the last to end) must spill and the other 24 keep registers")
            }
            #else
            throw GradingSkip("linear_scan reads internal types: it runs in debug builds (scripts/grade)")
            #endif
        },
        // swapping a0 and a1 needs the scratch register: mv t5, a1; mv a1, a0; mv a0, t5 (or any
        // order with the same effect); a chain a2 <- a1 <- a0 must move a2 first
        GradingCase(chapter: "ctoriscv", name: "parallel_move", todos: ["ctoriscv.19"]) { _ in
            #if DEBUG
            for moves in [[("a0", "a1"), ("a1", "a0")], [("a2", "a1"), ("a1", "a0")], [("a0", "a1"), ("a1", "a2"), ("a2", "a0")], [("a3", "a0"), ("a4", "a0")]] {
                var e = IREmitter(IRFunction(name: "t"), Allocation(), Liveness(IRFunction(name: "t")), id: 0)
                e.parallelMove(moves.map { (dst: $0.0, src: $0.1) })
                var file = Dictionary(uniqueKeysWithValues: ((0..<8).map { "a\($0)" } + ["t5"]).map { ($0, $0) })
                for line in e.out {
                    let parts = line.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
                    guard parts.count == 3, parts[0] == "mv" else { throw GradingFailure("parallelMove emitted \(line), expected only mv instructions") }
                    file[parts[1]] = file[parts[2]]
                }
                for (dst, src) in moves where file[dst] != src {
                    throw GradingFailure("parallelMove(\(moves)): emitted \(e.out); afterwards \(dst) holds the old \(file[dst]!), expected the old \(src)")
                }
            }
            #else
            throw GradingSkip("parallel_move reads internal types: it runs in debug builds (scripts/grade)")
            #endif
        },
    ]

    static let cases: [GradingCase] = firstSteps + backEndSteps + [
        programCase("lex_numbers", ["ctoriscv.1"]),
        programCase("macros", ["ctoriscv.2"]),
        programCase("declarators", ["ctoriscv.3"]),
        programCase("precedence", ["ctoriscv.4"]),
        programCase("conversions", ["ctoriscv.5"]),
        programCase("pointer_arith", ["ctoriscv.6"]),
        programCase("binary_ops", ["ctoriscv.7"]),
        programCase("calls", ["ctoriscv.8", "ctoriscv.9"]),
        programCase("variadic", ["ctoriscv.8", "ctoriscv.9"]),
        programCase("control_flow", ["ctoriscv.10"]),
        programCase("long_long", ["ctoriscv.11"]),
        programCase("structs", ["ctoriscv.3", "ctoriscv.7"]),
        programCase("algo_queens", ["ctoriscv.4", "ctoriscv.8", "ctoriscv.10"]),
        programCase("algo_sieve", ["ctoriscv.6", "ctoriscv.10"]),
        programCase("algo_sort_hash", ["ctoriscv.5", "ctoriscv.7", "ctoriscv.10"]),
        // the optimizing back end: IR lowering (16), liveness (17), linear scan (18), parallel moves (19)
        programCase("control_flow", ["ctoriscv.16", "ctoriscv.17"], .optimizing),
        programCase("precedence", ["ctoriscv.16"], .optimizing),
        programCase("binary_ops", ["ctoriscv.16", "ctoriscv.18"], .optimizing),
        programCase("pointer_arith", ["ctoriscv.17", "ctoriscv.18"], .optimizing),
        programCase("conversions", ["ctoriscv.16", "ctoriscv.17"], .optimizing),
        programCase("structs", ["ctoriscv.18"], .optimizing),
        programCase("calls", ["ctoriscv.18", "ctoriscv.19"], .optimizing),
        programCase("algo_queens", ["ctoriscv.16", "ctoriscv.17", "ctoriscv.18", "ctoriscv.19"], .optimizing),
        programCase("algo_sieve", ["ctoriscv.16", "ctoriscv.17", "ctoriscv.18"], .optimizing),
        programCase("algo_sort_hash", ["ctoriscv.17", "ctoriscv.18", "ctoriscv.19"], .optimizing),

        GradingCase(chapter: "ctoriscv", name: "encodings", todos: ["ctoriscv.12"]) { context in
            let encodings = try load([Encoding].self, "encodings.json", context)
            // One program with every instruction at the address GNU as gave it; label L as in the reference.
            var text = "  .globl _start\n_start:\n"
            for (i, e) in encodings.enumerated() {
                if e.pc == e.label { text += "L:\n" }
                text += "  " + e.asm + "\n"
                if i == encodings.count - 1 { text += "  ecall\n" }
            }
            let elf: [UInt8]
            do { elf = try assemble(text) } catch { throw GradingFailure("assembling failed: \(error)") }
            guard elf.count >= 0x60 + 4 * encodings.count else { throw GradingFailure("ELF too short") }
            let entry = Int(elf[24]) | Int(elf[25]) << 8 | Int(elf[26]) << 16 | Int(elf[27]) << 24
            let start = entry - 0x10000
            for (i, e) in encodings.enumerated() {
                let at = start + 4 * i
                guard at + 4 <= elf.count else { throw GradingFailure("ELF too short") }
                let word = UInt32(elf[at]) | UInt32(elf[at + 1]) << 8 | UInt32(elf[at + 2]) << 16 | UInt32(elf[at + 3]) << 24
                if word != e.word {
                    throw GradingFailure("'\(e.asm)' encoded as 0x\(String(word, radix: 16)), GNU as gives 0x\(String(e.word, radix: 16))")
                }
            }
        },

        GradingCase(chapter: "ctoriscv", name: "elf_header", todos: ["ctoriscv.13"]) { _ in
            let elf: [UInt8]
            do { elf = try assemble("  .globl _start\n_start:\n  li a0, 42\n  li a7, 93\n  ecall\n") }
            catch { throw GradingFailure("assembling failed: \(error)") }
            try checkHeaders(elf)
            let (code, _, _) = try exitCode(elf)
            if code != 42 { throw GradingFailure("the program exited with \(code), expected 42") }
        },
    ] + asmCases + gccCases + fewerInstructionsCases

    /// The ELF and program header fields every executable of ours has (ELF32 spec, RISC-V psABI).
    static func checkHeaders(_ elf: [UInt8]) throws {
        func field(_ off: Int, _ n: Int) -> Int { (0..<n).reduce(0) { $0 | Int(elf[off + $1]) << (8 * $1) } }
        guard elf.count >= 84 else { throw GradingFailure("ELF shorter than its headers (\(elf.count) bytes)") }
        let expected: [(String, Int, Int, Int)] = [
            ("magic", 0, 4, 0x464C_457F), ("class (32-bit)", 4, 1, 1), ("data (little-endian)", 5, 1, 1),
            ("e_type (EXEC)", 16, 2, 2), ("e_machine (RISC-V)", 18, 2, 243), ("e_phoff", 28, 4, 52),
            ("e_phentsize", 42, 2, 32), ("e_phnum", 44, 2, 1), ("p_type (LOAD)", 52, 4, 1), ("p_vaddr", 60, 4, 0x10000),
        ]
        for (name, off, n, value) in expected where field(off, n) != value {
            throw GradingFailure("ELF \(name) is \(field(off, n)), expected \(value)")
        }
        if field(24, 4) != 0x10060 { throw GradingFailure("e_entry is 0x\(String(field(24, 4), radix: 16)), expected 0x10060 (_start)") }
        if field(72, 4) < field(68, 4) { throw GradingFailure("p_memsz is smaller than p_filesz") }
    }

    /// Hand-written assembly: every RV32I format, and the RV32M edge cases.
    static let asmCases: [GradingCase] = [("decode_every_format", ["ctoriscv.14"]), ("rv32m_edge_cases", ["ctoriscv.15"])].map { name, todos in
        GradingCase(chapter: "ctoriscv", name: name, todos: todos) { context in
            let all = try load([AsmProgram].self, "asm_programs.json", context)
            guard let p = all.first(where: { $0.name == name }) else { throw GradingFailure("no program \(name)") }
            let elf: [UInt8]
            do { elf = try assemble(p.source) } catch { throw GradingFailure("assembling failed: \(error)") }
            let (code, _, _) = try exitCode(elf)
            if code != p.exit { throw GradingFailure("\(name) exited with \(code), qemu-riscv32 says \(p.exit)") }
        }
    }

    /// The optimizing back end executes fewer instructions than gcc -O0 (both counted on our
    /// emulator, both linked with the same runtime) and gives the same exit code as qemu.
    static let fewerInstructionsCases: [GradingCase] = ["algo_queens", "algo_sieve", "algo_sort_hash"].map { name in
        GradingCase(chapter: "ctoriscv", name: "fewer_instructions_than_gcc_O0_" + name, todos: ["ctoriscv.17", "ctoriscv.18", "ctoriscv.19"]) { context in
            let programs = try load([Program].self, "programs.json", context), elfs = try load([GccELF].self, "gcc_elfs.json", context)
            guard let p = programs.first(where: { $0.name == name }), let g = elfs.first(where: { $0.name == name + "-O0" }),
                  let data = Data(base64Encoded: g.elf_base64) else { throw GradingFailure("no \(name) (-O0) in the references") }
            let ours: [UInt8]
            do { ours = try assemble(try compile(source: p.source, fileName: name + ".c", backEnd: .optimizing)) }
            catch { throw GradingFailure("\(name).c did not compile: \(error)") }
            let (code, _, n) = try exitCode(ours), (gccCode, _, m) = try exitCode([UInt8](data))
            if code != p.exit || gccCode != g.exit { throw GradingFailure("exit codes \(code) (ours), \(gccCode) (gcc -O0); qemu says \(p.exit)") }
            if n >= m { throw GradingFailure("\(name): \(n) instructions executed, gcc -O0 needs \(m): allocate registers") }
        }
    }

    /// gcc -O2 executables on our emulator: the decoder and interpreter alone, no compiler of ours.
    static let gccCases: [GradingCase] = ["binary_ops-O2", "calls-O2", "long_long-O2", "algo_queens-O2", "algo_sieve-O2", "algo_sort_hash-O2"].map { name in
        GradingCase(chapter: "ctoriscv", name: "gcc_" + name, todos: ["ctoriscv.14", "ctoriscv.15"]) { context in
            let all = try load([GccELF].self, "gcc_elfs.json", context)
            guard let p = all.first(where: { $0.name == name }), let data = Data(base64Encoded: p.elf_base64) else {
                throw GradingFailure("no executable \(name) in gcc_elfs.json")
            }
            let (code, _, _) = try exitCode([UInt8](data))
            if code != p.exit { throw GradingFailure("gcc's \(name) exited with \(code) on our emulator, \(p.exit) on qemu-riscv32") }
        }
    }
}

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
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ctoriscv

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

    static let cases: [GradingCase] = [
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
            let (code, _, _) = try exitCode(elf)
            if code != 42 { throw GradingFailure("the program exited with \(code), expected 42") }
        },
    ] + asmCases + gccCases + fewerInstructionsCases

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

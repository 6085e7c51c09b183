// ctoriscv: the command line.
//   ctoriscv file.c -S -o file.s      RV32IM assembly
//   ctoriscv file.c -o file.elf       ELF32 executable (our assembler + linker + runtime)
//   ctoriscv file.c --run [--stats]   compile and run on our emulator; exit with main's value
//   ctoriscv --emulate prog.elf [--stats]   run any RV32IM ELF on our emulator
//   --mix (with --run or --emulate)   also print how often each instruction ran
//   ctoriscv file.c --ir              the optimized IR of each function
//   -I dir adds an include directory.
import ctoriscv
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let usage = """
usage: ctoriscv file.c [-S] [-o out] [-I dir]...   compile (assembly with -S, else an ELF executable)
       (add --stack-only for the stack machine with every variable in memory, no IR,
        or --stack-registers for the stack machine with register variables in s1-s11)
       ctoriscv file.c --ir                        print the IR after the passes
       ctoriscv file.c --run [--stats]             compile and run on the emulator
       ctoriscv --emulate prog.elf [--stats]       run an RV32IM ELF executable
       (add --mix to either for the instruction mix on stderr: one "mnemonic count" a line)
       ctoriscv --runtime-asm out.s                write the runtime library's assembly
"""

func printError(_ message: String) {
    let bytes = Array((message + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    printError(message)
    exit(1)
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

var input: String?, output: String?, emulate: String?
var assemblyOnly = false, runIt = false, stats = false, mix = false, stackOnly = false, stackRegisters = false, printIR = false
var includes: [String] = []
var args = Array(CommandLine.arguments.dropFirst())
if args.isEmpty { fail(usage) }
while !args.isEmpty {
    let a = args.removeFirst()
    switch a {
    case "-S": assemblyOnly = true
    case "--run": runIt = true
    case "--stats": stats = true
    case "--mix": mix = true
    case "--stack-only": stackOnly = true     // no IR, no register allocation: the pure stack machine
    case "--stack-registers": stackRegisters = true   // the stack machine with register variables in s1-s11
    case "--ir": printIR = true
    case "-o":
        guard !args.isEmpty else { fail("ctoriscv: -o needs a file name\n" + usage) }
        output = args.removeFirst()
    case "--emulate":
        guard !args.isEmpty else { fail("ctoriscv: --emulate needs an ELF file\n" + usage) }
        emulate = args.removeFirst()
    case "-I":
        guard !args.isEmpty else { fail("ctoriscv: -I needs a directory\n" + usage) }
        includes.append(args.removeFirst())
    case "-h", "--help": print(usage); exit(0)
    case "--runtime-asm":       // the runtime library's assembly, for linking with GNU tools
        guard !args.isEmpty, let asm = try? runtimeAssembly(),
              FileManager.default.createFile(atPath: args[0], contents: Data(asm.utf8)) else { fail("ctoriscv: --runtime-asm needs a writable file") }
        exit(0)
    default:
        if a.hasPrefix("-I") && a.count > 2 { includes.append(String(a.dropFirst(2))); continue }
        if a.hasPrefix("-") { fail("ctoriscv: unknown option '\(a)'\n" + usage) }
        if input != nil { fail("ctoriscv: more than one input file\n" + usage) }
        input = a
    }
}

func readFile(_ path: String) -> Data {
    guard let data = FileManager.default.contents(atPath: path) else { fail("ctoriscv: cannot read '\(path)'") }
    return data
}

func runELF(_ elf: [UInt8], stats: Bool, mix: Bool) -> Never {
    do {
        let emulator = try Emulator(elf: elf)
        emulator.echoOutput = true
        emulator.countsInstructions = mix
        let start = now()
        let code = try emulator.run(maxSteps: Int.max)
        let seconds = now() - start
        if stats {
            let n = emulator.instructionsExecuted
            let mips = Double(n) / max(seconds, 1e-9) / 1e6
            printError("ctoriscv: \(n) instructions in \(Int(seconds * 1000)) ms, \(Int(mips)) M instructions/s")
        }
        if mix { for (m, n) in emulator.instructionMix() { printError("ctoriscv: mix \(m) \(n)") } }
        exit(code)
    } catch {
        fail("ctoriscv: \(error)")
    }
}

if let elfPath = emulate {
    if input != nil || assemblyOnly || output != nil { fail("ctoriscv: --emulate takes only an ELF file (and --stats, --mix)\n" + usage) }
    runELF([UInt8](readFile(elfPath)), stats: stats, mix: mix)
}
guard let path = input else { fail("ctoriscv: no input file\n" + usage) }
if printIR {
    do { print(try intermediateRepresentation(source: String(decoding: readFile(path), as: UTF8.self), fileName: path, includePaths: includes), terminator: "") }
    catch { fail("\(error)") }
    exit(0)
}
if runIt && (assemblyOnly || output != nil) { fail("ctoriscv: --run does not write a file; drop -S/-o\n" + usage) }
if !runIt && output == nil { fail("ctoriscv: say -o FILE, or --run\n" + usage) }
let source = String(decoding: readFile(path), as: UTF8.self)
do {
    let asm = try compile(source: source, fileName: path, includePaths: includes,
                          backEnd: stackOnly ? .stackMachine : stackRegisters ? .stackRegisters : .optimizing)
    if assemblyOnly {
        guard FileManager.default.createFile(atPath: output!, contents: Data(asm.utf8)) else { fail("ctoriscv: cannot write '\(output!)'") }
        exit(0)
    }
    let elf = try assemble(asm)
    if runIt { runELF(elf, stats: stats, mix: mix) }
    guard FileManager.default.createFile(atPath: output!, contents: Data(elf), attributes: [.posixPermissions: 0o755]) else {
        fail("ctoriscv: cannot write '\(output!)'")
    }
} catch {
    fail("\(error)")
}

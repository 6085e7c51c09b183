// The library's front door: compile, assemble, run.

/// Compiles C89 source to RV32IM assembly (GNU as syntax, ILP32). `#include "f"` searches the
/// directory of `fileName`, then `includePaths`. Throws `CompileError` (file:line:column).
public func compile(source: String, fileName: String = "<input>", includePaths: [String] = []) throws -> String {
    let file = SourceFile(name: fileName, text: source)
    var preprocessor = Preprocessor(includePaths: includePaths)
    let tokens = try preprocessor.run(try tokenize(file))
    let program = try Parser(tokens: tokens).parseProgram()
    return try CodeGenerator().generate(program)
}

/// `compile`, choosing whether locals live in registers (the optimizing back end, the default)
/// or every variable lives in memory (the pure stack machine, for comparison).
public func compile(source: String, fileName: String = "<input>", includePaths: [String] = [],
                    registerAllocation: Bool) throws -> String {
    try compile(source: source, fileName: fileName, includePaths: includePaths, backEnd: registerAllocation ? .optimizing : .stackMachine)
}

/// `compile` with the code generator chosen: see `BackEnd`.
public func compile(source: String, fileName: String = "<input>", includePaths: [String] = [],
                    backEnd: BackEnd) throws -> String {
    var preprocessor = Preprocessor(includePaths: includePaths)
    let tokens = try preprocessor.run(try tokenize(SourceFile(name: fileName, text: source)))
    let program = try Parser(tokens: tokens).parseProgram()
    let generator = CodeGenerator()
    generator.allocatesRegisters = backEnd != .stackMachine
    generator.backEnd = backEnd
    return try generator.generate(program)
}

/// The IR of each function after the passes, as the optimizing back end sees it before
/// register allocation (`ctoriscv --ir`); a function the IR does not cover says so.
public func intermediateRepresentation(source: String, fileName: String = "<input>", includePaths: [String] = []) throws -> String {
    var preprocessor = Preprocessor(includePaths: includePaths)
    let tokens = try preprocessor.run(try tokenize(SourceFile(name: fileName, text: source)))
    var text = ""
    for f in try Parser(tokens: tokens).parseProgram().functions {
        do {
            let ir = try IRBuilder(f).lower()
            ir.optimize()
            text += ir.description
        } catch is Unsupported { text += "function \(f.name): compiled by the stack machine\n" }
    }
    return text
}

/// Assembles and links `asm` into an ELF32 executable. Unless `asm` defines `_start` itself,
/// the runtime (start-up code, putchar, puts, printf, long long division) is linked in.
public func assemble(_ asm: String) throws -> [UInt8] {
    let definesStart = asm.split(separator: "\n").contains { $0.trimmingPrefixSpaces.hasPrefix("_start:") }
    return try link(definesStart ? [asm] : [asm, try runtimeAssembly()])
}

/// Compiles, links and runs a C program on the emulator; returns its exit code and output.
public func run(source: String, fileName: String = "<input>", includePaths: [String] = [],
                maxSteps: Int = 1 << 40) throws -> (exitCode: Int32, output: String, instructions: Int) {
    let elf = try assemble(try compile(source: source, fileName: fileName, includePaths: includePaths))
    let emulator = try Emulator(elf: elf)
    let code = try emulator.run(maxSteps: maxSteps)
    return (code, String(decoding: emulator.output, as: UTF8.self), emulator.instructionsExecuted)
}

extension Substring {
    var trimmingPrefixSpaces: Substring { drop(while: { $0 == " " || $0 == "\t" }) }
}

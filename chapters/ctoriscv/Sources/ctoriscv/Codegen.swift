// Code generation: typed AST -> RV32IM assembly (GNU as syntax, ILP32 calling convention).
//
// A stack machine, as in chibicc: every expression leaves its value in a0 (a0:a1 for
// long long, low word in a0), and a binary operator evaluates its right operand, pushes it,
// evaluates its left operand, and pops the right one into a1 (a2:a3); a constant or register
// operand skips the push and pop. It is slow code but obviously correct code. One step of
// register allocation (RegisterAllocation.swift) keeps int-sized locals in s1-s11.
//
// Frame (s0 is the frame pointer and equals the caller's sp, the "CFA"):
//   s0+0 ...         stack arguments (words 8, 9, ... of the argument list)
//   s0-32 .. s0      variadic functions only: a0-a7 saved, contiguous with the stack arguments
//   next 16 bytes    ra at 12(sp'), the caller's s0 at 8(sp')
//   below            locals and parameters in memory, at negative offsets from s0,
//                    then the saved s1-s11 that hold register variables
// sp stays 16-byte aligned at every call, as the psABI requires; `depth` tracks the pushes.
//
// By default a function goes through the optimizing back end instead (IR.swift: IR, passes,
// liveness, linear-scan allocation); the stack machine compiles what the IR does not cover.

/// Which code generator compiles the functions.
public enum BackEnd: Sendable {
    /// The stack machine with every variable in memory (the teaching baseline, `--stack-only`).
    case stackMachine
    /// The stack machine with int-sized locals in s1-s11 (RegisterAllocation.swift).
    case stackRegisters
    /// IR, constant folding, copy propagation, DCE, liveness and linear scan; functions the IR
    /// does not cover (long long, va_arg, variadic definitions) fall back to `stackRegisters`.
    case optimizing
}

final class CodeGenerator {
    var out: [String] = []
    var depth = 0
    var counter = 0
    var returnLabel = ""
    var function: Function?
    /// Keep int-sized locals in s1-s11 (RegisterAllocation.swift); false gives the pure stack machine.
    var allocatesRegisters = true
    var backEnd = BackEnd.optimizing
    /// The callee-saved registers the current function uses, and where the prologue saves them.
    var savedRegisters: [(register: String, offset: Int)] = []

    func emit(_ s: String) { out.append("  " + s) }
    func label(_ s: String) { out.append(s + ":") }
    func newLabel(_ kind: String) -> String { counter += 1; return ".L.cg.\(kind).\(counter)" }

    func push() { emit("addi sp, sp, -4"); emit("sw a0, 0(sp)"); depth += 4 }
    func pop(_ reg: String) { emit("lw \(reg), 0(sp)"); emit("addi sp, sp, 4"); depth -= 4 }
    func push64() { emit("addi sp, sp, -8"); emit("sw a0, 0(sp)"); emit("sw a1, 4(sp)"); depth += 8 }
    func pop64(_ lo: String, _ hi: String) { emit("lw \(lo), 0(sp)"); emit("lw \(hi), 4(sp)"); emit("addi sp, sp, 8"); depth -= 8 }

    /// `rd = base + offset` for any 32-bit offset (addi reaches only -2048...2047).
    func addImmediate(_ rd: String, _ base: String, _ offset: Int) {
        if offset >= -2048 && offset < 2048 { emit("addi \(rd), \(base), \(offset)") }
        else { emit("li t5, \(offset)"); emit("add \(rd), \(base), t5") }
    }

    /// Generates a whole translation unit.
    func generate(_ program: Program) throws -> String {
        for g in program.globals { emitGlobal(g) }
        for f in program.functions {
            if backEnd == .optimizing {
                do { out += try emitIRFunction(f); continue } catch is Unsupported {}
            }
            try emitFunction(f)
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The words each argument occupies in the ILP32 argument list (a0-a7, then the stack).
    /// long long takes two words; a variadic one, or one on the stack, starts at an even word.
    static func argumentWords(_ types: [CType], fixed: Int) -> (starts: [Int], total: Int) {
        var w = 0, starts: [Int] = []
        for (i, t) in types.enumerated() {
            if t.is64 && (i >= fixed || w >= 8) && w % 2 == 1 { w += 1 }
            starts.append(w)
            w += t.is64 ? 2 : 1
        }
        return (starts, w)
    }

    func emitFunction(_ f: Function) throws {
        function = f
        returnLabel = newLabel("return.\(f.name)")
        let saveArea = f.type.isVariadic ? 48 : 16
        // Assign frame offsets: locals (parameters first) that live in memory, each aligned,
        // then one word per callee-saved register the function uses.
        let registers = allocateRegisters(f)
        var offset = -saveArea
        for v in f.locals where v.register == nil {
            offset -= v.type.size
            offset = -((-offset + v.type.align - 1) / v.type.align * v.type.align)
            v.offset = offset
        }
        offset &= ~3
        savedRegisters = registers.map { r in offset -= 4; return (r, offset) }
        let localSize = (-offset - saveArea + 15) / 16 * 16
        out.append("")
        emit(".text")
        if !f.isStatic { emit(".globl \(f.name)") }
        emit(".p2align 2")
        label(f.name)
        try emitPrologue(f, saveArea: saveArea, localSize: localSize)
        depth = 0
        try emitStatement(f.body)
        if f.name == "main" { emit("li a0, 0") }          // falling off main returns 0 (C99 rule)
        label(returnLabel)
        emitEpilogue(saveArea: saveArea)
    }

    func emitPrologue(_ f: Function, saveArea: Int, localSize: Int) throws {
        // BEGIN SOLUTION ctoriscv.9: emit the prologue: save ra and s0, set s0, reserve the frame, store the parameters
        emit("addi sp, sp, -\(saveArea)")
        emit("sw ra, 12(sp)")
        emit("sw s0, 8(sp)")
        if f.type.isVariadic { for r in 0..<8 { emit("sw a\(r), \(16 + 4 * r)(sp)") } }
        emit("addi s0, sp, \(saveArea)")
        if localSize > 0 { emit("li t0, \(localSize)"); emit("sub sp, sp, t0") }
        for (r, off) in savedRegisters { addImmediate("t0", "s0", off); emit("sw \(r), 0(t0)") }
        let (starts, _) = CodeGenerator.argumentWords(f.params.map(\.type), fixed: f.params.count)
        for (v, w) in zip(f.params, starts) {
            if let r = v.register {                      // an int-sized parameter kept in a register
                if w < 8 { emit("mv \(r), a\(w)") } else { emit("lw \(r), \((w - 8) * 4)(s0)") }
                continue
            }
            addImmediate("t0", "s0", v.offset)
            for part in 0..<(v.type.is64 ? 2 : 1) {
                let word = w + part
                var reg = "a\(word)"
                if word >= 8 { emit("lw t1, \((word - 8) * 4)(s0)"); reg = "t1" }
                let store = v.type.size == 1 ? "sb" : v.type.size == 2 ? "sh" : "sw"
                emit("\(store) \(reg), \(part * 4)(t0)")
            }
        }
        // END SOLUTION ctoriscv.9
    }

    func emitEpilogue(saveArea: Int) {
        for (r, off) in savedRegisters { addImmediate("t0", "s0", off); emit("lw \(r), 0(t0)") }
        emit("addi sp, s0, -\(saveArea)")
        emit("lw ra, 12(sp)")
        emit("lw s0, 8(sp)")
        emit("addi sp, sp, \(saveArea)")
        emit("ret")
    }

    /// A global's storage: `.data` with its bytes and relocated words, or `.bss` when zero.
    func emitGlobal(_ v: Variable) {
        guard v.isDefinition, !v.isFunction else { return }
        out.append("")
        if let data = v.initData {
            emit(v.name.hasPrefix(".L.str") ? ".section .rodata" : ".data")
            if !v.isStatic { emit(".globl \(v.name)") }
            emit(".p2align \(v.type.align.trailingZeroBitCount)")
            label(v.name)
            var i = 0
            let relocs = Dictionary(v.relocations.map { ($0.offset, $0) }, uniquingKeysWith: { a, _ in a })
            while i < data.count {
                if let r = relocs[i] {
                    emit(".word \(r.label)\(r.addend >= 0 ? "+" : "")\(r.addend)")
                    i += 4; continue
                }
                var j = i
                while j < data.count && j - i < 16 && relocs[j] == nil { j += 1 }
                emit(".byte " + data[i..<j].map { String($0) }.joined(separator: ", "))
                i = j
            }
        } else {
            emit(".bss")
            if !v.isStatic { emit(".globl \(v.name)") }
            emit(".p2align \(v.type.align.trailingZeroBitCount)")
            label(v.name)
            emit(".zero \(max(v.type.size, 1))")
        }
    }
}

// The interpreter's hot loop: fetch a decoded record, switch, repeat.
//
// Everything the loop touches is a local unsafe pointer (registers, memory, code), so the
// optimizer keeps them in host registers and no Swift array bounds or ownership checks run
// per instruction. Guest memory accesses are bounds-checked against the flat memory size;
// jumps through registers are checked against the code range. Writes to x0 were redirected
// to a 33rd register at load time, so x0 reads 0 without a test on every write. Steps are
// counted per straight-line run (Emulator.runs) when a jump, branch or ecall enters one.
// With `countsInstructions` on, each entry into a run is also counted (Emulator.entries);
// the loop is generic over that choice, so the copy that runs by default has no counting
// in it at all, not even a test.

/// Whether a copy of the interpreter loop counts entries into straight-line runs. A type, not
/// a Bool, so that the optimizer specializes the loop once per value and folds the test away.
protocol EntryCounting { static var on: Bool { get } }
enum CountingEntries: EntryCounting { static var on: Bool { true } }
enum NotCountingEntries: EntryCounting { static var on: Bool { false } }

extension Emulator {
    /// Runs until the program exits and returns its exit code; throws on a fault, or before
    /// a straight-line run of instructions that would take it past `maxSteps` instructions
    /// (`instructionsExecuted` then says how many ran). Cost: a few nanoseconds per instruction.
    public func run(maxSteps: Int) throws -> Int32 {
        countsInstructions ? try run(maxSteps: maxSteps, CountingEntries.self) : try run(maxSteps: maxSteps, NotCountingEntries.self)
    }

    func run<C: EntryCounting>(maxSteps: Int, _: C.Type) throws -> Int32 {
        let x = regs, mem = memory, code = self.code, runs = self.runs, entries = self.entries
        let count = code.count - 1
        let size = UInt32(Emulator.memorySize)
        let base = codeBase
        var i = pcIndex
        var steps = 0
        /// Stops at instruction i, having counted `steps` through the end of its run.
        func fault(_ what: String, _ i: Int, _ steps: Int) -> EmulatorError {
            let executed = steps - Int(runs[i]) + 1
            instructionsExecuted = executed; pcIndex = i
            return EmulatorError(description: "\(what) at pc 0x\(String(base &+ UInt32(i) &* 4, radix: 16)) after \(executed) instructions")
        }
        func limit(_ i: Int, _ steps: Int) -> EmulatorError {
            instructionsExecuted = steps; pcIndex = i
            return EmulatorError(description: "step limit of \(maxSteps) reached at pc 0x\(String(base &+ UInt32(i) &* 4, radix: 16))")
        }
        steps = Int(runs[i])
        if steps > maxSteps { throw limit(i, 0) }
        if C.on { entries[i] &+= 1 }
        while true {
            let d = code[i]
            let rd = Int(d.rd), r1 = x[Int(d.rs1)], r2 = x[Int(d.rs2)]
            let imm = UInt32(bitPattern: d.imm)
            i &+= 1
            switch d.op {
            case .lui, .auipc: x[rd] = imm
            case .jal:
                x[rd] = base &+ UInt32(i) &<< 2
                i = Int(d.imm)
                steps &+= Int(runs[i]); if steps > maxSteps { throw limit(i, steps - Int(runs[i])) }
                if C.on { entries[i] &+= 1 }
            case .jalr:
                let target = (r1 &+ imm) & ~1
                x[rd] = base &+ UInt32(i) &<< 2
                let t = Int(target &- base) >> 2
                guard target >= base, target & 3 == 0, t < count else { i -= 1; throw fault("jump to 0x\(String(target, radix: 16)) outside the code", i, steps) }
                i = t
                steps &+= Int(runs[i]); if steps > maxSteps { throw limit(i, steps - Int(runs[i])) }
                if C.on { entries[i] &+= 1 }
            case .beq:
                if r1 == r2 { i = Int(d.imm) }
                steps &+= Int(runs[i]); if steps > maxSteps { throw limit(i, steps - Int(runs[i])) }
                if C.on { entries[i] &+= 1 }
            case .bne:
                if r1 != r2 { i = Int(d.imm) }
                steps &+= Int(runs[i]); if steps > maxSteps { throw limit(i, steps - Int(runs[i])) }
                if C.on { entries[i] &+= 1 }
            case .blt:
                if Int32(bitPattern: r1) < Int32(bitPattern: r2) { i = Int(d.imm) }
                steps &+= Int(runs[i]); if steps > maxSteps { throw limit(i, steps - Int(runs[i])) }
                if C.on { entries[i] &+= 1 }
            case .bge:
                if Int32(bitPattern: r1) >= Int32(bitPattern: r2) { i = Int(d.imm) }
                steps &+= Int(runs[i]); if steps > maxSteps { throw limit(i, steps - Int(runs[i])) }
                if C.on { entries[i] &+= 1 }
            case .bltu:
                if r1 < r2 { i = Int(d.imm) }
                steps &+= Int(runs[i]); if steps > maxSteps { throw limit(i, steps - Int(runs[i])) }
                if C.on { entries[i] &+= 1 }
            case .bgeu:
                if r1 >= r2 { i = Int(d.imm) }
                steps &+= Int(runs[i]); if steps > maxSteps { throw limit(i, steps - Int(runs[i])) }
                if C.on { entries[i] &+= 1 }
            case .lb, .lbu:
                let a = r1 &+ imm
                guard a < size else { i -= 1; throw fault("load from 0x\(String(a, radix: 16))", i, steps) }
                let v = mem.load(fromByteOffset: Int(a), as: UInt8.self)
                x[rd] = d.op == .lb ? UInt32(bitPattern: Int32(Int8(bitPattern: v))) : UInt32(v)
            case .lh, .lhu:
                let a = r1 &+ imm
                guard a < size - 1 else { i -= 1; throw fault("load from 0x\(String(a, radix: 16))", i, steps) }
                let v = mem.loadUnaligned(fromByteOffset: Int(a), as: UInt16.self)
                x[rd] = d.op == .lh ? UInt32(bitPattern: Int32(Int16(bitPattern: v))) : UInt32(v)
            case .lw:
                let a = r1 &+ imm
                guard a < size - 3 else { i -= 1; throw fault("load from 0x\(String(a, radix: 16))", i, steps) }
                x[rd] = mem.loadUnaligned(fromByteOffset: Int(a), as: UInt32.self)
            case .sb:
                let a = r1 &+ imm
                guard a < size else { i -= 1; throw fault("store to 0x\(String(a, radix: 16))", i, steps) }
                mem.storeBytes(of: UInt8(truncatingIfNeeded: r2), toByteOffset: Int(a), as: UInt8.self)
            case .sh:
                let a = r1 &+ imm
                guard a < size - 1 else { i -= 1; throw fault("store to 0x\(String(a, radix: 16))", i, steps) }
                mem.storeBytes(of: UInt16(truncatingIfNeeded: r2), toByteOffset: Int(a), as: UInt16.self)
            case .sw:
                let a = r1 &+ imm
                guard a < size - 3 else { i -= 1; throw fault("store to 0x\(String(a, radix: 16))", i, steps) }
                mem.storeBytes(of: r2, toByteOffset: Int(a), as: UInt32.self)
            case .addi: x[rd] = r1 &+ imm
            case .slti: x[rd] = Int32(bitPattern: r1) < d.imm ? 1 : 0
            case .sltiu: x[rd] = r1 < imm ? 1 : 0
            case .xori: x[rd] = r1 ^ imm
            case .ori: x[rd] = r1 | imm
            case .andi: x[rd] = r1 & imm
            case .slli: x[rd] = r1 &<< imm
            case .srli: x[rd] = r1 &>> imm
            case .srai: x[rd] = UInt32(bitPattern: Int32(bitPattern: r1) &>> d.imm)
            case .add: x[rd] = r1 &+ r2
            case .sub: x[rd] = r1 &- r2
            case .sll: x[rd] = r1 &<< (r2 & 31)
            case .slt: x[rd] = Int32(bitPattern: r1) < Int32(bitPattern: r2) ? 1 : 0
            case .sltu: x[rd] = r1 < r2 ? 1 : 0
            case .xor: x[rd] = r1 ^ r2
            case .srl: x[rd] = r1 &>> (r2 & 31)
            case .sra: x[rd] = UInt32(bitPattern: Int32(bitPattern: r1) &>> Int32(r2 & 31))
            case .or: x[rd] = r1 | r2
            case .and: x[rd] = r1 & r2
            case .mul, .mulh, .mulhsu, .mulhu, .div, .divu, .rem, .remu:
                x[rd] = multiplyDivide(d.op, r1, r2)
            case .ecall:
                if let code = try systemCall() { instructionsExecuted = steps; pcIndex = i; return code }
                steps &+= Int(runs[i]); if steps > maxSteps { throw limit(i, steps - Int(runs[i])) }
                if C.on { entries[i] &+= 1 }
            case .fence: break
            case .push:
                let sp = x[2] &- 4
                x[2] = sp
                guard sp < size - 3 else { i -= 1; throw fault("store to 0x\(String(sp, radix: 16))", i, steps) }
                mem.storeBytes(of: r2, toByteOffset: Int(sp), as: UInt32.self)
                i &+= 1
            case .pop:
                guard r1 < size - 3 else { i -= 1; throw fault("load from 0x\(String(r1, radix: 16))", i, steps) }
                x[rd] = mem.loadUnaligned(fromByteOffset: Int(r1), as: UInt32.self)
                x[2] = r1 &+ 4
                i &+= 1
            case .addiLoad:
                let a = r1 &+ imm
                x[rd] = a
                guard a < size - 3 else { throw fault("load from 0x\(String(a, radix: 16))", i, steps) }
                x[rd] = mem.loadUnaligned(fromByteOffset: Int(a), as: UInt32.self)
                i &+= 1
            case .ebreak: i -= 1; throw fault("ebreak", i, steps)
            case .illegal:
                i -= 1
                if i >= count { throw fault("execution left the code (bad jump or missing exit)", i, steps) }
                throw fault("illegal instruction", i, steps)
            }
        }
    }
}

/// The RV32M operations. Division by zero gives all ones (quotient) or the dividend
/// (remainder), and INT_MIN / -1 gives INT_MIN: RISC-V never traps on arithmetic.
@inline(__always)
func multiplyDivide(_ op: Op, _ a: UInt32, _ b: UInt32) -> UInt32 {
    // BEGIN SOLUTION ctoriscv.15: compute mul/mulh/mulhsu/mulhu/div/divu/rem/remu as the RISC-V spec defines them
    let sa = Int32(bitPattern: a), sb = Int32(bitPattern: b)
    switch op {
    case .mul: return a &* b
    case .mulh: return UInt32(truncatingIfNeeded: (Int64(sa) * Int64(sb)) >> 32)
    case .mulhsu: return UInt32(truncatingIfNeeded: (Int64(sa) &* Int64(b)) >> 32)
    case .mulhu: return UInt32(truncatingIfNeeded: (UInt64(a) * UInt64(b)) >> 32)
    case .div:
        if b == 0 { return UInt32.max }
        if sa == Int32.min && sb == -1 { return a }
        return UInt32(bitPattern: sa / sb)
    case .divu: return b == 0 ? UInt32.max : a / b
    case .rem:
        if b == 0 { return a }
        if sa == Int32.min && sb == -1 { return 0 }
        return UInt32(bitPattern: sa % sb)
    default: return b == 0 ? a : a % b
    }
    // END SOLUTION ctoriscv.15
}

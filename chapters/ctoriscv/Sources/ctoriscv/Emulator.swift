// The emulator: loads an RV32IM ELF executable and runs it, Linux-style.
//
// Memory is one flat 64 MiB block from address 0, so a guest address is an offset and a
// load is one bounds check plus one unaligned read. Code is pre-decoded once at load time
// (Decoder.swift); branch and jal targets are turned into indices into the decoded array and
// auipc into a constant, so the hot loop in Interpreter.swift is a switch over small records.
// System calls use Linux's RV32 numbers, so the same ELF also runs under qemu-riscv32:
// a7 = 93 (exit) or 94 (exit_group) ends the run, a7 = 64 is write(fd, buf, len).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a run stopped abnormally.
public struct EmulatorError: Error, CustomStringConvertible {
    /// What happened, with the program counter where it matters.
    public let description: String
}

/// An RV32IM machine with one program loaded.
public final class Emulator {
    /// Bytes of guest memory, from address 0; the stack starts at the top.
    public static let memorySize = 64 << 20
    let memory: UnsafeMutableRawPointer
    /// Decoded code plus one trailing `.illegal` (a fall-through or bad target lands there).
    let code: UnsafeMutableBufferPointer<Decoded>
    let codeBase: UInt32
    let regs: UnsafeMutablePointer<UInt32>
    /// runs[i]: instructions from i up to and including the next jump, branch or ecall. The
    /// interpreter counts steps a straight-line run at a time, not one instruction at a time.
    let runs: UnsafeMutablePointer<Int32>
    /// entries[i]: how many times a straight-line run was entered at i, counted only while
    /// `countsInstructions` is on. A run always executes to its end unless the program faults,
    /// so these counts and `runs` give how often every instruction ran (`instructionMix`).
    let entries: UnsafeMutablePointer<Int>
    var pcIndex: Int
    /// Instructions executed by the last `run`.
    public internal(set) var instructionsExecuted = 0
    /// Bytes the program wrote to file descriptors 1 and 2.
    public var output: [UInt8] = []
    /// Also write the program's output to this process's stdout/stderr as it happens.
    public var echoOutput = false
    /// Count how often each instruction executes (`instructionMix`). Off by default: `run` then
    /// runs a copy of its loop in which the counting is compiled out (Interpreter.swift).
    public var countsInstructions = false

    /// Loads the PT_LOAD segments of a 32-bit little-endian RISC-V executable and decodes its code.
    public init(elf: [UInt8]) throws {
        func u(_ off: Int, _ n: Int) throws -> Int {
            guard off >= 0, off + n <= elf.count else { throw EmulatorError(description: "truncated ELF file") }
            var v = 0
            for k in 0..<n { v |= Int(elf[off + k]) << (8 * k) }
            return v
        }
        guard elf.count >= 52, elf[0] == 0x7F, elf[1] == 0x45, elf[2] == 0x4C, elf[3] == 0x46 else {
            throw EmulatorError(description: "not an ELF file")
        }
        guard elf[4] == 1, elf[5] == 1, try u(18, 2) == 243 else { throw EmulatorError(description: "not a 32-bit little-endian RISC-V ELF file") }
        let entry = try u(24, 4), phoff = try u(28, 4), phentsize = try u(42, 2), phnum = try u(44, 2)
        // calloc maps fresh zero pages lazily, so an unused megabyte costs nothing.
        guard let memory = calloc(1, Emulator.memorySize) else { throw EmulatorError(description: "out of memory") }
        self.memory = memory
        regs = UnsafeMutablePointer<UInt32>.allocate(capacity: 33)     // x32 swallows writes to x0
        regs.initialize(repeating: 0, count: 33)
        var lo = Int.max, hi = 0
        var failure: EmulatorError?
        for i in 0..<phnum {
            let p = phoff + i * phentsize
            guard let type = try? u(p, 4), type == 1 else { continue }
            let off = try u(p + 4, 4), vaddr = try u(p + 8, 4), filesz = try u(p + 16, 4), memsz = try u(p + 20, 4), flags = try u(p + 24, 4)
            guard off + filesz <= elf.count, filesz <= memsz, vaddr + memsz <= Emulator.memorySize - 4096 else {
                failure = EmulatorError(description: "segment \(i) does not fit in \(Emulator.memorySize >> 20) MiB of memory or in the file")
                break
            }
            elf.withUnsafeBytes { memory.advanced(by: vaddr).copyMemory(from: $0.baseAddress!.advanced(by: off), byteCount: filesz) }
            if flags & 1 != 0 { lo = min(lo, vaddr); hi = max(hi, vaddr + filesz) }
        }
        if lo == Int.max { lo = 0; hi = 0 }
        lo &= ~3
        codeBase = UInt32(lo)
        let count = (hi - lo + 3) / 4
        code = .allocate(capacity: count + 1)
        code.initialize(repeating: Decoded())
        let sentinel = Int32(count)
        for k in 0..<count {
            var d = decode(memory.loadUnaligned(fromByteOffset: lo + 4 * k, as: UInt32.self))
            switch d.op {
            case .jal, .beq, .bne, .blt, .bge, .bltu, .bgeu:
                let target = k + Int(d.imm) / 4
                d.imm = d.imm % 4 == 0 && target >= 0 && target < count ? Int32(target) : sentinel
            case .auipc:
                d.imm = Int32(bitPattern: UInt32(lo + 4 * k) &+ UInt32(bitPattern: d.imm))
            default: break
            }
            if d.rd == 0 { d.rd = 32 }               // writes to x0 land in x32, so x0 stays 0
            code[k] = d
        }
        Emulator.fuse(code, count: count)
        runs = .allocate(capacity: count + 1)
        entries = .allocate(capacity: count + 1)
        entries.initialize(repeating: 0, count: count + 1)
        runs[count] = 1
        for k in stride(from: count - 1, through: 0, by: -1) {
            switch code[k].op {
            case .jal, .jalr, .beq, .bne, .blt, .bge, .bltu, .bgeu, .ecall, .ebreak, .illegal: runs[k] = 1
            default: runs[k] = runs[k + 1] + 1
            }
        }
        pcIndex = entry - lo >= 0 && (entry - lo) % 4 == 0 ? (entry - lo) / 4 : count
        if pcIndex > count { pcIndex = count }
        regs[2] = UInt32(Emulator.memorySize - 64)          // sp; argc = 0, argv = envp = NULL above it
        if let failure { deallocate(); throw failure }
        if pcIndex == count { deallocate(); throw EmulatorError(description: "entry point 0x\(String(entry, radix: 16)) is not in an executable segment") }
    }

    /// Replaces frequent instruction pairs by one superinstruction at the first one's index.
    /// The second stays decoded at its own index, so a jump into the middle still works.
    static func fuse(_ code: UnsafeMutableBufferPointer<Decoded>, count: Int) {
        guard count > 1 else { return }
        for k in 0..<(count - 1) {
            let a = code[k], b = code[k + 1]
            guard a.op == .addi else {
                if a.op == .lw && a.rs1 == 2 && a.imm == 0 && a.rd != 2 && a.rd != 32 && b.op == .addi && b.rd == 2 && b.rs1 == 2 && b.imm == 4 {
                    code[k].op = .pop
                }
                continue
            }
            if a.rd == 2 && a.rs1 == 2 && a.imm == -4 && b.op == .sw && b.rs1 == 2 && b.imm == 0 && b.rs2 != 2 {
                code[k].op = .push; code[k].rs2 = b.rs2
            } else if a.rd != 32 && b.op == .lw && b.rs1 == a.rd && b.rd == a.rd && b.imm == 0 {
                code[k].op = .addiLoad
            }
        }
    }

    private var freed = false
    private func deallocate() {
        if freed { return }
        freed = true
        free(memory); code.deallocate(); regs.deallocate(); runs.deallocate(); entries.deallocate()
    }
    deinit { deallocate() }

    /// How many times each instruction ran while `countsInstructions` was on, by mnemonic
    /// (a superinstruction counts as its two halves), most frequent first, ties by name. Exact
    /// for a run that ended in exit or hit its step limit; after a fault, the rest of the
    /// faulting straight-line run is counted as if it had run.
    public func instructionMix() -> [(mnemonic: String, count: Int)] {
        var counts = [Int](repeating: 0, count: Int(Op.addiLoad.rawValue) + 1)
        for i in 0..<code.count where entries[i] > 0 {
            for j in i..<(i + Int(runs[i])) { counts[Int(code[j].op.rawValue)] += entries[i] }
        }
        counts[Int(Op.addi.rawValue)] += counts[Int(Op.push.rawValue)] + counts[Int(Op.addiLoad.rawValue)]
        counts[Int(Op.lw.rawValue)] += counts[Int(Op.pop.rawValue)]
        return counts.enumerated().compactMap { k, n in
            let op = Op(rawValue: UInt8(k))!
            return n > 0 && op != .push && op != .pop && op != .addiLoad ? (mnemonic: "\(op)", count: n) : nil
        }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.mnemonic < $1.mnemonic }
    }

    /// The current value of register x`i`.
    public func register(_ i: Int) -> UInt32 { regs[i & 31] }

    /// Handles `ecall`; returns the exit code when the program exits.
    func systemCall() throws -> Int32? {
        let a7 = regs[17]
        switch a7 {
        case 93, 94: return Int32(bitPattern: regs[10])
        case 64:
            let fd = regs[10], buf = Int(regs[11]), len = Int(regs[12])
            guard buf + len <= Emulator.memorySize else { regs[10] = UInt32(bitPattern: -14); return nil }   // EFAULT
            let bytes = UnsafeRawBufferPointer(start: memory.advanced(by: buf), count: len)
            if fd == 1 || fd == 2 {
                output.append(contentsOf: bytes)
                if echoOutput { _ = write(Int32(fd), bytes.baseAddress, len) }
                regs[10] = UInt32(len)
            } else { regs[10] = UInt32(bitPattern: -9) }                                                 // EBADF
        default:
            regs[10] = UInt32(bitPattern: -38)                                                          // ENOSYS
        }
        return nil
    }
}

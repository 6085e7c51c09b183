// The assembler's encodings against words GNU as produces, and the emulator on small programs.
import Testing
@testable import ctoriscv

@Suite("assembler and emulator")
struct MachineTests {
    /// Words taken from `riscv64-unknown-elf-objdump -d` of the same instructions.
    static let encodings: [(String, UInt32)] = [
        ("addi a0, a0, 1", 0x0015_0513), ("add a0, a1, a2", 0x00C5_8533), ("sub t0, t1, t2", 0x4073_02B3),
        ("lw a0, 8(sp)", 0x0081_2503), ("sw ra, 12(sp)", 0x0011_2623), ("sb a0, -1(s0)", 0xFEA4_0FA3),
        ("lui a0, 0x12345", 0x1234_5537), ("srai a0, a0, 3", 0x4035_5513), ("mul a0, a0, a1", 0x02B5_0533),
        ("divu a0, a1, a2", 0x02C5_D533), ("remu a0, a1, a2", 0x02C5_F533), ("ecall", 0x0000_0073),
        ("jalr zero, 0(ra)", 0x0000_8067), ("ret", 0x0000_8067), ("mv a0, a1", 0x0005_8513),
        ("sltu a0, a1, a2", 0x00C5_B533), ("xori a0, a0, 1", 0x0015_4513), ("lbu a0, 0(a0)", 0x0005_4503),
    ]

    @Test("instruction encodings match GNU as", arguments: encodings.indices)
    func encoding(_ i: Int) throws {
        let (text, word) = MachineTests.encodings[i]
        let unit = try parseAssembly(text)
        guard case .instruction(let ins)? = unit.sections[0].first else { Issue.record("no instruction"); return }
        let words = try Encoder(resolve: { _ in 0 }, line: 1).encode(ins, pc: 0)
        #expect(words == [word], "\(text): got 0x\(String(words.first ?? 0, radix: 16))")
    }

    @Test("branches and jumps encode their offsets")
    func branchOffsets() throws {
        let e = Encoder(resolve: { $0 == "back" ? 0 : 0x100 }, line: 1)
        #expect(try e.encode(AsmInstruction(mnemonic: "beq", operands: ["a0", "a1", "fwd"], line: 1), pc: 0) == [0x10B5_0063])
        #expect(try e.encode(AsmInstruction(mnemonic: "jal", operands: ["ra", "fwd"], line: 1), pc: 0) == [0x1000_00EF])
        #expect(try e.encode(AsmInstruction(mnemonic: "bne", operands: ["a0", "zero", "back"], line: 1), pc: 8) == [0xFE05_1CE3])
    }

    @Test("decoding inverts encoding")
    func decodeRoundTrip() {
        let d = decode(0xFEA4_0FA3)       // sb a0, -1(s0)
        #expect(d.op == .sb && d.rs1 == 8 && d.rs2 == 10 && d.imm == -1)
        let b = decode(0xFE05_1CE3)       // bne a0, zero, -8
        #expect(b.op == .bne && b.imm == -8)
        let j = decode(0x1000_00EF)       // jal ra, +256
        #expect(j.op == .jal && j.rd == 1 && j.imm == 256)
        #expect(decode(0xFFFF_FFFF).op == .illegal)
    }

    @Test("RV32M semantics at the edges")
    func rv32m() {
        let minInt = UInt32(0x8000_0000), minusOne = UInt32.max
        #expect(multiplyDivide(.div, minInt, minusOne) == minInt)
        #expect(multiplyDivide(.rem, minInt, minusOne) == 0)
        #expect(multiplyDivide(.div, 5, 0) == UInt32.max)
        #expect(multiplyDivide(.remu, 5, 0) == 5)
        #expect(multiplyDivide(.mulhu, minusOne, minusOne) == 0xFFFF_FFFE)
        #expect(multiplyDivide(.mulh, minusOne, minusOne) == 0)
        #expect(multiplyDivide(.mulhsu, minusOne, minusOne) == minusOne)
        #expect(multiplyDivide(.div, UInt32(bitPattern: -7), 2) == UInt32(bitPattern: -3))
        #expect(multiplyDivide(.rem, UInt32(bitPattern: -7), 2) == UInt32(bitPattern: -1))
    }

    @Test("a far branch is relaxed into a branch over a jump")
    func relaxation() throws {
        var asm = "  .globl _start\n_start:\n  li a0, 1\n  beqz a0, far\n"
        asm += String(repeating: "  nop\n", count: 2000)
        asm += "  li a0, 7\n  li a7, 93\n  ecall\nfar:\n  li a0, 9\n  li a7, 93\n  ecall\n"
        #expect(try Emulator(elf: try assemble(asm)).run(maxSteps: 10_000) == 7)
        let taken = asm.replacingOccurrences(of: "li a0, 1\n", with: "li a0, 0\n")
        #expect(try Emulator(elf: try assemble(taken)).run(maxSteps: 10_000) == 9)
    }

    @Test("write goes to the output buffer; memory faults are reported")
    func syscallsAndFaults() throws {
        let hello = """
          .globl _start
        _start:
          li a0, 1
          la a1, msg
          li a2, 3
          li a7, 64
          ecall
          li a0, 0
          li a7, 93
          ecall
          .data
        msg:
          .string "hi\\n"
        """
        let e = try Emulator(elf: try assemble(hello))
        #expect(try e.run(maxSteps: 100) == 0)
        #expect(e.output == Array("hi\n".utf8))
        let bad = "  .globl _start\n_start:\n  li a0, -4\n  lw a0, 0(a0)\n"
        #expect(throws: EmulatorError.self) { try Emulator(elf: try assemble(bad)).run(maxSteps: 100) }
        let jump = "  .globl _start\n_start:\n  li a0, 64\n  jr a0\n"
        #expect(throws: EmulatorError.self) { try Emulator(elf: try assemble(jump)).run(maxSteps: 100) }
    }
    @Test("the instruction mix counts every instruction once, fused pairs as their two halves")
    func instructionMix() throws {
        // a loop of push, pop, addi, blt run five times, entered the first time at the push's
        // second half (which the emulator keeps decoded at its own index)
        let asm = """
          .globl _start
        _start:
          li a0, 0
          li a1, 5
          j half
        loop:
          addi sp, sp, -4
        half:
          sw a0, 0(sp)
          lw a0, 0(sp)
          addi sp, sp, 4
          addi a0, a0, 1
          blt a0, a1, loop
          li a7, 93
          ecall
        """
        let e = try Emulator(elf: try assemble(asm))
        #expect(e.code[e.pcIndex + 3].op == .push && e.code[e.pcIndex + 5].op == .pop)
        e.countsInstructions = true
        #expect(try e.run(maxSteps: 1000) == 5)
        let mix = e.instructionMix()
        #expect(mix.map(\.mnemonic) == ["addi", "blt", "lw", "sw", "ecall", "jal"])
        #expect(mix.map(\.count) == [17, 5, 5, 5, 1, 1])
        #expect(mix.map(\.count).reduce(0, +) == e.instructionsExecuted)
        // counting off (the default): the same run, nothing counted
        let quiet = try Emulator(elf: try assemble(asm))
        #expect(try quiet.run(maxSteps: 1000) == 5)
        #expect(quiet.instructionMix().isEmpty && quiet.instructionsExecuted == 34)
    }
}

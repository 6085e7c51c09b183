// The decoder: a 32-bit RV32IM instruction word -> a flat record the interpreter switches on.
//
// Decoding once, before running, is what makes the interpreter fast: the hot loop never
// extracts a bit field or unscrambles an immediate again.

/// Operations after decoding; the raw value indexes the interpreter's switch.
enum Op: UInt8 {
    case illegal
    case lui, auipc, jal, jalr
    case beq, bne, blt, bge, bltu, bgeu
    case lb, lh, lw, lbu, lhu, sb, sh, sw
    case addi, slti, sltiu, xori, ori, andi, slli, srli, srai
    case add, sub, sll, slt, sltu, xor, srl, sra, or, and
    case mul, mulh, mulhsu, mulhu, div, divu, rem, remu
    case ecall, ebreak, fence
    // Superinstructions: pairs the stack-machine code generator emits all the time, fused at
    // load time (Emulator.fuse). Each counts as two instructions.
    case push       // addi sp, sp, -4 ; sw rs2, 0(sp)
    case pop        // lw rd, 0(sp)    ; addi sp, sp, 4
    case addiLoad   // addi rd, rs1, imm ; lw rd, 0(rd)   ==  lw rd, imm(rs1)
}

/// One decoded instruction: 8 bytes, so a program's code stays in cache.
struct Decoded {
    var op: Op = .illegal
    var rd: UInt8 = 0
    var rs1: UInt8 = 0
    var rs2: UInt8 = 0
    var imm: Int32 = 0
}

/// Decodes one instruction word; anything unknown becomes `.illegal`, trapped when executed.
func decode(_ w: UInt32) -> Decoded {
    var d = Decoded()
    d.rd = UInt8(w >> 7 & 31); d.rs1 = UInt8(w >> 15 & 31); d.rs2 = UInt8(w >> 20 & 31)
    // BEGIN SOLUTION ctoriscv.14: decode the opcode, funct3 and funct7 fields and unscramble the immediates into d (op, imm)
    let f3 = w >> 12 & 7, f7 = w >> 25
    let iImm = Int32(bitPattern: w) >> 20
    let sImm = (Int32(bitPattern: w) >> 25) << 5 | Int32(w >> 7 & 31)
    let bImm = (Int32(bitPattern: w) >> 31) << 12 | Int32(w >> 7 & 1) << 11 | Int32(w >> 25 & 0x3F) << 5 | Int32(w >> 8 & 0xF) << 1
    let jImm = (Int32(bitPattern: w) >> 31) << 20 | Int32(w >> 12 & 0xFF) << 12 | Int32(w >> 20 & 1) << 11 | Int32(w >> 21 & 0x3FF) << 1
    switch w & 0x7F {
    case 0x37: d.op = .lui; d.imm = Int32(bitPattern: w & 0xFFFF_F000)
    case 0x17: d.op = .auipc; d.imm = Int32(bitPattern: w & 0xFFFF_F000)
    case 0x6F: d.op = .jal; d.imm = jImm
    case 0x67 where f3 == 0: d.op = .jalr; d.imm = iImm
    case 0x63:
        d.imm = bImm
        d.op = [Op.beq, .bne, .illegal, .illegal, .blt, .bge, .bltu, .bgeu][Int(f3)]
    case 0x03:
        d.imm = iImm
        d.op = [Op.lb, .lh, .lw, .illegal, .lbu, .lhu, .illegal, .illegal][Int(f3)]
    case 0x23:
        d.imm = sImm
        d.op = [Op.sb, .sh, .sw, .illegal, .illegal, .illegal, .illegal, .illegal][Int(f3)]
    case 0x13:
        d.imm = iImm
        switch f3 {
        case 1: d.op = f7 == 0 ? .slli : .illegal; d.imm = Int32(d.rs2)
        case 5: d.op = f7 == 0 ? .srli : f7 == 0x20 ? .srai : .illegal; d.imm = Int32(d.rs2)
        default: d.op = [Op.addi, .illegal, .slti, .sltiu, .xori, .illegal, .ori, .andi][Int(f3)]
        }
    case 0x33:
        switch f7 {
        case 0: d.op = [Op.add, .sll, .slt, .sltu, .xor, .srl, .or, .and][Int(f3)]
        case 0x20: d.op = f3 == 0 ? .sub : f3 == 5 ? .sra : .illegal
        case 1: d.op = [Op.mul, .mulh, .mulhsu, .mulhu, .div, .divu, .rem, .remu][Int(f3)]
        default: d.op = .illegal
        }
    case 0x73 where w == 0x73: d.op = .ecall
    case 0x73 where w == 0x0010_0073: d.op = .ebreak
    case 0x0F: d.op = .fence
    default: d.op = .illegal
    }
    return d
    // END SOLUTION ctoriscv.14
}

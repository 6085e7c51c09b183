// Instruction encoding: one assembly instruction (pseudo-instructions included) -> machine words.
//
// The six RV32I formats place the same fields in different bits; the immediates are
// scrambled so that the sign bit is always bit 31 and hardware can decode registers
// without looking at the opcode. `resolve` turns a symbol into its address.

let registerNumbers: [String: UInt32] = {
    var m: [String: UInt32] = [:]
    for i in 0..<32 { m["x\(i)"] = UInt32(i) }
    let abi = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
               "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"]
    for (i, n) in abi.enumerated() { m[n] = UInt32(i) }
    m["fp"] = 8
    return m
}()

/// (opcode, funct3, funct7) of the R-type instructions, RV32I and RV32M.
let rType: [String: (UInt32, UInt32)] = [
    "add": (0, 0), "sub": (0, 0x20), "sll": (1, 0), "slt": (2, 0), "sltu": (3, 0), "xor": (4, 0),
    "srl": (5, 0), "sra": (5, 0x20), "or": (6, 0), "and": (7, 0),
    "mul": (0, 1), "mulh": (1, 1), "mulhsu": (2, 1), "mulhu": (3, 1), "div": (4, 1), "divu": (5, 1), "rem": (6, 1), "remu": (7, 1),
]
let iAlu: [String: UInt32] = ["addi": 0, "slti": 2, "sltiu": 3, "xori": 4, "ori": 6, "andi": 7]
let shifts: [String: (UInt32, UInt32)] = ["slli": (1, 0), "srli": (5, 0), "srai": (5, 0x20)]
let loads: [String: UInt32] = ["lb": 0, "lh": 1, "lw": 2, "lbu": 4, "lhu": 5]
let stores: [String: UInt32] = ["sb": 0, "sh": 1, "sw": 2]
let branches: [String: UInt32] = ["beq": 0, "bne": 1, "blt": 4, "bge": 5, "bltu": 6, "bgeu": 7]

/// The six instruction formats. All put the opcode in bits 0-6 and rd, rs1, rs2 (where they
/// exist) at the same places; they differ in where the immediate's bits go.
enum Format { case r, i, s, b, u, j }

/// Packs the fields of one instruction into a word. R: `imm` unused, `f7` in bits 25-31.
/// I, S: a 12-bit immediate. B: a 13-bit even offset. U: `imm` is the upper 20 bits.
/// J: a 21-bit even offset.
func pack(_ format: Format, op: UInt32, rd: UInt32 = 0, f3: UInt32 = 0, rs1: UInt32 = 0, rs2: UInt32 = 0,
          f7: UInt32 = 0, imm: Int32 = 0) -> UInt32 {
    // BEGIN SOLUTION ctoriscv.12: place the fields and the scrambled immediate bits of each format in the word
    let u = UInt32(bitPattern: imm)
    switch format {
    case .r: return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op
    case .i: return (u & 0xFFF) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op
    case .s: return (u >> 5 & 0x7F) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 0x1F) << 7 | op
    case .b:
        return (u >> 12 & 1) << 31 | (u >> 5 & 0x3F) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12
            | (u >> 1 & 0xF) << 8 | (u >> 11 & 1) << 7 | op
    case .u: return (u & 0xFFFFF) << 12 | rd << 7 | op
    case .j: return (u >> 20 & 1) << 31 | (u >> 1 & 0x3FF) << 21 | (u >> 11 & 1) << 20 | (u >> 12 & 0xFF) << 12 | rd << 7 | op
    }
    // END SOLUTION ctoriscv.12
}

func encodeR(_ f7: UInt32, _ rs2: UInt32, _ rs1: UInt32, _ f3: UInt32, _ rd: UInt32, _ op: UInt32) -> UInt32 {
    pack(.r, op: op, rd: rd, f3: f3, rs1: rs1, rs2: rs2, f7: f7)
}
func encodeI(_ imm: Int32, _ rs1: UInt32, _ f3: UInt32, _ rd: UInt32, _ op: UInt32) -> UInt32 {
    pack(.i, op: op, rd: rd, f3: f3, rs1: rs1, imm: imm)
}
func encodeS(_ imm: Int32, _ rs2: UInt32, _ rs1: UInt32, _ f3: UInt32, _ op: UInt32) -> UInt32 {
    pack(.s, op: op, f3: f3, rs1: rs1, rs2: rs2, imm: imm)
}
func encodeB(_ imm: Int32, _ rs2: UInt32, _ rs1: UInt32, _ f3: UInt32) -> UInt32 {
    pack(.b, op: 0x63, f3: f3, rs1: rs1, rs2: rs2, imm: imm)
}
func encodeU(_ imm20: UInt32, _ rd: UInt32, _ op: UInt32) -> UInt32 { pack(.u, op: op, rd: rd, imm: Int32(bitPattern: imm20)) }
func encodeJ(_ imm: Int32, _ rd: UInt32) -> UInt32 { pack(.j, op: 0x6F, rd: rd, imm: imm) }

/// Splits a 32-bit value into the lui part and the sign-extended addi part.
func hiLo(_ v: Int32) -> (UInt32, Int32) {
    let lo = Int32(truncatingIfNeeded: (v << 20)) >> 20
    let hi = UInt32(bitPattern: v &- lo) >> 12
    return (hi, lo)
}

/// One parsed instruction line.
struct AsmInstruction {
    var mnemonic: String
    var operands: [String]
    var line: Int
    /// Branches: 8 bytes when relaxed to "inverted branch over a jal".
    var relaxed = false
}

struct Encoder {
    let resolve: (String) throws -> Int64
    let line: Int

    func error(_ m: String) -> CompileError { CompileError("assembler line \(line): \(m)") }

    func reg(_ s: String) throws -> UInt32 {
        guard let r = registerNumbers[s] else { throw error("invalid register '\(s)'") }
        return r
    }

    /// An immediate: a number, `%hi(sym)`, `%lo(sym)`, or `sym` / `sym+off`.
    func immediate(_ s: String) throws -> Int64 {
        if s.hasPrefix("%hi(") && s.hasSuffix(")") { return Int64(hiLo(Int32(truncatingIfNeeded: try immediate(String(s.dropFirst(4).dropLast())))).0) }
        if s.hasPrefix("%lo(") && s.hasSuffix(")") { return Int64(hiLo(Int32(truncatingIfNeeded: try immediate(String(s.dropFirst(4).dropLast())))).1) }
        if let v = parseInteger(s) { return v }
        if let plus = s.lastIndex(where: { $0 == "+" || $0 == "-" }), plus != s.startIndex, let off = parseInteger(String(s[plus...])) {
            return try resolve(String(s[..<plus])) + off
        }
        return try resolve(s)
    }

    func imm12(_ s: String) throws -> Int32 {
        let v = try immediate(s)
        guard v >= -2048 && v <= 2047 else { throw error("immediate \(v) out of range") }
        return Int32(v)
    }

    /// `imm(reg)` -> (imm, reg).
    func memory(_ s: String) throws -> (Int32, UInt32) {
        guard let open = s.lastIndex(of: "("), s.hasSuffix(")") else { throw error("expected offset(register), got '\(s)'") }
        let off = String(s[..<open]).trimmingSpaces
        let r = try reg(String(s[s.index(after: open)..<s.index(before: s.endIndex)]))
        return (off.isEmpty ? 0 : try imm12(off), r)
    }

    func count(_ ops: [String], _ n: Int, _ m: String) throws {
        if ops.count != n { throw error("'\(m)' expects \(n) operands, got \(ops.count)") }
    }

    /// The words of instruction `ins` placed at address `pc`.
    func encode(_ ins: AsmInstruction, pc: Int64) throws -> [UInt32] {
        let m = ins.mnemonic, o = ins.operands
        func offset(_ target: String) throws -> Int32 { Int32(truncatingIfNeeded: try immediate(target) - pc) }
        if let (f3, f7) = rType[m] { try count(o, 3, m); return [encodeR(f7, try reg(o[2]), try reg(o[1]), f3, try reg(o[0]), 0x33)] }
        if let f3 = iAlu[m] { try count(o, 3, m); return [encodeI(try imm12(o[2]), try reg(o[1]), f3, try reg(o[0]), 0x13)] }
        if let (f3, f7) = shifts[m] {
            try count(o, 3, m)
            let sh = try immediate(o[2])
            guard sh >= 0 && sh < 32 else { throw error("shift amount out of range") }
            return [encodeR(f7, UInt32(sh), try reg(o[1]), f3, try reg(o[0]), 0x13)]
        }
        if let f3 = loads[m] { try count(o, 2, m); let (i, r) = try memory(o[1]); return [encodeI(i, r, f3, try reg(o[0]), 0x03)] }
        if let f3 = stores[m] { try count(o, 2, m); let (i, r) = try memory(o[1]); return [encodeS(i, try reg(o[0]), r, f3, 0x23)] }
        if let f3 = branches[m] ?? ["bgt": 4, "ble": 5, "bgtu": 6, "bleu": 7][m] {
            try count(o, 3, m)
            var (a, b) = (try reg(o[0]), try reg(o[1]))
            if branches[m] == nil { swap(&a, &b) }
            if ins.relaxed {                         // b<!cond> +8; jal x0, target
                return [encodeB(8, b, a, f3 ^ 1), encodeJ(try offset(o[2]) - 4, 0)]
            }
            let off = try offset(o[2])
            guard off >= -4096 && off < 4096 else { throw error("branch target out of range") }
            return [encodeB(off, b, a, f3)]
        }
        if let (f3, swapOps, zeroFirst) = ["beqz": (0, false, false), "bnez": (1, false, false), "bltz": (4, false, false),
                                           "bgez": (5, false, false), "blez": (5, true, false), "bgtz": (4, true, false)][m].map({ ($0.0, $0.1, $0.2) }) {
            _ = zeroFirst
            try count(o, 2, m)
            let ops = swapOps ? ["zero", o[0], o[1]] : [o[0], "zero", o[1]]
            var i = ins; i.mnemonic = ["beq", "bne", "", "", "blt", "bge"][f3]; i.operands = ops
            return try encode(i, pc: pc)
        }
        switch m {
        case "lui", "auipc":
            try count(o, 2, m)
            return [encodeU(UInt32(truncatingIfNeeded: try immediate(o[1])), try reg(o[0]), m == "lui" ? 0x37 : 0x17)]
        case "jal":
            if o.count == 1 { return [encodeJ(try offset(o[0]), 1)] }
            try count(o, 2, m)
            return [encodeJ(try offset(o[1]), try reg(o[0]))]
        case "j": try count(o, 1, m); return [encodeJ(try offset(o[0]), 0)]
        case "jalr":
            if o.count == 1 { return [encodeI(0, try reg(o[0]), 0, 1, 0x67)] }
            if o.count == 2 { let (i, r) = try memory(o[1]); return [encodeI(i, r, 0, try reg(o[0]), 0x67)] }
            try count(o, 3, m)
            return [encodeI(try imm12(o[2]), try reg(o[1]), 0, try reg(o[0]), 0x67)]
        case "jr": try count(o, 1, m); return [encodeI(0, try reg(o[0]), 0, 0, 0x67)]
        case "ret": return [encodeI(0, 1, 0, 0, 0x67)]
        case "call", "tail":
            try count(o, 1, m)
            let (hi, lo) = hiLo(try offset(o[0]))
            let link: UInt32 = m == "call" ? 1 : 0, tmp: UInt32 = m == "call" ? 1 : 6
            return [encodeU(hi, tmp, 0x17), encodeI(lo, tmp, 0, link, 0x67)]
        case "la", "lla":
            try count(o, 2, m)
            let (hi, lo) = hiLo(try offset(o[1]))
            let rd = try reg(o[0])
            return [encodeU(hi, rd, 0x17), encodeI(lo, rd, 0, rd, 0x13)]
        case "li":
            try count(o, 2, m)
            let v = Int32(truncatingIfNeeded: try immediate(o[1]))
            let rd = try reg(o[0])
            if v >= -2048 && v < 2048 { return [encodeI(v, 0, 0, rd, 0x13)] }
            let (hi, lo) = hiLo(v)
            return [encodeU(hi, rd, 0x37), encodeI(lo, rd, 0, rd, 0x13)]
        case "mv": try count(o, 2, m); return [encodeI(0, try reg(o[1]), 0, try reg(o[0]), 0x13)]
        case "not": try count(o, 2, m); return [encodeI(-1, try reg(o[1]), 4, try reg(o[0]), 0x13)]
        case "neg": try count(o, 2, m); return [encodeR(0x20, try reg(o[1]), 0, 0, try reg(o[0]), 0x33)]
        case "seqz": try count(o, 2, m); return [encodeI(1, try reg(o[1]), 3, try reg(o[0]), 0x13)]
        case "snez": try count(o, 2, m); return [encodeR(0, try reg(o[1]), 0, 3, try reg(o[0]), 0x33)]
        case "sltz": try count(o, 2, m); return [encodeR(0, 0, try reg(o[1]), 2, try reg(o[0]), 0x33)]
        case "sgtz": try count(o, 2, m); return [encodeR(0, try reg(o[1]), 0, 2, try reg(o[0]), 0x33)]
        case "nop": return [0x13]
        case "ecall": return [0x73]
        case "ebreak": return [0x0010_0073]
        case "fence": return [0x0FF0_000F]
        case "unimp": return [0xC000_1073]
        default: throw error("unknown instruction '\(m)'")
        }
    }

    /// Bytes the instruction takes before encoding (li depends on its value, branches on relaxation).
    static func size(_ ins: AsmInstruction) -> Int {
        switch ins.mnemonic {
        case "la", "lla", "call", "tail": return 8
        case "li":
            guard ins.operands.count == 2, let v = parseInteger(ins.operands[1]) else { return 4 }
            let w = Int32(truncatingIfNeeded: v)
            return w >= -2048 && w < 2048 ? 4 : 8
        default: return ins.relaxed ? 8 : 4
        }
    }
}

/// 123, -5, 0x7f, 'a'.
func parseInteger(_ s: String) -> Int64? {
    var t = Substring(s), negative = false
    if t.hasPrefix("-") { negative = true; t = t.dropFirst() } else if t.hasPrefix("+") { t = t.dropFirst() }
    var v: Int64?
    if t.hasPrefix("0x") || t.hasPrefix("0X") { v = UInt64(t.dropFirst(2), radix: 16).map { Int64(bitPattern: $0) } }
    else if t.count == 3 && t.hasPrefix("'") && t.hasSuffix("'") { v = Int64(t.utf8[t.utf8.index(after: t.utf8.startIndex)]) }
    else if let first = t.first, first.isNumber { v = Int64(t, radix: 10) }
    guard let value = v else { return nil }
    return negative ? 0 &- value : value
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}

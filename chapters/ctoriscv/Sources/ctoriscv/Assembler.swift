// The assembler and linker: assembly text (one or more units) -> one ELF32 executable.
//
// Each unit is parsed into four sections (.text, .rodata, .data, .bss) of items:
// instructions, bytes, symbolic words, alignment. Labels are local to their unit unless
// declared `.globl`, so a program and the runtime can both have a `.L.else.3`. Layout puts
// all units' text first, then rodata, data and bss, and repeats until no conditional branch
// needs relaxing (a branch reaches +-4 KiB; a farther one becomes an inverted branch over a
// `jal`, as GNU as does). Then every instruction is encoded with its final addresses.

enum SectionKind: Int, CaseIterable { case text, rodata, data, bss }

enum AsmItem {
    case instruction(AsmInstruction)
    case bytes([UInt8])
    case word(String, line: Int)
    case align(Int)
}

struct AsmUnit {
    var sections: [[AsmItem]] = Array(repeating: [], count: 4)
    var labels: [String: (section: Int, item: Int)] = [:]
    var globals: Set<String> = []
}

/// Splits an operand list at commas outside parentheses and quotes.
func splitOperands(_ s: String) -> [String] {
    var parts: [String] = [], cur = "", depth = 0, quoted = false
    for c in s {
        if c == "\"" { quoted.toggle() }
        if !quoted && c == "(" { depth += 1 } else if !quoted && c == ")" { depth -= 1 }
        if c == "," && depth == 0 && !quoted { parts.append(cur.trimmingSpaces); cur = ""; continue }
        cur.append(c)
    }
    let last = cur.trimmingSpaces
    if !last.isEmpty || !parts.isEmpty { parts.append(last) }
    return parts
}

/// Parses one unit of assembly.
func parseAssembly(_ text: String) throws -> AsmUnit {
    var unit = AsmUnit()
    var section = SectionKind.text.rawValue
    for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let lineNo = n + 1
        var line = String(raw)
        if let hash = line.firstIndex(where: { $0 == "#" }), !line.contains("\"") { line = String(line[..<hash]) }
        line = line.trimmingSpaces
        // labels: "name:" at the start (possibly several)
        while true {
            let name = String(line.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "$" }))
            guard !name.isEmpty, line.dropFirst(name.count).first == ":" else { break }
            if unit.labels[name] != nil { throw CompileError("assembler line \(lineNo): symbol '\(name)' is already defined") }
            unit.labels[name] = (section, unit.sections[section].count)
            line = String(line.dropFirst(name.count + 1)).trimmingSpaces
        }
        if line.isEmpty { continue }
        let head = String(line.prefix(while: { $0 != " " && $0 != "\t" }))
        let rest = String(line.dropFirst(head.count)).trimmingSpaces
        if head.hasPrefix(".") {
            try directive(head, rest, line: lineNo, unit: &unit, section: &section)
        } else {
            if section != SectionKind.text.rawValue { throw CompileError("assembler line \(lineNo): instruction outside .text") }
            unit.sections[section].append(.instruction(AsmInstruction(mnemonic: head, operands: splitOperands(rest), line: lineNo)))
        }
    }
    return unit
}

func directive(_ d: String, _ rest: String, line: Int, unit: inout AsmUnit, section: inout Int) throws {
    func err(_ m: String) -> CompileError { CompileError("assembler line \(line): \(m)") }
    func numbers() throws -> [Int64] {
        try splitOperands(rest).map { guard let v = parseInteger($0) else { throw err("expected a number, got '\($0)'") }; return v }
    }
    switch d {
    case ".text": section = SectionKind.text.rawValue
    case ".data": section = SectionKind.data.rawValue
    case ".bss": section = SectionKind.bss.rawValue
    case ".section":
        let name = splitOperands(rest).first ?? ""
        if name.hasPrefix(".text") { section = 0 } else if name.hasPrefix(".rodata") || name.hasPrefix(".srodata") { section = 1 }
        else if name.hasPrefix(".data") || name.hasPrefix(".sdata") { section = 2 } else if name.hasPrefix(".bss") || name.hasPrefix(".sbss") { section = 3 }
        else { throw err("unknown section '\(name)'") }
    case ".globl", ".global": for s in splitOperands(rest) { unit.globals.insert(s) }
    case ".local", ".type", ".size", ".file", ".ident", ".option", ".attribute", ".cfi_startproc", ".cfi_endproc": break
    case ".p2align", ".align":
        guard let p = try numbers().first, p >= 0 && p < 16 else { throw err("bad alignment") }
        unit.sections[section].append(.align(1 << Int(p)))
    case ".balign":
        guard let p = try numbers().first, p > 0 && p <= 65536 && p & (p - 1) == 0 else { throw err("bad alignment") }
        unit.sections[section].append(.align(Int(p)))
    case ".byte": unit.sections[section].append(.bytes(try numbers().map { UInt8(truncatingIfNeeded: $0) }))
    case ".half", ".short", ".2byte":
        unit.sections[section].append(.bytes(try numbers().flatMap { v in [UInt8(truncatingIfNeeded: v), UInt8(truncatingIfNeeded: v >> 8)] }))
    case ".word", ".long", ".4byte":
        for w in splitOperands(rest) { unit.sections[section].append(.word(w, line: line)) }
    case ".zero", ".space", ".skip":
        guard let n = try numbers().first, n >= 0 && n < 1 << 28 else { throw err("bad size") }
        unit.sections[section].append(.bytes([UInt8](repeating: 0, count: Int(n))))
    case ".string", ".asciz", ".ascii":
        guard rest.hasPrefix("\""), rest.hasSuffix("\""), rest.count >= 2 else { throw err("expected a string") }
        var file = Lexer(file: SourceFile(name: "<asm>", text: rest))
        guard let tok = try? file.stringLiteral() else { throw err("bad string") }
        unit.sections[section].append(.bytes(tok.bytes + (d == ".ascii" ? [] : [0])))
    default: throw err("unknown directive '\(d)'")
    }
    if section == SectionKind.bss.rawValue, case .bytes(let b)? = unit.sections[section].last, b.contains(where: { $0 != 0 }) {
        throw err("non-zero data in .bss")
    }
}

/// Assembles and links units into an ELF32 executable entered at the global `_start`.
func link(_ texts: [String]) throws -> [UInt8] {
    var units = try texts.map { try parseAssembly($0) }
    var globalOwner: [String: Int] = [:]
    for (u, unit) in units.enumerated() {
        for g in unit.globals where unit.labels[g] != nil {
            if globalOwner[g] != nil { throw CompileError("multiple definition of '\(g)'") }
            globalOwner[g] = u
        }
    }
    let base: Int64 = 0x10000, headerSize: Int64 = 0x60
    var itemAddress: [[[Int64]]] = []
    var sectionStart: [[Int64]] = []
    var end: Int64 = 0, dataEnd: Int64 = 0
    // Layout, repeated until no branch needs relaxing.
    func layout() {
        itemAddress = units.map { u in u.sections.map { [Int64](repeating: 0, count: $0.count + 1) } }
        sectionStart = units.map { _ in [0, 0, 0, 0] }
        var addr = base + headerSize
        for s in 0..<4 {
            addr = (addr + 15) & ~15
            for u in units.indices {
                sectionStart[u][s] = addr
                for (i, item) in units[u].sections[s].enumerated() {
                    if case .align(let a) = item { addr = (addr + Int64(a) - 1) & ~(Int64(a) - 1) }
                    itemAddress[u][s][i] = addr
                    switch item {
                    case .instruction(let ins): addr += Int64(Encoder.size(ins))
                    case .bytes(let b): addr += Int64(b.count)
                    case .word: addr += 4
                    case .align: break
                    }
                }
                itemAddress[u][s][units[u].sections[s].count] = addr
            }
            if s == 2 { dataEnd = addr }
        }
        end = addr
    }
    func resolver(_ u: Int) -> (String) throws -> Int64 {
        { name in
            if let (s, i) = units[u].labels[name] { return itemAddress[u][s][i] }
            if let owner = globalOwner[name], let (s, i) = units[owner].labels[name] { return itemAddress[owner][s][i] }
            throw CompileError("undefined reference to '\(name)'")
        }
    }
    var changed = true
    while changed {
        layout()
        changed = false
        for u in units.indices {
            for (i, item) in units[u].sections[0].enumerated() {
                guard case .instruction(var ins) = item, !ins.relaxed, ins.operands.count >= 2,
                      branches[ins.mnemonic] != nil || ["bgt", "ble", "bgtu", "bleu", "beqz", "bnez", "bltz", "bgez", "blez", "bgtz"].contains(ins.mnemonic),
                      let target = try? resolver(u)(ins.operands.last!) else { continue }
                let off = target - itemAddress[u][0][i]
                if off < -4096 || off >= 4096 { ins.relaxed = true; units[u].sections[0][i] = .instruction(ins); changed = true }
            }
        }
    }
    guard let entryOwner = globalOwner["_start"], let (es, ei) = units[entryOwner].labels["_start"] else {
        throw CompileError("undefined reference to '_start'")
    }
    var image = [UInt8](repeating: 0, count: Int(dataEnd - base))
    func put32(_ v: UInt32, at a: Int64) { for k in 0..<4 { image[Int(a - base) + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(k))) } }
    for u in units.indices {
        let resolve = resolver(u)
        for s in 0..<3 {
            for (i, item) in units[u].sections[s].enumerated() {
                let a = itemAddress[u][s][i]
                switch item {
                case .instruction(let ins):
                    let words = try Encoder(resolve: resolve, line: ins.line).encode(ins, pc: a)
                    for (k, w) in words.enumerated() { put32(w, at: a + Int64(4 * k)) }
                case .bytes(let b): for (k, x) in b.enumerated() { image[Int(a - base) + k] = x }
                case .word(let expr, let line):
                    put32(UInt32(truncatingIfNeeded: try Encoder(resolve: resolve, line: line).immediate(expr)), at: a)
                case .align: break
                }
            }
        }
    }
    return writeELF(image: image, base: base, memorySize: end - base, entry: itemAddress[entryOwner][es][ei])
}

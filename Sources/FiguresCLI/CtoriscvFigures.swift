// The appendix's figures: one C function through tokens, AST, assembly and machine words;
// where each format puts its immediate's bits; the ILP32 argument words of two calls; the
// benchmark's instruction mix, ours against gcc's; and the stack frames of a real call.
#if DEBUG
import Foundation
@testable import ctoriscv

let ctoriscvFigures: [Figure] = [
    Figure(name: "ctoriscv-pipeline", lecture: "A") { .files([("ctoriscv-pipeline.svg", try pipelineFigure())]) },
    Figure(name: "ctoriscv-immediates", lecture: "A") { .files([("ctoriscv-immediates.svg", immediatesFigure())]) },
    Figure(name: "ctoriscv-argwords", lecture: "A") { .files([("ctoriscv-argwords.svg", argumentWordsFigure())]) },
    Figure(name: "ctoriscv-mix", lecture: "A") { try mixFigure() },
    Figure(name: "ctoriscv-frame", lecture: "A") { .files([("ctoriscv-frame.svg", try frameFigure())]) },
]

let pipelineSource = """
int clamp(int x, int hi) {
    if (x > hi) return hi;
    return x * 2;
}
"""

/// An AST as indented lines: kind, then what the node names (variable, value), then its type.
func astLines(_ n: Node, depth: Int = 0) -> [String] {
    var head = "\(n.kind)"
    if let v = n.variable { head += " \(v.name)" }
    if n.kind == .number { head += " \(n.value)" }
    let isStatement = [.block, .ifStmt, .returnStmt, .exprStmt].contains(n.kind)
    if !isStatement { head += "  : \(n.type)" }
    var lines = [String(repeating: "  ", count: depth) + head]
    for child in [n.cond, n.then, n.els, n.lhs, n.rhs].compactMap({ $0 }) + n.body {
        lines += astLines(child, depth: depth + 1)
    }
    return lines
}

func pipelineFigure() throws -> String {
    // the front half of compile(source:), step by step
    var preprocessor = Preprocessor(includePaths: [])
    let stream = try preprocessor.run(try tokenize(SourceFile(name: "clamp.c", text: pipelineSource)))
    let tokens = stream.filter { $0.kind != .eof }
    let program = try Parser(tokens: stream).parseProgram()
    guard let f = program.functions.first else { fatalError("figures: clamp.c defines no function") }
    let ast = ["function \(f.name)(" + f.params.map { "\($0.type) \($0.name)" }.joined(separator: ", ") + ")"] + astLines(f.body, depth: 1)
    let asm = try compile(source: pipelineSource, fileName: "clamp.c")
    let stackAsm = try compile(source: pipelineSource, fileName: "clamp.c", backEnd: .stackMachine)
    // each back end's instructions as the assembler parsed them (labels before the item they
    // name, the function's own label first), with the words each takes
    func listing(_ text: String) throws -> [(label: Bool, text: String, words: Int)] {
        let unit = try parseAssembly(text)
        var labelAt: [Int: [String]] = [:]
        for (name, at) in unit.labels where at.section == SectionKind.text.rawValue { labelAt[at.item, default: []].append(name) }
        var lines: [(label: Bool, text: String, words: Int)] = []
        for (k, item) in unit.sections[SectionKind.text.rawValue].enumerated() {
            for l in (labelAt[k] ?? []).sorted(by: { ($0.hasPrefix(".") ? 1 : 0, $0) < ($1.hasPrefix(".") ? 1 : 0, $1) }) { lines.append((true, l + ":", 0)) }
            if case .instruction(let ins) = item {
                let text = ins.mnemonic + (ins.operands.isEmpty ? "" : " " + ins.operands.joined(separator: ", "))
                lines.append((false, text, Encoder.size(ins) / 4))
            }
        }
        return lines
    }
    let lines = try listing(asm), stackLines = try listing(stackAsm)
    let instructions = lines.filter { !$0.label }
    let elf = try assemble(try compile(source: pipelineSource + "\nint main(void) { return clamp(5, 3); }\n", fileName: "clamp.c"))
    let emulator = try Emulator(elf: elf)
    let exitCode = try emulator.run(maxSteps: 1 << 20)
    require(exitCode == 3, "clamp(5, 3) returns 3 on the emulator")
    func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(elf[at + $1]) << (8 * $1) } }
    let phoff = Int(u32(28)), fileOffset = Int(u32(phoff + 4)), vaddr = Int(u32(phoff + 8))
    let textStart = (0x10000 + 0x60 + 15) & ~15   // the linker's layout: base, headers, 16-byte alignment
    let total = instructions.map(\.words).reduce(0, +)
    let words = (0..<total).map { u32(textStart - vaddr + fileOffset + 4 * $0) }
    require(words.last == 0x0000_8067, "the function's words end in ret (jalr x0, 0(ra))")

    let lineH = 15.0
    let height = Double(max(ast.count, lines.count, stackLines.count)) * lineH + 230
    var svg = SVG(width: 1040, height: height)
    svg.text(10, 20, "One function through ctoriscv: source → tokens → typed AST → RV32IM assembly (both back ends) → machine words", size: 13, bold: true)
    for (i, l) in pipelineSource.split(separator: "\n").enumerated() { svg.text(20, 46 + Double(i) * lineH, String(l), size: 12, mono: true) }
    svg.text(300, 46, "tokenize: \(tokens.count) tokens (kind, then spelling)", size: 11, bold: true)
    var tx = 300.0, ty = 56.0
    let kindColour: [TokenKind: String] = [.identifier: Palette.tints[0], .punctuator: Palette.light, .number: Palette.tints[1]]
    for t in tokens {
        let w = Double(t.text.count) * 7.5 + 10
        if tx + w > 1030 { tx = 300; ty += 26 }
        svg.cell(tx, ty, w, 20, t.text, fill: kindColour[t.kind] ?? "#fff", size: 11)
        tx += w + 4
    }
    svg.text(300, ty + 36, "blue: identifier (keywords too, until the parser looks), grey: punctuator, orange: number", size: 10, fill: Palette.grey)
    let y0 = 150.0
    svg.text(20, y0, "parse + type (x > hi is built as hi < x)", size: 11, bold: true)
    for (i, l) in ast.enumerated() { svg.text(20, y0 + 18 + Double(i) * lineH, l, size: 11, mono: true) }
    func column(_ x: Double, _ listing: [(label: Bool, text: String, words: Int)], words: [UInt32]?) {
        var w = 0, y = y0 + 18
        for l in listing {
            if l.label {
                svg.text(x, y, l.text, size: 11, mono: true, fill: Palette.purple)
            } else {
                svg.text(x + 16, y, l.text, size: 11, mono: true)
                if let words {
                    let hex = (0..<l.words).map { String(format: "%08x", words[w + $0]) }.joined(separator: " ")
                    svg.text(x + 220, y, String(format: "%04x: ", (textStart + 4 * w) & 0xFFFF) + hex, size: 11, mono: true, fill: l.words > 1 ? Palette.red : "#222")
                }
                w += l.words
            }
            y += lineH
        }
    }
    let stackCount = stackLines.filter { !$0.label }.count
    svg.text(300, y0, "--stack-only: the stack machine, \(stackCount) instructions", size: 11, bold: true)
    column(300, stackLines, words: nil)
    svg.text(580, y0, "default: IR, liveness, linear scan: \(instructions.count) instructions; words at 0x\(String(textStart, radix: 16))", size: 11, bold: true)
    column(580, lines, words: words)
    let yEnd = y0 + 18 + Double(lines.count) * lineH
    svg.text(580, yEnd + 10, "red: a pseudo-instruction that became two words", size: 10, fill: Palette.grey)
    svg.text(580, yEnd + 26, "linked with int main(void) { return clamp(5, 3); }, the emulator", size: 10, fill: Palette.grey)
    svg.text(580, yEnd + 40, "exits with \(exitCode) after \(emulator.instructionsExecuted) instructions", size: 10, fill: Palette.grey)
    return svg.rendered
}

/// For each format, the instruction bit each field (and each immediate bit) lands in, found
/// by packing one set bit at a time.
func immediatesFigure() -> String {
    typealias Field = (name: String, colour: String)
    func layout(_ format: Format, immBits: ClosedRange<Int>, hasRd: Bool, hasRs: Bool) -> [Field?] {
        var bits = [Field?](repeating: nil, count: 32)
        func mark(_ word: UInt32, _ f: Field) { for b in 0..<32 where word >> UInt32(b) & 1 == 1 { bits[b] = f } }
        mark(pack(format, op: 0x7F), ("opcode", Palette.light))
        if hasRd { mark(pack(format, op: 0, rd: 31), ("rd", Palette.tints[2])) }
        if hasRs {
            mark(pack(format, op: 0, f3: 7), ("funct3", Palette.tints[4]))
            mark(pack(format, op: 0, rs1: 31), ("rs1", Palette.tints[0]))
            if format != .i { mark(pack(format, op: 0, rs2: 31), ("rs2", Palette.tints[0])) }
        }
        for k in immBits { mark(pack(format, op: 0, imm: Int32(bitPattern: 1 << UInt32(k))), ("imm[\(k)]", Palette.tints[1])) }
        return bits
    }
    let rows: [(String, String, [Field?])] = [
        ("I", "addi, lw, jalr: imm[11:0]", layout(.i, immBits: 0...11, hasRd: true, hasRs: true)),
        ("S", "sw: imm[11:0], split around rs2 and rs1", layout(.s, immBits: 0...11, hasRd: false, hasRs: true)),
        ("B", "beq, blt: a 13-bit even offset (bit 0 is not stored)", layout(.b, immBits: 1...12, hasRd: false, hasRs: true)),
        ("J", "jal: a 21-bit even offset", layout(.j, immBits: 1...20, hasRd: true, hasRs: false)),
    ]
    let bw = 28.0, x0 = 60.0, rowH = 70.0
    var svg = SVG(width: x0 + 32 * bw + 20, height: 60 + rowH * Double(rows.count) + 30)
    svg.text(10, 20, "Where each format puts its fields: pack() called with one set bit at a time (bit 31 on the left)", size: 13, bold: true)
    for b in 0..<32 { svg.text(x0 + Double(31 - b) * bw + bw / 2, 44, "\(b)", size: 9, anchor: .middle, fill: Palette.grey) }
    for (r, (name, what, bits)) in rows.enumerated() {
        let y = 52 + Double(r) * rowH
        svg.text(10, y + 20, name, size: 16, bold: true)
        svg.text(x0, y + 44, what, size: 10, fill: Palette.grey)
        for b in 0..<32 {
            let f = bits[b]
            let text = f.map { $0.name.hasPrefix("imm[") ? String($0.name.dropFirst(4).dropLast()) : "" } ?? ""
            svg.cell(x0 + Double(31 - b) * bw, y + 6, bw, 24, text, fill: f?.colour ?? "#fff", stroke: "#999", size: 10, bold: b == 31)
        }
        // field names over runs of equal non-immediate fields
        var b = 31
        while b >= 0 {
            guard let f = bits[b], !f.name.hasPrefix("imm[") else { b -= 1; continue }
            var e = b
            while e > 0, let g = bits[e - 1], g.name == f.name { e -= 1 }
            svg.text(x0 + (Double(31 - b) + Double(b - e + 1) / 2) * bw, y + 22, f.name, size: 9, anchor: .middle)
            b = e - 1
        }
    }
    svg.text(10, 52 + rowH * Double(rows.count) + 10, "Orange cells hold the immediate bit shown. The sign (the top immediate bit) is always instruction bit 31, and rd, rs1, rs2 never move, so the decoder", size: 11)
    svg.text(10, 52 + rowH * Double(rows.count) + 26, "can read registers before it knows the format; the price is the scatter that the encoder (ctoriscv.12) and the decoder (ctoriscv.14) undo.", size: 11)
    return svg.rendered
}

/// The ILP32 argument words of f(int, long long, int, long long, int, int, long long), fixed and variadic.
func argumentWordsFigure() -> String {
    let types: [CType] = [.int, .longLong, .int, .longLong, .int, .int, .longLong]
    let names = ["int a", "long long b", "int c", "long long d", "int e", "int f", "long long g"]
    let calls: [(String, Int)] = [("f(a, b, c, d, e, f, g) with a prototype", types.count), ("printf-like: only a is fixed, the rest variadic", 1)]
    let bw = 62.0, x0 = 20.0
    var svg = SVG(width: x0 + 14 * bw + 20, height: 300)
    svg.text(10, 20, "CodeGenerator.argumentWords: where each argument travels (ILP32 psABI)", size: 13, bold: true)
    for (c, (title, fixed)) in calls.enumerated() {
        let (starts, total) = CodeGenerator.argumentWords(types, fixed: fixed)
        var owner = [String](repeating: "", count: total), colour = [String](repeating: "#fff", count: total)
        for (i, s) in starts.enumerated() {
            let n = types[i].is64 ? 2 : 1
            for k in 0..<n { owner[s + k] = names[i] + (n == 2 ? (k == 0 ? " lo" : " hi") : ""); colour[s + k] = Palette.tints[i % Palette.tints.count] }
        }
        let y = 50 + Double(c) * 120
        svg.text(x0, y, title + ": \(total) words", size: 12, bold: true)
        for w in 0..<total {
            let x = x0 + Double(w) * bw
            svg.cell(x, y + 10, bw - 4, 30, owner[w].isEmpty ? "(skipped)" : owner[w], fill: colour[w], size: 8.5, mono: false,
                     textFill: owner[w].isEmpty ? Palette.grey : "#222")
            svg.text(x + bw / 2 - 2, y + 54, w < 8 ? "a\(w)" : "s0+\(4 * (w - 8))", size: 10, anchor: .middle, mono: true,
                     fill: w < 8 ? Palette.blue : Palette.red)
        }
        svg.line(x0 + 8 * bw - 2, y + 4, x0 + 8 * bw - 2, y + 62, stroke: Palette.grey, dash: "3 3")
    }
    svg.text(10, 274, "Blue: the word travels in a register; red: on the stack, at the callee's s0 + offset. A long long takes two words; a variadic one, or one on the stack,", size: 11)
    svg.text(10, 290, "starts at an even word, so a word may be skipped. The variadic callee stores a0-a7 just below s0, and va_arg walks one array.", size: 11)
    return svg.rendered
}
/// Instruction classes for the mix, each a set of mnemonics; every RV32IM mnemonic is in one.
let mixClasses: [(name: String, members: [String])] = [
    ("addi", ["addi"]),
    ("add, sub", ["add", "sub"]),
    ("shifts", ["slli", "srli", "srai", "sll", "srl", "sra"]),
    ("logic, compare", ["and", "or", "xor", "andi", "ori", "xori", "slt", "sltu", "slti", "sltiu"]),
    ("mul, div", ["mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"]),
    ("loads", ["lb", "lh", "lw", "lbu", "lhu"]),
    ("stores", ["sb", "sh", "sw"]),
    ("branches", ["beq", "bne", "blt", "bge", "bltu", "bgeu"]),
    ("jal, jalr", ["jal", "jalr"]),
    ("lui, auipc", ["lui", "auipc"]),
    ("ecall, other", ["ecall", "ebreak", "fence", "illegal"]),
]

/// The benchmark's instruction mix: our code's counted now, on our emulator with counting on;
/// gcc's from the results file scripts/bench-rv32 --mix wrote (gcc is not needed to draw it).
func mixFigure() throws -> Figure.Result {
    let benchPath = "chapters/ctoriscv/bench/bench.c", runPath = "lectures/figures/runs/rv32-mix.tsv"
    guard FileManager.default.fileExists(atPath: runPath) else { return .skipped("needs \(runPath) (scripts/bench-rv32 --mix)") }
    let source = try String(contentsOfFile: benchPath, encoding: .utf8)
    let emulator = try Emulator(elf: try assemble(try compile(source: source, fileName: benchPath)))
    emulator.countsInstructions = true
    _ = try emulator.run(maxSteps: 1 << 32)
    let ours = emulator.instructionMix()
    require(ours.map(\.count).reduce(0, +) == emulator.instructionsExecuted, "the mix adds up to the instructions executed")
    var notes: [String] = [], gcc: [String: [(mnemonic: String, count: Int)]] = [:]
    for line in try String(contentsOfFile: runPath, encoding: .utf8).split(separator: "\n") {
        if line.hasPrefix("# ") { notes.append(String(line.dropFirst(2))); continue }
        let f = line.split(separator: "\t").map(String.init)
        guard f.count == 3, let n = Int(f[2]) else { continue }
        gcc[f[0], default: []].append((f[1], n))
    }
    guard let o2 = gcc["gcc -O2"], let o0 = gcc["gcc -O0"] else { return .skipped("\(runPath) lacks gcc -O2 or gcc -O0 rows") }
    let codes: [(name: String, mix: [(mnemonic: String, count: Int)], colour: String)] = [
        ("ctoriscv (IR, linear scan)", ours, Palette.blue), ("gcc -O2", o2, Palette.orange), ("gcc -O0", o0, Palette.grey),
    ]
    func byClass(_ mix: [(mnemonic: String, count: Int)]) -> [Int] {
        for (m, _) in mix { require(mixClasses.contains { $0.members.contains(m) }, "mnemonic \(m) has an instruction class") }
        return mixClasses.map { c in mix.filter { c.members.contains($0.mnemonic) }.map(\.count).reduce(0, +) }
    }
    let values = codes.map { byClass($0.mix) }
    func millions(_ n: Int) -> String { String(format: "%.1f", Double(n) / 1e6) }

    let top = (Double(values.flatMap { $0 }.max() ?? 1) / 5e6).rounded(.up) * 5
    let p = PlotArea(x: 70, y: 60, w: 900, h: 280, xMin: 0, xMax: Double(mixClasses.count), yMin: 0, yMax: top)
    var svg = SVG(width: 1000, height: 560)
    svg.text(10, 20, "What the benchmark executes: instructions by class, ours against gcc's (\(benchPath), counted by our emulator's --mix)", size: 13, bold: true)
    svg.axes(p, xTicks: [], yTicks: stride(from: 0, through: p.yMax, by: 5).map { $0 }, xLabel: "", yLabel: "instructions executed (millions)",
             yFormat: { label($0, digits: 3) })
    let group = p.w / Double(mixClasses.count), bar = group * 0.27
    for (k, c) in mixClasses.enumerated() {
        let gx = p.x + Double(k) * group + group * 0.095
        for (s, code) in codes.enumerated() {
            let v = Double(values[s][k]) / 1e6, x = gx + Double(s) * bar
            svg.rect(x, p.py(v), bar - 2, p.py(0) - p.py(v), fill: code.colour, stroke: nil)
            svg.text(x + bar / 2 - 1, p.py(v) - 3, v >= 0.05 ? String(format: "%.1f", v) : values[s][k] > 0 ? "<.1" : "0", size: 8, anchor: .middle)
        }
        svg.text(p.x + (Double(k) + 0.5) * group, p.y + p.h + 15, c.name, size: 10, anchor: .middle)
    }
    var legend: [(String, String)] = []
    for (s, code) in codes.enumerated() {
        let total = code.mix.map(\.count).reduce(0, +)
        legend.append(("\(code.name): \(millions(total)) M in all", codes[s].colour))
    }
    svg.legend(x: p.x + p.w - 270, y: p.y + 18, legend)
    // the mnemonics behind the bars: each code's eight most executed
    let y0 = p.y + p.h + 44
    svg.text(10, y0, "Each code's most executed mnemonics (millions):", size: 11, bold: true)
    for (s, code) in codes.enumerated() {
        let x = 10 + Double(s) * 330
        svg.text(x, y0 + 18, code.name, size: 11, bold: true, fill: code.colour)
        for (r, (m, n)) in code.mix.prefix(8).enumerated() {
            svg.text(x + Double(r / 4) * 150, y0 + 34 + Double(r % 4) * 14, m.padding(toLength: 6, withPad: " ", startingAt: 0) + String(repeating: " ", count: max(0, 5 - millions(n).count)) + millions(n), size: 10, mono: true)
        }
    }
    let yn = y0 + 106
    svg.text(10, yn, "logic, compare = and, or, xor, andi, ori, xori, slt, sltu, slti, sltiu; loads and stores of every width; li and mv are addi, la is auipc + addi, call is auipc + jalr, j is jal.", size: 10, fill: Palette.grey)
    for (i, n) in notes.enumerated() { svg.text(10, yn + 14 + Double(i) * 14, "gcc's bars: " + n, size: 10, fill: Palette.grey) }
    return .files([("ctoriscv-mix.svg", svg.rendered)])
}

/// The frame of `frame` in corpus/frame_layout.c at its call to sum10, from the optimizing back
/// end's own layout (IREmitter.frameLayout), each slot with the instructions of the emitted
/// code that use it; below it, how the callee (the stack machine: ten parameters) finds its
/// stack arguments.
func frameFigure() throws -> String {
    let path = "chapters/ctoriscv/Tests/ctoriscvTests/corpus/frame_layout.c"
    let source = try String(contentsOfFile: path, encoding: .utf8)
    var preprocessor = Preprocessor(includePaths: [])
    let program = try Parser(tokens: try preprocessor.run(try tokenize(SourceFile(name: path, text: source)))).parseProgram()
    guard let fn = program.functions.first(where: { $0.name == "frame" }) else { fatalError("figures: frame_layout.c defines no frame()") }
    // emitIRFunction, step by step, keeping the builder (which vreg is which variable) and the emitter
    let builder = IRBuilder(fn)
    let f = try builder.lower()
    f.optimize()
    let live = Liveness(f)
    let (intervals, calls) = liveIntervals(f, live)
    let allocation = linearScan(intervals, calls: calls, hints: registerHints(f))
    var emitter = IREmitter(f, allocation, live, id: 1)
    let asm = try emitter.emit().map { $0.trimmingCharacters(in: .whitespaces) }
    let layout = emitter.frameLayout, size = emitter.frameSize
    // the emitted code and the whole program agree with the layout: the same text as the compiler's, and it runs
    let fullAsm = try compile(source: source, fileName: path, includePaths: ["chapters/ctoriscv/Tests/ctoriscvTests/corpus"])
    func normalized(_ lines: [String]) -> String {
        lines.joined(separator: "\n").replacingOccurrences(of: #"\.L\.ir\.[0-9]+\."#, with: ".L.ir.N.", options: .regularExpression)
    }
    let compiled = fullAsm.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
    require(normalized(compiled).contains(normalized(asm)), "the figure's emitter writes the compiler's code for frame()")
    let run = try ctoriscv.run(source: source, fileName: path, includePaths: ["chapters/ctoriscv/Tests/ctoriscvTests/corpus"])
    require(run.exitCode == 0, "frame_layout.c passes its checks on the emulator")
    func variable(_ v: VReg) -> String? {
        fn.locals.first { builder.registers[ObjectIdentifier($0)] == v }?.name
    }
    // one row per word, highest address first; locals split into their variables' words
    struct Row { var offset: Int; var text: String; var kind: Int }
    var rows: [Row] = []
    for slot in layout {
        if slot.what == "locals in memory" {
            for v in fn.locals where v.offset < 0 && builder.registers[ObjectIdentifier(v)] == nil {
                for w in stride(from: v.type.size / 4 - 1, through: 0, by: -1) {
                    rows.append(Row(offset: size + v.offset + 4 * w, text: v.type.size > 4 ? "\(v.name)[\(w)]" : v.name, kind: 1))
                }
            }
        } else if slot.what.hasPrefix("spill slot ") {
            let k = Int(slot.what.dropFirst(11))!
            let holder = allocation.location.first { $0.value == .spill(k) }.flatMap { variable($0.key) }
            rows.append(Row(offset: slot.offset, text: slot.what + (holder.map { ": \($0)" } ?? ""), kind: 3))
        } else if slot.what.hasPrefix("saved ") {
            let r = String(slot.what.dropFirst(6))
            let holder = allocation.location.first { $0.value == .register(r) }.flatMap { variable($0.key) }
            rows.append(Row(offset: slot.offset, text: "caller's \(r)" + (holder.map { " (\(r) holds \($0))" } ?? ""), kind: 2))
        } else if slot.what.hasPrefix("argument word") {
            rows.append(Row(offset: slot.offset, text: slot.what, kind: 4))
        } else {
            rows.append(Row(offset: slot.offset, text: slot.what, kind: 0))
        }
    }
    rows.sort { $0.offset > $1.offset }
    var filled = rows
    for off in stride(from: size - 4, through: 0, by: -4) where !rows.contains(where: { $0.offset == off }) {
        filled.append(Row(offset: off, text: "(padding: sp stays 16-byte aligned)", kind: 5))
    }
    filled.sort { $0.offset > $1.offset }
    require(filled.count == size / 4, "every word of the frame is one row")
    // the instructions of frame() that name each word, as sp or s0 offsets
    func uses(_ off: Int) -> [String] {
        asm.filter { line in
            guard line.hasPrefix("sw ") || line.hasPrefix("lw ") else { return false }
            return line.hasSuffix(", \(off)(sp)") || (emitter.usesFramePointer && line.hasSuffix(", \(off - size)(s0)"))
        }
    }

    let rowH = 19.0, x0 = 170.0, boxW = 260.0, top = 92.0
    let height = top + Double(filled.count) * rowH + 150
    var svg = SVG(width: 1000, height: height)
    svg.text(10, 20, "The frame of frame() in corpus/frame_layout.c at its call to sum10: IREmitter.frameLayout, the optimizing back end's own offsets", size: 13, bold: true)
    svg.text(10, 38, "\(size) bytes; addresses grow upward; each word with the instructions of frame()'s code that store or load it", size: 11, fill: Palette.grey)
    svg.cell(x0, top - 30, boxW, 24, "main's frame (the caller)", fill: "#fff", size: 10, mono: false, textFill: Palette.grey, dash: "4 3")
    svg.text(10, top - 4, "s0 = main's sp", size: 10, mono: true, fill: Palette.purple)
    svg.line(10, top, x0 + boxW + 6, top, stroke: Palette.purple, width: 1.5)
    let fills = [Palette.tints[0], Palette.tints[2], Palette.tints[4], Palette.tints[1], Palette.tints[3], "#fafafa"]
    for (r, row) in filled.enumerated() {
        let y = top + Double(r) * rowH
        svg.text(x0 - 60, y + 13, "sp+\(row.offset)", size: 10, anchor: .end, mono: true)
        if emitter.usesFramePointer { svg.text(x0 - 8, y + 13, "s0-\(size - row.offset)", size: 10, anchor: .end, mono: true, fill: Palette.grey) }
        svg.cell(x0, y, boxW, rowH, row.text, fill: fills[row.kind], stroke: "#999", size: 10, mono: false,
                 textFill: row.kind == 5 ? Palette.grey : "#222")
        let u = uses(row.offset)
        let shown = u.prefix(3).joined(separator: "  ·  ") + (u.count > 3 ? "  (+\(u.count - 3))" : "")
        svg.text(x0 + boxW + 12, y + 13, shown, size: 10, mono: true)
    }
    let yb = top + Double(filled.count) * rowH
    svg.text(10, yb + 14, "sp at the call", size: 10, mono: true, fill: Palette.purple)
    svg.line(10, yb, x0 + boxW + 6, yb, stroke: Palette.purple, width: 1.5)
    // the callee's side: sum10 has ten parameters, so the stack machine compiles it; its s0 is this sp
    let sum10 = compiled.drop { $0 != "sum10:" }.prefix { $0 != "ret" }
    let stackReads = sum10.filter { $0.hasPrefix("lw ") && ($0.hasSuffix(" 0(s0)") || $0.hasSuffix(" 4(s0)")) }
    require(stackReads.count == 2, "sum10 reads its two stack arguments at 0(s0) and 4(s0)")
    svg.cell(x0, yb + 8, boxW, 24, "sum10's frame (the callee)", fill: "#fff", size: 10, mono: false, textFill: Palette.grey, dash: "4 3")
    svg.text(x0 + boxW + 12, yb + 24, "its prologue sets s0 = this sp, then: " + stackReads.joined(separator: "  ·  "), size: 10, mono: true)
    // a legend of the kinds
    let kinds = ["ra and the caller's s0 (the frame pointer)", "locals in memory (an array: its address is taken)",
                 "callee-saved registers the allocator used", "spill slots: values live across the call, no s register left",
                 "outgoing argument words 8, 9 (the callee's 0(s0), 4(s0))"]
    for (k, name) in kinds.enumerated() {
        let y = yb + 54 + Double(k) * 17
        svg.rect(x0, y - 10, 14, 12, fill: fills[k], stroke: "#999")
        svg.text(x0 + 22, y, name, size: 10)
    }
    return svg.rendered
}
#endif

// Differential fuzzing of the optimizing back end: random well-defined programs (unsigned
// arithmetic, so no undefined behaviour for gcc to exploit; h has no side effects, so no
// result depends on the unspecified order of evaluation) must print the same under the
// optimizing back end, the pure stack machine, and (when installed) gcc -O0/-O2 on qemu.
// The programs stress what the allocator sees: many variables live across loops and calls,
// casts that truncate, short-circuit conditions, memory through an array, nested calls.
import Foundation
import Testing
@testable import ctoriscv

@Suite("back-end fuzz")
struct BackEndFuzzTests {
    struct Generator {
        var rng: SplitMix64
        /// Eight variables fit in registers; forty, all live around the loop, force spills.
        var vars = ["a", "b", "c", "d", "e", "u", "v", "w"]
        init(rng: SplitMix64, variables: Int = 8) {
            self.rng = rng
            if variables > 8 { vars = (0..<variables).map { "x\($0)" } }
        }
        mutating func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next() % UInt64(xs.count))] }
        mutating func constant() -> String { pick(["0", "1", "2", "7", "255", "4096", "65535", "0x7fffffff", "0x80000000u", "3000000000u", String(rng.next() % 100)]) }

        mutating func expr(_ depth: Int) -> String {
            if depth == 0 || rng.next() % 4 == 0 { return rng.next() % 3 == 0 ? constant() : pick(vars) }
            let l = expr(depth - 1), r = expr(depth - 1)
            switch rng.next() % 14 {
            case 0: return "(\(l) \(pick(["+", "-", "*", "&", "|", "^"])) \(r))"
            case 1: return "(\(l) \(pick(["<<", ">>"])) (\(r) & 31))"
            case 2: return "(\(l) \(pick(["/", "%"])) ((\(r) & 7) + 1))"
            case 3: return "(\(l) \(pick(["<", "<=", ">", ">=", "==", "!="])) \(r))"
            case 4: return "(\(l) \(pick(["&&", "||"])) \(r))"
            case 5: return "(\(expr(depth - 1)) ? \(l) : \(r))"
            case 6: return "((unsigned)(\(pick(["unsigned char", "signed char", "short", "unsigned short", "int"])))\(l))"
            case 7: return "h(\(l), \(r))"
            case 8: return "g[\(l) & 7]"
            case 9: return "(!\(l))"
            case 10: return "(~\(l) + \(pick(["-", "+"]))\(r))"
            case 11: return "((int)\(l) \(pick(["<", ">"])) (int)\(r))"
            case 12: return "((unsigned)((int)\(l) >> (\(r) & 31)))"
            default: return "(\(l) * \(pick(["4", "8", "1024", "3"])))"
            }
        }

        mutating func statement(_ depth: Int) -> String {
            switch rng.next() % 7 {
            case 0: return "\(pick(vars)) = \(expr(3));"
            case 1: return "\(pick(vars)) \(pick(["+=", "-=", "^=", "|="])) \(expr(2));"
            case 2: return "g[\(expr(1)) & 7] = \(expr(2));"
            case 3 where depth > 0: return "if (\(expr(2))) { \(statement(depth - 1)) } else { \(statement(depth - 1)) }"
            case 4 where depth > 0: return "for (k\(depth) = 0; k\(depth) < (\(expr(1)) & 3); k\(depth)++) { \(statement(depth - 1)) \(statement(depth - 1)) }"
            case 5: return "acc = acc * 31 + \(expr(3));"
            default: return "\(pick(vars))++;"
            }
        }

        mutating func program() -> String {
            var s = "int printf(const char *fmt, ...);\nunsigned g[8];\n"
            s += "unsigned h(unsigned x, unsigned y) { unsigned t = x * 3 - (y >> 1); return t ^ (t >> 7); }\n"
            s += "int main() {\n  unsigned " + vars.map { "\($0) = \(constant())" }.joined(separator: ", ") + ", acc = 0, i, k1, k2;\n"
            s += "  for (i = 0; i < 6; i++) {\n"
            for _ in 0..<6 { s += "    " + statement(2) + "\n" }
            s += "    acc = acc * 33 + " + vars.joined(separator: " + ") + ";\n  }\n"
            s += "  printf(\"%u %u %u\\n\", acc, g[0] ^ g[3] ^ g[7], " + vars.joined(separator: " ^ ") + ");\n  return acc & 127;\n}\n"
            return s
        }
    }

    func output(_ source: String, _ backEnd: BackEnd) throws -> String {
        let e = try Emulator(elf: try assemble(try compile(source: source, fileName: "fuzz.c", backEnd: backEnd)))
        let code = try e.run(maxSteps: 50_000_000)
        return "\(code & 255) " + String(decoding: e.output, as: UTF8.self)
    }

    @Test("random programs print the same from the optimizing back end and the stack machine")
    func againstStackMachine() throws {
        var g = Generator(rng: SplitMix64(state: 31337 &+ UInt64(FuzzTests.scale)))
        for _ in 0..<(150 * FuzzTests.scale) {
            let p = g.program()
            let ours = try output(p, .optimizing), stack = try output(p, .stackMachine)
            #expect(ours == stack, "optimizing: \(ours) stack machine: \(stack)\n\(p)")
            if ours != stack { return }
        }
    }

    @Test("with forty variables live at once (spills), too")
    func spills() throws {
        var g = Generator(rng: SplitMix64(state: 777 &+ UInt64(FuzzTests.scale)), variables: 40)
        var spilled = 0
        defer { #expect(spilled > 30 * FuzzTests.scale, "only \(spilled) programs needed spill code") }
        for _ in 0..<(40 * FuzzTests.scale) {
            let p = g.program()
            if try compile(source: p, fileName: "fuzz.c").contains("\n  sw t5, ") { spilled += 1 }
            let ours = try output(p, .optimizing), stack = try output(p, .stackMachine)
            #expect(ours == stack, "optimizing: \(ours) stack machine: \(stack)\n\(p)")
            if ours != stack { return }
        }
    }

    @Test("random programs print the same as gcc -O0 and -O2 on qemu-riscv32")
    func againstGcc() throws {
        guard CrossCheckTests.available, let gcc = CrossCheckTests.gcc, let qemu = CrossCheckTests.qemu else { return }
        let dir = NSTemporaryDirectory() + "ctoriscv-befuzz-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try runtimeAssembly().write(toFile: dir + "/runtime.s", atomically: true, encoding: .utf8)
        var g = Generator(rng: SplitMix64(state: 4242 &+ UInt64(FuzzTests.scale)))
        for n in 0..<(20 * FuzzTests.scale) {
            let p = g.program()
            try p.write(toFile: dir + "/p.c", atomically: true, encoding: .utf8)
            let ours = try output(p, .optimizing)
            let opt = n % 2 == 0 ? "-O0" : "-O2"
            let built = try shell(gcc, CrossCheckTests.flags + [opt, dir + "/p.c", dir + "/runtime.s", "-lgcc", "-o", dir + "/p.elf"])
            #expect(built.status == 0, "gcc failed: \(built.output)")
            let run = try shell(qemu, [dir + "/p.elf"])
            #expect(ours == "\(run.status) " + run.output, "gcc \(opt) on qemu: \(run.status) \(run.output), ours: \(ours)\n\(p)")
        }
    }
}

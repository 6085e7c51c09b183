// Cross-checks against the real tools, when they are installed (CI installs them with
// `apt-get install qemu-user gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf`):
//  1. our assembly, assembled and linked by GNU as/ld, runs on qemu-riscv32 with the exit
//     code our emulator gives;
//  2. gcc's own code (-O0 and -O2, -march=rv32im -mabi=ilp32) runs on our emulator with the
//     exit code qemu-riscv32 gives.
// Without the tools the tests print why and pass.
import Foundation
import Testing
@testable import ctoriscv

@Suite("cross-checks with GNU tools and qemu")
struct CrossCheckTests {
    static let gcc = which("riscv64-unknown-elf-gcc")
    static let qemu = which("qemu-riscv32")
    static var available: Bool {
        if gcc == nil || qemu == nil {
            print("ctoriscv cross-checks skipped: riscv64-unknown-elf-gcc or qemu-riscv32 not installed "
                  + "(apt-get install qemu-user gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf)")
            return false
        }
        return true
    }
    static let flags = ["-march=rv32im", "-mabi=ilp32", "-nostdlib", "-nostartfiles", "-Wl,--no-relax", "-w"]

    /// A scratch directory for one test.
    func scratch(_ tag: String) throws -> String {
        let dir = NSTemporaryDirectory() + "ctoriscv-\(tag)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func ourExitCode(_ elf: [UInt8]) throws -> Int32 {
        let e = try Emulator(elf: elf)
        return try e.run(maxSteps: 1_000_000_000) & 255
    }

    @Test("our assembly runs the same on qemu-riscv32 (GNU as + ld)", arguments: Corpus.programs)
    func ourAssemblyOnQemu(_ name: String) throws {
        guard CrossCheckTests.available, let gcc = CrossCheckTests.gcc, let qemu = CrossCheckTests.qemu else { return }
        let dir = try scratch("as")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let asm = try compile(source: Corpus.source(name), fileName: Corpus.path(name))
        try asm.write(toFile: dir + "/prog.s", atomically: true, encoding: .utf8)
        try runtimeAssembly().write(toFile: dir + "/runtime.s", atomically: true, encoding: .utf8)
        let built = try shell(gcc, CrossCheckTests.flags + [dir + "/prog.s", dir + "/runtime.s", "-o", dir + "/prog.elf"])
        #expect(built.status == 0, "GNU as/ld rejected our assembly: \(built.output)")
        guard built.status == 0 else { return }
        let onQemu = try shell(qemu, [dir + "/prog.elf"]).status
        let ours = try ourExitCode(try assemble(asm))
        #expect(onQemu == ours, "\(name): qemu \(onQemu), our emulator \(ours)")
        #expect(ours == 0)
    }

    @Test("gcc's code runs the same on our emulator as on qemu-riscv32", arguments: Corpus.programs.filter { ["algo_", "longlong_", "func_", "switch_", "c89_", "c99_"].contains(where: $0.hasPrefix) })
    func gccCodeOnOurEmulator(_ name: String) throws {
        guard CrossCheckTests.available, let gcc = CrossCheckTests.gcc, let qemu = CrossCheckTests.qemu else { return }
        let dir = try scratch("gcc")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try runtimeAssembly().write(toFile: dir + "/runtime.s", atomically: true, encoding: .utf8)
        for opt in ["-O0", "-O2"] {
            let elfPath = dir + "/gcc\(opt).elf"
            let built = try shell(gcc, CrossCheckTests.flags + [opt, "-I", Corpus.directory, Corpus.path(name), dir + "/runtime.s", "-lgcc", "-o", elfPath])
            #expect(built.status == 0, "gcc failed: \(built.output)")
            guard built.status == 0 else { continue }
            let onQemu = try shell(qemu, [elfPath]).status
            let ours = try ourExitCode([UInt8](try Data(contentsOf: URL(fileURLWithPath: elfPath))))
            #expect(onQemu == ours, "\(name) \(opt): qemu \(onQemu), our emulator \(ours)")
            #expect(ours == 0)
        }
    }

    @Test("our code and gcc's call each other (ILP32: structs by value, split long long, variadic)", arguments: ["-O0", "-O2"])
    func mixedABI(_ opt: String) throws {
        guard CrossCheckTests.available, let gcc = CrossCheckTests.gcc, let qemu = CrossCheckTests.qemu else { return }
        let dir = try scratch("abi")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let abi = Corpus.directory + "/abi"           // two halves of one program: ours.c and gcc.c
        let ours = try String(contentsOfFile: abi + "/ours.c", encoding: .utf8)
        try compile(source: ours, fileName: "ours.c").write(toFile: dir + "/ours.s", atomically: true, encoding: .utf8)
        try runtimeAssembly().write(toFile: dir + "/runtime.s", atomically: true, encoding: .utf8)
        let built = try shell(gcc, CrossCheckTests.flags + [opt, dir + "/ours.s", abi + "/gcc.c", dir + "/runtime.s", "-lgcc", "-o", dir + "/abi.elf"])
        #expect(built.status == 0, "\(built.output)")
        guard built.status == 0 else { return }
        #expect(try shell(qemu, [dir + "/abi.elf"]).status == 0, "a check failed on qemu (its number is the exit code)")
        #expect(try ourExitCode([UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/abi.elf")))) == 0)
    }

    @Test("RV32M edge cases agree with qemu (gcc-compiled)")
    func multiplyDivideEdges() throws {
        guard CrossCheckTests.available, let gcc = CrossCheckTests.gcc, let qemu = CrossCheckTests.qemu else { return }
        let dir = try scratch("m")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let src = """
          .globl _start
        _start:
          li t0, -2147483648
          li t1, -1
          div a0, t0, t1
          rem a1, t0, t1
          div a2, t0, zero
          remu a3, t1, zero
          mulh a4, t0, t0
          mulhsu a5, t1, t1
          mulhu a6, t1, t1
          xor a0, a0, a1
          add a0, a0, a2
          add a0, a0, a3
          add a0, a0, a4
          add a0, a0, a5
          add a0, a0, a6
          li a7, 93
          ecall
        """
        try src.write(toFile: dir + "/m.s", atomically: true, encoding: .utf8)
        let built = try shell(gcc, CrossCheckTests.flags + [dir + "/m.s", "-o", dir + "/m.elf"])
        #expect(built.status == 0, "\(built.output)")
        let onQemu = try shell(qemu, [dir + "/m.elf"]).status
        #expect(try ourExitCode(try assemble(src)) == onQemu)
        #expect(try ourExitCode([UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/m.elf")))) == onQemu)
    }
}

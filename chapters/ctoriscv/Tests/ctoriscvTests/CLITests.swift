// The command line, when its binary sits next to the test bundle (a plain `swift test` in the
// chapter builds it); otherwise the tests say so and pass.
import Foundation
import Testing

@Suite("command line")
struct CLITests {
    static let binary: String? = {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let p = candidate.appendingPathComponent("ctoriscv").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        print("ctoriscv CLI tests skipped: no ctoriscv binary next to \(dir.path)")
        return nil
    }()

    @Test("bad command lines stop with a clear message and status 1")
    func badInput() throws {
        guard let ct = CLITests.binary else { return }
        let cases: [([String], String)] = [
            ([], "usage: ctoriscv"),
            (["--frobnicate"], "unknown option '--frobnicate'"),
            (["a.c", "b.c", "-o", "x"], "more than one input file"),
            (["a.c"], "say -o FILE, or --run"),
            (["a.c", "-o"], "-o needs a file name"),
            (["/nonexistent/prog.c", "--run"], "cannot read '/nonexistent/prog.c'"),
            (["--emulate", "/nonexistent.elf"], "cannot read '/nonexistent.elf'"),
            (["a.c", "--run", "-S"], "--run does not write a file"),
        ]
        for (args, message) in cases {
            let r = try shell(ct, args)
            #expect(r.status == 1, "\(args): status \(r.status)")
            #expect(r.output.contains(message), "\(args): \(r.output)")
        }
    }

    @Test("--run exits with main's value; a compile error is printed with its location")
    func runAndErrors() throws {
        guard let ct = CLITests.binary else { return }
        let dir = NSTemporaryDirectory() + "ctoriscv-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "int printf(const char *f, ...);\nint main() { printf(\"hi %d\\n\", 5); return 42; }\n".write(toFile: dir + "/ok.c", atomically: true, encoding: .utf8)
        let run = try shell(ct, [dir + "/ok.c", "--run", "--stats"])
        #expect(run.status == 42)
        #expect(run.output.contains("hi 5\n") && run.output.contains("instructions"))
        #expect(try shell(ct, [dir + "/ok.c", "-o", dir + "/ok.elf"]).status == 0)
        #expect(try shell(ct, ["--emulate", dir + "/ok.elf"]).status == 42)
        let mix = try shell(ct, ["--emulate", dir + "/ok.elf", "--mix"])
        #expect(mix.status == 42 && mix.output.contains("ctoriscv: mix ecall "))
        #expect(try shell(ct, [dir + "/ok.c", "-S", "-o", dir + "/ok.s"]).status == 0)
        #expect(((try? String(contentsOfFile: dir + "/ok.s", encoding: .utf8)) ?? "").contains("main:"))
        try "int main() {\n  return x;\n}\n".write(toFile: dir + "/bad.c", atomically: true, encoding: .utf8)
        let bad = try shell(ct, [dir + "/bad.c", "--run"])
        #expect(bad.status == 1)
        #expect(bad.output.contains("bad.c:2:10: error: 'x' undeclared"))
    }
}

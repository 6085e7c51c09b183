// Every corpus program, compiled by ctoriscv and run on our emulator, must return 0
// (a failing check returns its line number).
import Testing
@testable import ctoriscv

@Suite("corpus")
struct CorpusTests {
    @Test("the corpus has at least 150 programs")
    func corpusSize() {
        #expect(Corpus.programs.count >= 150)
    }

    @Test("program returns 0", arguments: Corpus.programs)
    func program(_ name: String) throws {
        let r = try run(source: Corpus.source(name), fileName: Corpus.path(name), maxSteps: 500_000_000)
        #expect(r.exitCode == 0, "\(name) failed the check on line \(r.exitCode)")
    }

    @Test("program returns 0 from the pure stack machine too", arguments: Corpus.programs)
    func stackMachine(_ name: String) throws {
        let asm = try compile(source: Corpus.source(name), fileName: Corpus.path(name), registerAllocation: false)
        let e = try Emulator(elf: try assemble(asm))
        let code = try e.run(maxSteps: 500_000_000)
        #expect(code == 0, "\(name) failed the check on line \(code) without register allocation")
    }

    @Test("printf, puts and putchar write what they should")
    func output() throws {
        let r = try runC(#"""
        int printf(const char *fmt, ...); int puts(const char *s); int putchar(int c);
        int main() {
            printf("%d %i %u %x %X %s %c %%\n", -42, 7, 4000000000u, 48879, 48879, "str", 'q');
            printf("[%5d] [%05d] [%3s] [%lld] [%llu]\n", 42, -42, "ab", -1234567890123LL, 18446744073709551615ULL);
            puts("puts"); putchar('!'); putchar('\n');
            return 3;
        }
        """#)
        #expect(r.exitCode == 3)
        #expect(r.output == "-42 7 4000000000 beef BEEF str q %\n[   42] [-0042] [ ab] [-1234567890123] [18446744073709551615]\nputs\n!\n")
    }

    @Test("exit codes are main's return value, also through exit()")
    func exitCodes() throws {
        #expect(try runC("int main() { return 200; }").exitCode == 200)
        #expect(try runC("void exit(int); int main() { exit(7); return 1; }").exitCode == 7)
        #expect(try runC("int main() { return -1; }").exitCode == -1)
    }

    @Test("an endless loop stops at the step limit")
    func stepLimit() throws {
        let elf = try assemble(try compile(source: "int main() { for (;;) ; }"))
        let e = try Emulator(elf: elf)
        #expect(throws: EmulatorError.self) { try e.run(maxSteps: 10_000) }
        #expect(e.instructionsExecuted == 10_000)
    }

    @Test("includePaths are searched")
    func includePaths() throws {
        let asm = try compile(source: "#include \"helper.h\"\nint main() { return HELPER_VALUE; }", includePaths: [Corpus.directory])
        let e = try Emulator(elf: try assemble(asm))
        #expect(try e.run(maxSteps: 1_000_000) == 42)
    }
}

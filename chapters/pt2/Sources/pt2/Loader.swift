// Compiling the generated C at run time and loading it. The compiler is `$CC`, else `cc`,
// else `clang` on the PATH; the flags may be -march=native because the code runs on the
// machine that compiles it. Objects are cached on disk by a hash of the compiler, the flags
// and the source, so a second run of the same program (or a test run) skips the compiler.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The system C compiler, as the generated code is built with it.
public enum CCompiler {
    /// The flags every generated object is compiled with.
    public static let flags = ["-O3", "-march=native", "-shared", "-fPIC", "-fno-math-errno", "-w"]
    /// Added for GCC: glibc's vector math (libmvec: expf, logf, sinf, ... 8 or 16 lanes at a
    /// time, within 4 ulp), which glibc's headers declare only under __FAST_MATH__: defined
    /// here with the reassociation it needs (sums may add in another order), never -ffast-math
    /// or -funsafe-math-optimizations themselves: with those GCC links crtfastmath.o into the
    /// object, whose load sets flush-to-zero for the whole process (brrr's libm comparisons
    /// caught it); infinities and NaNs keep their meaning.
    public static let gccFlags = ["-fno-signed-zeros", "-fno-trapping-math", "-fassociative-math",
                                  "-D__FAST_MATH__"]
    /// Added for GCC to a source with a select in an innermost loop of a constant 2-15
    /// iterations (`hasShortInnermostLoop`): GCC 12's loop if-conversion vectorizes a select (`c != 0 ? a
    /// : b`, a pad's bounds check) over such a loop wrongly at -O3 (some lanes come out 0;
    /// found by the compiled `where` cases over rows of 7; rows of 3-7 and 9-15 fail, of 1, 2,
    /// 4, 8, 16 and more, or of a count known only at run time, do not). Without if-conversion
    /// no loop with a select vectorizes, so only these sources go without it.
    public static let shortLoopFlags = ["-fno-tree-loop-if-convert"]

    /// Whether `source` has an innermost loop (a `for` whose body starts with no other `for`)
    /// of a constant 2-15 iterations with a select (` ? `) in its body.
    static func hasShortInnermostLoop(_ source: String) -> Bool {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        for (i, line) in lines.enumerated() where i + 1 < lines.count {
            let text = line.drop { $0 == " " }
            guard text.hasPrefix("for ("), !lines[i + 1].drop(while: { $0 == " " }).hasPrefix("for (") else { continue }
            // `for (int64_t i2 = 0; i2 < 7; i2++) {`: the bound is the second clause's last word
            let clauses = text.split(separator: ";")
            guard clauses.count == 3, let bound = clauses[1].split(separator: " ").last else { continue }
            guard let n = Int(bound), n >= 2, n < 16 else { continue }
            // ... with a select in its body (up to its closing brace, at the loop's indentation)
            let close = String(repeating: " ", count: line.count - text.count) + "}"
            if lines[(i + 1)...].prefix(while: { $0 != close }).contains(where: { $0.contains(" ? ") }) { return true }
        }
        return false
    }

    /// The flags for `compiler`: `flags`, plus `gccFlags` when `compiler --version` says GCC.
    public static func flags(for compiler: String) -> [String] {
        let log = "/tmp/picograd-pt2-cc-version.\(getpid()).log"
        defer { unlink(log) }
        guard run([compiler, "--version"], log: log) == 0, let text = read(log) else { return flags }
        let isGCC = !text.contains("clang") && (text.contains("gcc") || text.contains("GCC") || text.contains("Free Software Foundation"))
        return isGCC ? flags + gccFlags : flags
    }

    /// This process's compiler's flags (asked once).
    public static let selectedFlags: [String] = selected.map { flags(for: $0) } ?? flags

    /// The compiler to use: `cc` (the value of $CC, a name or a path) when given, else `cc`,
    /// else `clang`, looked up on `path`; nil when there is none.
    public static func find(cc: String?, path: String?) -> String? {
        let dirs = (path ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        func lookup(_ name: String) -> String? {
            if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
            return dirs.lazy.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
        }
        if let cc, !cc.isEmpty { return lookup(cc) }
        return lookup("cc") ?? lookup("clang")
    }

    /// This process's compiler (found once).
    public static let selected: String? = find(cc: environment("CC"), path: environment("PATH"))

    /// The folder objects are cached in: $PICOGRAD_CACHE/pt2, else $XDG_CACHE_HOME/picograd/pt2,
    /// else ~/.cache/picograd/pt2, else /tmp/picograd-pt2.
    public static let cacheDirectory: String = {
        let base: String
        if let dir = environment("PICOGRAD_CACHE"), !dir.isEmpty { base = dir }
        else if let dir = environment("XDG_CACHE_HOME"), !dir.isEmpty { base = dir + "/picograd" }
        else if let home = environment("HOME"), !home.isEmpty { base = home + "/.cache/picograd" }
        else { base = "/tmp/picograd" }
        return base + "/pt2"
    }()

    /// 64-bit FNV-1a of `text`, as 16 hex digits: the cache key.
    public static func hash(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let digits = String(h, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The path of the shared object built from `source` (compiled now unless cached); stops
    /// with the compiler's log when it fails (a bug in the generated code, never the user's).
    static func build(_ source: String, compiler: String, flags: [String]) -> String {
        let key = hash(([compiler] + flags + [source]).joined(separator: "\n"))
        let dir = cacheDirectory
        makeDirectories(dir)
        let object = "\(dir)/\(key).so"
        if access(object, R_OK) == 0 { return object }
        let pid = "\(getpid())-\(buildCounter.add(1, ordering: .relaxed).newValue)"    // unique per build: tests compile in parallel
        let cFile = "\(dir)/\(key).\(pid).c", tmpObject = "\(dir)/\(key).\(pid).so.tmp", log = "\(dir)/\(key).\(pid).log"
        write(source, to: cFile)
        let status = run([compiler] + flags + ["-o", tmpObject, cFile, "-lm"], log: log)
        guard status == 0 else { fail("compile: \(compiler) failed on the generated kernels (exit \(status)); source \(cFile), log \(log)") }
        rename(tmpObject, object)       // atomic: a concurrent process sees the whole object or none
        unlink(cFile); unlink(log)
        return object
    }

    private static let buildCounter = Atomic<Int>(0)

    /// A small text file's contents, or nil.
    static func read(_ path: String) -> String? {
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func makeDirectories(_ path: String) {
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += "/" + part
            mkdir(prefix, 0o755)
        }
    }

    static func write(_ text: String, to path: String) {
        guard let f = fopen(path, "w") else { fail("compile: cannot write \(path)") }
        _ = text.utf8CString.withUnsafeBufferPointer { fputs($0.baseAddress!, f) }
        fclose(f)
    }

    /// Runs `argv`, its output to `log`; returns the exit status.
    static func run(_ argv: [String], log: String) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid = pid_t()
        guard posix_spawnp(&pid, argv[0], &actions, nil, &cArgs, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
    }
}

/// A loaded object's kernels, by name.
final class LoadedObject: @unchecked Sendable {
    typealias Entry = @convention(c) (UnsafePointer<UnsafeMutablePointer<Float>?>, UnsafeRawPointer) -> Void
    let handle: UnsafeMutableRawPointer
    let entries: [Entry]

    /// Loads `path` and looks up `names`.
    init(path: String, names: [String]) {
        guard let h = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            fail("compile: dlopen \(path) failed: \(String(cString: dlerror()))")
        }
        handle = h
        entries = names.map { name in
            guard let sym = dlsym(h, name) else { fail("compile: kernel \(name) missing from \(path)") }
            return unsafeBitCast(sym, to: Entry.self)
        }
    }
}

/// The table the kernels call brrr through: the C `pt2_runtime` (sgemm, parallel, isa, threads, sgemm_band).
final class RuntimeTable: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    static let shared = RuntimeTable()
    private init() {
        pointer = UnsafeMutableRawPointer.allocate(byteCount: 32, alignment: 8)
        pointer.storeBytes(of: SGEMMExport.pointer, as: UnsafeRawPointer.self)
        pointer.storeBytes(of: SGEMMExport.parallelPointer, toByteOffset: 8, as: UnsafeRawPointer.self)
        pointer.storeBytes(of: SGEMMExport.isa, toByteOffset: 16, as: Int32.self)
        pointer.storeBytes(of: SGEMMExport.threads, toByteOffset: 20, as: Int32.self)
        pointer.storeBytes(of: SGEMMExport.bandPointer, toByteOffset: 24, as: UnsafeRawPointer.self)
    }
}

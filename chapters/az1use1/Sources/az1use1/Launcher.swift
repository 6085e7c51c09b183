// `picograd launch --nproc N -- COMMAND ...`: torchrun's job on one host (chapter 5, part 2).
// It starts N copies of a command, each told its place through the environment (RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT), and watches them: when one fails, it stops the
// others and exits naming it, so a dead rank never leaves the rest blocked in a collective.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where this process sits in a multi-process run, from the launcher's environment variables.
public struct RankEnvironment: Equatable, Sendable {
    public let rank: Int, worldSize: Int, localRank: Int
    public let masterAddr: String, masterPort: Int

    /// Reads RANK, WORLD_SIZE, LOCAL_RANK (default RANK), MASTER_ADDR (default 127.0.0.1) and
    /// MASTER_PORT (default 29500); throws naming the variable that is missing or wrong.
    public static func fromEnvironment(_ env: (String) -> String? = { getenv($0).map { String(cString: $0) } }) throws -> RankEnvironment {
        func int(_ name: String, _ fallback: Int?) throws -> Int {
            guard let text = env(name) else {
                if let fallback { return fallback }
                throw StoreError("\(name) is not set (start the ranks with picograd launch --nproc N)")
            }
            guard let v = Int(text), v >= 0 else { throw StoreError("\(name)='\(text)' is not a number >= 0") }
            return v
        }
        let world = try int("WORLD_SIZE", nil), rank = try int("RANK", nil)
        guard world >= 1, rank < world else { throw StoreError("RANK=\(rank) is not below WORLD_SIZE=\(world)") }
        let port = try int("MASTER_PORT", 29500)
        guard port > 0 && port < 65536 else { throw StoreError("MASTER_PORT=\(port) is not a TCP port") }
        return RankEnvironment(rank: rank, worldSize: world, localRank: try int("LOCAL_RANK", rank),
                               masterAddr: env("MASTER_ADDR") ?? "127.0.0.1", masterPort: port)
    }

    /// This rank's store: served by rank 0, connected to by all.
    public func store(timeout: Double = 60) throws -> TCPStore {
        try TCPStore(host: masterAddr, port: masterPort, isServer: rank == 0, timeout: timeout)
    }
}

public enum Launcher {
    /// A TCP port no one listens on now (the kernel's pick), for MASTER_PORT.
    public static func freePort() -> Int {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = INADDR_ANY
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) } }
        return Int(UInt16(bigEndian: a.sin_port))
    }

    /// Runs `command` (a path or a name on PATH, then its arguments) as ranks 0..<nproc and
    /// waits for them. Returns 0 when every rank exits 0. When a rank fails (a non-zero exit or
    /// a signal) it prints which one to stderr, stops the others (SIGTERM, then SIGKILL after
    /// `grace` seconds) and returns 1.
    public static func run(nproc: Int, command: [String], masterAddr: String = "127.0.0.1", masterPort: Int? = nil,
                           grace: Double = 5, log: (String) -> Void = { writeStandardError("launch: \($0)\n") }) throws -> Int32 {
        guard nproc >= 1 else { throw StoreError("--nproc must be at least 1, got \(nproc)") }
        guard let program = command.first else { throw StoreError("say what to run: picograd launch --nproc N -- COMMAND ...") }
        let port = masterPort ?? freePort()
        var base: [String] = []
        var e = environ
        while let p = e.pointee {
            let s = String(cString: p)
            let name = s.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            if !["RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"].contains(name) { base.append(s) }
            e += 1
        }
        var pids: [pid_t] = []
        for rank in 0..<nproc {
            let env = base + ["RANK=\(rank)", "WORLD_SIZE=\(nproc)", "LOCAL_RANK=\(rank)", "LOCAL_WORLD_SIZE=\(nproc)",
                              "MASTER_ADDR=\(masterAddr)", "MASTER_PORT=\(port)"]
            var pid: pid_t = 0
            // a clean signal state in the child (the caller's thread may block or ignore SIGTERM)
            #if canImport(Glibc)
            var attributes = posix_spawnattr_t()
            #else
            var attributes: posix_spawnattr_t? = nil
            #endif
            posix_spawnattr_init(&attributes)
            var none = sigset_t(), all = sigset_t()
            sigemptyset(&none); sigfillset(&all)
            posix_spawnattr_setsigmask(&attributes, &none)
            posix_spawnattr_setsigdefault(&attributes, &all)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            let status = withCStrings(command) { argv in withCStrings(env) { envp in posix_spawnp(&pid, program, nil, &attributes, argv, envp) } }
            posix_spawnattr_destroy(&attributes)
            guard status == 0 else {
                for p in pids { kill(p, SIGKILL) }
                for p in pids { var s: Int32 = 0; waitpid(p, &s, 0) }
                throw StoreError("cannot start '\(program)' for rank \(rank): \(String(cString: strerror(status)))")
            }
            pids.append(pid)
        }
        // each rank's own pid, polled: never waitpid(-1), which would take another part of this
        // process's children (a test runner's) or lose ours to it
        var running = Set(pids)
        var failed: (rank: Int, why: String)? = nil
        var stopAt: Double? = nil
        while !running.isEmpty {
            var reaped = false
            for pid in pids where running.contains(pid) {
                var s: Int32 = 0
                let r = waitpid(pid, &s, WNOHANG)
                if r == 0 || (r < 0 && errno == EINTR) { continue }
                running.remove(pid)
                reaped = true
                let rank = pids.firstIndex(of: pid)!
                let exited = r == pid && (s & 0x7f) == 0, code = (s >> 8) & 0xff, signal = s & 0x7f
                if failed == nil && (r != pid || !exited || code != 0) {
                    failed = (rank, r != pid ? "could not be waited for (\(String(cString: strerror(errno))))"
                                             : exited ? "exited with status \(code)" : "was killed by signal \(signal)")
                    log("rank \(rank) (pid \(pid)) \(failed!.why); stopping the other \(running.count) rank\(running.count == 1 ? "" : "s")")
                    for p in running { kill(p, SIGTERM) }
                    stopAt = storeClock() + grace
                }
            }
            if let t = stopAt, storeClock() > t { for p in running { kill(p, SIGKILL) }; stopAt = .infinity }
            if !reaped { usleep(5_000) }
        }
        if let failed { log("failed: rank \(failed.rank) \(failed.why)"); return 1 }
        return 0
    }
}

/// `body` with a NULL-terminated array of C strings (argv, envp).
func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> T) -> T {
    let c = strings.map { strdup($0) } + [nil]
    defer { for p in c { free(p) } }
    return c.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// Writes `text` to file descriptor 2 (the C `stderr` global is not concurrency-safe in Swift 6).
public func writeStandardError(_ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

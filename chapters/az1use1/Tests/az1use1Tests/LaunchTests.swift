// The launcher and the TCP store: `picograd launch` starts real processes of `picograd
// dist-check` (the picograd executable beside this test bundle: build with
// `swift build --build-tests` at the repository root), which rendezvous through rank 0's store.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import az1use1

/// The picograd executable in the folder of this test bundle or one above it; nil when absent.
func picogradBinary() -> String? {
    var dir = CommandLine.arguments[0]
    for _ in 0..<5 {
        dir = dir.contains("/") ? String(dir[..<dir.lastIndex(of: "/")!]) : "."
        if access(dir + "/picograd", X_OK) == 0 { return dir + "/picograd" }
    }
    return nil
}

func seconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// Collects the launcher's log lines (its callback runs on the calling thread).
final class Lines: @unchecked Sendable { var all: [String] = [] }

@Suite("launcher and TCP store", .serialized)
struct LaunchTests {
    @Test("4 processes rendezvous and exchange a 64 KiB blob each")
    func rendezvous() throws {
        let picograd = try #require(picogradBinary(), "no picograd beside the tests: swift build --build-tests at the repository root")
        let lines = Lines()
        let t0 = seconds()
        let status = try Launcher.run(nproc: 4, command: [picograd, "dist-check"], log: { lines.all.append($0) })
        #expect(status == 0, "\(lines.all)")
        print("launch --nproc 4 dist-check: status \(status) in \(Int((seconds() - t0) * 1000)) ms")
    }

    @Test("a rank that dies: the launcher names it and stops the others, well within the timeout")
    func deadRank() throws {
        let picograd = try #require(picogradBinary(), "no picograd beside the tests: swift build --build-tests at the repository root")
        let lines = Lines()
        let t0 = seconds()
        let status = try Launcher.run(nproc: 4, command: [picograd, "dist-check", "--die", "2", "--timeout", "30"], log: { lines.all.append($0) })
        let elapsed = seconds() - t0
        #expect(status == 1)
        #expect(lines.all.first?.hasPrefix("rank 2 (pid ") == true && lines.all.first?.contains("exited with status 3") == true, "\(lines.all)")
        #expect(elapsed < 20, "took \(elapsed) s")
        print("launch --nproc 4 dist-check --die 2: \(lines.all) after \(Int(elapsed * 1000)) ms")
    }

    @Test("a barrier that a rank never reaches fails naming it; set, get and add")
    func barrierNamesTheMissingRank() throws {
        let port = Launcher.freePort()
        let server = try TCPStore(host: "127.0.0.1", port: port, isServer: true, timeout: 5)
        let other = try TCPStore(host: "127.0.0.1", port: port, isServer: false, timeout: 5)
        try other.set("x", [1, 2, 3])
        #expect(try server.get("x") == [1, 2, 3])
        #expect(try server.add("n", 2) == 2 && other.add("n", 3) == 5)
        #expect(throws: StoreError("barrier 'b': ranks 1, 2 did not arrive within 1 s (waiting on rank 0)")) {
            try server.barrier("b", rank: 0, worldSize: 3, timeout: 1)
        }
        #expect(throws: StoreError("store get 'never': nobody set it within 1 s")) { try other.get("never", timeout: 1) }
    }

    @Test("environment errors name the variable")
    func environment() {
        #expect(throws: StoreError("WORLD_SIZE is not set (start the ranks with picograd launch --nproc N)")) {
            try RankEnvironment.fromEnvironment { _ in nil }
        }
        #expect(throws: StoreError("RANK=4 is not below WORLD_SIZE=4")) {
            try RankEnvironment.fromEnvironment { ["RANK": "4", "WORLD_SIZE": "4"][$0] }
        }
        let e = try? RankEnvironment.fromEnvironment { ["RANK": "1", "WORLD_SIZE": "2", "MASTER_PORT": "1234"][$0] }
        #expect(e?.rank == 1 && e?.worldSize == 2 && e?.localRank == 1 && e?.masterAddr == "127.0.0.1" && e?.masterPort == 1234)
    }

    @Test("picograd launch: bad flags stop with one line and status 2")
    func badFlags() throws {
        let picograd = try #require(picogradBinary(), "no picograd beside the tests: swift build --build-tests at the repository root")
        for args in [["launch", "--nproc", "0", "--", "true"], ["launch", "--nproc", "2", "true"], ["launch", "--bogus", "--", "true"], ["launch", "--", "true"]] {
            let lines = Lines()
            let status = try Launcher.run(nproc: 1, command: [picograd] + args, log: { lines.all.append($0) })
            #expect(status == 1 && lines.all.first?.contains("exited with status 2") == true, "\(args): \(lines.all)")
        }
    }
}

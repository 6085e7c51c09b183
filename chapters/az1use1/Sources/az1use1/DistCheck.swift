// One rank's rendezvous check (`picograd dist-check`, started by `picograd launch`): connect to
// the store, publish a 64 KiB blob, wait for every rank at a barrier, read every rank's blob and
// check its bytes. With `die` = this rank it exits(3) before the barrier, so the tests see what
// the launcher and the other ranks do about a rank that died.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum DistCheck {
    /// Rank r's blob: 64 KiB that differ from every other rank's.
    static func blob(_ r: Int) -> [UInt8] { (0..<(1 << 16)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ r) } }

    /// Runs the check as the rank the environment names; returns the exit status (0: every
    /// blob read back right; 1: a wrong blob; 2: a store or environment error, printed).
    public static func run(die: Int?, timeout: Double) -> Int32 {
        do {
            let env = try RankEnvironment.fromEnvironment()
            let store = try env.store(timeout: timeout)
            try store.set("blob/\(env.rank)", blob(env.rank))
            if die == env.rank { writeStandardError("rank \(env.rank): dying on purpose\n"); exit(3) }
            try store.barrier("exchanged", rank: env.rank, worldSize: env.worldSize)
            for r in 0..<env.worldSize where try store.get("blob/\(r)") != blob(r) {
                writeStandardError("rank \(env.rank): the blob of rank \(r) is wrong\n")
                return 1
            }
            try store.barrier("read", rank: env.rank, worldSize: env.worldSize)
            print("rank \(env.rank) of \(env.worldSize): read \(env.worldSize) blobs of 64 KiB")
            return 0
        } catch {
            writeStandardError("rank \(getenv("RANK").map { String(cString: $0) } ?? "?"): \(error)\n")
            return 2
        }
    }
}

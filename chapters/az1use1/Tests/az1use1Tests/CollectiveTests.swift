// The collectives of the thread transport: values by hand, the same bits on every rank and
// every run, and the bytes each rank sends.
import Testing
import az1use1
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct Collectives {
    /// A ring all-reduce sends 2(N-1)/N of the tensor per rank, for N = 2, 4, 8.
    @Test(arguments: [2, 4, 8]) func ringAllReduceBytes(_ n: Int) throws {
        let count = 1024
        let bytes = PerRank<Int>(), sums = PerRank<[Float]>()
        try spawn(worldSize: n) { g in
            let s = g.allReduce(Tensor(rankData(g.rank, count), shape: [count]), op: .sum)
            bytes.set(g.rank, g.bytesSent)
            sums.set(g.rank, s.toArray())
        }
        let expected = (0..<count).map { i in (0..<n).reduce(Float(0)) { $0 + rankData($1, count)[i] } }
        let perRank = 2 * (n - 1) * count * 4 / n
        print("ring all-reduce of \(count * 4) bytes on \(n) ranks: each rank sent \(bytes.ordered(n).map { $0 ?? -1 }) bytes (2(N-1)/N = \(Double(perRank) / Double(count * 4)) of the tensor)")
        for r in 0..<n {
            #expect(bytes.ordered(n)[r] == perRank)
            #expect(allClose(sums.ordered(n)[r] ?? [], expected))
            #expect(sums.ordered(n)[r] == sums.ordered(n)[0], "every rank gets the same bits")
        }
    }

    /// Uneven chunks (10 floats on 3 ranks), max and avg; two runs give the same bits.
    @Test func allReduceOpsAreDeterministic() throws {
        func once() throws -> [[Float]?] {
            let out = PerRank<[Float]>()
            try spawn(worldSize: 3) { g in
                let t = Tensor(rankData(g.rank, 10).map { $0 * 0.1 }, shape: [2, 5])
                out.set(g.rank, g.allReduce(t, op: .sum).toArray() + g.allReduce(t, op: .max).toArray() + g.allReduce(t, op: .avg).toArray())
            }
            return out.ordered(3)
        }
        let a = try once(), b = try once()
        #expect(a == b)
        let all = (0..<3).map { rankData($0, 10).map { $0 * 0.1 } }
        let sum = (0..<10).map { i in all.reduce(Float(0)) { $0 + $1[i] } }
        let max = (0..<10).map { i in all.map { $0[i] }.max()! }
        #expect(allClose(a[1] ?? [], sum + max + sum.map { $0 / 3 }))
    }

    /// reduceScatter sends (N-1)/N of the tensor, allGather (N-1) times the local one.
    @Test func reduceScatterAndAllGather() throws {
        let n = 4
        let out = PerRank<([Float], [Float], Int, Int)>()
        try spawn(worldSize: n) { g in
            let t = Tensor(rankData(g.rank, 16), shape: [8, 2])
            let scattered = g.reduceScatter(t, op: .sum).toArray()
            let afterScatter = g.bytesSent
            let gathered = g.allGather(Tensor(rankData(g.rank, 3), shape: [1, 3])).toArray()
            out.set(g.rank, (scattered, gathered, afterScatter, g.bytesSent - afterScatter))
        }
        let all = (0..<n).map { rankData($0, 16) }
        let sum = (0..<16).map { i in all.reduce(Float(0)) { $0 + $1[i] } }
        for (r, result) in out.ordered(n).enumerated() {
            let (scattered, gathered, scatterBytes, gatherBytes) = try #require(result)
            #expect(allClose(scattered, Array(sum[(r * 4)..<(r * 4 + 4)])))
            #expect(gathered == (0..<n).flatMap { rankData($0, 3) })
            #expect(scatterBytes == 16 * 4 * (n - 1) / n)
            #expect(gatherBytes == 3 * 4 * (n - 1))
        }
    }

    /// A tree broadcast from rank 2 of 5 reaches everyone with N-1 messages in all.
    @Test func treeBroadcast() throws {
        let out = PerRank<([Float], Int)>()
        try spawn(worldSize: 5) { g in
            let mine = Tensor(rankData(g.rank, 6), shape: [6])
            out.set(g.rank, (g.broadcast(mine, root: 2).toArray(), g.bytesSent))
        }
        let results = out.ordered(5).compactMap { $0 }
        #expect(results.count == 5)
        #expect(results.allSatisfy { $0.0 == rankData(2, 6) })
        #expect(results.map(\.1).reduce(0, +) == 4 * 6 * 4)
        #expect(results[2].1 > 0, "the root sends")
    }

    /// send/recv in both directions and a barrier between.
    @Test func pointToPointAndBarrier() throws {
        let out = PerRank<[Float]>()
        try spawn(worldSize: 2) { g in
            let other = 1 - g.rank
            g.send(Tensor([Float(g.rank), 10], shape: [2]), to: other)
            g.barrier()
            out.set(g.rank, g.recv(from: other, shape: [2]).toArray())
        }
        #expect(out.ordered(2) == [[1, 10], [0, 10]])
    }

    /// A 2 x 2 x 2 mesh (dp, cp, tp): each sub-group holds the ranks its axis names.
    @Test func meshSubgroups() throws {
        let out = PerRank<[[Float]]>()
        try spawn(worldSize: 8) { g in
            let mesh = DeviceMesh(g, dp: 2, cp: 2, tp: 2)
            let me = Tensor([Float(g.rank)], shape: [1])
            out.set(g.rank, [mesh.dpGroup, mesh.cpGroup, mesh.tpGroup, mesh.ppGroup].map { $0.allGather(me).toArray() })
        }
        let groups = try #require(out.ordered(8)[5])   // rank 5 = dp 1, cp 0, tp 1
        #expect(groups == [[1, 5], [5, 7], [4, 5], [5]])
    }

    /// A rank that throws stops the world: the others stop waiting, spawn names it.
    @Test func aRankThatThrowsDoesNotHangTheOthers() {
        struct Boom: Error {}
        do {
            try spawn(worldSize: 4) { g in
                if g.rank == 2 { throw Boom() }
                _ = g.allReduce(Tensor.ones([8]), op: .sum)
                g.barrier()
            }
            Issue.record("spawn returned although rank 2 threw")
        } catch let e as SpawnError {
            #expect(e.rank == 2)
            #expect(e.description.hasPrefix("spawn: rank 2 failed: Boom()"))
            #expect(e.stopped == [0, 1, 3])
        } catch { Issue.record("unexpected \(error)") }
    }

    /// spawn(transport: .nccl) runs one rank per process: outside `picograd launch` on a GPU
    /// machine it throws, naming what is missing (libnccl, the GPU, or the launcher's WORLD_SIZE).
    @Test func ncclNeedsLibncclAGPUAndTheLauncher() {
        do {
            try spawn(worldSize: 2, transport: .nccl) { _ in }
            Issue.record("spawn(transport: .nccl) returned outside picograd launch")
        } catch let e as SpawnError {
            #expect(e.message.hasPrefix("nccl: ") || e.message.contains("WORLD_SIZE"), "\(e)")
            #expect(["libnccl", "GPU", "WORLD_SIZE"].contains { e.message.contains($0) }, "\(e)")
        } catch { Issue.record("unexpected \(error)") }
    }

    /// Each rank builds with its own default generator (seeded by rank), whatever the others draw.
    @Test func eachRankHasItsOwnGenerator() throws {
        let out = PerRank<[Float]>()
        try spawn(worldSize: 2) { g in
            manualSeed(42)
            if g.rank == 0 { _ = Tensor.randn([100]) }   // rank 0 draws more first
            out.set(g.rank, Tensor.randn([3]).toArray())
        }
        var reference = Generator(seed: 42)
        #expect(out.ordered(2)[1] == Tensor.randn([3], generator: &reference).toArray())
    }
}

@Suite struct CollectiveMisuse {
    /// A collective only rank 0 calls: rank 0 gives up after PICOGRAD_PG_TIMEOUT seconds and
    /// spawn names it, the peer and the group (each exit test is its own process: the
    /// environment variable touches no other test).
    @Test func aCollectiveOnlyOneRankCallsTimesOut() async {
        await #expect(processExitsWith: .success) {
            setenv("PICOGRAD_PG_TIMEOUT", "1", 1)
            do {
                try spawn(worldSize: 2) { g in if g.rank == 0 { _ = g.allReduce(Tensor.ones([4]), op: .sum) } }
            } catch let e as SpawnError {
                exit(e.rank == 0 && e.message.hasPrefix("waited over 1 s for a message from rank 1 in group world") ? 0 : 1)
            } catch {}
            exit(2)
        }
    }

    @Test func reduceScatterOfAnUnevenDim() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            try? spawn(worldSize: 2) { g in _ = g.reduceScatter(Tensor.zeros([3, 2]), op: .sum) }
        }
        let text = String(decoding: r?.standardErrorContent ?? [], as: UTF8.self)
        #expect(text.contains("reduceScatter: dim 0 of shape [3, 2] does not split into 2 equal chunks"))
    }
}

@Suite struct NCCLTransport {
    /// Where libnccl is absent, loading it and spawn(transport: .nccl) fail with a message that
    /// says what is missing (no crash); where it is present, its version is a real one.
    @Test func missingLibraryIsAClearError() throws {
        #expect(throws: NCCLError.self) { try NCCLLibrary.load(names: ["libnccl-that-does-not-exist.so.2"]) }
        do {
            let library = try NCCLLibrary.load()
            #expect(library.version >= 2000, "NCCL \(library.version)")
            #expect(library.errorName(1).contains("ncclResult_t 1"))
        } catch let e as NCCLError {
            #expect(e.description.contains("libnccl.so.2") && e.description.contains("use .threads"), "\(e)")
        }
        do {
            try spawn(worldSize: 1, transport: .nccl) { _ in }
            Issue.record("spawn(transport: .nccl) returned")
        } catch let e as SpawnError {
            #expect(e.message.hasPrefix("nccl: ") || e.message.contains("WORLD_SIZE"), "\(e)")
            print("spawn(transport: .nccl) here: \(e)")
        }
    }

    /// Without a GPU the NCCL group cannot start, whatever the environment says: an exit test
    /// (its own process) sets the launcher's variables for a world of one and gets the error
    /// that names the missing piece (libnccl here, or the GPU where libnccl is installed), not a
    /// crash and not a hang.
    @Test func initProcessGroupNamesWhatIsMissing() async {
        await #expect(processExitsWith: .success) {
            for (k, v) in [("RANK", "0"), ("WORLD_SIZE", "1"), ("LOCAL_RANK", "0"), ("MASTER_ADDR", "127.0.0.1"), ("MASTER_PORT", "\(Launcher.freePort())")] {
                setenv(k, v, 1)
            }
            guard !CUDA.isAvailable else { exit(0) }   // a GPU machine: nothing is missing
            do {
                _ = try initProcessGroup(transport: .nccl)
                exit(1)
            } catch let e as NCCLError {
                exit(e.description.contains("libnccl") || e.description.contains("no CUDA GPU") ? 0 : 1)
            } catch { exit(1) }
        }
    }

    /// The thread transport has no process group of its own: initProcessGroup says to use spawn.
    @Test func initProcessGroupOfThreadsIsAnError() {
        do {
            _ = try initProcessGroup(transport: .threads)
            Issue.record("initProcessGroup(transport: .threads) returned")
        } catch { #expect("\(error)".contains("spawn(worldSize:)"), "\(error)") }
    }
}

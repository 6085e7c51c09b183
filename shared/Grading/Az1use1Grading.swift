// Grading for chapter 5 (az1use1), part 1. No PyTorch references: every check compares a
// parallel run (thread ranks, `spawn`) with its single-rank twin computed here, from the same
// weights and inputs, or with sums written out by hand:
//   the ring all-reduce: the elementwise sum / max / average of every rank's tensor, the same
//     bits on every rank, and 2(N-1)/N of the tensor sent per rank;
//   the bucket hook: data-parallel gradients equal the whole batch's, every bucket reduced,
//     the first all-reduce started while backward still had gradients to produce;
//   the row-parallel backward: RowParallelLinear equals Linear, forward and gradients;
//   the vocab-parallel cross entropy: equals crossEntropy on the whole logits, loss and gradient;
//   the loss match: 10 AdamW steps of a small llama at dp2, tp2, dp2 x tp2 and dp2 + ZeRO-1
//     equal one rank's run on the same global batch (relative 1e-4).
//
// Under NCCL (`picograd launch --nproc N -- grade az1use1 --transport nccl`) this process is one
// rank of a world of N on its GPU, and each check runs at that world size: the collective checks
// at N (their sums worked out for any N; at N = 1 each rank's result is its own tensor), the
// layer and loss-match checks at N where their shapes split N ways (the loss match at one rank:
// dp1 and dp1 + ZeRO-1, every collective of the step on a world of one). A check that needs
// another size is skipped, saying which it needs; never passed.
import picograd
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How `grade --transport` picks the ranks the az1use1 cases run on.
public enum GradingTransport {
    /// What `grade` needs to run its case children as NCCL ranks.
    public struct NCCLRun: Sendable {
        /// The GPU of this rank, "cuda:LOCAL_RANK".
        public let device: String
        /// MASTER_PORT as the launcher set it: case k's ranks meet at MASTER_PORT + 1 + k (each
        /// case is a process of its own on every rank, with its own store).
        public let masterPort: Int
        /// One line for the log: NCCL's version, this rank and the world.
        public let summary: String
    }

    /// Checks `name` ("threads" or "nccl"). For nccl (which needs `picograd launch`'s
    /// variables and libnccl) tells this process's case children to run as NCCL ranks
    /// (PICOGRAD_GRADE_TRANSPORT=nccl) and says how; nil for threads. Throws in words.
    public static func configure(_ name: String) throws -> NCCLRun? {
        switch name {
        case "threads": return nil
        case "nccl":
            let env = try RankEnvironment.fromEnvironment()
            let library = try NCCLLibrary.shared()
            setenv("PICOGRAD_GRADE_TRANSPORT", "nccl", 1)
            return NCCLRun(device: "cuda:\(env.localRank)", masterPort: env.masterPort,
                           summary: "NCCL \(library.versionName) (ncclGetVersion \(library.version)); this process is rank \(env.rank) of \(env.worldSize) on cuda:\(env.localRank); NCCL_NVLS_ENABLE=\(environment("NCCL_NVLS_ENABLE") ?? "unset")")
        default: throw GradingFailure("--transport must be threads or nccl, got '\(name)'")
        }
    }
}

enum Az1use1Grading {
    static let cases: [GradingCase] = [
        GradingCase(chapter: "az1use1", name: "ring_allreduce", todos: ["az1use1.1"]) { _ in
            for n in try worlds([4], "the all-reduce") { try checkRingAllReduce(n) }
        },
        GradingCase(chapter: "az1use1", name: "reduce_scatter_all_gather", todos: ["az1use1.1"]) { _ in
            for n in try worlds([3], "reduce-scatter and all-gather") { try checkScatterGather(n) }
        },
        GradingCase(chapter: "az1use1", name: "broadcast_point_to_point_subgroups", todos: ["az1use1.1"]) { _ in
            for n in try worlds([4], "broadcast, send/recv and sub-groups") { try checkPointToPoint(n) }
        },
        GradingCase(chapter: "az1use1", name: "bucketed_data_parallel", todos: ["az1use1.1", "az1use1.2"]) { _ in
            for n in try worlds([2], "a batch of 4 rows", fits: { 4 % $0 == 0 }) { try checkBuckets(n) }
        },
        GradingCase(chapter: "az1use1", name: "row_parallel_linear", todos: ["az1use1.1", "az1use1.3"]) { _ in
            for n in try worlds([2], "8 input features", fits: { 8 % $0 == 0 }) { try checkRowParallel(n) }
        },
        GradingCase(chapter: "az1use1", name: "vocab_parallel_cross_entropy", todos: ["az1use1.1", "az1use1.4"]) { _ in
            for n in try worlds([2], "24 logits", fits: { 24 % $0 == 0 }) { try checkVocabCrossEntropy(n) }
        },
        GradingCase(chapter: "az1use1", name: "loss_match", todos: ["az1use1.1", "az1use1.2", "az1use1.3", "az1use1.4"], timeout: 60) { _ in
            try checkLossMatch()
        },
    ] + partTwoCases + (transport == .nccl ? [   // under grade --transport nccl only (a skip anywhere else)
        GradingCase(chapter: "az1use1", name: "nccl_errors_by_name", todos: []) { _ in try checkNCCLErrors() },
    ] : [])

    /// The transport the cases run on: thread ranks (the default, and the Swift Testing suites'),
    /// or NCCL under `grade --transport nccl`, which sets PICOGRAD_GRADE_TRANSPORT for its cases.
    static var transport: Transport { environment("PICOGRAD_GRADE_TRANSPORT") == "nccl" ? .nccl : .threads }
    /// Under NCCL, the launch's number of ranks (picograd launch sets WORLD_SIZE).
    static var launchSize: Int { environment("WORLD_SIZE").flatMap(Int.init) ?? 1 }

    /// The world sizes a check runs at: `threads` on thread ranks; under NCCL the launch's size,
    /// when `what` splits over it (else the case is skipped, saying why).
    static func worlds(_ threads: [Int], _ what: String, fits: (Int) -> Bool = { _ in true }) throws -> [Int] {
        guard transport == .nccl else { return threads }
        guard fits(launchSize) else {
            throw GradingSkip("\(what) does not split over this launch's \(launchSize) ranks (NCCL); it runs at world size \(threads.map(String.init).joined(separator: " and ")) on threads")
        }
        return [launchSize]
    }

    /// Values per rank, filled by the rank threads (under NCCL by this process's one rank).
    final class PerRank<T: Sendable>: Sendable {
        let values: Mutex<[Int: T]> = Mutex([:])
        func set(_ rank: Int, _ value: T) { values.withLock { $0[rank] = value } }
        func ordered(_ n: Int) throws -> [T] {
            try values.withLock { v in
                try (0..<n).map { r in
                    guard let x = v[r] else { throw GradingFailure("rank \(r) left no result") }
                    return x
                }
            }
        }
        /// The ranks' values of a world of n, in rank order: every rank's on threads; under NCCL
        /// this process's own (each process checks its rank; the others check theirs).
        func entries(_ n: Int) throws -> [(rank: Int, value: T)] {
            guard transport == .nccl else { return try ordered(n).enumerated().map { ($0.offset, $0.element) } }
            let mine = values.withLock { $0 }
            guard mine.count == 1, let (r, x) = mine.first, r < n else {
                throw GradingFailure("under NCCL this process should leave one result, its rank's; it left ranks \(mine.keys.sorted())")
            }
            return [(r, x)]
        }
    }

    /// Runs `body` on `n` thread ranks (under NCCL: as this process's rank of a launch of `n`);
    /// a rank's failure is a grading failure.
    static func run(_ n: Int, _ body: @escaping @Sendable (ProcessGroup) throws -> Void) throws {
        do { try spawn(worldSize: n, transport: transport, body) } catch let e as SpawnError { throw GradingFailure("\(e)") }
    }

    /// Values of `what` against `expected`, with the course's fp32 tolerances.
    static func close(_ what: String, _ got: [Float], _ expected: [Float], rtol: Double = 1e-4, atol: Double = 1e-5) throws {
        try Compare.scalars(what, got.map(Double.init), expected.map(Double.init), rtol: rtol, atol: atol)
    }

    /// Rank r's tensor for the collective checks: distinct values per rank and element.
    static func rankData(_ r: Int, _ count: Int) -> [Float] {
        (0..<count).map { i in Float((r * 7 + i * 3) % 11) - 5 + Float(r) * 0.25 }
    }

    /// The ring all-reduce on n ranks (4 on threads): sum, max and average, by hand; every rank
    /// the same bits; each rank sent 2(N-1)/N of the tensor (its bytes counted by the group).
    static func checkRingAllReduce(_ n: Int) throws {
        let count = 24
        let out = PerRank<[[Float]]>(), bytes = PerRank<Int>(), others = PerRank<[[Float]]>()
        try run(n) { g in
            let t = Tensor(rankData(g.rank, count), shape: [4, 6])
            let sums = g.allReduce(t, op: .sum)
            bytes.set(g.rank, g.bytesSent)
            out.set(g.rank, [sums.toArray(), g.allReduce(t, op: .max).toArray(), g.allReduce(t, op: .avg).toArray()])
            if transport == .nccl {   // one process per rank: the other ranks' sums come by an all-gather
                let every = g.allGather(sums.reshape([1, count])).toArray()
                others.set(g.rank, (0..<g.worldSize).map { Array(every[($0 * count)..<(($0 + 1) * count)]) })
            }
        }
        for (r, sums) in transport == .nccl ? try others.entries(n) : [] {
            for (q, theirs) in sums.enumerated() where theirs != sums[r] {
                throw GradingFailure("allReduce: rank \(q)'s sum differs from rank \(r)'s (every rank must get the same bits)")
            }
        }
        let results = try out.entries(n)
        let all = (0..<n).map { rankData($0, count) }
        let sum = (0..<count).map { i in all.reduce(0) { $0 + $1[i] } }
        let max = (0..<count).map { i in all.map { $0[i] }.max()! }
        for (r, result) in results {
            try close("allReduce sum on rank \(r)", result[0], sum)
            try close("allReduce max on rank \(r)", result[1], max)
            try close("allReduce avg on rank \(r)", result[2], sum.map { $0 / Float(n) })
            guard result == results[0].value else { throw GradingFailure("allReduce: rank \(r)'s result differs from rank \(results[0].rank)'s (every rank must get the same bits)") }
        }
        let expected = 2 * (n - 1) * count / n * 4
        for (r, b) in try bytes.entries(n) where b != expected {
            throw GradingFailure("allReduce of \(count) floats on \(n) ranks: rank \(r) sent \(b) bytes, a ring sends 2(N-1)/N of the tensor: \(expected)")
        }
    }

    /// reduceScatter keeps chunk r of the sum on rank r; allGather joins every rank's tensor
    /// (n ranks, 3 on threads, each with 2n rows of 2).
    static func checkScatterGather(_ n: Int) throws {
        let count = 4 * n
        let out = PerRank<([Float], [Float])>()
        try run(n) { g in
            let t = Tensor(rankData(g.rank, count), shape: [2 * n, 2])
            out.set(g.rank, (g.reduceScatter(t, op: .sum).toArray(), g.allGather(t).toArray()))
        }
        let all = (0..<n).map { rankData($0, count) }
        let sum = (0..<count).map { i in all.reduce(0) { $0 + $1[i] } }
        for (r, (scattered, gathered)) in try out.entries(n) {
            try close("reduceScatter on rank \(r)", scattered, Array(sum[(r * 4)..<((r + 1) * 4)]))
            try close("allGather on rank \(r)", gathered, all.flatMap { $0 })
        }
    }

    /// The other collectives on n ranks (4 on threads): broadcast from every root is the root's
    /// tensor; a ring of sends (each rank to the next, before it receives) delivers the previous
    /// rank's tensor; a send to itself comes back; after a barrier, sub-groups: all ranks in
    /// reverse order (rank n-1-r, the world's sum) and the ranks of r's parity (rank r/2, their max).
    static func checkPointToPoint(_ n: Int) throws {
        let shape = [2, 3], count = 6
        let out = PerRank<[[Float]]>()
        try run(n) { g in
            let (r, w) = (g.rank, g.worldSize)
            let mine = Tensor(rankData(r, count), shape: shape)
            var got = (0..<w).map { root in g.broadcast(mine, root: root).toArray() }
            g.send(mine, to: (r + 1) % w)
            got.append(g.recv(from: (r + w - 1) % w, shape: shape).toArray())
            g.send(mine * 2, to: r)
            got.append(g.recv(from: r, shape: shape).toArray())
            g.barrier()
            let reversed = g.subgroup(Array((0..<w).reversed()), name: "reversed")
            got.append([Float(reversed.rank), Float(reversed.worldSize)])
            got.append(reversed.allReduce(mine, op: .sum).toArray())
            let parity = g.subgroup(Array(stride(from: r % 2, to: w, by: 2)), name: "parity")
            got.append([Float(parity.rank), Float(parity.worldSize)])
            got.append(parity.allReduce(mine, op: .max).toArray())
            out.set(r, got)
        }
        let all = (0..<n).map { rankData($0, count) }
        let sum = (0..<count).map { i in all.reduce(0) { $0 + $1[i] } }
        for (r, got) in try out.entries(n) {
            for root in 0..<n { try close("broadcast from rank \(root) on rank \(r)", got[root], all[root]) }
            try close("rank \(r)'s recv from rank \((r + n - 1) % n) (its send to the next rank)", got[n], all[(r + n - 1) % n])
            try close("rank \(r)'s recv of its send to itself (twice its tensor)", got[n + 1], all[r].map { 2 * $0 })
            try close("rank \(r)'s rank and size in the reversed sub-group", got[n + 2], [Float(n - 1 - r), Float(n)])
            try close("allReduce sum in the reversed sub-group on rank \(r)", got[n + 3], sum)
            let same = Array(stride(from: r % 2, to: n, by: 2))
            try close("rank \(r)'s rank and size in its parity sub-group \(same)", got[n + 4], [Float(r / 2), Float(same.count)])
            try close("allReduce max in the parity sub-group \(same) on rank \(r)", got[n + 5],
                      (0..<count).map { i in same.map { all[$0][i] }.max()! })
        }
    }

    /// Under NCCL: NCCL's own errors come back by name. A broadcast from a root outside the
    /// group (the throwing form, without the group's own check of the root) is NCCL's
    /// ncclInvalidArgument (4 in nccl.h), named by ncclGetErrorString.
    static func checkNCCLErrors() throws {
        guard transport == .nccl else { throw GradingSkip("NCCL's error names: runs under grade --transport nccl (picograd launch) only") }
        let library = try NCCLLibrary.shared()
        let messages = PerRank<String>()
        try run(launchSize) { g in
            guard let group = g as? NCCLProcessGroup else { throw GradingFailure("under NCCL the group is a \(type(of: g))") }
            let root = g.worldSize + 2
            do {
                _ = try group.tryBroadcast(Tensor.ones([4]), root: root)
                messages.set(g.rank, "ncclBroadcast from root \(root) of a group of \(g.worldSize) did not fail")
            } catch let e as NCCLError {
                messages.set(g.rank, e.description)
            }
        }
        for (r, message) in try messages.entries(launchSize) {
            let want = "nccl: ncclBroadcast(4 floats from rank \(launchSize + 2)) failed: \(library.errorName(4))"
            guard message.hasPrefix(want) else { throw GradingFailure("rank \(r): \(message); expected it to start with: \(want)") }
            print("rank \(r): \(message)")
        }
    }

    /// A tiny llama for the data-parallel and loss-match checks.
    static let llama = LlamaConfig(dim: 16, nLayers: 2, nHeads: 4, nKVHeads: 2, hiddenDim: 32, vocabSize: 32, maxSeqLen: 8)

    /// A fresh llama's weights (seeded), as a Sendable state dict of copies.
    static func llamaWeights(seed: UInt64) -> [String: Tensor] {
        withDefaultGenerator(Generator(seed: seed)) {
            Llama(config: llama).stateDict().mapValues { Tensor($0.toArray(), shape: $0.shape) }
        }
    }

    /// `count` token ids below the vocabulary size.
    static func tokens(_ count: Int, seed: UInt64) -> [Int] {
        var g = Generator(seed: seed)
        return (0..<count).map { _ in Int(g.next() % UInt64(llama.vocabSize)) }
    }

    /// dp n (2 on threads) with small buckets: every gradient equals the whole batch's (one
    /// rank, every part), every bucket was reduced once, and the first all-reduce started
    /// before the last gradient was ready (inside backward).
    static func checkBuckets(_ n: Int) throws {
        let weights = llamaWeights(seed: 5)
        let (b, t) = (4, 8)
        let ids = tokens(b * t, seed: 6), targets = tokens(b * t, seed: 7)
        let single = Llama(config: llama)
        try single.loadStateDict(weights)
        languageModelLoss(single(ids, shape: [b, t]), targets: targets).backward()
        let expected = single.namedParameters().map { $0.1.grad!.toArray() }
        let out = PerRank<([[Float]], [DataParallelEvent], Int)>()
        try run(n) { g in
            let model = Llama(config: llama)
            try model.loadStateDict(weights)
            let dp = DataParallel(model, group: g, bucketBytes: 2048, recordsEvents: true)
            let rows = (g.rank * b / n * t)..<((g.rank + 1) * b / n * t)
            languageModelLoss(model(Array(ids[rows]), shape: [b / n, t]), targets: Array(targets[rows])).backward()
            dp.finishGradientSync()
            out.set(g.rank, (model.parameters().map { $0.grad?.toArray() ?? [] }, dp.events, dp.buckets.count))
        }
        let names = single.namedParameters().map(\.0)
        for (r, (grads, events, buckets)) in try out.entries(n) {
            for (i, grad) in grads.enumerated() {
                try close("rank \(r)'s gradient of \(names[i])", grad, expected[i], rtol: 1e-3, atol: 1e-4)
            }
            let started = events.compactMap { if case .allReduceStarted(let k) = $0 { k } else { nil } }
            guard started.sorted() == Array(0..<buckets) else {
                throw GradingFailure("rank \(r): buckets reduced \(started), expected each of 0..<\(buckets) once")
            }
            guard buckets > 2, let first = events.firstIndex(where: { if case .allReduceStarted = $0 { true } else { false } }),
                  let lastReady = events.lastIndex(where: { if case .gradientReady = $0 { true } else { false } }), first < lastReady else {
                throw GradingFailure("rank \(r): no all-reduce started before backward's last gradient (events: \(events))")
            }
        }
    }

    /// RowParallelLinear (n ranks, 2 on threads) against Linear from the same weights: y, dx, dW, db.
    static func checkRowParallel(_ n: Int) throws {
        let full = withDefaultGenerator(Generator(seed: 8)) { Linear(8, 5) }
        let weights = full.stateDict().mapValues { Tensor($0.toArray(), shape: $0.shape) }
        var gen = Generator(seed: 9)
        let xData = Tensor.randn([2, 3, 8], generator: &gen).toArray(), gyData = Tensor.randn([2, 3, 5], generator: &gen).toArray()
        let x = Tensor(xData, shape: [2, 3, 8], requiresGrad: true)
        let y = full(x)
        y.backward(Tensor(gyData, shape: [2, 3, 5]))
        let (wantY, wantDx, wantDw, wantDb) = (y.toArray(), x.grad!, full.weight.grad!, full.bias!.grad!.toArray())
        let out = PerRank<[[Float]]>()
        try run(n) { g in
            let layer = RowParallelLinear(8, 5, group: g)
            try loadShardedStateDict(layer, from: weights)
            let xr = parameter(shard(Tensor(xData, shape: [2, 3, 8]), dim: 2, rank: g.rank, parts: n))
            let yr = layer(xr)
            yr.backward(Tensor(gyData, shape: [2, 3, 5]))
            out.set(g.rank, [yr.toArray(), xr.grad?.toArray() ?? [], layer.weight.grad?.toArray() ?? [], layer.bias?.grad?.toArray() ?? []])
        }
        for (r, got) in try out.entries(n) {
            try close("row-parallel forward on rank \(r)", got[0], wantY)
            try close("row-parallel dx (its input features) on rank \(r)", got[1], shard(wantDx, dim: 2, rank: r, parts: n).toArray(), rtol: 1e-3, atol: 1e-4)
            try close("row-parallel dW (its columns) on rank \(r)", got[2], shard(wantDw, dim: 1, rank: r, parts: n).toArray(), rtol: 1e-3, atol: 1e-4)
            try close("row-parallel db on rank \(r)", got[3], wantDb, rtol: 1e-3, atol: 1e-4)
        }
    }

    /// vocabParallelCrossEntropy (n ranks, 2 on threads: 12 logits each) against crossEntropy on all 24.
    static func checkVocabCrossEntropy(_ n: Int) throws {
        var gen = Generator(seed: 10)
        let rows = 5, vocab = 24
        let data = (Tensor.randn([rows, vocab], generator: &gen) * 3).toArray()
        let targets = [0, 23, 11, 12, 7]   // both halves, and their edges
        let logits = Tensor(data, shape: [rows, vocab], requiresGrad: true)
        let loss = crossEntropy(logits, targets: targets)
        loss.backward()
        let (wantLoss, wantGrad) = (loss.item(), logits.grad!)
        let out = PerRank<(Float, [Float])>()
        try run(n) { g in
            let mine = parameter(shard(Tensor(data, shape: [rows, vocab]), dim: 1, rank: g.rank, parts: n))
            let l = vocabParallelCrossEntropy(mine, targets: targets, group: g)
            l.backward()
            out.set(g.rank, (l.item(), mine.grad?.toArray() ?? []))
        }
        for (r, (l, grad)) in try out.entries(n) {
            try close("vocab-parallel loss on rank \(r)", [l], [wantLoss])
            try close("vocab-parallel gradient of rank \(r)'s logits", grad, shard(wantGrad, dim: 1, rank: r, parts: n).toArray(), rtol: 1e-3, atol: 1e-4)
        }
    }
}

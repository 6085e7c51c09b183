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
import picograd
import Synchronization

enum Az1use1Grading {
    static let cases: [GradingCase] = [
        GradingCase(chapter: "az1use1", name: "ring_allreduce", todos: ["az1use1.1"]) { _ in try checkRingAllReduce() },
        GradingCase(chapter: "az1use1", name: "reduce_scatter_all_gather", todos: ["az1use1.1"]) { _ in try checkScatterGather() },
        GradingCase(chapter: "az1use1", name: "bucketed_data_parallel", todos: ["az1use1.1", "az1use1.2"]) { _ in try checkBuckets() },
        GradingCase(chapter: "az1use1", name: "row_parallel_linear", todos: ["az1use1.1", "az1use1.3"]) { _ in try checkRowParallel() },
        GradingCase(chapter: "az1use1", name: "vocab_parallel_cross_entropy", todos: ["az1use1.1", "az1use1.4"]) { _ in try checkVocabCrossEntropy() },
        GradingCase(chapter: "az1use1", name: "loss_match", todos: ["az1use1.1", "az1use1.2", "az1use1.3", "az1use1.4"], timeout: 60) { _ in
            try checkLossMatch()
        },
    ] + partTwoCases

    /// Values per rank, filled by the rank threads.
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
    }

    /// Runs `body` on `n` thread ranks; a rank's failure is a grading failure.
    static func run(_ n: Int, _ body: @escaping @Sendable (ProcessGroup) throws -> Void) throws {
        do { try spawn(worldSize: n, body) } catch let e as SpawnError { throw GradingFailure("\(e)") }
    }

    /// Values of `what` against `expected`, with the course's fp32 tolerances.
    static func close(_ what: String, _ got: [Float], _ expected: [Float], rtol: Double = 1e-4, atol: Double = 1e-5) throws {
        try Compare.scalars(what, got.map(Double.init), expected.map(Double.init), rtol: rtol, atol: atol)
    }

    /// Rank r's tensor for the collective checks: distinct values per rank and element.
    static func rankData(_ r: Int, _ count: Int) -> [Float] {
        (0..<count).map { i in Float((r * 7 + i * 3) % 11) - 5 + Float(r) * 0.25 }
    }

    /// The ring all-reduce on 4 ranks: sum, max and average, by hand; every rank the same
    /// bits; each rank sent 2(N-1)/N of the tensor (its bytes counted by the group).
    static func checkRingAllReduce() throws {
        let n = 4, count = 24
        let out = PerRank<[[Float]]>(), bytes = PerRank<Int>()
        try run(n) { g in
            let t = Tensor(rankData(g.rank, count), shape: [4, 6])
            let sums = g.allReduce(t, op: .sum)
            bytes.set(g.rank, g.bytesSent)
            out.set(g.rank, [sums.toArray(), g.allReduce(t, op: .max).toArray(), g.allReduce(t, op: .avg).toArray()])
        }
        let results = try out.ordered(n)
        let all = (0..<n).map { rankData($0, count) }
        let sum = (0..<count).map { i in all.reduce(0) { $0 + $1[i] } }
        let max = (0..<count).map { i in all.map { $0[i] }.max()! }
        for (r, result) in results.enumerated() {
            try close("allReduce sum on rank \(r)", result[0], sum)
            try close("allReduce max on rank \(r)", result[1], max)
            try close("allReduce avg on rank \(r)", result[2], sum.map { $0 / Float(n) })
            guard result == results[0] else { throw GradingFailure("allReduce: rank \(r)'s result differs from rank 0's (every rank must get the same bits)") }
        }
        let expected = 2 * (n - 1) * count / n * 4
        for (r, b) in try bytes.ordered(n).enumerated() where b != expected {
            throw GradingFailure("allReduce of \(count) floats on \(n) ranks: rank \(r) sent \(b) bytes, a ring sends 2(N-1)/N of the tensor: \(expected)")
        }
    }

    /// reduceScatter keeps chunk r of the sum on rank r; allGather joins every rank's tensor.
    static func checkScatterGather() throws {
        let n = 3, count = 12
        let out = PerRank<([Float], [Float])>()
        try run(n) { g in
            let t = Tensor(rankData(g.rank, count), shape: [6, 2])
            out.set(g.rank, (g.reduceScatter(t, op: .sum).toArray(), g.allGather(t).toArray()))
        }
        let all = (0..<n).map { rankData($0, count) }
        let sum = (0..<count).map { i in all.reduce(0) { $0 + $1[i] } }
        for (r, (scattered, gathered)) in try out.ordered(n).enumerated() {
            try close("reduceScatter on rank \(r)", scattered, Array(sum[(r * 4)..<((r + 1) * 4)]))
            try close("allGather on rank \(r)", gathered, all.flatMap { $0 })
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

    /// dp2 with small buckets: every gradient equals the whole batch's (one rank, both halves),
    /// every bucket was reduced once, and the first all-reduce started before the last gradient
    /// was ready (inside backward).
    static func checkBuckets() throws {
        let weights = llamaWeights(seed: 5)
        let (b, t) = (4, 8)
        let ids = tokens(b * t, seed: 6), targets = tokens(b * t, seed: 7)
        let single = Llama(config: llama)
        try single.loadStateDict(weights)
        languageModelLoss(single(ids, shape: [b, t]), targets: targets).backward()
        let expected = single.namedParameters().map { $0.1.grad!.toArray() }
        let out = PerRank<([[Float]], [DataParallelEvent], Int)>()
        try run(2) { g in
            let model = Llama(config: llama)
            try model.loadStateDict(weights)
            let dp = DataParallel(model, group: g, bucketBytes: 2048, recordsEvents: true)
            let rows = (g.rank * b / 2 * t)..<((g.rank + 1) * b / 2 * t)
            languageModelLoss(model(Array(ids[rows]), shape: [b / 2, t]), targets: Array(targets[rows])).backward()
            dp.finishGradientSync()
            out.set(g.rank, (model.parameters().map { $0.grad?.toArray() ?? [] }, dp.events, dp.buckets.count))
        }
        let names = single.namedParameters().map(\.0)
        for (r, (grads, events, buckets)) in try out.ordered(2).enumerated() {
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

    /// RowParallelLinear (2 ranks) against Linear from the same weights: y, dx, dW, db.
    static func checkRowParallel() throws {
        let full = withDefaultGenerator(Generator(seed: 8)) { Linear(8, 5) }
        let weights = full.stateDict().mapValues { Tensor($0.toArray(), shape: $0.shape) }
        var gen = Generator(seed: 9)
        let xData = Tensor.randn([2, 3, 8], generator: &gen).toArray(), gyData = Tensor.randn([2, 3, 5], generator: &gen).toArray()
        let x = Tensor(xData, shape: [2, 3, 8], requiresGrad: true)
        let y = full(x)
        y.backward(Tensor(gyData, shape: [2, 3, 5]))
        let (wantY, wantDx, wantDw, wantDb) = (y.toArray(), x.grad!, full.weight.grad!, full.bias!.grad!.toArray())
        let out = PerRank<[[Float]]>()
        try run(2) { g in
            let layer = RowParallelLinear(8, 5, group: g)
            try loadShardedStateDict(layer, from: weights)
            let xr = parameter(shard(Tensor(xData, shape: [2, 3, 8]), dim: 2, rank: g.rank, parts: 2))
            let yr = layer(xr)
            yr.backward(Tensor(gyData, shape: [2, 3, 5]))
            out.set(g.rank, [yr.toArray(), xr.grad?.toArray() ?? [], layer.weight.grad?.toArray() ?? [], layer.bias?.grad?.toArray() ?? []])
        }
        for (r, got) in try out.ordered(2).enumerated() {
            try close("row-parallel forward on rank \(r)", got[0], wantY)
            try close("row-parallel dx (its input features) on rank \(r)", got[1], shard(wantDx, dim: 2, rank: r, parts: 2).toArray(), rtol: 1e-3, atol: 1e-4)
            try close("row-parallel dW (its columns) on rank \(r)", got[2], shard(wantDw, dim: 1, rank: r, parts: 2).toArray(), rtol: 1e-3, atol: 1e-4)
            try close("row-parallel db on rank \(r)", got[3], wantDb, rtol: 1e-3, atol: 1e-4)
        }
    }

    /// vocabParallelCrossEntropy (2 ranks, 12 logits each) against crossEntropy on all 24.
    static func checkVocabCrossEntropy() throws {
        var gen = Generator(seed: 10)
        let rows = 5, vocab = 24
        let data = (Tensor.randn([rows, vocab], generator: &gen) * 3).toArray()
        let targets = [0, 23, 11, 12, 7]   // both halves, and their edges
        let logits = Tensor(data, shape: [rows, vocab], requiresGrad: true)
        let loss = crossEntropy(logits, targets: targets)
        loss.backward()
        let (wantLoss, wantGrad) = (loss.item(), logits.grad!)
        let out = PerRank<(Float, [Float])>()
        try run(2) { g in
            let mine = parameter(shard(Tensor(data, shape: [rows, vocab]), dim: 1, rank: g.rank, parts: 2))
            let l = vocabParallelCrossEntropy(mine, targets: targets, group: g)
            l.backward()
            out.set(g.rank, (l.item(), mine.grad?.toArray() ?? []))
        }
        for (r, (l, grad)) in try out.ordered(2).enumerated() {
            try close("vocab-parallel loss on rank \(r)", [l], [wantLoss])
            try close("vocab-parallel gradient of rank \(r)'s logits", grad, shard(wantGrad, dim: 1, rank: r, parts: 2).toArray(), rtol: 1e-3, atol: 1e-4)
        }
    }
}

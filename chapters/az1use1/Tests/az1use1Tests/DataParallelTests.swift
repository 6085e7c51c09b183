// Data parallelism: bucketed all-reduce from the grad hooks, no-sync accumulation, ZeRO-1.
import Testing
import az1use1

let tinyLlama = LlamaConfig(dim: 16, nLayers: 2, nHeads: 4, nKVHeads: 2, hiddenDim: 32, vocabSize: 32, maxSeqLen: 8)

func tokens(_ count: Int, seed: UInt64) -> [Int] {
    var g = Generator(seed: seed)
    return (0..<count).map { _ in Int(g.next() % 32) }
}

func llamaWeights(seed: UInt64) -> [String: Tensor] {
    withDefaultGenerator(Generator(seed: seed)) { copied(Llama(config: tinyLlama).stateDict()) }
}

/// One rank's gradients for the whole batch [4, 8].
func wholeBatchGradients(_ weights: [String: Tensor], ids: [Int], targets: [Int]) throws -> [[Float]] {
    let model = Llama(config: tinyLlama)
    try model.loadStateDict(weights)
    languageModelLoss(model(ids, shape: [4, 8]), targets: targets).backward()
    return model.parameters().map { $0.grad!.toArray() }
}

@Suite struct DataParallelism {
    /// The first bucket's all-reduce starts while backward still has gradients to produce,
    /// every bucket is reduced once, and the averaged gradients are the whole batch's.
    @Test func bucketsStartDuringBackward() throws {
        let weights = llamaWeights(seed: 1), ids = tokens(32, seed: 2), targets = tokens(32, seed: 3)
        let expected = try wholeBatchGradients(weights, ids: ids, targets: targets)
        let out = PerRank<([[Float]], [DataParallelEvent], Int)>()
        try spawn(worldSize: 2) { g in
            let model = Llama(config: tinyLlama)
            try model.loadStateDict(weights)
            let dp = DataParallel(model, group: g, bucketBytes: 1024, recordsEvents: true)
            let mine = (g.rank * 16)..<(g.rank * 16 + 16)
            languageModelLoss(model(Array(ids[mine]), shape: [2, 8]), targets: Array(targets[mine])).backward()
            let events = dp.events   // what happened inside backward
            dp.finishGradientSync()
            out.set(g.rank, (model.parameters().map { $0.grad!.toArray() }, events, dp.buckets.count))
        }
        for result in out.ordered(2) {
            let (grads, events, buckets) = try #require(result)
            for (got, want) in zip(grads, expected) { #expect(allClose(got, want, rtol: 1e-3, atol: 1e-4)) }
            let firstStart = try #require(events.firstIndex { if case .allReduceStarted = $0 { true } else { false } })
            let lastReady = try #require(events.lastIndex { if case .gradientReady = $0 { true } else { false } })
            #expect(firstStart < lastReady, "an all-reduce started before backward's last gradient")
            #expect(events.filter { if case .allReduceFinished = $0 { true } else { false } }.count == buckets)
            #expect(buckets > 3)
            print("dp2 bucket events: first all-reduce at event \(firstStart), last gradient at \(lastReady) of \(events.count) (\(buckets) buckets)")
        }
    }

    /// Two micro-batches per rank, the first under noSync: the sum reduced once equals the whole batch.
    @Test func noSyncAccumulates() throws {
        let weights = llamaWeights(seed: 4), ids = tokens(32, seed: 5), targets = tokens(32, seed: 6)
        let expected = try wholeBatchGradients(weights, ids: ids, targets: targets)
        let out = PerRank<([[Float]], Int)>()
        try spawn(worldSize: 2) { g in
            let model = Llama(config: tinyLlama)
            try model.loadStateDict(weights)
            let dp = DataParallel(model, group: g, bucketBytes: 4096)
            func micro(_ k: Int) {   // rank r's rows 2r + k: one sequence of 8
                let rows = ((2 * g.rank + k) * 8)..<((2 * g.rank + k) * 8 + 8)
                (languageModelLoss(model(Array(ids[rows]), shape: [1, 8]), targets: Array(targets[rows])) / 2).backward()
            }
            dp.noSync { micro(0) }
            let quiet = g.bytesSent
            micro(1)
            dp.finishGradientSync()
            out.set(g.rank, (model.parameters().map { $0.grad!.toArray() }, quiet))
        }
        for result in out.ordered(2) {
            let (grads, bytesDuringNoSync) = try #require(result)
            #expect(bytesDuringNoSync == 0)
            for (got, want) in zip(grads, expected) { #expect(allClose(got, want, rtol: 1e-3, atol: 1e-4)) }
        }
    }

    /// ZeRO-1 on N = 2 and 4 ranks: optimizer state bytes per rank are 1/N of AdamW's (plus
    /// padding and one step count), and the parameters after 3 steps equal AdamW's.
    @Test(arguments: [2, 4]) func zeroShardsTheOptimizerState(_ n: Int) throws {
        let weights = llamaWeights(seed: 7)
        let model = Llama(config: tinyLlama)
        try model.loadStateDict(weights)
        let adam = AdamW(model.parameters(), lr: 1e-2)
        let batches = (0..<3).map { k in (tokens(32, seed: 10 + UInt64(k)), tokens(32, seed: 20 + UInt64(k))) }
        for (ids, targets) in batches {
            languageModelLoss(model(ids, shape: [4, 8]), targets: targets).backward()
            adam.step()
            adam.zeroGrad()
        }
        let fullBytes = stateBytes(adam.stateDict()), total = model.parameterCount
        let expectedParams = model.parameters().map { $0.toArray() }
        let out = PerRank<(Int, [[Float]])>()
        try spawn(worldSize: n) { g in
            let replica = Llama(config: tinyLlama)
            try replica.loadStateDict(weights)
            let dp = DataParallel(replica, group: g)
            let zero = ZeroRedundancyAdamW(replica.parameters(), group: g, lr: 1e-2)
            let rows = 4 / n
            for (ids, targets) in batches {
                let mine = (g.rank * rows * 8)..<((g.rank + 1) * rows * 8)
                languageModelLoss(replica(Array(ids[mine]), shape: [rows, 8]), targets: Array(targets[mine])).backward()
                dp.finishGradientSync()
                zero.step()
                zero.zeroGrad()
            }
            out.set(g.rank, (stateBytes(zero.stateDict()), replica.parameters().map { $0.toArray() }))
        }
        let shard = (total + n - 1) / n
        print("ZeRO-1 on \(n) ranks: AdamW state \(fullBytes) bytes on one rank, \(out.ordered(n).map { $0?.0 ?? -1 }) bytes per rank")
        for result in out.ordered(n) {
            let (bytes, params) = try #require(result)
            #expect(bytes == (2 * shard + 1) * 4)
            #expect(Double(bytes) <= Double(fullBytes) / Double(n) + 64)
            for (got, want) in zip(params, expectedParams) { #expect(allClose(got, want, rtol: 1e-3, atol: 1e-5)) }
        }
    }
}

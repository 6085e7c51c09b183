// Each tensor-parallel layer against its single-rank twin, with its weights sharded from the
// twin's: forward values and every gradient (each rank's slice of the twin's).
import Testing
import az1use1

func randn(_ shape: [Int], seed: UInt64) -> [Float] {
    var g = Generator(seed: seed)
    return Tensor.randn(shape, generator: &g).toArray()
}

@Suite struct TensorParallelism {
    /// ColumnParallelLinear, with and without the all-gather of its output.
    @Test(arguments: [true, false]) func columnParallelLinear(_ gather: Bool) throws {
        let full = withDefaultGenerator(Generator(seed: 1)) { Linear(6, 8) }
        let weights = copied(full.stateDict())
        let xData = randn([3, 6], seed: 2), gyData = randn([3, 8], seed: 3)
        let x = Tensor(xData, shape: [3, 6], requiresGrad: true)
        let y = full(x)
        y.backward(Tensor(gyData, shape: [3, 8]))
        let out = PerRank<[[Float]]>()
        try spawn(worldSize: 2) { g in
            let layer = ColumnParallelLinear(6, 8, group: g, gatherOutput: gather)
            try loadShardedStateDict(layer, from: weights)
            let xr = Tensor(xData, shape: [3, 6], requiresGrad: true)
            let yr = layer(xr)
            let gy = Tensor(gyData, shape: [3, 8])
            yr.backward(gather ? gy : shard(gy, dim: 1, rank: g.rank, parts: 2))
            out.set(g.rank, [yr.toArray(), xr.grad!.toArray(), layer.weight.grad!.toArray(), layer.bias!.grad!.toArray()])
        }
        for (r, result) in out.ordered(2).enumerated() {
            let got = try #require(result)
            #expect(allClose(got[0], gather ? y.toArray() : shard(y, dim: 1, rank: r, parts: 2).toArray()))
            #expect(allClose(got[1], x.grad!.toArray(), rtol: 1e-3, atol: 1e-4), "f all-reduces dx")
            #expect(allClose(got[2], shard(full.weight.grad!, dim: 0, rank: r, parts: 2).toArray(), rtol: 1e-3, atol: 1e-4))
            #expect(allClose(got[3], shard(full.bias!.grad!, dim: 0, rank: r, parts: 2).toArray(), rtol: 1e-3, atol: 1e-4))
        }
    }

    /// Column then row (an MLP's up and down): one all-reduce forward, one backward.
    @Test func columnThenRowIsTheMLP() throws {
        let up = withDefaultGenerator(Generator(seed: 4)) { Linear(4, 8) }, down = withDefaultGenerator(Generator(seed: 5)) { Linear(8, 4) }
        let (upWeights, downWeights) = (copied(up.stateDict()), copied(down.stateDict()))
        let xData = randn([2, 5, 4], seed: 6)
        let x = Tensor(xData, shape: [2, 5, 4], requiresGrad: true)
        let y = down(up(x).relu())
        y.square().sum().backward()
        let out = PerRank<([[Float]], Int)>()
        try spawn(worldSize: 2) { g in
            let (u, d) = (ColumnParallelLinear(4, 8, group: g), RowParallelLinear(8, 4, group: g))
            try loadShardedStateDict(u, from: upWeights)
            try loadShardedStateDict(d, from: downWeights)
            let xr = Tensor(xData, shape: [2, 5, 4], requiresGrad: true)
            let yr = d(u(xr).relu())
            let forwardBytes = g.bytesSent
            yr.square().sum().backward()
            out.set(g.rank, ([yr.toArray(), xr.grad!.toArray(), u.weight.grad!.toArray(), d.weight.grad!.toArray()], forwardBytes))
        }
        for (r, result) in out.ordered(2).enumerated() {
            let (got, forwardBytes) = try #require(result)
            #expect(allClose(got[0], y.toArray()))
            #expect(allClose(got[1], x.grad!.toArray(), rtol: 1e-3, atol: 1e-4))
            #expect(allClose(got[2], shard(up.weight.grad!, dim: 0, rank: r, parts: 2).toArray(), rtol: 1e-3, atol: 1e-4))
            #expect(allClose(got[3], shard(down.weight.grad!, dim: 1, rank: r, parts: 2).toArray(), rtol: 1e-3, atol: 1e-4))
            #expect(forwardBytes == 2 * (2 - 1) * (2 * 5 * 4 * 4) / 2, "one all-reduce of y [2, 5, 4] forward: 2(N-1)/N of its bytes")
        }
    }

    @Test func vocabParallelEmbedding() throws {
        let full = withDefaultGenerator(Generator(seed: 7)) { Embedding(12, 5) }
        let weights = copied(full.stateDict())
        let ids = [0, 5, 6, 11, 3, 6], gyData = randn([2, 3, 5], seed: 8)
        let y = full(ids, shape: [2, 3])
        y.backward(Tensor(gyData, shape: [2, 3, 5]))
        let out = PerRank<[[Float]]>()
        try spawn(worldSize: 2) { g in
            let table = VocabParallelEmbedding(12, 5, group: g)
            try loadShardedStateDict(table, from: weights)
            let yr = table(ids, shape: [2, 3])
            yr.backward(Tensor(gyData, shape: [2, 3, 5]))
            out.set(g.rank, [yr.toArray(), table.weight.grad!.toArray()])
        }
        for (r, result) in out.ordered(2).enumerated() {
            let got = try #require(result)
            #expect(allClose(got[0], y.toArray()))
            #expect(allClose(got[1], shard(full.weight.grad!, dim: 0, rank: r, parts: 2).toArray(), rtol: 1e-3, atol: 1e-4))
        }
    }

    /// On 4 ranks, with targets in every rank's columns; each rank sends 3 all-reduces of [rows].
    @Test func vocabParallelCrossEntropy() throws {
        let rows = 6, vocab = 16
        let data = randn([rows, vocab], seed: 9).map { $0 * 4 }, targets = [0, 3, 4, 9, 12, 15]
        let logits = Tensor(data, shape: [rows, vocab], requiresGrad: true)
        let loss = crossEntropy(logits, targets: targets)
        loss.backward()
        let out = PerRank<(Float, [Float], Int)>()
        try spawn(worldSize: 4) { g in
            let mine = Tensor(shard(Tensor(data, shape: [rows, vocab]), dim: 1, rank: g.rank, parts: 4).toArray(), shape: [rows, 4], requiresGrad: true)
            let l = az1use1.vocabParallelCrossEntropy(mine, targets: targets, group: g)
            let bytes = g.bytesSent
            l.backward()
            out.set(g.rank, (l.item(), mine.grad!.toArray(), bytes))
        }
        for (r, result) in out.ordered(4).enumerated() {
            let (l, grad, bytes) = try #require(result)
            #expect(allClose([l], [loss.item()]))
            #expect(allClose(grad, shard(logits.grad!, dim: 1, rank: r, parts: 4).toArray(), rtol: 1e-3, atol: 1e-4))
            #expect(bytes <= 3 * 2 * rows * 4, "three all-reduces of [rows], never the [rows, vocab] logits")
        }
    }

    /// The whole tensor-parallel llama (heads split) against lego's: logits gathered, loss.
    @Test func tensorParallelLlama() throws {
        let weights = llamaWeights(seed: 10)
        let ids = tokens(16, seed: 11), targets = tokens(16, seed: 12)
        let model = Llama(config: tinyLlama)
        try model.loadStateDict(weights)
        let logits = model(ids, shape: [2, 8])
        let loss = languageModelLoss(logits, targets: targets)
        let out = PerRank<([Float], Float, Int, Int)>()
        try spawn(worldSize: 2) { g in
            let tp = TensorParallelLlama(config: tinyLlama, group: g)
            try loadShardedStateDict(tp, from: weights)
            let gathered = gatherFromTensorParallel(tp.localLogits(ids, shape: [2, 8]), group: g).toArray()
            let before = g.bytesSent
            let l = tp.loss(ids, shape: [2, 8], targets: targets)
            let forward = g.bytesSent - before
            l.backward()
            out.set(g.rank, (gathered, l.item(), forward, g.bytesSent - before - forward))
        }
        // On 2 ranks an all-reduce sends 2(N-1)/N = 1 times its tensor. Forward: the embedding's
        // g and each layer's two (o, down) all-reduce the activations [2, 8, 16] (1024 bytes),
        // the loss three [16]-row vectors. Backward: f once per attention, once per MLP, once
        // before lm_head; the loss's backward is local.
        let activation = 2 * 8 * 16 * 4
        for result in out.ordered(2) {
            let (gathered, l, forwardBytes, backwardBytes) = try #require(result)
            #expect(allClose(gathered, logits.toArray()))
            #expect(allClose([l], [loss.item()]))
            #expect(forwardBytes == (1 + 2 * tinyLlama.nLayers) * activation + 3 * 16 * 4)
            #expect(backwardBytes == (2 * tinyLlama.nLayers + 1) * activation)
            print("tp2 llama step: \(forwardBytes) bytes sent forward, \(backwardBytes) backward per rank")
        }
    }

    /// GPT-2's block (fused q/k/v split in three parts) against lego's GPTBlock: y and grads.
    @Test func tensorParallelGPTBlock() throws {
        let config = GPTConfig(dim: 8, nLayers: 1, nHeads: 4, vocabSize: 16, blockSize: 6)
        let block = withDefaultGenerator(Generator(seed: 13)) { GPTBlock(config) }
        let weights = copied(block.stateDict())
        let xData = randn([2, 6, 8], seed: 14)
        let x = Tensor(xData, shape: [2, 6, 8], requiresGrad: true)
        let y = block(x)
        y.square().sum().backward()
        let out = PerRank<[[Float]]>()
        try spawn(worldSize: 2) { g in
            let tp = TensorParallelGPTBlock(config, group: g)
            try loadShardedStateDict(tp, from: weights)
            let xr = Tensor(xData, shape: [2, 6, 8], requiresGrad: true)
            let yr = tp(xr)
            yr.square().sum().backward()
            out.set(g.rank, [yr.toArray(), xr.grad!.toArray(), tp.attn.cAttn.weight.grad!.toArray(), tp.ln1.weight.grad!.toArray()])
        }
        let fullAttnGrad = block.attn.cAttn.weight.grad!
        for (r, result) in out.ordered(2).enumerated() {
            let got = try #require(result)
            let mine = cat((0..<3).map { k in shard(fullAttnGrad.slice(dim: 0, start: 8 * k, end: 8 * k + 8), dim: 0, rank: r, parts: 2) }, dim: 0)
            #expect(allClose(got[0], y.toArray()))
            #expect(allClose(got[1], x.grad!.toArray(), rtol: 1e-3, atol: 1e-4))
            #expect(allClose(got[2], mine.toArray(), rtol: 1e-3, atol: 1e-4), "rank r's heads of q, k and v")
            #expect(allClose(got[3], block.ln1.weight.grad!.toArray(), rtol: 1e-3, atol: 1e-4))
        }
    }
}

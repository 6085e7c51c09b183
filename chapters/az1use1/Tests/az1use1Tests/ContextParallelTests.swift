// Context parallelism: ring attention against causal attention on the whole sequence
// (output and gradients), the merge by hand, and llama training steps at cp2.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import az1use1

@Suite struct ContextParallelism {
    /// Two halves of a row of scores merged equal the softmax over the whole row.
    @Test func mergeIsTheWholeSoftmax() {
        let s: [Float] = [0.5, -1, 2, 0.25], values: [Float] = [1, 2, 3, 4]
        func partial(_ r: Range<Int>) -> (Tensor, Tensor) {
            let m = r.map { s[$0] }.max()!, z = r.map { expf(s[$0] - m) }.reduce(0, +)
            let out = r.map { expf(s[$0] - m) / z * values[$0] }.reduce(0, +)
            return (Tensor([out], shape: [1, 1, 1, 1]), Tensor([m + logf(z)], shape: [1, 1, 1, 1]))
        }
        let (a, la) = partial(0..<2), (b, lb) = partial(2..<4)
        let (out, lse) = mergeAttention(a, la, b, lb)
        let m = s.max()!, z = s.map { expf($0 - m) }.reduce(0, +)
        let whole = zip(s, values).map { expf($0 - m) / z * $1 }.reduce(0, +)
        #expect(allClose(out.toArray(), [whole]))
        #expect(allClose(lse.toArray(), [m + logf(z)]))
    }

    /// cp 2 and 4: each rank's output rows and its q, k, v gradients equal causalAttention's
    /// on the whole sequence.
    @Test(arguments: [2, 4]) func ringAttentionMatchesAttention(_ n: Int) throws {
        let shape = [2, 3, 8, 4]
        let (qd, kd, vd, gd) = (randn(shape, seed: 40), randn(shape, seed: 41), randn(shape, seed: 42), randn(shape, seed: 43))
        let (q, k, v) = (Tensor(qd, shape: shape, requiresGrad: true), Tensor(kd, shape: shape, requiresGrad: true), Tensor(vd, shape: shape, requiresGrad: true))
        let y = causalAttention(q, k, v)
        y.backward(Tensor(gd, shape: shape))
        let out = PerRank<([[Float]], Int)>()
        try spawn(worldSize: n) { g in
            func mine(_ d: [Float]) -> Tensor { parameter(shard(Tensor(d, shape: shape), dim: 2, rank: g.rank, parts: n)) }
            let (qr, kr, vr) = (mine(qd), mine(kd), mine(vd))
            let yr = ringAttention(qr, kr, vr, group: g)
            let forward = g.bytesSent
            yr.backward(shard(Tensor(gd, shape: shape), dim: 2, rank: g.rank, parts: n))
            out.set(g.rank, ([yr.toArray(), qr.grad!.toArray(), kr.grad!.toArray(), vr.grad!.toArray()], forward))
        }
        let block = shape.reduce(1, *) / n * 4
        for (r, result) in out.ordered(n).enumerated() {
            let (got, forwardBytes) = try #require(result)
            func want(_ t: Tensor) -> [Float] { shard(t, dim: 2, rank: r, parts: n).toArray() }
            #expect(allClose(got[0], want(y)), "rank \(r)'s output rows")
            #expect(allClose(got[1], want(q.grad!), rtol: 1e-3, atol: 1e-4), "dq")
            #expect(allClose(got[2], want(k.grad!), rtol: 1e-3, atol: 1e-4), "dk")
            #expect(allClose(got[3], want(v.grad!), rtol: 1e-3, atol: 1e-4), "dv")
            #expect(forwardBytes == 2 * (n - 1) * block, "k and v blocks, N-1 hops each")
        }
    }

    /// 10 steps at cp2 (each rank 4 positions of every row) equal one rank's on whole rows.
    @Test func lossMatch() throws {
        let weights = llamaWeights(seed: 31)
        let single = try singleRankLosses(weights)
        let out = PerRank<[Float]>()
        try spawn(worldSize: 2) { g in
            let model = Llama(config: tinyLlama)
            try model.loadStateDict(weights)
            let cp = ContextParallelLlama(model, group: g)
            let adam = AdamW(model.parameters(), lr: 1e-2)
            var losses: [Float] = []
            for k in 0..<10 {
                let ids = tokens(32, seed: 200 + UInt64(k)), targets = ids.map { ($0 + 1) % 32 }
                let l = cp.localLoss(cp.shard(ids, shape: [4, 8]), targets: cp.shard(targets, shape: [4, 8]), shape: [4, 4])
                l.backward()
                allReduceGradients(model, group: g)
                adam.step()
                adam.zeroGrad()
                losses.append(g.allReduce(l.detach().reshape([1]), op: .avg).item())
            }
            out.set(g.rank, losses)
        }
        for result in out.ordered(2) {
            let losses = try #require(result)
            let worst = relativeDifference(losses, single)
            #expect(worst <= 1e-4, "\(losses) vs \(single)")
            print("cp2 loss match: max relative difference \(worst) over 10 steps")
        }
    }
}

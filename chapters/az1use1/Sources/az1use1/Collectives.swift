// The collectives, built from point-to-point messages.
//
// The ring. Cut the flat buffer into N chunks. In the reduce-scatter phase each rank sends
// one chunk to its right neighbour and adds the chunk it gets from its left one, N-1 times,
// each time passing on the chunk it just added to: after N-1 steps rank r holds chunk r summed
// over every rank. In the all-gather phase the finished chunks go round the ring the same way,
// copied instead of added. Each phase sends (N-1) chunks of L/N floats per rank, so an
// all-reduce sends 2(N-1)/N L floats per rank: nearly 2L, whatever N is, and every link of the
// ring is busy at every step. Each chunk is summed in one fixed order (starting at the rank
// after its owner), so the same inputs give the same bits on every run and on every rank.
//
// The tree. A broadcast from the root doubles the ranks that have the data every round
// (binomial tree): ceil(log2 N) rounds, N-1 messages of the whole tensor in all.

extension ThreadGroup {
    /// Chunk c (taken mod N) of a buffer of `count` floats cut into N nearly equal parts.
    func chunk(_ c: Int, of count: Int) -> Range<Int> {
        let n = worldSize, i = ((c % n) + n) % n
        return (i * count / n)..<((i + 1) * count / n)
    }

    /// The ring on `data` (every rank's buffer of the same length): with `reduceScatter`, rank
    /// r's chunk r ends up combined by `op` over every rank (the other chunks hold partial
    /// results); with `allGather`, every rank's chunk r is copied from rank r to all.
    /// Both: an all-reduce, 2(N-1)/N of the buffer sent per rank.
    func ring(_ data: inout [Float], op: ReduceOp, reduceScatter: Bool, allGather: Bool) {
        guard worldSize > 1 else { return }
        // BEGIN SOLUTION az1use1.1: with n = worldSize, next = rank+1 and previous = rank-1 (mod n), reduce-scatter: for s in 0..<n-1 send chunk(rank-s-1) to next, receive chunk(rank-s-2) from previous and combine it into data (sum, or max); avg divides chunk(rank) by n at the end; all-gather: for s in 0..<n-1 send chunk(rank-s), receive chunk(rank-s-1) and copy it in
        let n = worldSize, next = (rank + 1) % n, previous = (rank + n - 1) % n
        if reduceScatter {
            for s in 0..<(n - 1) {
                let out = chunk(rank - s - 1, of: data.count), into = chunk(rank - s - 2, of: data.count)
                sendFloats(Array(data[out]), to: next)
                let got = recvFloats(from: previous, count: into.count)
                data.withUnsafeMutableBufferPointer { d in
                    for (i, v) in zip(into, got) { d[i] = op == .max ? Swift.max(d[i], v) : d[i] + v }
                }
            }
            if op == .avg { for i in chunk(rank, of: data.count) { data[i] /= Float(n) } }
        }
        if allGather {
            for s in 0..<(n - 1) {
                let out = chunk(rank - s, of: data.count), into = chunk(rank - s - 1, of: data.count)
                sendFloats(Array(data[out]), to: next)
                data.replaceSubrange(into, with: recvFloats(from: previous, count: into.count))
            }
        }
        // END SOLUTION az1use1.1
    }

    func allReduce(_ t: Tensor, op: ReduceOp) -> Tensor {
        check(t.dtype == .float32, "allReduce: only float32 tensors, got \(t.dtype) of shape \(t.shape)")
        var data = t.toArray()
        if worldSize == 1 { return Tensor(data, shape: t.shape, device: t.device) }
        ring(&data, op: op, reduceScatter: true, allGather: true)
        return Tensor(data, shape: t.shape, device: t.device)
    }

    func reduceScatter(_ t: Tensor, op: ReduceOp) -> Tensor {
        check(t.rank >= 1 && t.shape[0] % worldSize == 0,
              "reduceScatter: dim 0 of shape \(t.shape) does not split into \(worldSize) equal chunks")
        var data = t.toArray()
        ring(&data, op: op, reduceScatter: true, allGather: false)
        var shape = t.shape
        shape[0] /= worldSize
        return Tensor(Array(data[chunk(rank, of: data.count)]), shape: shape, device: t.device)
    }

    func allGather(_ t: Tensor) -> Tensor {
        check(t.rank >= 1, "allGather: a 0-d tensor cannot be concatenated on dim 0; reshape it to [1]")
        let local = t.toArray()
        var data = [Float](repeating: 0, count: local.count * worldSize)
        data.replaceSubrange(chunk(rank, of: data.count), with: local)
        ring(&data, op: .sum, reduceScatter: false, allGather: true)
        var shape = t.shape
        shape[0] *= worldSize
        return Tensor(data, shape: shape, device: t.device)
    }

    func broadcast(_ t: Tensor, root: Int) -> Tensor {
        check((0..<worldSize).contains(root), "broadcast: root \(root) is not in a group of \(worldSize)")
        let n = worldSize, me = (rank - root + n) % n   // ranks renumbered so the root is 0
        var data = me == 0 ? t.toArray() : []
        var span = 1
        while span < n {   // round k: ranks 0..<2^k have it; each sends to the rank 2^k after it
            if me < span {
                if me + span < n { sendFloats(data, to: (me + span + root) % n) }
            } else if me < 2 * span {
                data = recvFloats(from: (me - span + root) % n, count: t.count)
            }
            span *= 2
        }
        return Tensor(data, shape: t.shape, device: t.device)
    }

    /// Dissemination barrier: in round k every rank signals the rank 2^k after it and waits for
    /// the rank 2^k before it; after ceil(log2 N) rounds each has heard from all (empty messages).
    func barrier() {
        var span = 1
        while span < worldSize {
            sendFloats([], to: (rank + span) % worldSize)
            _ = recvFloats(from: (rank - span + worldSize) % worldSize, count: 0)
            span *= 2
        }
    }
}

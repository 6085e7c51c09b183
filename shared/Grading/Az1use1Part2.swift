// Grading for chapter 5 (az1use1), part 2. No PyTorch references: every check compares thread
// ranks with one rank's run computed here, or counts written out by hand:
//   the 1F1B schedule: its order on 4 stages, and each stage's idle slots 2(p-1) of 2(m+p-1)
//     (the bubble (p-1)/(m+p-1)) with at most p-s micro-batches in flight on stage s;
//   the ring-attention merge: ring attention on 2 and 4 ranks equals causalAttention on the
//     whole sequence, output and the gradients of q, k and v;
//   the loss match, part 2: 10 AdamW steps of the small llama at pp2 (AFAB and 1F1B), cp2 and
//     dp2 x tp2 x pp2 (8 ranks) equal one rank's on the same global batches (relative 1e-4).
import picograd

extension Az1use1Grading {
    static let partTwoCases: [GradingCase] = [
        GradingCase(chapter: "az1use1", name: "pipeline_1f1b_bubble", todos: ["az1use1.5"]) { _ in try checkPipelineBubble() },
        GradingCase(chapter: "az1use1", name: "ring_attention", todos: ["az1use1.6"]) { _ in try checkRingAttention() },
        GradingCase(chapter: "az1use1", name: "loss_match_pp_cp_3d", todos: ["az1use1.1", "az1use1.2", "az1use1.3", "az1use1.4", "az1use1.5", "az1use1.6"], timeout: 60) { _ in
            try checkLossMatchPartTwo()
        },
    ]

    static func checkPipelineBubble() throws {
        let order = PipelineSchedule.oneForwardOneBackward.order(stage: 1, stages: 4, microBatches: 5).map { "\($0)" }.joined(separator: " ")
        guard order == "F0 F1 F2 B0 F3 B1 F4 B2 B3 B4" else {
            throw GradingFailure("1F1B on stage 1 of 4, 5 micro-batches: \(order), expected 2 warm-up forwards, then F B pairs, then the backwards left: F0 F1 F2 B0 F3 B1 F4 B2 B3 B4")
        }
        for schedule in PipelineSchedule.allCases {
            for (p, m) in [(2, 4), (4, 4), (4, 8), (3, 5)] {
                let t = PipelineTimeline(schedule, stages: p, microBatches: m)
                for s in 0..<p {
                    guard t.length == 2 * (m + p - 1), t.idle(stage: s) == 2 * (p - 1) else {
                        throw GradingFailure("\(schedule.rawValue), p \(p), m \(m): stage \(s) idles \(t.idle(stage: s)) of \(t.length) slots; expected 2(p-1) = \(2 * (p - 1)) of 2(m+p-1) = \(2 * (m + p - 1))")
                    }
                    let peak = schedule == .allForwardAllBackward ? m : min(p - s, m)
                    guard t.peakInFlight(stage: s) == peak else {
                        throw GradingFailure("\(schedule.rawValue), p \(p), m \(m): stage \(s) holds \(t.peakInFlight(stage: s)) micro-batches at once, expected \(peak)")
                    }
                }
            }
        }
    }

    static func checkRingAttention() throws {
        let shape = [1, 2, 8, 4]
        var gen = Generator(seed: 50)
        let data = (0..<4).map { _ in Tensor.randn(shape, generator: &gen).toArray() }
        let (q, k, v) = (Tensor(data[0], shape: shape, requiresGrad: true), Tensor(data[1], shape: shape, requiresGrad: true), Tensor(data[2], shape: shape, requiresGrad: true))
        let y = causalAttention(q, k, v)
        y.backward(Tensor(data[3], shape: shape))
        for n in try worlds([2, 4], "8 positions", fits: { 8 % $0 == 0 }) {
            let out = PerRank<[[Float]]>()
            try run(n) { g in
                func mine(_ d: [Float]) -> Tensor { parameter(shard(Tensor(d, shape: shape), dim: 2, rank: g.rank, parts: n)) }
                let (qr, kr, vr) = (mine(data[0]), mine(data[1]), mine(data[2]))
                let yr = ringAttention(qr, kr, vr, group: g)
                yr.backward(shard(Tensor(data[3], shape: shape), dim: 2, rank: g.rank, parts: n))
                out.set(g.rank, [yr.toArray(), qr.grad?.toArray() ?? [], kr.grad?.toArray() ?? [], vr.grad?.toArray() ?? []])
            }
            for (r, got) in try out.entries(n) {
                func want(_ t: Tensor) -> [Float] { shard(t, dim: 2, rank: r, parts: n).toArray() }
                try close("ring attention (\(n) ranks): rank \(r)'s output rows", got[0], want(y))
                try close("ring attention (\(n) ranks): rank \(r)'s dq", got[1], want(q.grad!), rtol: 1e-3, atol: 1e-4)
                try close("ring attention (\(n) ranks): rank \(r)'s dk", got[2], want(k.grad!), rtol: 1e-3, atol: 1e-4)
                try close("ring attention (\(n) ranks): rank \(r)'s dv", got[3], want(v.grad!), rtol: 1e-3, atol: 1e-4)
            }
        }
    }

    /// A layout of part 2: pipeline stages (with a schedule), context shards, and dp x tp around them.
    struct MeshLayout: Sendable {
        let name: String
        let dp: Int, pp: Int, cp: Int, tp: Int
        let schedule: PipelineSchedule
        /// Context parallel (ring attention) even when cp is 1 (the one-rank layout).
        var context = false
        var size: Int { dp * pp * cp * tp }
    }

    /// The one-rank layouts (a launch of one process under NCCL): a pipeline of one stage, and
    /// context parallelism over one rank.
    static let oneRankMeshLayouts = [
        MeshLayout(name: "pp1 1F1B", dp: 1, pp: 1, cp: 1, tp: 1, schedule: .oneForwardOneBackward),
        MeshLayout(name: "cp1", dp: 1, pp: 1, cp: 1, tp: 1, schedule: .oneForwardOneBackward, context: true),
    ]

    static let meshLayouts = [
        MeshLayout(name: "pp2 AFAB", dp: 1, pp: 2, cp: 1, tp: 1, schedule: .allForwardAllBackward),
        MeshLayout(name: "pp2 1F1B", dp: 1, pp: 2, cp: 1, tp: 1, schedule: .oneForwardOneBackward),
        MeshLayout(name: "cp2", dp: 1, pp: 1, cp: 2, tp: 1, schedule: .oneForwardOneBackward),
        MeshLayout(name: "dp2 x tp2 x pp2", dp: 2, pp: 2, cp: 1, tp: 2, schedule: .oneForwardOneBackward),
    ]

    /// The global losses of a part-2 layout (pipelines over 2 micro-batches per dp rank).
    static func meshLosses(_ layout: MeshLayout, _ weights: [String: Tensor]) throws -> [Float] {
        let out = PerRank<[Float]>()
        try run(layout.size) { world in
            let mesh = DeviceMesh(world, dp: layout.dp, pp: layout.pp, cp: layout.cp, tp: layout.tp)
            let rows = batch / layout.dp
            var losses: [Float] = []
            func rowsOf(_ xs: [Int]) -> [Int] { Array(xs[(mesh.dpIndex * rows * length)..<((mesh.dpIndex + 1) * rows * length)]) }
            if layout.cp > 1 || layout.context {
                let model = Llama(config: llama)
                try model.loadStateDict(weights)
                let cp = ContextParallelLlama(model, group: mesh.cpGroup)
                let optimizer = AdamW(model.parameters(), lr: learningRate)
                for k in 0..<steps {
                    let (ids, targets) = batch(k)
                    let shape = [rows, length]
                    let l = cp.localLoss(cp.shard(rowsOf(ids), shape: shape), targets: cp.shard(rowsOf(targets), shape: shape), shape: [rows, length / layout.cp])
                    l.backward()
                    allReduceGradients(model, group: world)   // cp (and dp) ranks: the same weights
                    optimizer.step()
                    optimizer.zeroGrad()
                    losses.append(world.allReduce(l.detach().reshape([1]), op: .avg).item())
                }
            } else {
                let stage: LlamaPipelineStage
                if layout.tp > 1 {
                    let tp = TensorParallelLlama(config: llama, group: mesh.tpGroup)
                    try loadShardedStateDict(tp, from: weights)
                    stage = LlamaPipelineStage(tp, stage: mesh.ppIndex, stages: layout.pp)
                } else {
                    let one = Llama(config: llama)
                    try one.loadStateDict(weights)
                    stage = LlamaPipelineStage(one, stage: mesh.ppIndex, stages: layout.pp)
                }
                let dp = layout.dp > 1 ? DataParallel(stage, group: mesh.dpGroup, bucketBytes: 4096) : nil
                let pp = PipelineParallel(stage, group: mesh.ppGroup, schedule: layout.schedule, microBatches: 2, dataParallel: dp)
                let optimizer = AdamW(stage.parameters(), lr: learningRate)
                for k in 0..<steps {
                    let (ids, targets) = batch(k)
                    let l = pp.step(ids: rowsOf(ids), targets: rowsOf(targets), shape: [rows, length])
                    optimizer.step()
                    optimizer.zeroGrad()
                    losses.append(mesh.dpGroup.allReduce(Tensor([l], shape: [1]), op: .avg).item())
                }
            }
            out.set(world.rank, losses)
        }
        let all = try out.entries(layout.size)   // under NCCL: this process's rank's only
        for (r, losses) in all where losses != all[0].value {
            throw GradingFailure("loss match, \(layout.name): rank \(r) reports \(losses), rank \(all[0].rank) \(all[0].value) (every rank must see the global loss)")
        }
        return all[0].value
    }

    /// Every part-2 layout within relative 1e-4 of the single rank at every step (table printed).
    static func checkLossMatchPartTwo() throws {
        let weights = llamaWeights(seed: 11)
        let single = try singleRankLosses(weights)
        print("loss match, part 2, \(steps) AdamW steps, global batch \(batch) x \(length): single rank \(single[0]) -> \(single[steps - 1])")
        for layout in try layoutsHere(meshLayouts, one: oneRankMeshLayouts, size: \.size, name: \.name) {
            let losses = try meshLosses(layout, weights)
            let relative = zip(losses, single).map { Double(abs($0 - $1)) / Double(abs($1)) }
            let worst = relative.max() ?? .infinity
            print("  \(layout.name) (\(layout.size) ranks): max relative difference \(worst)")
            if !(worst <= 1e-4) {
                let k = relative.firstIndex { !($0 <= 1e-4) } ?? 0
                throw GradingFailure("loss match, \(layout.name): step \(k) loss \(losses[k]), one rank's \(single[k]) (relative difference \(worst) > 1e-4)")
            }
        }
    }
}

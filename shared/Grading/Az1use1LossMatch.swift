// The loss match of chapter 5: ten AdamW steps of a small llama, on one rank and on thread
// ranks as dp2, tp2, dp2 x tp2 and dp2 with ZeRO-1, all from the same weights and the same
// global batches. Data parallel splits each batch's rows over the dp ranks (each rank's loss is
// the mean over its rows, the gradients are averaged); tensor parallel splits every layer. The
// per-step losses must agree with the single rank's to a relative 1e-4.
import picograd

extension Az1use1Grading {
    /// A parallel layout of the loss match.
    struct Layout: Sendable {
        let name: String
        let dp: Int, tp: Int
        let zero: Bool
    }

    static let layouts = [
        Layout(name: "dp2", dp: 2, tp: 1, zero: false), Layout(name: "tp2", dp: 1, tp: 2, zero: false),
        Layout(name: "dp2 x tp2", dp: 2, tp: 2, zero: false), Layout(name: "dp2 + ZeRO-1", dp: 2, tp: 1, zero: true),
    ]
    static let steps = 10, batch = 4, length = 8, learningRate: Float = 1e-2

    /// The layouts a loss match runs here: every one on threads; under NCCL those of the launch's
    /// size (with one rank, `one`: the layouts of a world of one), the others printed as not run;
    /// a skip when none fits.
    static func layoutsHere<L>(_ all: [L], one: [L], size: (L) -> Int, name: (L) -> String) throws -> [L] {
        guard transport == .nccl else { return all }
        let fit = (launchSize == 1 ? one : []) + all.filter { size($0) == launchSize }
        for l in all where size(l) != launchSize {
            print("  not run here: \(name(l)) (\(size(l)) ranks; this launch has \(launchSize))")
        }
        guard !fit.isEmpty else {
            throw GradingSkip("no layout of the loss match has \(launchSize) ranks (they need \(Set(all.map(size)).sorted().map(String.init).joined(separator: " or ")))")
        }
        return fit
    }

    /// The one-rank layouts (a launch of one process under NCCL).
    static let oneRankLayouts = [Layout(name: "dp1", dp: 1, tp: 1, zero: false), Layout(name: "dp1 + ZeRO-1", dp: 1, tp: 1, zero: true)]

    /// Step k's global batch: random ids and their targets, [batch, length] each; a target is
    /// the id after its input's (mod the vocabulary), a rule the model can learn in ten steps.
    static func batch(_ k: Int) -> (ids: [Int], targets: [Int]) {
        let ids = tokens(batch * length, seed: 100 + UInt64(k))
        return (ids, ids.map { ($0 + 1) % llama.vocabSize })
    }

    /// The losses of one rank training on the whole batches.
    static func singleRankLosses(_ weights: [String: Tensor]) throws -> [Float] {
        let model = Llama(config: llama)
        try model.loadStateDict(weights)
        let optimizer = AdamW(model.parameters(), lr: learningRate)
        return (0..<steps).map { k in
            let (ids, targets) = batch(k)
            let loss = languageModelLoss(model(ids, shape: [batch, length]), targets: targets)
            loss.backward()
            optimizer.step()
            optimizer.zeroGrad()
            return loss.item()
        }
    }

    /// The global losses (rank 0's view: the dp average of its ranks' losses) of `layout`.
    static func parallelLosses(_ layout: Layout, _ weights: [String: Tensor]) throws -> [Float] {
        let out = PerRank<[Float]>()
        try run(layout.dp * layout.tp) { world in
            let mesh = DeviceMesh(world, dp: layout.dp, tp: layout.tp)
            let rows = batch / layout.dp
            let model: Module
            let loss: (_ ids: [Int], _ targets: [Int]) -> Tensor
            if layout.tp > 1 {
                let tp = TensorParallelLlama(config: llama, group: mesh.tpGroup)
                try loadShardedStateDict(tp, from: weights)
                (model, loss) = (tp, { tp.loss($0, shape: [rows, length], targets: $1) })
            } else {
                let one = Llama(config: llama)
                try one.loadStateDict(weights)
                (model, loss) = (one, { languageModelLoss(one($0, shape: [rows, length]), targets: $1) })
            }
            let dp = DataParallel(model, group: mesh.dpGroup, bucketBytes: 4096)
            let optimizer: Optimizer = layout.zero ? ZeroRedundancyAdamW(model.parameters(), group: mesh.dpGroup, lr: learningRate)
                                                   : AdamW(model.parameters(), lr: learningRate)
            var losses: [Float] = []
            for k in 0..<steps {
                let (ids, targets) = batch(k)
                let mine = (mesh.dpIndex * rows * length)..<((mesh.dpIndex + 1) * rows * length)
                let l = loss(Array(ids[mine]), Array(targets[mine]))
                l.backward()
                dp.finishGradientSync()
                optimizer.step()
                optimizer.zeroGrad()
                losses.append(mesh.dpGroup.allReduce(l.detach().reshape([1]), op: .avg).item())
            }
            out.set(world.rank, losses)
        }
        return try out.entries(layout.dp * layout.tp)[0].value   // rank 0's (under NCCL: this process's rank's)
    }

    /// Each layout's largest relative difference from the single rank's losses over the steps.
    static func lossMatchTable() throws -> (single: [Float], rows: [(name: String, losses: [Float], worst: Double)]) {
        let weights = llamaWeights(seed: 11)
        let single = try singleRankLosses(weights)
        let rows = try layoutsHere(layouts, one: oneRankLayouts, size: { $0.dp * $0.tp }, name: \.name).map { layout in
            let losses = try parallelLosses(layout, weights)
            let worst = zip(losses, single).map { Double(abs($0 - $1)) / Double(abs($1)) }.max() ?? .infinity
            return (layout.name, losses, worst)
        }
        return (single, rows)
    }

    /// Every layout within relative 1e-4 of the single rank at every step (the table is printed).
    static func checkLossMatch() throws {
        let (single, rows) = try lossMatchTable()
        print("loss match, \(steps) AdamW steps of a llama (dim \(llama.dim), \(llama.nLayers) layers), global batch \(batch) x \(length):")
        print("  single rank: first loss \(single[0]), last \(single[steps - 1])")
        for row in rows { print("  \(row.name): max relative difference \(row.worst)") }
        for row in rows where !(row.worst <= 1e-4) {
            let k = zip(row.losses, single).map { Double(abs($0 - $1)) / Double(abs($1)) }.firstIndex { !($0 <= 1e-4) } ?? 0
            throw GradingFailure("loss match, \(row.name): step \(k) loss \(row.losses[k]), one rank's \(single[k]) (relative difference \(row.worst) > 1e-4)")
        }
        guard single[steps - 1] < single[0] else { throw GradingFailure("loss match: the single rank did not learn (\(single[0]) -> \(single[steps - 1]))") }
    }
}

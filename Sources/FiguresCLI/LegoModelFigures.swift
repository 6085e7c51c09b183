// Chapter 2's figures from SmolLM2-135M-Instruct's real weights and vocabulary (skipped, with
// the command that fetches it, when models/ has no GGUF), and the training runs' loss curves
// (from results files committed under lectures/figures/runs/, never re-timed).
#if DEBUG
import Foundation
@testable import dfdx
@testable import lego

let legoModelFigures: [Figure] = [
    Figure(name: "lego-attention", lecture: "02") { try attentionFigure() },
    Figure(name: "lego-bpe", lecture: "02") { try bpeFigure() },
]

let legoRunFigures: [Figure] = [
    Figure(name: "lego-loss", lecture: "02") { try lossFigure() },
]

let needsModel = Figure.Result.skipped("needs models/\(defaultModelFile) (scripts/fetch-model)")

/// A token as the figures print it: the byte-level text with Ġ (a space) shown as ␣.
func tokenText(_ t: BPETokenizer, _ id: Int) -> String {
    t.tokens[id].replacingOccurrences(of: "Ġ", with: "␣").replacingOccurrences(of: "Ċ", with: "⏎")
}

let attentionPrompt = "The capital of France is Paris. The capital of Italy is"
/// Layers 0 ..< attentionLayers are searched for the heads the figure shows.
let attentionLayers = 16

/// SmolLM2's attention weights on one prompt: for each of four patterns, the head (of the first
/// 16 layers) that shows it most. The layers run through the model's own forward; each layer's
/// weights are recomputed from its q/k projections and RoPE, and the attention output they
/// give is checked against the layer's own attention.
func attentionFigure() throws -> Figure.Result {
    guard let path = findModel() else { return needsModel }
    let gguf = try loadGGUF(path)
    let tokenizer = try BPETokenizer(gguf: gguf)
    let model = try Llama(gguf: gguf)
    let ids = tokenizer.encode(attentionPrompt)
    let c = model.config, t = ids.count
    let (h, kv, d) = (c.nHeads, c.nKVHeads, c.headDim)
    let identity = identityValues(s: t, d: d, heads: h)
    var maps: [(layer: Int, head: Int, w: [[Double]])] = []
    withNoGrad {
        var x = model.model.embedTokens(ids, shape: [1, t])
        for (i, layer) in model.model.layers.prefix(attentionLayers).enumerated() {
            let a = layer.selfAttn, n = layer.inputLayernorm(x)
            let q = applyRotary(a.qProj(n).reshape([1, t, h, d]).transpose(1, 2), model.rope, start: 0)
            let k = applyRotary(a.kProj(n).reshape([1, t, kv, d]).transpose(1, 2), model.rope, start: 0)
            let v = a.vProj(n).reshape([1, t, kv, d]).transpose(1, 2)
            // the weights, and the attention output they give, which must be the layer's own
            let w = causalAttention(q, repeatKV(k, h / kv), identity).toArray()
            let mine = a.oProj(causalAttention(q, repeatKV(k, h / kv), repeatKV(v, h / kv)).transpose(1, 2).reshape([1, t, h * d]))
            let theirs = a.forward(n, rope: model.rope)
            let same = zip(mine.toArray(), theirs.toArray()).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) }
            require(same, "layer \(i): the recomputed attention is the layer's own")
            let y = layer.forward(x, rope: model.rope)
            for head in 0..<h {
                maps.append((i, head, (0..<t).map { r in (0..<t).map { j in Double(w[(head * t + r) * d + j]) } }))
            }
            x = y
        }
    }
    // the patterns, each a score of a head's weights
    let earlier: [Int?] = (0..<t).map { i in (0..<i).last { ids[$0] == ids[i] } }
    let patterns: [(String, ([[Double]]) -> Double)] = [
        ("the first token", { w in (1..<t).map { w[$0][0] }.reduce(0, +) }),
        ("the previous token", { w in (1..<t).map { w[$0][$0 - 1] }.reduce(0, +) }),
        ("an earlier copy of the same token", { w in (0..<t).compactMap { i in earlier[i].map { w[i][$0] } }.reduce(0, +) }),
        ("the token after an earlier copy", { w in (0..<t).compactMap { i in earlier[i].map { w[i][$0 + 1] } }.reduce(0, +) }),
    ]
    let labels = ids.map { tokenText(tokenizer, $0) }
    let cell = 18.0, panelW = cell * Double(t) + 130, panelH = cell * Double(t) + 120
    var svg = SVG(width: 30 + panelW * 2, height: 2 * panelH + 60)
    svg.text(10, 20, "SmolLM2-135M-Instruct's attention on \"\(attentionPrompt)\"", size: 13, bold: true)
    svg.text(10, 36, "rows: queries, columns: keys; each row is a softmax (sums to 1). Of the \(attentionLayers * h) heads in layers 0-\(attentionLayers - 1), the one that puts the most weight on:", size: 11, fill: Palette.grey)
    for (p, (name, score)) in patterns.enumerated() {
        guard let best = maps.max(by: { score($0.w) < score($1.w) }) else { continue }
        let x0 = 90 + Double(p % 2) * panelW, y0 = 130 + Double(p / 2) * panelH
        svg.text(x0 - 80, y0 - 70, "layer \(best.layer), head \(best.head): \(name)", size: 11, bold: true)
        svg.heatMap(x: x0, y: y0, cell: cell, best.w, lo: 0, hi: 1, rowLabels: labels, colLabels: labels, labelSize: 9,
                    masked: { i, j in j > i })
    }
    return .files([("lego-attention.svg", svg.rendered)])
}

/// SmolLM2's merges applied to one word, state by state. Each state is the real merge loop
/// run with the merge list cut after the next rank that applies.
func bpeFigure() throws -> Figure.Result {
    guard let path = findModel() else { return needsModel }
    let tokenizer = try BPETokenizer(gguf: try loadGGUF(path))
    let word = " unbelievably"
    let initial = Array(word.utf8).map { tokenizer.byteIds[Int($0)] }
    var states: [(rank: Int?, parts: [Int])] = [(nil, initial)]
    var parts = initial
    while true {
        let ranks = zip(parts, parts.dropFirst()).compactMap { tokenizer.mergeTable[UInt64($0) << 32 | UInt64($1)]?.rank }
        guard let r = ranks.min() else { break }
        let cut = try BPETokenizer(tokens: tokenizer.tokens, merges: Array(tokenizer.merges[0...r]), splitDigits: tokenizer.splitDigits)
        parts = cut.merge(initial)
        states.append((r, parts))
    }
    require(parts == tokenizer.merge(initial) && parts == tokenizer.encode(word), "the last state is what the tokenizer encodes")
    let rowH = 30.0, charW = 9.0
    var svg = SVG(width: 760, height: 70 + rowH * Double(states.count) + 30)
    svg.text(10, 20, "Byte-level BPE on \"\(word)\" with SmolLM2's 48,900 ranked merges", size: 13, bold: true)
    svg.text(10, 38, "each row: the lowest-ranked merge that applies to an adjacent pair, and the tokens after it (␣ is the space, Ġ in the vocabulary)", size: 11, fill: Palette.grey)
    for (s, state) in states.enumerated() {
        let y = 56 + Double(s) * rowH
        let what: String
        if let r = state.rank {
            let (a, b) = tokenizer.merges[r]
            what = "merge #\(r): \(a) + \(b)".replacingOccurrences(of: "Ġ", with: "␣")
        } else { what = "the bytes (\(initial.count) tokens)" }
        svg.text(10, y + 16, what, size: 11, mono: true)
        var x = 300.0
        for id in state.parts {
            let text = tokenText(tokenizer, id)
            let w = Double(text.count) * charW + 10
            svg.cell(x, y, w, 22, text, fill: state.rank.map { _ in Palette.tints[0] } ?? Palette.light, size: 12)
            svg.text(x + w / 2, y + 32, "", size: 8)
            x += w + 4
        }
        svg.text(x + 6, y + 16, "\(state.parts.count)", size: 10, fill: Palette.grey)
    }
    let ids = parts.map(String.init).joined(separator: ", ")
    svg.text(10, 56 + rowH * Double(states.count) + 18, "encode(\"\(word)\") = [\(ids)]: the merges are ranked by how early training learned them, so common pieces form first", size: 11)
    return .files([("lego-bpe.svg", svg.rendered)])
}

/// A results file: `# ` comment lines (command, machine, versions), then step, train, validation.
func readRun(_ path: String) throws -> (notes: [String], train: [(Double, Double)], validation: [(Double, Double)])? {
    guard FileManager.default.fileExists(atPath: path) else { return nil }
    let text = try String(contentsOfFile: path, encoding: .utf8)
    var notes: [String] = [], train: [(Double, Double)] = [], validation: [(Double, Double)] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.hasPrefix("# ") { notes.append(String(line.dropFirst(2))); continue }
        let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard f.count == 3, let step = Double(f[0]) else { continue }
        if let v = Double(f[1]) { train.append((step, v)) }
        if let v = Double(f[2]) { validation.append((step, v)) }
    }
    return (notes, train, validation)
}

/// The names and shakespeare runs' loss curves, from lectures/figures/runs/*-loss.tsv.
func lossFigure() throws -> Figure.Result {
    let tasks = ["names", "shakespeare"]
    var runs: [(String, [String], [(Double, Double)], [(Double, Double)])] = []
    for task in tasks {
        guard let r = try readRun("lectures/figures/runs/\(task)-loss.tsv") else {
            return .skipped("needs lectures/figures/runs/\(task)-loss.tsv (see scripts/figures)")
        }
        runs.append((task, r.notes, r.train, r.validation))
    }
    let noteLines = runs.map { $0.1.count }.max() ?? 0
    var svg = SVG(width: 900, height: 350 + Double(noteLines) * 14 * 2)
    svg.text(10, 20, "Chapter 2's two training runs: training loss (mean over each stretch of steps) and validation loss", size: 13, bold: true)
    for (k, (task, _, train, validation)) in runs.enumerated() {
        let all = train + validation
        let lo = (all.map(\.1).min() ?? 0), hi = min(all.map(\.1).max() ?? 1, 4.5)
        let xMax = all.map(\.0).max() ?? 1
        let p = PlotArea(x: 70 + Double(k) * 440, y: 50, w: 360, h: 220, xMin: 0, xMax: xMax, yMin: floor(lo * 4) / 4, yMax: ceil(hi * 4) / 4)
        let yTicks = stride(from: p.yMin, through: p.yMax + 1e-9, by: 0.25).map { $0 }
        let xTicks = (0...4).map { Double($0) * xMax / 4 }
        svg.axes(p, xTicks: xTicks, yTicks: yTicks, xLabel: "step (\(task))", yLabel: "loss (nats/char)",
                 xFormat: { label($0, digits: 5) }, yFormat: { label($0, digits: 3) })
        svg.series(p, train.map { ($0.0, min($0.1, p.yMax)) }, color: Palette.blue, width: 1)
        svg.series(p, validation, color: Palette.orange, width: 2)
        for v in validation { svg.circle(p.px(v.0), p.py(v.1), 3, fill: Palette.orange) }
        if let last = validation.last { svg.text(p.x + p.w - 4, p.py(last.1) - 8, "val \(label(last.1, digits: 4))", size: 11, anchor: .end, fill: Palette.orange) }
        svg.legend(x: p.x + p.w - 150, y: p.y + 18, [("train (mean)", Palette.blue), ("validation", Palette.orange)])
    }
    var y = 320.0
    for (task, notes, _, _) in runs {
        for (i, n) in notes.enumerated() { svg.text(10, y, (i == 0 ? "\(task): " : "    ") + n, size: 10, fill: Palette.grey); y += 14 }
    }
    return .files([("lego-loss.svg", svg.rendered)])
}
#endif

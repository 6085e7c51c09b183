// Chapter 2's figures that need no download: the causal mask with a KV cache's offset, RoPE's
// pairing and rotation, llama.cpp's q/k row permutation, grouped-query heads and the cache's
// rows, and the bytes of the quantized GGUF blocks. The SmolLM2 ones are in LegoModelFigures.
#if DEBUG
import Foundation
@testable import dfdx
@testable import lego

let legoFigures: [Figure] = [
    Figure(name: "lego-causal-mask", lecture: "02") { .files([("lego-causal-mask.svg", causalMaskFigure())]) },
    Figure(name: "lego-rope-pairs", lecture: "02") { .files([("lego-rope-pairs.svg", ropePairsFigure())]) },
    Figure(name: "lego-rope-rotation", lecture: "02") { .files([("lego-rope-rotation.svg", ropeRotationFigure())]) },
    Figure(name: "lego-gqa-cache", lecture: "02") { .files([("lego-gqa-cache.svg", gqaCacheFigure())]) },
    Figure(name: "lego-quant-blocks", lecture: "02") { .files([("lego-quant-blocks.svg", try quantBlocksFigure())]) },
] + legoModelFigures + legoFileFigures + legoDiagnosticsFigures + legoRunFigures

/// v for reading attention weights off causalAttention: [1, heads, s, d] with v[j, j] = 1 (d >= s),
/// so output[i, j] = weight of key j for query i (the columns past s are 0).
func identityValues(s: Int, d: Int, heads: Int) -> Tensor {
    var v = [Float](repeating: 0, count: s * d)
    for j in 0..<s { v[j * d + j] = 1 }
    return Tensor(v, shape: [1, 1, s, d]).expand([1, heads, s, d])
}

/// causalAttention's weights with all scores equal, read off with identity values.
func attentionWeights(t: Int, s: Int) -> [[Double]] {
    let q = Tensor.zeros([1, 1, t, s]), k = Tensor.zeros([1, 1, s, s])
    let w = causalAttention(q, k, identityValues(s: s, d: s, heads: 1)).toArray()
    return (0..<t).map { i in (0..<s).map { j in Double(w[i * s + j]) } }
}

func causalMaskFigure() -> String {
    var svg = SVG(width: 720, height: 330)
    svg.text(10, 20, "causalAttention(q, k, v = I) with all scores equal: the weights are the mask, row by row", size: 13, bold: true)
    let cell = 34.0
    let panels: [(String, Int, Int)] = [("training: T = S = 6", 6, 6), ("generating with a cache: T = 2 new queries, S = 6 keys", 2, 6)]
    for (p, (title, t, s)) in panels.enumerated() {
        let x0 = 70 + Double(p) * 360, y0 = 80.0
        let w = attentionWeights(t: t, s: s)
        svg.text(x0 - 60, 46, title, size: 12)
        svg.heatMap(x: x0, y: y0, cell: cell, w, lo: 0, hi: 1, format: { label($0, digits: 2) },
                    rowLabels: (0..<t).map { "q\($0) @\(s - t + $0)" }, colLabels: (0..<s).map { "k\($0)" },
                    labelSize: 10, masked: { i, j in w[i][j] == 0 })
        if t < s {
            svg.text(x0, y0 + Double(t) * cell + 18, "query i sits at position S − T + i = \(s - t) + i:", size: 11)
            svg.text(x0, y0 + Double(t) * cell + 34, "it sees keys 0 … \(s - t) + i; the diagonal moves right by \(s - t)", size: 11)
        }
    }
    svg.text(10, 320, "grey · : the score was −inf before the softmax, so the weight is exactly 0 (and so is its gradient)", size: 10, fill: Palette.grey)
    return svg.rendered
}

/// rotate_half pairs dim i with i + D/2 (read off applyRotary); llama.cpp pairs 2i with 2i + 1;
/// unpermuteQK moves GGUF's rows to HF's order.
func ropePairsFigure() -> String {
    let d = 8
    let tables = RotaryTables(headDim: d, maxLen: 2, theta: 10000)
    // rotate e_i by position 1: the output is non-zero at i and at its partner
    let partner: [Int] = (0..<d).map { i in
        let e = Tensor((0..<d).map { $0 == i ? 1 : 0 }, shape: [1, 1, 1, d])
        let y = applyRotary(e, tables, start: 1).toArray()
        return (0..<d).first { $0 != i && abs(y[$0]) > 1e-6 } ?? -1
    }
    require(partner == (0..<d).map { ($0 + d / 2) % d }, "rotate_half pairs i with i + D/2")
    // rows labelled by their GGUF index, through the real unpermuteQK
    let rows = Tensor((0..<d).map(Float.init), shape: [d, 1])
    let fromGGUF = unpermuteQK(rows, heads: 1).toArray().map { Int($0) }   // HF row r = GGUF row fromGGUF[r]
    var svg = SVG(width: 760, height: 330)
    svg.text(10, 20, "Which dims RoPE rotates together, for one head of D = \(d)", size: 13, bold: true)
    let cw = 44.0, x0 = 200.0
    func rowOfCells(_ y: Double, _ labels: [String], fill: (Int) -> String) {
        for (i, l) in labels.enumerated() { svg.cell(x0 + Double(i) * cw, y, cw - 6, 26, l, fill: fill(i), size: 11) }
    }
    func arc(_ y: Double, _ i: Int, _ j: Int, up: Bool, colour: String) {
        let (a, b) = (x0 + Double(i) * cw + cw / 2 - 3, x0 + Double(j) * cw + cw / 2 - 3)
        let h = 10 + abs(Double(j - i)) * 7
        svg.path("M \(num(a)) \(num(y)) C \(num(a)) \(num(up ? y - h : y + h)) \(num(b)) \(num(up ? y - h : y + h)) \(num(b)) \(num(y))", stroke: colour, width: 1.5)
    }
    // HF / picograd: rotate_half
    svg.text(10, 84, "HF, picograd:", size: 12, bold: true)
    svg.text(10, 100, "rotate_half", size: 11, mono: true)
    rowOfCells(78, (0..<d).map { "x\($0)" }) { Palette.tints[$0 % (d / 2)] }
    for i in 0..<(d / 2) { arc(78, i, partner[i], up: true, colour: Palette.series[i]) }
    svg.text(x0 + Double(d) * cw + 10, 96, "pair (i, i + D/2), read off applyRotary", size: 11)
    // llama.cpp: adjacent pairs, in GGUF row order
    let y1 = 200.0
    svg.text(10, y1 + 6, "llama.cpp:", size: 12, bold: true)
    svg.text(10, y1 + 22, "rows in the GGUF", size: 11)
    let hfOf = (0..<d).map { g in fromGGUF.firstIndex(of: g) ?? -1 }
    rowOfCells(y1, (0..<d).map { "row \($0)" }) { Palette.tints[hfOf[$0] % (d / 2)] }
    for i in 0..<(d / 2) { arc(y1 + 26, 2 * i, 2 * i + 1, up: false, colour: Palette.series[i]) }
    svg.text(x0 + Double(d) * cw + 10, y1 + 18, "pair (2i, 2i + 1)", size: 11)
    // the permutation between them
    for r in 0..<d {
        let from = x0 + Double(fromGGUF[r]) * cw + cw / 2 - 3, to = x0 + Double(r) * cw + cw / 2 - 3
        svg.line(from, y1 - 2, to, 108, stroke: Palette.series[r % (d / 2)], width: 1, arrow: true)
    }
    svg.text(x0 + Double(d) * cw + 10, 150, "unpermuteQK(w, heads: 1):", size: 11, mono: true)
    svg.text(x0 + Double(d) * cw + 10, 166, "HF row r ← GGUF row", size: 11)
    svg.text(x0 + Double(d) * cw + 10, 182, fromGGUF.map(String.init).joined(separator: " "), size: 11, mono: true)
    svg.text(10, 312, "Same colour, same rotation angle. Applying HF's pairing to GGUF's rows would rotate the wrong dims together: the model runs and talks nonsense.", size: 11)
    return svg.rendered
}

/// One vector rotated to positions 0..<48 (pairs at four frequencies), and q·k depending only on distance.
func ropeRotationFigure() -> String {
    let d = 64, n = 48, theta: Float = 100000   // SmolLM2's head dim and base
    let tables = RotaryTables(headDim: d, maxLen: n, theta: theta)
    let ones = Tensor.ones([1, 1, 1, d]).expand([1, 1, n, d])
    let y = applyRotary(ones, tables, start: 0).toArray()
    var svg = SVG(width: 860, height: 360)
    svg.text(10, 20, "RoPE (head dim \(d), theta \(label(Double(theta), digits: 6))): the vector of ones at positions 0 … \(n - 1)", size: 13, bold: true)
    let pairs = [0, 4, 8, 16]
    for (k, i) in pairs.enumerated() {
        let cx = 80 + Double(k) * 130, cy = 130.0, r = 46.0
        svg.circle(cx, cy, r, fill: "none", stroke: "#ddd")
        svg.line(cx - r - 6, cy, cx + r + 6, cy, stroke: "#eee"); svg.line(cx, cy - r - 6, cx, cy + r + 6, stroke: "#eee")
        let pts = (0..<n).map { p in (cx + Double(y[p * d + i]) * r / 2.0.squareRoot(), cy - Double(y[p * d + i + d / 2]) * r / 2.0.squareRoot()) }
        svg.polyline(pts, stroke: Palette.series[k], width: 1)
        for (p, pt) in pts.enumerated() { svg.circle(pt.0, pt.1, p == 0 ? 3.5 : 1.8, fill: p == 0 ? "#222" : Palette.series[k]) }
        let freq = pow(Double(theta), -2 * Double(i) / Double(d))
        svg.text(cx, 200, "pair (x\(i), x\(i + d / 2))", size: 11, anchor: .middle, mono: true)
        svg.text(cx, 215, "\(label(freq, digits: 3)) rad / position", size: 10, anchor: .middle, fill: Palette.grey)
    }
    svg.text(20, 240, "Black: position 0. Early pairs turn fast (they tell near positions apart), late pairs barely move (they carry far context).", size: 11)
    // q·k for q at position a, k at position b: constant along diagonals
    let m = 12
    manualSeed(7)
    let q = Tensor.randn([1, 1, 1, d]).expand([1, 1, m, d]), kk = Tensor.randn([1, 1, 1, d]).expand([1, 1, m, d])
    let rq = applyRotary(q, tables, start: 0), rk = applyRotary(kk, tables, start: 0)
    let s = rq.matmul(rk.transpose(-2, -1)).toArray()
    let grid = (0..<m).map { a in (0..<m).map { b in Double(s[a * m + b]) } }
    for a in 1..<m { for b in 1..<m { require(abs(grid[a][b] - grid[a - 1][b - 1]) < 1e-3 * max(1, abs(grid[a][b])), "q·k depends on the distance only") } }
    let lo = grid.flatMap { $0 }.min() ?? 0, hi = grid.flatMap { $0 }.max() ?? 1
    svg.text(600, 48, "rot(q, a) · rot(k, b), a, b = 0 … \(m - 1)", size: 11)
    svg.heatMap(x: 620, y: 60, cell: 16, grid, lo: lo, hi: hi)
    svg.text(600, 270, "rows a (query position), columns b (key position):", size: 10, fill: Palette.grey)
    svg.text(600, 284, "constant along each diagonal, so attention", size: 10, fill: Palette.grey)
    svg.text(600, 298, "sees only the distance a − b", size: 10, fill: Palette.grey)
    return svg.rendered
}

/// Grouped-query heads (repeatKV for whole sequences, a regrouping of the query rows with the
/// cache) and a KV cache filling in place over three calls.
func gqaCacheFigure() -> String {
    let (h, kv) = (9, 3)
    let heads = Tensor((0..<kv).map(Float.init), shape: [1, kv, 1, 1])
    let served = repeatKV(heads, h / kv).toArray().map { Int($0) }
    // the cached path: q [1, 9, T = 1, 1] labelled by head, viewed as [1, 3, 3 * T, 1]
    let grouped = Tensor((0..<h).map(Float.init), shape: [1, h, 1, 1]).reshape([1, kv, h / kv, 1]).toArray().map { Int($0) }
    require((0..<h).allSatisfy { served[$0] == grouped.firstIndex(of: $0)! / (h / kv) }, "both paths pair query head i with key head i / 3")
    var svg = SVG(width: 880, height: 400)
    svg.text(10, 20, "Grouped-query attention and the KV cache", size: 13, bold: true)
    let qw = 44.0, x0 = 40.0
    for i in 0..<h {
        svg.cell(x0 + Double(i) * qw, 50, qw - 6, 24, "q\(i)", fill: Palette.tints[served[i]], size: 11)
        let kx = x0 + (Double(served[i]) * 3 + 1) * qw + qw / 2 - 3
        svg.line(x0 + Double(i) * qw + qw / 2 - 3, 76, kx, 118, stroke: Palette.series[served[i]], arrow: true)
    }
    for j in 0..<kv { svg.cell(x0 + (Double(j) * 3 + 1) * qw, 120, qw - 6, 24, "kv\(j)", fill: Palette.tints[j], size: 11, bold: true) }
    svg.text(x0, 166, "query head i reads key/value head i / \(h / kv): the cache stores \(kv) heads, not \(h)", size: 11)
    svg.text(x0, 182, "whole sequence: repeatKV(k, \(h / kv)) copies each key head to its \(h / kv) query heads", size: 10, fill: Palette.grey)
    svg.text(x0, 196, "with the cache: q is viewed as [B, \(kv), \(h / kv)·T, D], three query heads as rows of one key head;", size: 10, fill: Palette.grey)
    svg.text(x0, 210, "query rows of key head j: heads " + (0..<kv).map { j in grouped[(j * (h / kv))..<((j + 1) * (h / kv))].map(String.init).joined(separator: ", ") }.joined(separator: " | "), size: 10, fill: Palette.grey)

    // a tiny llama: a 4-token prompt, then one token twice; which cache rows hold data after each call
    manualSeed(3)
    let model = Llama(config: LlamaConfig(dim: 12, nLayers: 1, nHeads: 3, nKVHeads: 1, hiddenDim: 16, vocabSize: 10, maxSeqLen: 32))
    var cache: KVCache? = nil
    let calls: [[Int]] = [[1, 2, 3, 4], [5], [6]]
    var counts: [Int] = [], filled: [[Bool]] = [], last: [Float] = []
    withNoGrad {
        for ids in calls {
            let logits = model.forward(ids, cache: &cache)
            guard let c = cache else { fatalError("figures: the forward made no cache") }
            counts.append(c.count)
            let rows = c.keys[0].toArray(), d = c.keys[0].shape[3]
            filled.append((0..<c.capacity).map { p in rows[(p * d)..<((p + 1) * d)].contains { $0 != 0 } })
            last = logits.slice(dim: 0, start: ids.count - 1, end: ids.count).toArray()
        }
    }
    guard let c = cache else { fatalError("figures: no cache") }
    for (k, n) in counts.enumerated() { require(filled[k] == (0..<c.capacity).map { $0 < n }, "call \(k + 1) filled rows 0..<\(n) in place") }
    let full = withNoGrad { model(calls.flatMap { $0 }).slice(dim: 0, start: 5, end: 6).toArray() }
    require(zip(last, full).allSatisfy { abs($0 - $1) < 1e-4 }, "the cached forward gives the full forward's logits")
    let cx0 = 500.0, rh = 17.0
    let span = KVCache.span(filled: counts.last ?? 1, capacity: c.capacity)
    svg.text(cx0, 48, "one layer's cache: capacity \(c.capacity) rows, made once, zeroed", size: 11)
    for (k, ids) in calls.enumerated() {
        let x = cx0 + Double(k) * 112
        let before = k == 0 ? 0 : counts[k - 1]
        let s = KVCache.span(filled: counts[k], capacity: c.capacity)
        svg.text(x, 68, "call \(k + 1): T = \(ids.count)", size: 10, mono: true)
        svg.text(x, 81, "count \(counts[k]), span \(s)", size: 10, mono: true, fill: Palette.grey)
        for p in 0..<s {
            let isNew = p >= before && p < counts[k]
            let fill = isNew ? Palette.tints[1] : filled[k][p] ? Palette.light : "#fff"
            svg.cell(x, 88 + Double(p) * rh, 100, rh - 2, filled[k][p] ? "pos \(p): k, v" : "0 (masked)", fill: fill, size: 9,
                     textFill: filled[k][p] ? "#222" : Palette.grey, bold: isNew)
        }
    }
    let below = 88 + Double(span) * rh
    svg.text(cx0, below + 12, "rows \(span)-\(c.capacity - 1): not read until the count passes \(span)", size: 10, fill: Palette.grey)
    svg.text(cx0, below + 26, "orange: written in place by this call; grey: written before; white: read but masked", size: 10, fill: Palette.grey)
    svg.text(10, 250, "A call with T new tokens writes their keys (after RoPE) and values into rows count ..< count + T,", size: 11)
    svg.text(10, 266, "then attends with T queries to the first span rows: the filled length rounded up to a power of two", size: 11)
    svg.text(10, 282, "(at least 16), masked past each query's position, so decode steps have few distinct shapes.", size: 11)
    svg.text(10, 298, "The last call's logits equal a full forward of all 6 tokens (checked).", size: 11)
    return svg.rendered
}
#endif

#if DEBUG
/// One block of each quantized type, written into a GGUF in memory and read back by the real reader.
func quantBlocksFigure() throws -> String {
    func half(_ x: Float) -> [UInt8] { let h = floatToHalf(x); return [UInt8(h & 0xFF), UInt8(h >> 8)] }
    let nibbles = (0..<16).map { j in UInt8(15 - j) << 4 | UInt8(j) }   // low nibble j, high nibble 15 - j
    let blocks: [(GGUFTensorType, String, [UInt8], [(String, Int)])] = [
        (.q8_0, "x = d · q", half(0.25) + (0..<32).map { UInt8(bitPattern: Int8($0 - 16)) }, [("d", 2), ("q0 … q31: signed bytes", 32)]),
        (.q4_0, "x = d · (q − 8)", half(0.5) + nibbles, [("d", 2), ("16 bytes, two 4-bit q each", 16)]),
        (.q4_1, "x = d · q + m", half(0.5) + half(-2) + nibbles, [("d", 2), ("m", 2), ("16 bytes, two 4-bit q each", 16)]),
    ]
    var writer = GGUFWriter()
    for (type, _, bytes, _) in blocks { writer.addTensor(type.name, dims: [32], type: type, data: bytes) }
    let file = try GGUFFile(bytes: writer.bytes())
    let bw = 27.0, x0 = 100.0, rowH = 150.0
    var svg = SVG(width: x0 + 36 * bw + 20, height: 50 + rowH * 3)
    svg.text(10, 20, "One block of 32 weights in each quantized type, as bytes and as the floats the GGUF reader returns", size: 13, bold: true)
    for (r, (type, formula, bytes, fields)) in blocks.enumerated() {
        guard let info = file.info(type.name) else { fatalError("figures: the block \(type.name) is missing") }
        let values = try file.floats(info)
        require(bytes.count == type.block.bytes && values.count == 32, "\(type.name): \(type.block.bytes) bytes hold 32 values")
        let y = 44 + Double(r) * rowH
        svg.text(10, y + 18, type.name, size: 14, bold: true)
        svg.text(10, y + 34, "\(bytes.count) bytes", size: 11)
        svg.text(10, y + 50, formula, size: 11, mono: true)
        svg.text(10, y + 64, "\(label(Double(bytes.count * 8) / 32, digits: 3)) bits/weight", size: 10, fill: Palette.grey)
        // the bytes, grouped by field
        var at = 0
        for (f, (name, n)) in fields.enumerated() {
            let fx = x0 + Double(at) * bw
            svg.text(fx, y + 8, name, size: 10, fill: Palette.grey)
            for k in 0..<n {
                let isHeader = f < fields.count - 1
                let s = isHeader ? "" : String(format: "%02X", bytes[at + k])
                svg.cell(fx + Double(k) * bw, y + 14, bw - 2, 20, s, fill: isHeader ? Palette.tints[3] : Palette.light, size: 9)
            }
            if f < fields.count - 1 {
                svg.text(fx + Double(n) * bw / 2 - 1, y + 28, "f16", size: 9, anchor: .middle, fill: Palette.red)
            }
            at += n
        }
        // the values
        let vy = y + 96
        svg.text(x0 - 8, vy + 14, "x0 … x31", size: 10, anchor: .end, fill: Palette.grey)
        for j in 0..<32 {
            let fill = type == .q8_0 ? Palette.tints[0] : j < 16 ? Palette.tints[0] : Palette.tints[1]
            svg.cell(x0 + Double(j) * bw, vy, bw - 2, 20, label(Double(values[j]), digits: 3), fill: fill, size: 8)
        }
        let qStart = bytes.count - (type == .q8_0 ? 32 : 16)
        let shown = type == .q8_0 ? [0, 1, 31] : [0, 1, 15]
        for j in shown {
            let bx = x0 + Double(qStart + j) * bw + bw / 2 - 1
            if type == .q8_0 {
                svg.line(bx, y + 36, x0 + Double(j) * bw + bw / 2 - 1, vy - 2, stroke: Palette.blue, arrow: true)
            } else {
                svg.line(bx - 4, y + 36, x0 + Double(j) * bw + bw / 2 - 1, vy - 2, stroke: Palette.blue, arrow: true)
                svg.line(bx + 4, y + 36, x0 + Double(j + 16) * bw + bw / 2 - 1, vy - 2, stroke: Palette.orange, arrow: true)
            }
        }
        if type != .q8_0 {
            require(values[0] != values[16] && values[1] != values[17], "\(type.name): high nibbles hold the second half")
            svg.text(x0, vy + 36, "byte j: low nibble (blue) → x_j, high nibble (orange) → x_(j+16); not x_2j, x_2j+1", size: 10, fill: Palette.grey)
        } else {
            svg.text(x0, vy + 36, "byte j → x_j, scaled by d", size: 10, fill: Palette.grey)
        }
    }
    return svg.rendered
}
#endif

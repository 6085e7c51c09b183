// Chapter 1's figures: views over one buffer, the strided walk, broadcasting and expand's
// VJP, a recorded autodiff graph, and a Jacobian by rows (VJP) and by columns (JVP).
#if DEBUG
import Foundation
@testable import dfdx

let dfdxFigures: [Figure] = [
    Figure(name: "dfdx-scalar-graph", lecture: "01") { scalarGraphFigure() },
    Figure(name: "dfdx-views", lecture: "01") { .files([("dfdx-views.svg", viewsFigure())]) },
    Figure(name: "dfdx-walk", lecture: "01") { .files([("dfdx-walk.svg", walkFigure())]) },
    Figure(name: "dfdx-broadcast", lecture: "01") { .files([("dfdx-broadcast.svg", broadcastFigure())]) },
    Figure(name: "dfdx-graph", lecture: "01") { graphFigure() },
    Figure(name: "dfdx-jacobian", lecture: "01") { .files([("dfdx-jacobian.svg", jacobianFigure())]) },
    Figure(name: "dfdx-grad-of-grad", lecture: "01") { gradOfGradFigure() },
]

/// Stops the generator when a figure's own cross-check fails (the figure would be wrong).
func require(_ ok: Bool, _ what: @autoclosure () -> String) {
    if !ok { FileHandle.standardError.write(Data("figures: check failed: \(what())\n".utf8)); exit(1) }
}

func shapeText(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }

/// Buffer positions of every element of a 2-D view, from its shape, strides and offset.
func bufferIndices(_ t: Tensor) -> [[Int]] {
    (0..<t.shape[0]).map { i in (0..<t.shape[1]).map { j in t.offset + i * t.strides[0] + j * t.strides[1] } }
}

/// Five views of one 12-element buffer: each grid cell shows the buffer slot it reads.
func viewsFigure() -> String {
    let x = Tensor((0..<12).map(Float.init), shape: [3, 4])
    let views: [(String, Tensor)] = [
        ("x = arange(12) as [3, 4]", x),
        ("x.reshape([2, 6])", x.reshape([2, 6])),
        ("x.transpose(0, 1)", x.transpose(0, 1)),
        ("x.slice(dim: 1, start: 1, end: 3)", x.slice(dim: 1, start: 1, end: 3)),
        ("x.slice(dim: 0, start: 1, end: 2)\n    .expand([3, 4])", x.slice(dim: 0, start: 1, end: 2).expand([3, 4])),
    ]
    let colW = 236.0, cell = 24.0, top = 84.0
    var svg = SVG(width: colW * Double(views.count) + 20, height: 330)
    svg.text(10, 20, "One buffer, five views: each cell shows the buffer slot element (i, j) reads, offset + i·strides[0] + j·strides[1]", size: 13, bold: true)
    for (k, (name, v)) in views.enumerated() {
        let x0 = 14 + Double(k) * colW
        let lines = name.split(separator: "\n").map(String.init)
        for (l, s) in lines.enumerated() { svg.text(x0, 42 + Double(l) * 13, s, size: 11, mono: true) }
        let idx = bufferIndices(v)
        // the view's values must be the buffer slots (the buffer holds 0, 1, 2, ...)
        require(v.toArray() == idx.flatMap { $0 }.map(Float.init), "view \(name) reads the slots its strides say")
        let gy = top + 16
        svg.text(x0, gy - 18, "shape \(shapeText(v.shape))", size: 11, mono: true, fill: Palette.blue)
        svg.text(x0, gy - 4, "strides \(shapeText(v.strides))  offset \(v.offset)", size: 11, mono: true, fill: Palette.blue)
        for (i, row) in idx.enumerated() {
            for (j, b) in row.enumerated() {
                svg.cell(x0 + Double(j) * cell, gy + 4 + Double(i) * cell, cell, cell, "\(b)", fill: Palette.tints[0])
            }
        }
        // the buffer, with how often this view reads each slot
        var reads = [Int](repeating: 0, count: 12)
        for b in idx.flatMap({ $0 }) { reads[b] += 1 }
        let by = 252.0, bw = 18.0
        svg.text(x0, by - 6, "the buffer: slots this view reads", size: 10, fill: Palette.grey)
        for s in 0..<12 {
            let fill = reads[s] == 0 ? "#fff" : reads[s] == 1 ? Palette.tints[0] : Palette.tints[1]
            svg.cell(x0 + Double(s) * bw, by, bw, bw, "\(s)", fill: fill, size: 8)
            if reads[s] > 1 { svg.text(x0 + (Double(s) + 0.5) * bw, by + bw + 11, "×\(reads[s])", size: 8, anchor: .middle, fill: reads[s] > 1 ? Palette.orange : Palette.grey) }
        }
        svg.text(x0, by + 44, v.isContiguous ? "contiguous" : "not contiguous", size: 10, fill: v.isContiguous ? Palette.green : Palette.red, italic: true)
    }
    return svg.rendered
}

/// The reference backend's `walk` over a permuted view: the order it visits the buffer.
func walkFigure() -> String {
    let x = Tensor((0..<12).map(Float.init), shape: [3, 2, 2]).permute([1, 0, 2])   // shape [2, 3, 2]
    var trace: [(i: Int, a: Int)] = []
    walk(x.shape, x.strides, x.offset) { i, a, _, _ in trace.append((i, a)) }
    require(trace.map { Float($0.a) } == x.toArray(), "walk visits the slots the view holds")
    let shape = x.shape
    func digits(_ i: Int) -> [Int] { [i / (shape[1] * shape[2]), i / shape[2] % shape[1], i % shape[2]] }
    let colW = 62.0, left = 150.0
    var svg = SVG(width: left + colW * 12 + 20, height: 380)
    svg.text(10, 20, "walk(shape \(shapeText(shape)), strides \(shapeText(x.strides)), offset \(x.offset)): x = arange(12) as [3, 2, 2], .permute([1, 0, 2])", size: 13, bold: true)
    let rows = ["step i (output slot)", "index (i0, i1, i2)", "a: slot read in x", "how the walk got there"]
    for (r, name) in rows.enumerated() { svg.text(10, 62 + Double(r) * 30, name, size: 11) }
    for (k, step) in trace.enumerated() {
        let cx = left + Double(k) * colW
        let d = digits(step.i)
        let run = step.i / shape[2] % 2 == 0 ? Palette.tints[0] : Palette.tints[2]
        svg.cell(cx, 46, colW - 4, 24, "\(step.i)", fill: "#fff")
        svg.cell(cx, 76, colW - 4, 24, "(\(d[0]), \(d[1]), \(d[2]))", fill: run)
        svg.cell(cx, 106, colW - 4, 24, "\(step.a)", fill: run, bold: true)
        if k > 0 {
            // the walk keeps a at the start of each inner run; within a run it adds j * stride
            let prev = digits(trace[k - 1].i), (s0, s1, s2) = (x.strides[0], x.strides[1], x.strides[2])
            let how: String
            if d[0] != prev[0] { how = "+\(s1) −\(s1)·\(shape[1]) +\(s0)" }
            else if d[1] != prev[1] { how = "carry: +\(s1)" }
            else { how = "j=\(d[2]): +\(d[2] * s2)" }
            svg.text(cx + colW / 2 - 2, 152, how, size: 10, anchor: .middle, fill: how.hasPrefix("j=") ? Palette.grey : Palette.red)
        }
    }
    svg.text(left, 182, "The inner dim (i2, stride \(x.strides[2])) is a plain for loop; each carry adds the next dim's stride, and a dim that wraps subtracts stride × size.", size: 11)
    svg.text(left, 198, "Carries move the run's start: after step 5, d1 wraps (+\(x.strides[1]), then −\(x.strides[1]) × \(shape[1])) and d0 steps (+\(x.strides[0])), so the run starting at step 6 begins at slot 2.", size: 11)
    // the buffer, each slot labelled with the step that read it, and the path between them
    let by = 250.0, bw = 56.0
    svg.text(10, by + 20, "x's buffer", size: 11)
    svg.text(10, by + 34, "(the step that reads it)", size: 10, fill: Palette.grey)
    var stepOf = [Int](repeating: 0, count: 12)
    for s in trace { stepOf[s.a] = s.i }
    for s in 0..<12 {
        svg.cell(left + Double(s) * bw, by, bw - 4, 30, "slot \(s)", fill: Palette.light, size: 10)
        svg.text(left + Double(s) * bw + bw / 2 - 2, by + 46, "step \(stepOf[s])", size: 10, anchor: .middle, fill: Palette.blue)
    }
    for k in 1..<trace.count {
        let (a0, a1) = (Double(trace[k - 1].a), Double(trace[k].a))
        let x0 = left + a0 * bw + bw / 2 - 2, x1 = left + a1 * bw + bw / 2 - 2
        let lift = 14 + abs(a1 - a0) * 3.2
        svg.path("M \(num(x0)) \(num(by)) Q \(num((x0 + x1) / 2)) \(num(by - lift)) \(num(x1)) \(num(by))",
                 stroke: a1 - a0 == 1 ? Palette.grey : Palette.red, width: 1, arrow: true)
    }
    return svg.rendered
}

/// Broadcasting [2, 1, 3] with [4, 1], and the VJP of expand summing over broadcast dims.
func broadcastFigure() -> String {
    let a = [2, 1, 3], b = [4, 1]
    guard let out = broadcastShapes(a, b) else { fatalError("figures: [2, 1, 3] and [4, 1] must broadcast") }
    var svg = SVG(width: 900, height: 330)
    svg.text(10, 20, "Broadcasting aligns shapes from the right; expand's VJP sums the gradient over the broadcast dims", size: 13, bold: true)
    let cw = 40.0, x0 = 120.0
    let rows: [(String, [Int])] = [("a", a), ("b", b), ("a + b", out)]
    for (r, (name, s)) in rows.enumerated() {
        let y = 46 + Double(r) * 34
        svg.text(10, y + 18, name, size: 12, mono: true)
        let pad = out.count - s.count
        for i in 0..<out.count {
            let x = x0 + Double(i) * cw
            if i < pad {
                svg.cell(x, y, cw - 4, 26, "1", fill: "#fff", stroke: Palette.grey, textFill: Palette.grey, dash: "3 2")
            } else {
                let d = s[i - pad]
                let stretched = r < 2 && d == 1 && out[i] != 1
                svg.cell(x, y, cw - 4, 26, "\(d)", fill: r == 2 ? Palette.tints[2] : stretched ? Palette.tints[1] : Palette.tints[0], bold: r == 2)
            }
        }
        if r < 2 {
            let strides = Tensor.zeros(s).expand(out).strides
            svg.text(x0 + Double(out.count) * cw + 10, y + 18, "expand to \(shapeText(out)): strides \(shapeText(strides))", size: 11, mono: true, fill: Palette.blue)
        }
    }
    svg.text(10, 168, "dashed: a missing dim counts as 1; orange: a size-1 dim that is stretched (stride 0)", size: 10, fill: Palette.grey)

    // the VJP: y = b.expand([2, 4, 3]); L = (y * w).sum(); dL/db = sum of w over dims 0 and 2
    let w = Tensor((0..<24).map { Float($0) }, shape: [2, 4, 3])
    let leaf = Tensor([0, 0, 0, 0], shape: [4, 1], requiresGrad: true)
    (leaf.expand([2, 4, 3]) * w).sum().backward()
    guard let g = leaf.grad?.toArray() else { fatalError("figures: expand's leaf has no gradient") }
    let wv = w.toArray()
    for r in 0..<4 {
        var expected: Float = 0
        for i in 0..<2 { for j in 0..<3 { expected += wv[i * 12 + r * 3 + j] } }
        require(g[r] == expected, "expand's VJP sums row \(r)")
    }
    let gy = 200.0, c = 22.0
    svg.text(10, gy - 8, "b: [4, 1] → expand([2, 4, 3]) → L = (· × w).sum();  the gradient arriving at the expanded view is w:", size: 11)
    for i in 0..<2 {
        let gx = 20 + Double(i) * 100
        svg.text(gx, gy + 12, "w[\(i)]", size: 10, mono: true, fill: Palette.grey)
        for r in 0..<4 { for j in 0..<3 { svg.cell(gx + Double(j) * c, gy + 18 + Double(r) * c, c, c, label(Double(wv[i * 12 + r * 3 + j])), fill: Palette.tints[1], size: 9) } }
    }
    svg.line(240, gy + 62, 420, gy + 62, arrow: true)
    svg.text(330, gy + 54, "sum over dims 0 and 2", size: 11, anchor: .middle)
    svg.text(330, gy + 80, "(the dims expand stretched)", size: 10, anchor: .middle, fill: Palette.grey)
    svg.text(440, gy + 12, "b.grad [4, 1]", size: 10, mono: true, fill: Palette.grey)
    for r in 0..<4 { svg.cell(440, gy + 18 + Double(r) * c, 36, c, label(Double(g[r])), fill: Palette.tints[2], size: 10, bold: true) }
    svg.text(500, gy + 40, "row r: Σ over i, j of w[i, r, j]", size: 11)
    svg.text(500, gy + 58, "e.g. \(label(Double(g[0]))) = 0+1+2 + 12+13+14", size: 11, mono: true)
    svg.text(500, gy + 84, "An input read many times receives the sum", size: 11)
    svg.text(500, gy + 100, "of the gradients of all its copies.", size: 11)
    return svg.rendered
}
#endif

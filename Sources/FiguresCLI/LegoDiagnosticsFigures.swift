// Training diagnostics in the spirit of makemore: the names MLP's tanh activations and hidden
// gradients at initialization and after the first 300 steps of `picograd train names`
// (the same run: lego's CharTrainingRun with its defaults and seed), and each parameter's
// update-to-data ratio step by step. Deterministic (seeded), so it is redrawn and checked.
#if DEBUG
import Foundation
@testable import dfdx
@testable import lego

let legoDiagnosticsFigures: [Figure] = [
    Figure(name: "lego-diagnostics", lecture: "02") { try diagnosticsFigure() },
]

/// Counts of `values` in `bins` equal bins over [lo, hi], as fractions.
func histogram(_ values: [Float], bins: Int, lo: Double, hi: Double) -> [Double] {
    var h = [Double](repeating: 0, count: bins)
    for v in values {
        let b = Int((Double(v) - lo) / (hi - lo) * Double(bins))
        h[min(max(b, 0), bins - 1)] += 1
    }
    return h.map { $0 / Double(max(values.count, 1)) }
}

func standardDeviation(_ x: [Float]) -> Double {
    let n = Double(x.count), mean = x.reduce(0.0) { $0 + Double($1) } / n
    return (x.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / n).squareRoot()
}

func diagnosticsFigure() throws -> Figure.Result {
    let text: String
    do { text = try loadDataset("names.txt") } catch { return .skipped("needs names.txt (scripts/fetch-data, or PICOGRAD_DATA)") }
    let steps = 300
    let run = CharTrainingRun(task: "names", text: text, options: RunOptions.defaults(for: "names"))
    guard let model = run.model as? MLPLanguageModel else { fatalError("figures: the names run is not the MLP") }
    // a fixed batch: every 3-character context of the first 100 names
    let boundary = run.tokenizer.encode("\n")[0]
    var x: [Int] = [], y: [Int] = []
    for name in text.split(separator: "\n").prefix(100) {
        var context = [boundary, boundary, boundary]
        for id in run.tokenizer.encode(String(name)) + [boundary] {
            x += context; y.append(id)
            context = Array(context.dropFirst()) + [id]
        }
    }
    let b = y.count
    func probe() -> (tanh: [Float], grad: [Float]) {
        for p in model.parameters() { p.grad = nil }
        let h = model.hidden(model.wte(x, shape: [b, 3]).reshape([b, -1])).tanh()
        crossEntropy(model.output(h), targets: y).backward()
        let g = model.hidden.weight.grad?.toArray() ?? []
        for p in model.parameters() { p.grad = nil }
        return (h.toArray(), g)
    }
    let before = probe()
    let named = model.namedParameters().filter { $0.1.rank == 2 }
    var ratios: [[Double]] = named.map { _ in [] }
    for _ in 0..<steps {
        let old = named.map { $0.1.toArray() }
        _ = run.takeStep()
        for (k, (_, p)) in named.enumerated() {
            let now = p.toArray()
            let update = zip(now, old[k]).map { $0 - $1 }
            ratios[k].append(log10(max(standardDeviation(update) / max(standardDeviation(now), 1e-12), 1e-12)))
        }
    }
    let after = probe()
    var svg = SVG(width: 960, height: 330)
    svg.text(10, 20, "The names MLP (\(model.parameterCount) parameters) at initialization and after \(steps) steps of picograd train names (seed \(run.options.seed), AdamW, warmup \(run.options.warmup))", size: 13, bold: true)
    // 1: tanh activations
    let bins = 40
    let p1 = PlotArea(x: 60, y: 50, w: 250, h: 200, xMin: -1, xMax: 1, yMin: 0, yMax: 0.25)
    let h0 = histogram(before.tanh, bins: bins, lo: -1, hi: 1), h1 = histogram(after.tanh, bins: bins, lo: -1, hi: 1)
    let top1 = max(h0.max() ?? 0, h1.max() ?? 0)
    let q1 = PlotArea(x: p1.x, y: p1.y, w: p1.w, h: p1.h, xMin: -1, xMax: 1, yMin: 0, yMax: max(0.05, (top1 * 20).rounded(.up) / 20))
    svg.axes(q1, xTicks: [-1, -0.5, 0, 0.5, 1], yTicks: stride(from: 0, through: q1.yMax, by: q1.yMax / 5).map { $0 },
             xLabel: "tanh output (\(b) contexts × 200 units)", yLabel: "fraction")
    for (h, c) in [(h0, Palette.blue), (h1, Palette.orange)] {
        svg.series(q1, h.enumerated().map { (-1 + (Double($0.offset) + 0.5) * 2 / Double(bins), $0.element) }, color: c)
    }
    let saturated = { (v: [Float]) in Double(v.filter { abs($0) > 0.99 }.count) / Double(v.count) }
    svg.legend(x: q1.x + 10, y: q1.y + 16, [("init: |t| > 0.99 for \(label(100 * saturated(before.tanh), digits: 2))%", Palette.blue),
                                              ("step \(steps): \(label(100 * saturated(after.tanh), digits: 2))%", Palette.orange)])
    // 2: gradient of the hidden weight
    let gmax = Double(max(before.grad.map { abs($0) }.max() ?? 1, after.grad.map { abs($0) }.max() ?? 1))
    let g0 = histogram(before.grad, bins: bins, lo: -gmax, hi: gmax), g1 = histogram(after.grad, bins: bins, lo: -gmax, hi: gmax)
    let top2 = max(g0.max() ?? 0, g1.max() ?? 0)
    let q2 = PlotArea(x: 380, y: 50, w: 250, h: 200, xMin: -gmax, xMax: gmax, yMin: 0, yMax: max(0.05, (top2 * 10).rounded(.up) / 10))
    svg.axes(q2, xTicks: [-gmax, -gmax / 2, 0, gmax / 2, gmax], yTicks: stride(from: 0, through: q2.yMax, by: q2.yMax / 5).map { $0 },
             xLabel: "dL/d hidden.weight", yLabel: "fraction", xFormat: { label($0, digits: 2) })
    for (h, c) in [(g0, Palette.blue), (g1, Palette.orange)] {
        svg.series(q2, h.enumerated().map { (-gmax + (Double($0.offset) + 0.5) * 2 * gmax / Double(bins), $0.element) }, color: c)
    }
    svg.legend(x: q2.x + 10, y: q2.y + 16, [("init: std \(label(standardDeviation(before.grad), digits: 2))", Palette.blue),
                                              ("step \(steps): std \(label(standardDeviation(after.grad), digits: 2))", Palette.orange)])
    // 3: update-to-data ratios
    let all = ratios.flatMap { $0 }
    let q3 = PlotArea(x: 700, y: 50, w: 240, h: 200, xMin: 1, xMax: Double(steps), yMin: floor(all.min() ?? -5), yMax: ceil(all.max() ?? -1))
    svg.axes(q3, xTicks: [1, 100, 200, 300], yTicks: stride(from: q3.yMin, through: q3.yMax, by: 1).map { $0 },
             xLabel: "step", yLabel: "log10 std(update) / std(weight)")
    svg.line(q3.x, q3.py(-3), q3.x + q3.w, q3.py(-3), stroke: Palette.grey, dash: "4 3")
    for (k, r) in ratios.enumerated() { svg.series(q3, r.enumerated().map { (Double($0.offset + 1), $0.element) }, color: Palette.series[k], width: 1) }
    svg.legend(x: q3.x + 10, y: q3.y + q3.h - 8 - 16 * Double(named.count - 1), named.enumerated().map { ("\($0.element.0): \(label(pow(10, ratios[$0.offset].last ?? 0), digits: 2))", Palette.series[$0.offset]) })
    svg.text(10, 300, "Left: how many hidden units saturate (tanh near ±1, where its gradient vanishes). Middle: the hidden weight's gradient on the same fixed batch.", size: 11)
    svg.text(10, 316, "Right: each weight matrix's update relative to its spread, every step (last value in the legend); dashed: makemore's rule of thumb, 1e-3.", size: 11)
    return .files([("lego-diagnostics.svg", svg.rendered)])
}
#endif

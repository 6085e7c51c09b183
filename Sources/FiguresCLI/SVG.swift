// A small SVG writer for the lectures' figures: boxes, text, lines, arrows, heat maps and
// line plots. No plotting package: each figure places its own elements. Numbers are printed
// with at most two decimals, so the same figure is the same bytes on every run.
import Foundation

/// A number as SVG wants it: at most two decimals, no trailing zeros, never "-0".
func num(_ x: Double) -> String {
    let r = (x * 100).rounded() / 100
    if r == 0 { return "0" }
    var s = String(format: "%.2f", r)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s
}

/// A value for a label: `digits` significant digits, plain notation where it is short.
func label(_ x: Double, digits: Int = 3) -> String {
    if x == 0 { return "0" }
    var s = String(format: "%.\(digits)g", x)
    if s.hasPrefix("-0") && Double(s) == 0 { s = "0" }
    return s
}

/// Text made safe for XML.
func escapeXML(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

/// One SVG document, built element by element in drawing order.
struct SVG {
    enum Anchor: String { case start, middle, end }
    let width: Double
    let height: Double
    private var parts: [String] = []

    init(width: Double, height: Double) { self.width = width; self.height = height }

    mutating func raw(_ element: String) { parts.append(element) }

    mutating func rect(_ x: Double, _ y: Double, _ w: Double, _ h: Double, fill: String = "none",
                       stroke: String? = "#444", strokeWidth: Double = 1, dash: String? = nil, rx: Double = 0) {
        var s = "<rect x=\"\(num(x))\" y=\"\(num(y))\" width=\"\(num(w))\" height=\"\(num(h))\" fill=\"\(fill)\""
        if let stroke { s += " stroke=\"\(stroke)\" stroke-width=\"\(num(strokeWidth))\"" }
        if let dash { s += " stroke-dasharray=\"\(dash)\"" }
        if rx > 0 { s += " rx=\"\(num(rx))\"" }
        parts.append(s + "/>")
    }

    mutating func text(_ x: Double, _ y: Double, _ t: String, size: Double = 12, anchor: Anchor = .start,
                       bold: Bool = false, mono: Bool = false, fill: String = "#222", italic: Bool = false,
                       rotate: Double? = nil) {
        var s = "<text x=\"\(num(x))\" y=\"\(num(y))\" font-size=\"\(num(size))\""
        if anchor != .start { s += " text-anchor=\"\(anchor.rawValue)\"" }
        if bold { s += " font-weight=\"bold\"" }
        if italic { s += " font-style=\"italic\"" }
        if mono { s += " font-family=\"ui-monospace, Menlo, Consolas, monospace\"" }
        if fill != "#222" { s += " fill=\"\(fill)\"" }
        if let rotate { s += " transform=\"rotate(\(num(rotate)) \(num(x)) \(num(y)))\"" }
        if t.hasPrefix(" ") || t.contains("  ") { s += " xml:space=\"preserve\" style=\"white-space: pre\"" }
        parts.append(s + ">" + escapeXML(t) + "</text>")
    }

    mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String = "#444",
                       width: Double = 1, dash: String? = nil, arrow: Bool = false) {
        var s = "<line x1=\"\(num(x1))\" y1=\"\(num(y1))\" x2=\"\(num(x2))\" y2=\"\(num(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(num(width))\""
        if let dash { s += " stroke-dasharray=\"\(dash)\"" }
        if arrow { s += " marker-end=\"url(#arrow)\"" }
        parts.append(s + "/>")
    }

    mutating func polyline(_ points: [(Double, Double)], stroke: String = "#444", width: Double = 1.5,
                           fill: String = "none", dash: String? = nil) {
        let p = points.map { "\(num($0.0)),\(num($0.1))" }.joined(separator: " ")
        var s = "<polyline points=\"\(p)\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"\(num(width))\" stroke-linejoin=\"round\""
        if let dash { s += " stroke-dasharray=\"\(dash)\"" }
        parts.append(s + "/>")
    }

    mutating func circle(_ cx: Double, _ cy: Double, _ r: Double, fill: String = "#444", stroke: String? = nil) {
        var s = "<circle cx=\"\(num(cx))\" cy=\"\(num(cy))\" r=\"\(num(r))\" fill=\"\(fill)\""
        if let stroke { s += " stroke=\"\(stroke)\"" }
        parts.append(s + "/>")
    }

    /// A path (`d` in SVG path syntax), optionally ending in an arrow head.
    mutating func path(_ d: String, stroke: String = "#444", width: Double = 1, fill: String = "none",
                       arrow: Bool = false, dash: String? = nil) {
        var s = "<path d=\"\(d)\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"\(num(width))\""
        if let dash { s += " stroke-dasharray=\"\(dash)\"" }
        if arrow { s += " marker-end=\"url(#arrow)\"" }
        parts.append(s + "/>")
    }

    /// A box with centered text, the figures' basic cell.
    mutating func cell(_ x: Double, _ y: Double, _ w: Double, _ h: Double, _ t: String, fill: String = "#fff",
                       stroke: String? = "#444", size: Double = 11, mono: Bool = true, textFill: String = "#222",
                       bold: Bool = false, dash: String? = nil) {
        rect(x, y, w, h, fill: fill, stroke: stroke, dash: dash)
        if !t.isEmpty {
            text(x + w / 2, y + h / 2 + size * 0.36, t, size: size, anchor: .middle, bold: bold, mono: mono, fill: textFill)
        }
    }

    /// The document: a white background, an arrow marker, then the elements.
    var rendered: String {
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(num(width))\" height=\"\(num(height))\" viewBox=\"0 0 \(num(width)) \(num(height))\" font-family=\"Helvetica, Arial, sans-serif\">\n"
        s += "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#444\"/></marker></defs>\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
        for p in parts { s += p + "\n" }
        return s + "</svg>\n"
    }
}

// MARK: colours

/// The fixed palette the figures share.
enum Palette {
    static let blue = "#3b6fb6", orange = "#e08a2c", green = "#4a9a5b", red = "#c0392b", purple = "#7d5ba6"
    static let grey = "#888", light = "#f2f2f2", series = ["#3b6fb6", "#e08a2c", "#4a9a5b", "#c0392b", "#7d5ba6", "#8c6d31"]
    static let tints = ["#dbe7f6", "#fde3c8", "#d6ecd9", "#f5d0cc", "#e5dcf0", "#eee2c6"]
}

/// A colour for t in [0, 1] on a white-to-dark-blue ramp (for heat maps).
func sequentialColor(_ t: Double) -> String {
    let stops: [(Double, Double, Double)] = [(255, 255, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107)]
    let x = Swift.min(Swift.max(t, 0), 1) * Double(stops.count - 1)
    let i = Swift.min(Int(x), stops.count - 2), f = x - Double(i)
    func mix(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * f).rounded()) }
    let (a, b) = (stops[i], stops[i + 1])
    return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

// MARK: heat maps and plots

extension SVG {
    /// A grid of cells coloured by value in [lo, hi]; labels each cell when `format` is given.
    mutating func heatMap(x: Double, y: Double, cell: Double, _ values: [[Double]], lo: Double, hi: Double,
                          format: ((Double) -> String)? = nil, rowLabels: [String] = [], colLabels: [String] = [],
                          labelSize: Double = 10, masked: ((Int, Int) -> Bool)? = nil) {
        for (i, row) in values.enumerated() {
            for (j, v) in row.enumerated() {
                let t = hi > lo ? (v - lo) / (hi - lo) : 0
                let isMasked = masked?(i, j) ?? false
                let fill = isMasked ? "#f4f4f4" : sequentialColor(t)
                rect(x + Double(j) * cell, y + Double(i) * cell, cell, cell, fill: fill, stroke: "#ccc", strokeWidth: 0.5)
                if let format {
                    let s = isMasked ? "·" : format(v)
                    text(x + (Double(j) + 0.5) * cell, y + (Double(i) + 0.5) * cell + labelSize * 0.36, s,
                         size: labelSize, anchor: .middle, fill: t > 0.55 && !isMasked ? "#fff" : "#222")
                }
            }
        }
        for (i, l) in rowLabels.enumerated() {
            text(x - 4, y + (Double(i) + 0.5) * cell + labelSize * 0.36, l, size: labelSize, anchor: .end, mono: true)
        }
        for (j, l) in colLabels.enumerated() {
            let cx = x + (Double(j) + 0.5) * cell, cy = y - 4
            text(cx, cy, l, size: labelSize, anchor: .start, mono: true, rotate: -60)
        }
    }
}

/// A rectangle of the canvas mapped to data ranges, for line plots.
struct PlotArea {
    let x: Double, y: Double, w: Double, h: Double
    let xMin: Double, xMax: Double, yMin: Double, yMax: Double
    var logX = false

    func px(_ v: Double) -> Double {
        let (a, b, t) = logX ? (log10(xMin), log10(xMax), log10(v)) : (xMin, xMax, v)
        return x + (t - a) / (b - a) * w
    }
    func py(_ v: Double) -> Double { y + h - (v - yMin) / (yMax - yMin) * h }
}

extension SVG {
    /// Axes with ticks, grid lines and labels.
    mutating func axes(_ p: PlotArea, xTicks: [Double], yTicks: [Double], xLabel: String, yLabel: String,
                       xFormat: (Double) -> String = { label($0) }, yFormat: (Double) -> String = { label($0) }) {
        for t in yTicks {
            line(p.x, p.py(t), p.x + p.w, p.py(t), stroke: "#e4e4e4")
            text(p.x - 5, p.py(t) + 4, yFormat(t), size: 10, anchor: .end)
        }
        for t in xTicks {
            line(p.px(t), p.y, p.px(t), p.y + p.h, stroke: "#e4e4e4")
            text(p.px(t), p.y + p.h + 14, xFormat(t), size: 10, anchor: .middle)
        }
        rect(p.x, p.y, p.w, p.h, stroke: "#666")
        text(p.x + p.w / 2, p.y + p.h + 30, xLabel, size: 11, anchor: .middle)
        text(p.x - 38, p.y + p.h / 2, yLabel, size: 11, anchor: .middle, rotate: -90)
    }

    mutating func series(_ p: PlotArea, _ points: [(Double, Double)], color: String, width: Double = 1.5, dash: String? = nil) {
        polyline(points.map { (p.px($0.0), p.py($0.1)) }, stroke: color, width: width, dash: dash)
    }

    /// A legend: one short line and its name per entry, from (x, y) down.
    mutating func legend(x: Double, y: Double, _ entries: [(String, String)]) {
        for (i, (name, color)) in entries.enumerated() {
            let yy = y + Double(i) * 16
            line(x, yy - 4, x + 18, yy - 4, stroke: color, width: 2)
            text(x + 24, yy, name, size: 11)
        }
    }
}

// Chapter 1's autodiff figures: the graph `backward` walks (from the recorded nodes, laid
// out by Graphviz), and one Jacobian built by rows with VJPs and by columns with JVPs.
#if DEBUG
import Foundation
@testable import dfdx

func vectorText(_ t: Tensor) -> String { "[" + t.toArray().map { label(Double($0)) }.joined(separator: ", ") + "]" }

/// Runs Graphviz `dot` on `source`; nil when dot is not installed.
func renderDot(_ source: String) -> String? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["dot", "-Tsvg"]
    let input = Pipe(), output = Pipe()
    p.standardInput = input; p.standardOutput = output; p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { return nil }
    input.fileHandleForWriting.write(Data(source.utf8))
    try? input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
}

/// L = exp(a * b + a).sum(): the recorded graph, its topological order, values and gradients.
func graphFigure() -> Figure.Result {
    let a = Tensor([1, 2], shape: [2], requiresGrad: true)
    let b = Tensor([3, -1], shape: [2], requiresGrad: true)
    let c = a * b, d = c + a, e = d.exp(), loss = e.sum()
    var names: [ObjectIdentifier: String] = [:]
    for (n, t) in [("a", a), ("b", b), ("c = a * b", c), ("d = c + a", d), ("e = exp(d)", e), ("L = e.sum() (as a scalar)", loss)] {
        names[ObjectIdentifier(t)] = n
    }
    let order = topologicalOrder(from: loss)
    let seed = { Tensor.ones(loss.shape) }
    // what is left after one full sweep: the leaves' gradients; every inner one was freed
    let kept = backpropagate(loss, seed: seed()) { _, _ in }
    // each tensor's gradient: the sweep stopped at that tensor keeps it
    func gradient(_ t: Tensor) -> Tensor? {
        backpropagate(loss, seed: seed(), stoppingAt: [ObjectIdentifier(t)]) { _, _ in }[ObjectIdentifier(t)]
    }
    require(gradient(a)?.toArray() == kept[ObjectIdentifier(a)]?.toArray(), "a's gradient is the same either way")
    var dot = """
    digraph backward {
      rankdir=TB; nodesep=0.3; ranksep=0.3;
      node [shape=plaintext, fontname="Helvetica", fontsize=11];
      edge [color="#666666", arrowsize=0.7];
      label=<L = exp(a * b + a).sum(), as recorded: arrows run forward;<br/>each node has its place in the topological order, its value and its gradient dL/d·.<br/>backward visits the order in reverse (step 1 is the output);<br/>inner gradients are freed once passed on, leaves keep theirs as .grad<br/> >;
      labelloc=t; fontname="Helvetica"; fontsize=12;

    """
    for (k, t) in order.enumerated() {
        let id = ObjectIdentifier(t)
        let op = t.node?.primitive.name ?? "leaf"
        let name = names[id] ?? "(\(op), inside sum())"
        let step = order.count - k
        let g = gradient(t).map(vectorText) ?? "-"
        let fate = t.node == nil ? "kept: accumulated into .grad" : kept[id] == nil ? "freed after its VJP ran" : "kept"
        let colour = t.node == nil ? "#d6ecd9" : "#dbe7f6"
        dot += """
          t\(k) [label=<<table border="0" cellborder="1" cellspacing="0" cellpadding="3">\
        <tr><td bgcolor="\(colour)"><b>\(escapeXML(name))</b></td></tr>\
        <tr><td align="left">op: \(op) · topo #\(k) · backward step \(step)</td></tr>\
        <tr><td align="left">value \(vectorText(t))</td></tr>\
        <tr><td align="left"><font color="#c0392b">grad \(g)</font></td></tr>\
        <tr><td align="left"><i>\(fate)</i></td></tr></table>>];

        """
    }
    let index = Dictionary(uniqueKeysWithValues: order.enumerated().map { (ObjectIdentifier($0.element), $0.offset) })
    for (k, t) in order.enumerated() {
        for input in t.node?.inputs ?? [] { if let i = index[ObjectIdentifier(input)] { dot += "  t\(i) -> t\(k);\n" } }
    }
    dot += "}\n"
    var files = [("dfdx-graph.dot", dot)]
    if let svg = renderDot(dot) { files.append(("dfdx-graph.svg", svg)) }
    return .files(files)
}

/// The scalar engine's graph of d = a * b + a: the real `backward`, observed by wrapping each
/// node's `propagate` to log the order it is called in and the grads after each call.
func scalarGraphFigure() -> Figure.Result {
    let a = Value(2), b = Value(-3)
    let c = a * b, d = c + a
    let nodes: [(String, Value)] = [("a", a), ("b", b), ("c = a * b", c), ("d = c + a", d)]
    var steps: [String] = []
    func grads() -> String { nodes.map { "\($0.0.prefix(1)).grad \(label($0.1.grad))" }.joined(separator: ", ") }
    for (name, v) in nodes {
        let original = v.propagate
        v.propagate = { out in original(out); steps.append("\(name.prefix(1)).propagate: \(grads())") }
    }
    d.backward()
    require(a.grad == b.data + 1 && b.grad == a.data, "a gets b + 1 (two uses), b gets a")
    var dot = """
    digraph scalar {
      rankdir=LR; nodesep=0.3; ranksep=0.5;
      node [shape=box, style="rounded,filled", fillcolor="#dbe7f6", fontname="Helvetica", fontsize=11];
      edge [color="#666666", arrowsize=0.7];
      label=<d.backward() on d = a * b + a at a = 2, b = -3; each line is one propagate call, in the order backward made them,<br/>with every grad after it. a is used twice, so it is added to twice: 1 from the +, then b = -3 from the *.<br/><br/>\(steps.enumerated().map { "\($0.offset + 1). " + escapeXML($0.element) }.joined(separator: "<br/>"))<br/> >;
      labelloc=b; fontname="Helvetica"; fontsize=11;

    """
    let index = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { (ObjectIdentifier($0.element.1), $0.offset) })
    for (k, (name, v)) in nodes.enumerated() {
        let fill = v.parents.isEmpty ? "#d6ecd9" : "#dbe7f6"
        dot += "  v\(k) [label=<<b>\(escapeXML(name))</b><br/>data \(label(v.data))<br/><font color=\"#c0392b\">grad \(label(v.grad))</font>>, fillcolor=\"\(fill)\"];\n"
    }
    for (k, (_, v)) in nodes.enumerated() {
        for p in v.parents { if let i = index[ObjectIdentifier(p)] { dot += "  v\(i) -> v\(k);\n" } }
    }
    dot += "}\n"
    var files = [("dfdx-scalar-graph.dot", dot)]
    if let svg = renderDot(dot) { files.append(("dfdx-scalar-graph.svg", svg)) }
    return .files(files)
}

/// The graph that grad(f) records when its input requires grad: f(x) = (x * x * x).sum(),
/// g = grad(f)(x) = 3x², and g's own graph is what a second derivative walks.
func gradOfGradFigure() -> Figure.Result {
    let f: (Tensor) -> Tensor = { x in (x * x * x).sum() }
    let x = Tensor([1, 2], shape: [2], requiresGrad: true)
    let g = grad(f)(x)
    let second = grad { grad(f)($0).sum() }(x)
    require(g.toArray() == [3, 12] && second.toArray() == [6, 12], "grad gives 3x² and grad of its sum 6x")
    let order = topologicalOrder(from: g)
    var dot = """
    digraph gradofgrad {
      rankdir=TB; nodesep=0.25; ranksep=0.3;
      node [shape=box, style="rounded,filled", fillcolor="#dbe7f6", fontname="Helvetica", fontsize=11];
      edge [color="#666666", arrowsize=0.7];
      label=<g = grad(f)(x) for f(x) = (x · x · x).sum() at x = [1, 2], with x requiring grad:<br/>the VJPs ran with recording on, so g = \(vectorText(g)) has a graph of its own (\(order.count) nodes),<br/>and grad of g.sum() walks it: \(vectorText(second)) = 6x<br/> >;
      labelloc=t; fontname="Helvetica"; fontsize=12;

    """
    let index = Dictionary(uniqueKeysWithValues: order.enumerated().map { (ObjectIdentifier($0.element), $0.offset) })
    for (k, t) in order.enumerated() {
        let op = t.node?.primitive.name ?? "leaf"
        let name = t === x ? "x" : t === g ? "g = grad(f)(x)" : op
        let fill = t.node == nil ? "#d6ecd9" : t === g ? "#fde3c8" : "#dbe7f6"
        dot += "  t\(k) [label=<<b>\(escapeXML(name))</b><br/>\(escapeXML(vectorText(t)))>, fillcolor=\"\(fill)\"];\n"
    }
    for (k, t) in order.enumerated() {
        for input in t.node?.inputs ?? [] { if let i = index[ObjectIdentifier(input)] { dot += "  t\(i) -> t\(k);\n" } }
    }
    dot += "}\n"
    var files = [("dfdx-grad-of-grad.dot", dot)]
    if let svg = renderDot(dot) { files.append(("dfdx-grad-of-grad.svg", svg)) }
    return .files(files)
}

/// The Jacobian of f(x) = sin(x) * sum(x) at x = [0.5, 1, 2]: three VJPs give its rows, three JVPs its columns.
func jacobianFigure() -> String {
    let xv: [Float] = [0.5, 1, 2]
    let f: (Tensor) -> Tensor = { x in x.sin() * x.sum() }
    func basis(_ i: Int) -> Tensor { Tensor((0..<3).map { $0 == i ? 1 : 0 }, shape: [3]) }
    let rows: [[Float]] = (0..<3).map { i in
        let x = Tensor(xv, shape: [3], requiresGrad: true)
        f(x).backward(basis(i))
        return x.grad?.toArray() ?? []
    }
    let columns: [[Float]] = (0..<3).map { j in jvp(f, at: Tensor(xv, shape: [3]), tangent: basis(j)).tangent.toArray() }
    for i in 0..<3 { for j in 0..<3 { require(abs(rows[i][j] - columns[j][i]) < 1e-5, "VJP row \(i) and JVP column \(j) agree") } }
    let J = rows.map { $0.map(Double.init) }
    let lo = J.flatMap { $0 }.min() ?? 0, hi = J.flatMap { $0 }.max() ?? 1
    var svg = SVG(width: 760, height: 300)
    svg.text(10, 20, "The Jacobian of f(x) = sin(x) · sum(x) at x = [0.5, 1, 2], two ways", size: 13, bold: true)
    let cell = 56.0
    for (p, title) in ["reverse mode: y.backward(eᵢ) gives row i", "forward mode: jvp(f, at: x, tangent: eⱼ) gives column j"].enumerated() {
        let x0 = 60 + Double(p) * 380, y0 = 70.0
        svg.text(x0 - 40, 48, title, size: 12)
        svg.heatMap(x: x0, y: y0, cell: cell, J, lo: lo - 0.5, hi: hi + 0.5, format: { label($0, digits: 3) }, labelSize: 11)
        for k in 0..<3 {
            let colour = Palette.series[k]
            if p == 0 {
                svg.rect(x0 - 2, y0 + Double(k) * cell + 2, 3 * cell + 4, cell - 4, stroke: colour, strokeWidth: 2.5, rx: 4)
                svg.text(x0 + 3 * cell + 10, y0 + (Double(k) + 0.5) * cell + 4, "backward #\(k + 1)", size: 11, fill: colour)
            } else {
                svg.rect(x0 + Double(k) * cell + 2, y0 - 2, cell - 4, 3 * cell + 4, stroke: colour, strokeWidth: 2.5, rx: 4)
                svg.text(x0 + (Double(k) + 0.5) * cell, y0 + 3 * cell + 18, "jvp #\(k + 1)", size: 11, anchor: .middle, fill: colour)
            }
        }
    }
    svg.text(10, 272, "One backward pass costs about one forward pass and yields a whole row (all inputs, one output): reverse mode wins when outputs are few,", size: 11)
    svg.text(10, 288, "as with a scalar loss. One JVP yields a whole column (one input direction, all outputs) and needs no graph.", size: 11)
    return svg.rendered
}
#endif

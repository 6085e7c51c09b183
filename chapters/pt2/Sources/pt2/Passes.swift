// The passes: each takes a graph and returns an equivalent one, printable in between
// (PICOGRAD_DEBUG=1 prints the graph after every pass).
//   algebraic simplification  x*1, x+0, -(-x), reshape/expand/permute to the same shape -> x
//   constant folding          an op whose inputs are all constants becomes a constant
//   common subexpressions     the same op on the same inputs is computed once
//   transposed products       (A B)^T read as such is computed as B^T A^T
//   dead code                 a node no output (or write) depends on is removed

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One pass: a name for the dumps and the rewrite.
public struct Pass: Sendable {
    public let name: String
    public let run: @Sendable (Graph) -> Graph

    /// The pipeline `compile` runs, in order.
    public static let all: [Pass] = [
        Pass(name: "constant folding", run: foldConstants),
        Pass(name: "algebraic simplification", run: simplify),
        Pass(name: "common subexpression elimination", run: eliminateCommonSubexpressions),
        Pass(name: "transposed products", run: transposeProducts),
        Pass(name: "dead code elimination", run: eliminateDeadCode),
    ]
}

/// Removes the nodes that no output and no write reads (inputs and params stay: they number
/// the function's arguments; random inputs too: each call draws them, as eager would).
public func eliminateDeadCode(_ graph: Graph) -> Graph {
    var live = [Bool](repeating: false, count: graph.nodes.count)
    for o in graph.outputs { live[o] = true }
    for w in graph.writes { live[w.value] = true; live[w.target] = true }
    for i in graph.nodes.indices.reversed() {
        switch graph.nodes[i].op {
        case .input, .param, .random: live[i] = true     // a draw advances the generator, used or not
        case .primitive: break
        }
        if live[i] { for j in graph.nodes[i].inputs { live[j] = true } }
    }
    return graph.rebuilt(keep: live, replace: Array(graph.nodes.indices))
}

/// Computes each (op, inputs) once: a later node equal to an earlier one is replaced by it.
public func eliminateCommonSubexpressions(_ graph: Graph) -> Graph {
    // BEGIN SOLUTION pt2.1: walk the nodes in order with a dictionary from a node (op, inputs, shape, dtype; inputs already mapped to the nodes that replace them) to the first node equal to it; a node found there is replaced (replace[i] = that node), a new one is entered; inputs and params are never merged; return graph.rebuilt(keep: all true, replace:)
    var replace = Array(graph.nodes.indices)
    var first: [GraphNode: Int] = [:]
    for (i, n) in graph.nodes.enumerated() {
        if case .primitive = n.op {} else { continue }
        var key = n
        key.inputs = n.inputs.map { replace[$0] }
        if let j = first[key] { replace[i] = j } else { first[key] = i }
    }
    return graph.rebuilt(keep: [Bool](repeating: true, count: graph.nodes.count), replace: replace)
    // END SOLUTION pt2.1
}

/// Replaces an op whose inputs are all `full` constants by the `full` constant it computes
/// (elementwise ops, reductions, movement of a `full`); a one-element host constant becomes
/// a `full`. Host data of more elements is left as it is (reading it costs a load, and the
/// kernel that reads it is the one place it is needed).
public func foldConstants(_ graph: Graph) -> Graph {
    var g = graph
    for i in g.nodes.indices {
        let n = g.nodes[i]
        guard case .primitive(let p) = n.op, n.dtype == .float32 else { continue }
        if case .data(let d, _) = p, case .float32(let v) = d.values, v.count == 1 {
            g.nodes[i] = GraphNode(.primitive(.full(v[0], shape: n.shape, dtype: .float32)), [], shape: n.shape, dtype: .float32)
            continue
        }
        let values = n.inputs.map { g.nodes[$0].fullValue }
        guard !n.inputs.isEmpty, values.allSatisfy({ $0 != nil }) else { continue }
        let x = values.map { $0! }
        let count = g.nodes[n.inputs[0]].shape.reduce(1, *)
        var folded: Float? = nil
        switch p {
        case .unary(let op): folded = scalar(op, x[0])
        case .binary(let op): folded = scalar(op, x[0], x[1])
        case .select: folded = x[0] != 0 ? x[1] : x[2]
        case .reduce(.sum, let axes):
            let reduced = axes.reduce(1) { $0 * g.nodes[n.inputs[0]].shape[$1] }
            folded = count == 0 ? 0 : x[0] * Float(reduced)
        case .reduce(.max, _): folded = count == 0 ? nil : x[0]
        case .reshape, .expand, .permute, .shrink, .contiguous: folded = x[0]
        default: folded = nil
        }
        if let v = folded {
            g.nodes[i] = GraphNode(.primitive(.full(v, shape: n.shape, dtype: .float32)), [], shape: n.shape, dtype: .float32)
        }
    }
    return g
}

/// Rewrites that make nothing slower and keep every value exact: x*1 and x+0 (either side)
/// are x, -(-x) is x, a reshape, expand or permute that changes nothing is its input.
public func simplify(_ graph: Graph) -> Graph {
    var replace = Array(graph.nodes.indices)
    func resolved(_ i: Int) -> Int { var j = i; while replace[j] != j { j = replace[j] }; return j }
    for (i, n) in graph.nodes.enumerated() {
        guard case .primitive(let p) = n.op else { continue }
        let args = n.inputs.map(resolved)
        func isFull(_ k: Int, _ v: Float) -> Bool { graph.nodes[args[k]].fullValue == v }
        switch p {
        case .binary(.mul) where isFull(1, 1) && graph.nodes[args[0]].shape == n.shape: replace[i] = args[0]
        case .binary(.mul) where isFull(0, 1) && graph.nodes[args[1]].shape == n.shape: replace[i] = args[1]
        case .binary(.add) where isFull(1, 0) && graph.nodes[args[0]].shape == n.shape: replace[i] = args[0]
        case .binary(.add) where isFull(0, 0) && graph.nodes[args[1]].shape == n.shape: replace[i] = args[1]
        case .unary(.neg):
            if case .primitive(.unary(.neg)) = graph.nodes[args[0]].op { replace[i] = resolved(graph.nodes[args[0]].inputs[0]) }
        case .reshape, .expand:
            if graph.nodes[args[0]].shape == n.shape { replace[i] = args[0] }
        case .permute(let order):
            if order == Array(order.indices) { replace[i] = args[0] }
        default: break
        }
    }
    return graph.rebuilt(keep: [Bool](repeating: true, count: graph.nodes.count), replace: replace)
}

/// (A B)^T = B^T A^T: a product read only through a transpose of its last two dims becomes
/// the product of its transposed operands (their transposes are strides of the SGEMM call),
/// written in the order its reader wants. A weight's gradient, x^T dy read as its transpose,
/// is then no copy of the product, and dk (the transpose of q^T dS) no gather at a stride.
/// Each value is the same sum of the same products, in the same order.
public func transposeProducts(_ graph: Graph) -> Graph {
    let uses = graph.useCounts
    func swapsLastTwo(_ order: [Int]) -> Bool {
        let r = order.count
        return r >= 2 && order == Array(0..<(r - 2)) + [r - 1, r - 2]
    }
    // the transposes to rewrite (their orders): of a matmul nothing else reads, operands of its own rank
    var orders = [Int: [Int]]()
    for (i, n) in graph.nodes.enumerated() {
        guard case .primitive(.permute(let order)) = n.op, swapsLastTwo(order) else { continue }
        let m = n.inputs[0], product = graph.nodes[m]
        guard product.primitive == .matmul, uses[m] == 1,
              product.inputs.allSatisfy({ graph.nodes[$0].shape.count == order.count }) else { continue }
        orders[i] = order
    }
    if orders.isEmpty { return graph }
    let products = Set(orders.keys.map { graph.nodes[$0].inputs[0] })
    var g = Graph()
    var number = [Int](repeating: -1, count: graph.nodes.count)
    for (i, n) in graph.nodes.enumerated() {
        if products.contains(i) { continue }   // computed at its transpose, transposed
        if let order = orders[i] {
            let product = graph.nodes[n.inputs[0]]
            func transposed(_ k: Int) -> Int {
                let x = graph.nodes[k]
                var shape = x.shape
                shape.swapAt(shape.count - 2, shape.count - 1)
                return g.add(GraphNode(.primitive(.permute(order)), [number[k]], shape: shape, dtype: x.dtype))
            }
            let bt = transposed(product.inputs[1]), at = transposed(product.inputs[0])
            number[i] = g.add(GraphNode(.primitive(.matmul), [bt, at], shape: n.shape, dtype: n.dtype))
            continue
        }
        var m = n
        m.inputs = n.inputs.map { number[$0] }
        number[i] = g.add(m)
    }
    g.outputs = graph.outputs.map { number[$0] }
    g.writes = graph.writes.map { (number[$0.target], number[$0.value]) }
    return g
}

/// op(x) on one float, as the kernels compute it.
func scalar(_ op: UnaryOp, _ x: Float) -> Float {
    switch op {
    case .neg: return -x
    case .exp: return expf(x)
    case .log: return logf(x)
    case .sqrt: return x.squareRoot()
    case .sin: return sinf(x)
    case .reciprocal: return 1 / x
    case .erf: return erff(x)
    }
}

/// op(a, b) on floats, as the kernels compute it.
func scalar(_ op: BinaryOp, _ a: Float, _ b: Float) -> Float {
    switch op {
    case .add: return a + b
    case .mul: return a * b
    case .maximum: return Swift.max(a, b)
    case .pow: return powf(a, b)
    case .cmplt: return a < b ? 1 : 0
    case .cmpeq: return a == b ? 1 : 0
    }
}

// The graph IR: a list of nodes in SSA form. Each node is defined once, by one op applied to
// earlier nodes, so a node's number names its value (%3) and the list is already in an order
// that runs. The ops are dfdx's primitives themselves (`Primitive`), plus the two kinds of
// value a traced function starts from: its arguments and the tensors it captured (parameters).

/// What defines a node's value.
public enum GraphOp: Hashable, Sendable, CustomStringConvertible {
    /// The function's argument number k: read at every call.
    case input(Int)
    /// A tensor the function read without taking it as an argument (a weight), number k:
    /// read at every call, never baked in as a constant.
    case param(Int)
    /// Random numbers `f` drew from the default generator, number k in drawing order: drawn
    /// again at every call (as eager execution would), never frozen into the graph.
    case random(Int, RandomDraw)
    /// A primitive applied to the node's inputs; `data` and `full` (no inputs) are constants.
    case primitive(Primitive)

    public var description: String {
        switch self {
        case .input(let k): return "input \(k)"
        case .param(let k): return "param \(k)"
        case .random(let k, let draw): return "random \(k) (\(draw))"
        case .primitive(let p): return p.description
        }
    }
}

/// One SSA value: op(inputs), with the shape and dtype it has.
public struct GraphNode: Hashable, Sendable {
    public var op: GraphOp
    public var inputs: [Int]
    public var shape: [Int]
    public var dtype: DType

    public init(_ op: GraphOp, _ inputs: [Int], shape: [Int], dtype: DType) {
        self.op = op; self.inputs = inputs; self.shape = shape; self.dtype = dtype
    }

    /// The primitive, when the node is one.
    public var primitive: Primitive? { if case .primitive(let p) = op { p } else { nil } }
    /// The value of a `full` constant (every element the same).
    public var fullValue: Float? { if case .primitive(.full(let v, _, _)) = op { v } else { nil } }
    /// True for constants: `full` and host `data`.
    public var isConstant: Bool {
        switch primitive {
        case .full?, .data?: return true
        default: return false
        }
    }
}

/// A captured function as SSA: nodes in program order, the values it returns, and the
/// in-place writes (`assign`) it makes to its arguments and parameters.
public struct Graph: Sendable, CustomStringConvertible {
    public var nodes: [GraphNode] = []
    /// The nodes `f` returned, in order.
    public var outputs: [Int] = []
    /// `assign`s to an argument or parameter: after the call, `target` (an input or param
    /// node) holds the value of node `value`, as eager execution left it.
    public var writes: [(target: Int, value: Int)] = []

    public init() {}

    /// Appends a node and returns its number.
    @discardableResult
    public mutating func add(_ node: GraphNode) -> Int { nodes.append(node); return nodes.count - 1 }

    /// How many nodes read each node (outputs and writes count as readers).
    public var useCounts: [Int] {
        var uses = [Int](repeating: 0, count: nodes.count)
        for n in nodes { for i in n.inputs { uses[i] += 1 } }
        for o in outputs { uses[o] += 1 }
        for w in writes { uses[w.value] += 1 }
        return uses
    }

    /// One line per node, `%3 = exp(%2) : f32[4, 8]`, then the returned values.
    public var description: String {
        var lines: [String] = []
        for (i, n) in nodes.enumerated() {
            let args = n.inputs.isEmpty ? "" : "(" + n.inputs.map { "%\($0)" }.joined(separator: ", ") + ")"
            lines.append("%\(i) = \(n.op)\(args) : \(typeName(n.dtype, n.shape))")
        }
        for w in writes { lines.append("write %\(w.value) -> %\(w.target)") }
        lines.append("return " + outputs.map { "%\($0)" }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }
}

/// `f32[4, 8]`, `i32[3]`: a value's type as the IR prints it.
func typeName(_ dtype: DType, _ shape: [Int]) -> String {
    let d: String
    switch dtype {
    case .float32: d = "f32"
    case .int32: d = "i32"
    default: d = "\(dtype)"
    }
    return "\(d)[\(shape.map(String.init).joined(separator: ", "))]"
}

extension Graph {
    /// A copy keeping only the nodes `keep` marks, renumbered in order, with every reference
    /// mapped through `replace` first (the passes' one way of rewriting a graph).
    func rebuilt(keep: [Bool], replace: [Int]) -> Graph {
        var g = Graph()
        var number = [Int](repeating: -1, count: nodes.count)
        func resolve(_ i: Int) -> Int {
            var j = i
            while replace[j] != j { j = replace[j] }
            return number[j]
        }
        for (i, n) in nodes.enumerated() where keep[i] && replace[i] == i {
            var m = n
            m.inputs = n.inputs.map(resolve)
            number[i] = g.add(m)
        }
        g.outputs = outputs.map(resolve)
        g.writes = writes.map { (resolve($0.target), resolve($0.value)) }
        return g
    }
}

extension Graph {
    /// The graph's meaning, run eagerly op by op (`Tensor.apply`, no generated code): what
    /// `f` returns on `args`, with `params` as its captured tensors, random inputs drawn from
    /// the default generator. Writes are not applied.
    public func interpret(_ args: [Tensor], params: [Tensor]) -> [Tensor] {
        var values: [Tensor] = []
        for n in nodes {
            switch n.op {
            case .input(let k): values.append(args[k])
            case .param(let k): values.append(params[k])
            case .random(_, let draw): values.append(Tensor.draw(draw, n.shape))
            case .primitive(let p): values.append(applyFunctionally(p, n.inputs.map { values[$0] }))
            }
        }
        return outputs.map { values[$0] }
    }
}

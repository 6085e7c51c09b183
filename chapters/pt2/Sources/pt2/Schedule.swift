// The scheduler: which nodes get a buffer of their own, and how each is computed. The rules,
// applied where they are decided below:
//   - elementwise ops and movement ops are inlined into the kernel that reads them (a chain
//     of them is one loop nest; a value read twice is computed twice, never stored);
//   - a reduction is a kernel of its own (one reduce per kernel), with the elementwise chain
//     that feeds it inlined into its loop;
//   - unless it fuses into the elementwise kernel that reads it (`canFuse`): a consumer that
//     runs over the reduction's rows (or over its result) computes the reduction in its own
//     loop nest, first, one row at a time, and reads it from a register; reductions fused
//     there may feed each other (softmax's max and sum, LayerNorm's mean and variance);
//   - a matmul is a kernel that calls brrr's SGEMM on strided views: a permute or expand in
//     front of it becomes strides, anything else in front of it is realised first;
//   - an indexCopy (a KV cache's write) is a kernel: the destination copied, then the
//     source's slices stored at the positions its int32 index (realised) names;
//   - what the C backend does not generate (int32 values, gather, embedding, casts, ...) runs
//     eagerly between kernels through `Tensor.apply`, with its inputs realised as tensors;
//   - every value the function returns or writes back is realised;
//   - and an elementwise value read by several nodes whose inlined chain loads many buffers
//     is realised once (`shared`): a residual stream, inlined, would be summed again from
//     every earlier layer's outputs at each of its readers.

/// How one node is made when the program runs.
public enum Realization: Sendable, Equatable {
    /// Not stored: inlined into the kernels that read it (elementwise, movement, `full`).
    case inline
    /// Given at every call (an argument, a captured parameter, random numbers drawn for the
    /// call), read contiguous.
    case given
    /// A constant made once from host data.
    case constant
    /// The output of the generated kernel of this node.
    case kernel
    /// Computed eagerly by `Tensor.apply` (ops the generated code does not cover).
    case eager
    /// A movement op applied eagerly to a realised tensor (a view, free): for eager readers.
    case view
    /// A reduction computed inside the kernel of the elementwise node that reads it, row by
    /// row, into a register (`Schedule.fused`): no buffer, no kernel of its own.
    case fused
}

/// A strided window on a realised node, as SGEMM reads it.
struct StaticView: Equatable {
    var base: Int
    var shape: [Int]
    var strides: [Int]
    var offset: Int
}

/// The plan: each node's realization, decided by the rules above.
struct Schedule {
    let graph: Graph
    var realization: [Realization]
    /// For a kernel node: the reductions fused into its loop nest, in the order they run.
    var fused: [Int: [Int]] = [:]
    /// For a matmul: the blocks it skips, known from a constant mask (Bands.swift).
    var skips: [Int: MatmulSkip] = [:]
    /// Where values are known to be 0 or -inf (Bands.swift): a row kernel skips that part of
    /// its rows (`KernelWriter.bandedColumns`).
    var known: [Int: KnownBand] = [:]

    init(_ graph: Graph) {
        self.graph = graph
        realization = graph.nodes.map { n in
            switch n.op {
            case .input, .param, .random: return .given
            case .primitive(let p):
                if case .data = p { return .constant }
                if Schedule.generates(n, graph) {
                    switch p {
                    case .reduce, .matmul, .indexCopy: return .kernel      // one reduce (or SGEMM, or write) per kernel
                    default: return .inline                    // elementwise, movement, full
                    }
                }
                return .eager
            }
        }
        for (i, n) in graph.nodes.enumerated() {
            switch realization[i] {
            case .eager: for j in n.inputs { needTensor(j) }
            case .kernel where n.primitive == .matmul: for j in n.inputs { _ = stridedView(j) }
            case .kernel where n.primitive?.name == "indexCopy": needBuffer(n.inputs[1])     // the int32 positions, read as a buffer
            default: break
            }
        }
        for o in graph.outputs { needBuffer(o) }
        for w in graph.writes { needTensor(w.value) }
        for i in Schedule.shared(graph, given: hasBuffer) where realization[i] == .inline { realization[i] = .kernel }
        fuseReductions()
    }

    /// Whether the generated C computes this node: float32 values, elementwise, reduce,
    /// matmul, movement, `full`, and indexCopy (float32 values at int32 positions).
    static func generates(_ n: GraphNode, _ graph: Graph) -> Bool {
        if case .indexCopy? = n.primitive {      // float32 destination and source, int32 positions
            return n.dtype == .float32 && graph.nodes[n.inputs[1]].dtype == .int32 && graph.nodes[n.inputs[2]].dtype == .float32
        }
        guard n.dtype == .float32, n.inputs.allSatisfy({ graph.nodes[$0].dtype == .float32 }),
              let p = n.primitive else { return false }
        switch p {
        case .unary, .binary, .select, .reduce, .matmul, .full: return true
        default: return isMovement(p)
        }
    }

    /// An elementwise value read by `sharedReaders` nodes or more whose inlined chain loads
    /// `sharedLoads` buffers or more: realised (its own kernel) rather than computed again,
    /// from all those buffers, in every kernel that reads it.
    static let sharedReaders = 2, sharedLoads = 4

    /// The elementwise nodes of `graph` to realise by that rule, in order (realising one
    /// makes it a single load for the nodes after it). `given(i)`: node i has a buffer
    /// whatever this rule decides.
    static func shared(_ graph: Graph, given: (Int) -> Bool) -> [Int] {
        var readers = [Int](repeating: 0, count: graph.nodes.count)
        for n in graph.nodes { for j in Set(n.inputs) { readers[j] += 1 } }
        var loads = [Set<Int>](repeating: [], count: graph.nodes.count)
        var out: [Int] = []
        for (i, n) in graph.nodes.enumerated() {
            if given(i) { loads[i] = [i]; continue }
            guard let p = n.primitive, generates(n, graph) else { loads[i] = [i]; continue }
            switch p {
            case .full: continue
            case .reduce, .matmul, .indexCopy: loads[i] = [i]; continue
            default: break
            }
            for j in n.inputs { loads[i].formUnion(loads[j]) }
            switch p {
            case .unary, .binary, .select:
                if readers[i] >= sharedReaders && loads[i].count >= sharedLoads { out.append(i); loads[i] = [i] }
            default: break
            }
        }
        return out
    }

    /// True for a node that owns a contiguous buffer when the program runs.
    func hasBuffer(_ i: Int) -> Bool {
        switch realization[i] {
        case .given, .constant, .kernel, .eager: return true
        case .inline, .view, .fused: return false
        }
    }

    /// Node i must exist as a contiguous buffer (an output): an inline float node gets a
    /// kernel of its own ("realize outputs"); an inline int32 node an eager step.
    mutating func needBuffer(_ i: Int) {
        if hasBuffer(i) { return }
        if Schedule.generates(graph.nodes[i], graph) { realization[i] = .kernel } else { realization[i] = .eager; for j in graph.nodes[i].inputs { needTensor(j) } }
    }

    /// Node i must exist as a tensor (any strides) for an eager reader: a movement op over a
    /// tensor is a view of it; anything else inline gets a buffer.
    mutating func needTensor(_ i: Int) {
        if hasBuffer(i) || realization[i] == .view { return }
        if let p = graph.nodes[i].primitive, isMovement(p), p != .contiguous {
            realization[i] = .view
            needTensor(graph.nodes[i].inputs[0])
        } else {
            needBuffer(i)
        }
    }

    /// Node i as strides over a node with a buffer (SGEMM's operands): movement ops that are
    /// strides (permute, expand, shrink, size-1 reshapes) fold into the view; anything else
    /// is realised first ("realize what SGEMM cannot stride over").
    mutating func stridedView(_ i: Int) -> StaticView {
        let n = graph.nodes[i]
        if hasBuffer(i) { return StaticView(base: i, shape: n.shape, strides: contiguousStrides(n.shape), offset: 0) }
        if let p = n.primitive, isMovement(p), realization[i] == .inline {
            var v = stridedView(n.inputs[0])
            if let w = Schedule.fold(p, v, to: n.shape) { return w }
            v = StaticView(base: i, shape: n.shape, strides: contiguousStrides(n.shape), offset: 0)
            realization[i] = .kernel
            return v
        }
        needBuffer(i)
        return StaticView(base: i, shape: n.shape, strides: contiguousStrides(n.shape), offset: 0)
    }

    /// A movement op applied to a strided view, when the result is one.
    static func fold(_ p: Primitive, _ v: StaticView, to shape: [Int]) -> StaticView? {
        var w = v
        w.shape = shape
        switch p {
        case .permute(let order): w.strides = order.map { v.strides[$0] }
        case .expand:
            let lead = shape.count - v.shape.count
            w.strides = shape.indices.map { $0 < lead || (v.shape[$0 - lead] == 1 && shape[$0] != 1) ? 0 : v.strides[$0 - lead] }
        case .shrink(let flat):
            for d in v.shape.indices { w.offset += flat[2 * d] * v.strides[d] }
        case .contiguous, .detach: break
        case .reshape:
            let kept = v.shape.indices.filter { v.shape[$0] != 1 }
            let outDims = shape.indices.filter { shape[$0] != 1 }
            if kept.map({ v.shape[$0] }) == outDims.map({ shape[$0] }) {
                w.strides = [Int](repeating: 0, count: shape.count)
                for (o, d) in zip(outDims, kept) { w.strides[o] = v.strides[d] }
            } else if v.strides == contiguousStrides(v.shape) {
                w.strides = contiguousStrides(shape)
            } else if let strides = viewStrides(v.shape, v.strides, shape) {
                w.strides = strides         // a split or merge of dims the strides allow (attention's heads)
            } else { return nil }
        default: return nil
        }
        return w
    }
}

/// What a kernel reads: each buffer with the index it is read at, in the kernel's own loop
/// variables (i0, i1, ...; a reduction's are its input's), as the code generator will read it.
typealias Loads = [(node: Int, index: [IndexExpr])]

extension Schedule {
    /// The buffers kernel k reads and where: the walk `KernelWriter.value` makes, without
    /// writing any code (movement ops rewrite the index, elementwise ops pass it on).
    func loads(ofKernel k: Int) -> Loads {
        var out: Loads = []
        var seen = Set<String>()
        func walk(_ i: Int, _ index: [IndexExpr]) {
            guard seen.insert("\(i)@\(index)").inserted else { return }
            let n = graph.nodes[i]
            if i != k && hasBuffer(i) { out.append((i, index)); return }
            guard let p = n.primitive else { return }
            if case .full = p { return }
            if isMovement(p) {
                var (inner, bounds) = inputIndex(of: p, index: index, inShape: graph.nodes[n.inputs[0]].shape, outShape: n.shape)
                for b in bounds where b.size > 0 { inner[b.dim] = .clamped(b.index, b.size) }
                walk(n.inputs[0], inner)
                return
            }
            for j in n.inputs { walk(j, index) }
        }
        let n = graph.nodes[k]
        let vars = n.shape.indices.map { IndexExpr.variable("i\($0)") }
        switch n.primitive {
        case .reduce?:
            walk(n.inputs[0], graph.nodes[n.inputs[0]].shape.indices.map { .variable("i\($0)") })
        case .matmul?:
            var s = self       // the operands' views were decided in init: this changes nothing
            for j in n.inputs { out.append((s.stridedView(j).base, [])) }
        case .indexCopy(let dim)?:
            var srcIndex = vars
            srcIndex[dim] = .variable("j")
            walk(n.inputs[0], vars)
            out.append((n.inputs[1], []))
            walk(n.inputs[2], srcIndex)
        default:
            walk(k, vars)
        }
        return out
    }

    /// Fuses reductions into the elementwise kernels that read them (`canFuse`), latest
    /// first: a reduction's readers come after it, so they are decided before it is.
    mutating func fuseReductions() {
        let kernels = graph.nodes.indices.filter { realization[$0] == .kernel }
        var loads: [Int: Loads] = [:], readers: [Int: Set<Int>] = [:]
        for k in kernels {
            loads[k] = self.loads(ofKernel: k)
            for l in loads[k]! { readers[l.node, default: []].insert(k) }
        }
        // values read by something other than a kernel: returned, written back, read by an
        // eager step (or by a view an eager step reads)
        var pinned = Set(graph.outputs + graph.writes.map(\.value))
        for (i, n) in graph.nodes.enumerated() where realization[i] == .eager { pinned.formUnion(n.inputs) }
        for i in graph.nodes.indices.reversed() where realization[i] == .view && pinned.contains(i) { pinned.formUnion(graph.nodes[i].inputs) }
        for c in kernels {
            switch graph.nodes[c].primitive {
            case .reduce?, .matmul?, .indexCopy?: continue
            default: break
            }
            var group = Set<Int>()
            var candidates = Set(loads[c]!.map(\.node))
            while let r = candidates.max() {
                candidates.remove(r)
                guard realization[r] == .kernel,
                      canFuse(r, into: c, group: group, loads: loads, readers: readers[r] ?? [], pinned: pinned) else { continue }
                group.insert(r)
                candidates.formUnion(loads[r]!.map(\.node))
            }
            guard !group.isEmpty else { continue }
            for r in group { realization[r] = .fused }
            fused[c] = group.sorted()
        }
    }

    /// The fusion rule: whether reduction node r can be computed inside the loop nest of the
    /// elementwise kernel c, beside the reductions already fused there (`group`). `loads`:
    /// what each kernel reads and where; `readers`: the kernels that read r; `pinned`: values
    /// that need a buffer whatever the kernels do (returned, written back, read eagerly).
    func canFuse(_ r: Int, into c: Int, group: Set<Int>, loads: [Int: Loads], readers: Set<Int>, pinned: Set<Int>) -> Bool {
        // BEGIN SOLUTION pt2.4: r must be a reduce (axes A over input shape X) nobody needs in memory (not pinned, every reader is c or in group); c runs over X or over r's own shape; every node of group reduces the same A of the same X; and every read of r by c and the group is of the row being computed: its flat index in r's shape equals that of X's loop variables with A's entries 0
        guard case .reduce(_, let axes)? = graph.nodes[r].primitive, !pinned.contains(r), readers.isSubset(of: group.union([c])) else { return false }
        let x = graph.nodes[graph.nodes[r].inputs[0]].shape, reduced = graph.nodes[r].shape
        guard graph.nodes[c].shape == x || graph.nodes[c].shape == reduced else { return false }
        for g in group {
            guard case .reduce(_, let a)? = graph.nodes[g].primitive, a == axes, graph.nodes[graph.nodes[g].inputs[0]].shape == x else { return false }
        }
        let row = flatIndex(x.indices.map { axes.contains($0) ? .constant(0) : .variable("i\($0)") }, shape: reduced)
        for k in group.union([c]) {
            for l in loads[k] ?? [] where l.node == r {
                if l.index.count != reduced.count || flatIndex(l.index, shape: reduced) != row { return false }
            }
        }
        return true
        // END SOLUTION pt2.4
    }
}

/// The kernels `graph` becomes, in the order they run, each with the reductions fused into
/// its loop nest (the schedule only: no code is generated).
public func kernelPlan(_ graph: Graph) -> [(kernel: Int, fused: [Int])] {
    let s = Schedule(graph)
    return graph.nodes.indices.filter { s.realization[$0] == .kernel }.map { ($0, s.fused[$0] ?? []) }
}

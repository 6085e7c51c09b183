// Capture by tracing: run `f` once with a `DispatchHandler` that records every primitive and
// skips it (nothing is computed: only shapes and dtypes flow), under `Fusion.withoutFusion`
// so a fused kernel shows up as the primitives of its composition. A tensor the handler has
// not seen before is one `f` captured from outside (a weight): it becomes a parameter, a
// graph input read at every call. Host data and `full` made inside `f` are constants;
// numbers drawn from the default generator (randn, dropout) are random inputs, drawn again
// at every call. A read of values on the host (`item`, `toArray`) is a graph break: the
// tracer computes the values so `f` can go on, and the function runs eagerly.

/// The tracer: a DispatchHandler that turns what it sees into a `Graph`.
final class Tracer: DispatchHandler, @unchecked Sendable {
    var graph = Graph()
    /// The captured tensors, by parameter number.
    var params: [Tensor] = []
    /// The first read of values on the host (`item`, `toArray`, ...), if `f` made one: the
    /// graph break that makes the function run eagerly.
    var graphBreak: String? = nil
    let arguments: [Tensor]
    var ids: [ObjectIdentifier: Int] = [:]
    /// The input or param node a tensor started as (where its in-place writes land).
    var origins: [ObjectIdentifier: Int] = [:]
    var live: [Tensor] = []         // keeps traced tensors alive so identities stay unique
    /// The values random nodes were drawn with during the trace (for a host read's values).
    private var drawn: [Int: Primitive] = [:]
    /// Values computed for host reads (node -> tensor), so a second read computes nothing.
    private var computed: [Int: Tensor] = [:]
    /// The node of each traced value by its placeholder buffer and view: dfdx's VJPs read an
    /// op's output through an alias made without dispatching (the same buffer, the same view).
    var placeholders: [ViewKey: Int] = [:]

    struct ViewKey: Hashable { let buffer: ObjectIdentifier; let shape: [Int]; let strides: [Int]; let offset: Int }
    static func viewKey(_ t: Tensor) -> ViewKey {
        ViewKey(buffer: ObjectIdentifier(t.buffer as AnyObject), shape: t.shape, strides: t.strides, offset: t.offset)
    }

    init(arguments: [Tensor]) {
        self.arguments = arguments
        for (k, t) in arguments.enumerated() where ids[ObjectIdentifier(t)] == nil {
            ids[ObjectIdentifier(t)] = graph.add(GraphNode(.input(k), [], shape: t.shape, dtype: t.dtype))
            origins[ObjectIdentifier(t)] = ids[ObjectIdentifier(t)]
            live.append(t)
        }
    }

    /// The node of a tensor; a tensor never seen before is a captured parameter.
    func node(of t: Tensor) -> Int {
        if let i = ids[ObjectIdentifier(t)] { return i }
        if let i = placeholders[Tracer.viewKey(t)] { return i }     // a bookkeeping alias (a VJP's view of an output)
        check(!(t.buffer is PlaceholderBuffer),
              "compile: a tensor of shape \(t.shape) was made inside the traced function without passing through the dispatch point")
        let i = graph.add(GraphNode(.param(params.count), [], shape: t.shape, dtype: t.dtype))
        params.append(t)
        ids[ObjectIdentifier(t)] = i
        origins[ObjectIdentifier(t)] = i
        live.append(t)
        return i
    }

    func willDispatch(_ primitive: Primitive, inputs: [Tensor]) -> DispatchAction { .skip }

    func didDispatch(_ primitive: Primitive, inputs: [Tensor], output: Tensor) {
        let args = inputs.map(node(of:))
        switch primitive {
        case .assign, .indexCopy:
            // an in-place write: SSA gives the destination a new value (assign: the source;
            // indexCopy: a node computing the destination with the slices replaced), which
            // later reads see; a write to an argument or a parameter is redone after each call
            let value = primitive == .assign ? args[1]
                : graph.add(GraphNode(.primitive(primitive), args, shape: inputs[0].shape, dtype: inputs[0].dtype))
            if let target = origins[ObjectIdentifier(inputs[0])] { graph.writes.append((target, value)) }
            ids[ObjectIdentifier(inputs[0])] = value
        case .detach:
            ids[ObjectIdentifier(output)] = args[0]     // the same values; autograd is not traced
            live.append(output)
        default:
            let i = graph.add(GraphNode(.primitive(primitive), args, shape: output.shape, dtype: output.dtype))
            ids[ObjectIdentifier(output)] = i
            if output.buffer is PlaceholderBuffer { placeholders[Tracer.viewKey(output)] = i }
            live.append(output)
        }
    }

    /// Numbers drawn from the default generator: the `data` node just recorded becomes a
    /// random input, drawn again (fresh) at every call, in the order `f` drew them.
    func didDrawRandom(_ draw: RandomDraw, output: Tensor) {
        guard let i = ids[ObjectIdentifier(output)], let p = graph.nodes[i].primitive, case .data = p else { return }
        let k = graph.nodes.filter { if case .random = $0.op { true } else { false } }.count
        graph.nodes[i].op = .random(k, draw)
        drawn[i] = p
    }

    /// A read of values on the host: a graph break. The values are computed from the graph so
    /// far (eagerly, outside the trace) so that `f` goes on as it would eagerly; the function
    /// will run eagerly.
    func valuesForHostRead(_ tensor: Tensor, op: String) -> Tensor? {
        guard let i = ids[ObjectIdentifier(tensor)] else { return nil }
        if graphBreak == nil {
            graphBreak = "graph break: \(op)() reads the values of a \(typeName(tensor.dtype, tensor.shape)) tensor on the host inside the traced function"
        }
        return Dispatch.withoutHandler { withNoGrad { value(i) } }
    }

    /// Node i's value as `f` would have computed it in this call (memoized).
    private func value(_ i: Int) -> Tensor {
        if let t = computed[i] { return t }
        let n = graph.nodes[i]
        let t: Tensor
        switch n.op {
        case .input(let k): t = arguments[k]
        case .param(let k): t = params[k]
        case .random: t = Tensor.apply(drawn[i]!, [])
        case .primitive(let p): t = applyFunctionally(p, n.inputs.map(value))
        }
        computed[i] = t
        return t
    }

    /// Traces `f(arguments)` into a graph (nothing runs). The default generator is left as it
    /// was: the call that follows draws the numbers (eagerly or in the compiled program).
    static func trace(_ arguments: [Tensor], _ f: ([Tensor]) -> [Tensor]) -> Tracer {
        let tracer = Tracer(arguments: arguments)
        let generator = withDefaultGenerator { $0 }
        let results = Fusion.withoutFusion { withNoGrad { Dispatch.withHandler(tracer) { f(arguments) } } }
        withDefaultGenerator { $0 = generator }
        tracer.graph.outputs = results.map(tracer.node(of:))
        return tracer
    }
}

/// A primitive applied to values without changing them: an in-place write (indexCopy) writes
/// into a copy of its destination, which it returns (what the SSA node means).
func applyFunctionally(_ p: Primitive, _ inputs: [Tensor]) -> Tensor {
    guard case .indexCopy(let dim) = p else { return Tensor.apply(p, inputs) }
    let copy = Tensor.full(inputs[0].shape, 0, dtype: inputs[0].dtype, device: inputs[0].device)
    copy.assign(inputs[0])
    copy.indexCopy(dim: dim, index: inputs[1], source: inputs[2])
    return copy
}

/// The graph `f` traces to on `args` (before any pass), with the tensors it captured.
public func capture(_ args: [Tensor], _ f: ([Tensor]) -> [Tensor]) -> (graph: Graph, params: [Tensor]) {
    let tracer = Tracer.trace(args, f)
    return (tracer.graph, tracer.params)
}

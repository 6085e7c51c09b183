// Capture by tracing: run `f` once with a `DispatchHandler` that records every primitive and
// skips it (nothing is computed: only shapes and dtypes flow), under `Fusion.withoutFusion`
// so a fused kernel shows up as the primitives of its composition. A tensor the handler has
// not seen before is one `f` captured from outside (a weight): it becomes a parameter, a
// graph input read at every call. Host data and `full` made inside `f` are constants.

/// The tracer: a DispatchHandler that turns what it sees into a `Graph`.
final class Tracer: DispatchHandler, @unchecked Sendable {
    var graph = Graph()
    /// The captured tensors, by parameter number.
    var params: [Tensor] = []
    private var ids: [ObjectIdentifier: Int] = [:]
    private var live: [Tensor] = []         // keeps traced tensors alive so identities stay unique

    init(arguments: [Tensor]) {
        for (k, t) in arguments.enumerated() where ids[ObjectIdentifier(t)] == nil {
            ids[ObjectIdentifier(t)] = graph.add(GraphNode(.input(k), [], shape: t.shape, dtype: t.dtype))
            live.append(t)
        }
    }

    /// The node of a tensor; a tensor never seen before is a captured parameter.
    func node(of t: Tensor) -> Int {
        if let i = ids[ObjectIdentifier(t)] { return i }
        check(!(t.buffer is PlaceholderBuffer),
              "compile: a tensor of shape \(t.shape) was made inside the traced function without passing through the dispatch point")
        let i = graph.add(GraphNode(.param(params.count), [], shape: t.shape, dtype: t.dtype))
        params.append(t)
        ids[ObjectIdentifier(t)] = i
        live.append(t)
        return i
    }

    func willDispatch(_ primitive: Primitive, inputs: [Tensor]) -> DispatchAction { .skip }

    func didDispatch(_ primitive: Primitive, inputs: [Tensor], output: Tensor) {
        let args = inputs.map(node(of:))
        switch primitive {
        case .assign:
            // an in-place write: later reads of the destination read the new value (SSA
            // renames it); a write to an argument or a parameter is redone after each call
            let value = args[1]
            if case .input = graph.nodes[args[0]].op { graph.writes.append((args[0], value)) }
            if case .param = graph.nodes[args[0]].op { graph.writes.append((args[0], value)) }
            ids[ObjectIdentifier(inputs[0])] = value
        case .indexCopy:
            fail("compile: indexCopy (shapes \(inputs.map(\.shape))) inside a compiled function is not supported yet (chapter 4 part 2)")
        case .detach:
            ids[ObjectIdentifier(output)] = args[0]     // the same values; autograd is not traced
            live.append(output)
        default:
            ids[ObjectIdentifier(output)] = graph.add(GraphNode(.primitive(primitive), args, shape: output.shape, dtype: output.dtype))
            live.append(output)
        }
    }

    /// Traces `f(arguments)` into a graph (nothing runs).
    static func trace(_ arguments: [Tensor], _ f: ([Tensor]) -> [Tensor]) -> (Graph, [Tensor]) {
        let tracer = Tracer(arguments: arguments)
        let results = Fusion.withoutFusion { withNoGrad { Dispatch.withHandler(tracer) { f(arguments) } } }
        tracer.graph.outputs = results.map(tracer.node(of:))
        return (tracer.graph, tracer.params)
    }
}

/// The graph `f` traces to on `args` (before any pass), with the tensors it captured.
public func capture(_ args: [Tensor], _ f: ([Tensor]) -> [Tensor]) -> (graph: Graph, params: [Tensor]) {
    let (graph, params) = Tracer.trace(args, f)
    return (graph, params)
}

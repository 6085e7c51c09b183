// Autodiff through compiled code, AOTAutograd's way. With gradients wanted, `compile(f)`
// traces the forward and the backward into one joint graph: `f` runs under the tracer with
// autograd on, then dfdx's `gradients(of:seeds:wrt:)` runs the VJPs (still under the tracer)
// from a seed per output, an extra graph input, to every argument and captured parameter.
// The joint graph is partitioned (`partition`): the nodes that do not depend on a seed are
// the forward; the backward takes the seeds, the arguments, the parameters and the values
// the forward saves for it, and recomputes the cheap ones (elementwise and movement ops,
// constants) instead of saving them. Both halves compile as any traced graph does, and the
// compiled function is one dfdx custom op whose forward runs the compiled forward and whose
// VJP runs the compiled backward. Its gradients carry no graph (no second derivative
// through a compiled function).

/// The joint graph split in two (`partition`).
public struct Partition: Sendable {
    /// The forward: the arguments (inputs 0..<arguments) and parameters -> `f`'s outputs,
    /// then the saved values.
    public var forward: Graph
    /// The backward: inputs are the arguments, then a seed per output of `f`, then the saved
    /// values; its outputs are the joint graph's gradient outputs, in order.
    public var backward: Graph
    /// The joint graph's nodes the forward saves for the backward, in order.
    public var saved: [Int]
}

/// Whether node i of the joint graph is computed again in the backward (true) or saved by
/// the forward (false), for a node the backward reads that does not depend on a seed.
func recomputedInBackward(_ i: Int, _ joint: Graph) -> Bool {
    // BEGIN SOLUTION pt2.5: constants (full, host data) are recomputed; a float32 elementwise or movement op that the generated code computes (Schedule.generates) is recomputed (cheap: it inlines into the kernel that reads it); everything else is saved: random inputs (a second draw would differ), reductions, matmuls, indexCopy, and what runs eagerly (int32 values, gathers, ...)
    let n = joint.nodes[i]
    guard let p = n.primitive else { return false }
    if n.isConstant { return true }
    switch p {
    case .reduce, .matmul, .indexCopy: return false
    default: return Schedule.generates(n, joint)
    }
    // END SOLUTION pt2.5
}

/// Splits a joint graph: inputs 0..<arguments are `f`'s arguments, the next `outputs` inputs
/// are the seeds (one per output of `f`); the graph's first `outputs` outputs are `f`'s, the
/// rest are gradients. A node that depends on no seed is forward; the backward is what its
/// outputs need, with each forward node it reads either recomputed there
/// (`recomputedInBackward`, with what it reads in turn) or saved: a forward output.
public func partition(_ joint: Graph, arguments: Int, outputs: Int) -> Partition {
    let count = joint.nodes.count
    var tangent = [Bool](repeating: false, count: count)
    for (i, n) in joint.nodes.enumerated() {
        switch n.op {
        case .input(let k): tangent[i] = k >= arguments && k < arguments + outputs
        case .primitive: tangent[i] = n.inputs.contains { tangent[$0] }
        case .param, .random: break
        }
    }
    // the forward: every node that needs no seed, returning f's outputs then the saved values
    var forwardJoint = joint
    forwardJoint.outputs = Array(joint.outputs.prefix(outputs))
    // what the backward reads: latest first, a node it computes marks its inputs as read; a
    // value the forward realises by the scheduler's `shared` rule (a residual stream) is
    // saved, not recomputed from all the buffers it sums
    let shared = Set(Schedule.shared(joint) { i in
        guard case .primitive(let p) = joint.nodes[i].op else { return true }   // inputs, parameters, draws
        if case .data = p { return true }
        return tangent[i]
    })
    // and a value the forward realises anyway (a matmul's operand, an eager step's input: the
    // forward's schedule gives it a buffer whatever the backward needs) is saved: recomputing
    // it would redo its kernel (softmax's exp, GELU's tanh) where the forward's buffer can
    // simply be kept
    let realised = realisedByForward(forwardJoint, tangent: tangent)
    var read = [Bool](repeating: false, count: count), saved = [Bool](repeating: false, count: count)
    for o in joint.outputs.dropFirst(outputs) { read[o] = true }
    for i in joint.nodes.indices.reversed() where read[i] {
        let n = joint.nodes[i]
        switch n.op {
        case .input, .param: break                          // given to the backward too
        case .random: saved[i] = true                       // drawn once, in the forward
        case .primitive:
            if tangent[i] || (recomputedInBackward(i, joint) && !shared.contains(i) && !realised.contains(i)) { for j in n.inputs { read[j] = true } } else { saved[i] = true }
        }
    }
    let savedNodes = joint.nodes.indices.filter { saved[$0] }
    forwardJoint.outputs += savedNodes
    let forward = forwardJoint.rebuilt(keep: tangent.map { !$0 }, replace: Array(joint.nodes.indices))
    // the backward: the nodes read, in order; a saved node becomes an input
    var backward = Graph()
    var number = [Int](repeating: -1, count: count)
    for i in joint.nodes.indices where read[i] {
        let n = joint.nodes[i]
        if saved[i] {
            let k = arguments + outputs + savedNodes.firstIndex(of: i)!
            number[i] = backward.add(GraphNode(.input(k), [], shape: n.shape, dtype: n.dtype))
        } else {
            var m = n
            m.inputs = n.inputs.map { number[$0] }
            number[i] = backward.add(m)
        }
    }
    backward.outputs = joint.outputs.dropFirst(outputs).map { number[$0] }
    return Partition(forward: forward, backward: backward, saved: savedNodes)
}

/// The elementwise nodes of the joint graph that the forward alone (returning f's outputs,
/// saving nothing) realises as kernels: its schedule's buffers, by joint node number.
func realisedByForward(_ forwardJoint: Graph, tangent: [Bool]) -> Set<Int> {
    let forward = forwardJoint.rebuilt(keep: tangent.map { !$0 }, replace: Array(forwardJoint.nodes.indices))
    let schedule = Schedule(forward)
    var out = Set<Int>(), k = 0
    for (i, n) in forwardJoint.nodes.enumerated() where !tangent[i] {
        defer { k += 1 }
        guard schedule.realization[k] == .kernel, let p = n.primitive else { continue }
        switch p {
        case .unary, .binary, .select: out.insert(i)
        default: break
        }
    }
    return out
}

extension Tracer {
    /// Enters `t` as argument number k (a seed made after `f` ran).
    func addInput(_ t: Tensor, number k: Int) {
        let i = graph.add(GraphNode(.input(k), [], shape: t.shape, dtype: t.dtype))
        ids[ObjectIdentifier(t)] = i
        origins[ObjectIdentifier(t)] = i
        live.append(t)
    }

    /// Traces `f(arguments)` and its backward into one graph: inputs are the arguments, then
    /// one seed per output; outputs are f's, then the gradients that exist. `gradientOf[k]`
    /// is the output holding the gradient of argument k (k < arguments.count) or of parameter
    /// k - arguments.count, nil where none flows.
    static func traceJoint(_ arguments: [Tensor], _ f: ([Tensor]) -> [Tensor]) -> (tracer: Tracer, outputs: Int, gradientOf: [Int?]) {
        let leaves = arguments.map { a in
            let leaf = a.detach()
            if a.requiresGrad { leaf.requiresGrad = true }
            return leaf
        }
        let tracer = Tracer(arguments: leaves)
        let generator = withDefaultGenerator { $0 }
        var results: [Tensor] = [], grads: [Tensor?] = []
        Fusion.withoutFusion {
            Dispatch.withHandler(tracer) {
                results = f(leaves)
                let seeds = results.enumerated().map { k, r in
                    let seed = Dispatch.withoutHandler { Tensor.zeros(r.shape, device: r.device) }
                    tracer.addInput(seed, number: leaves.count + k)
                    return seed
                }
                grads = gradients(of: results, seeds: seeds, wrt: leaves + tracer.params)
            }
        }
        withDefaultGenerator { $0 = generator }
        tracer.graph.outputs = results.map(tracer.node(of:))
        var gradientOf: [Int?] = []
        for g in grads {
            if let g {
                gradientOf.append(tracer.graph.outputs.count)
                tracer.graph.outputs.append(tracer.node(of: g))
            } else {
                gradientOf.append(nil)
            }
        }
        // parameters first met in the backward (a VJP's capture) get no gradient
        gradientOf += [Int?](repeating: nil, count: leaves.count + tracer.params.count - gradientOf.count)
        return (tracer, results.count, gradientOf)
    }
}

/// A traced function with its backward, lowered for one set of argument shapes (and of which
/// arguments want gradients): the joint graph, its partition, and both halves compiled.
public final class CompiledJoint: @unchecked Sendable {
    /// The joint graph as traced (after the passes) and its two halves.
    public let joint: Graph
    public let partition: Partition
    /// The halves, compiled (nil when the trace broke).
    public let forward: CompiledProgram?, backward: CompiledProgram?
    let params: [Tensor]
    let paramShapes: [[Int]]
    let arguments: Int, outputs: Int
    let gradientOf: [Int?]
    /// Why this trace cannot run compiled, if so (the function runs eagerly).
    public let graphBreak: String?

    init(_ args: [Tensor], _ f: ([Tensor]) -> [Tensor]) {
        let (tracer, outputs, gradientOf) = Tracer.traceJoint(args, f)
        params = tracer.params
        paramShapes = params.map(\.shape)
        arguments = args.count
        self.outputs = outputs
        self.gradientOf = gradientOf
        graphBreak = tracer.graphBreak
        var g = tracer.graph
        if graphBreak == nil { for pass in Pass.all { g = pass.run(g) } }
        joint = g
        partition = pt2.partition(g, arguments: args.count, outputs: outputs)
        if graphBreak == nil {
            forward = CompiledProgram(traced: partition.forward, params: params)
            // what the joint graph knows of a saved value holds for the backward's input
            var known: [Int: KnownBand] = [:]
            if Bands.enabled {
                let bands = Bands(g)
                for (k, i) in partition.saved.enumerated() { known[args.count + outputs + k] = bands.known[i] }
            }
            backward = CompiledProgram(traced: partition.backward, params: params, known: known)
        } else {
            forward = nil
            backward = nil
        }
    }

    /// Runs the compiled forward as one custom op whose VJP runs the compiled backward.
    func run(_ args: [Tensor], compiler: String) -> [Tensor] {
        let forward = forward!, backward = backward!
        let arguments = arguments, outputs = outputs, gradientOf = gradientOf
        let saved = SavedValues()
        let op = CustomOp("compiled", forward: { inputs in
            let values = forward.run(Array(inputs.prefix(arguments)), compiler: compiler)
            saved.values = Array(values.dropFirst(outputs))
            return Array(values.prefix(outputs))
        }, vjp: { context, seeds in
            let values = withNoGrad { backward.run(Array(context.inputs.prefix(arguments)) + seeds + saved.values, compiler: compiler) }
            return gradientOf.map { $0.map { values[$0 - outputs] } }
        })
        return op(args + params)
    }
}

/// The values one call's forward saved for its backward.
final class SavedValues: @unchecked Sendable {
    var values: [Tensor] = []
}

// Reverse-mode and forward-mode automatic differentiation over the primitive ops.
//
// Every primitive calls `record` with its output, its inputs, its VJP (vector-Jacobian
// product: output gradient -> input gradients) and its JVP (input tangents -> output
// tangent). Reverse mode stores a `Node` on the output and `backward` walks the nodes in
// reverse topological order; forward mode pushes tangents along as the ops run.

/// How a tensor was made: the op, its inputs and the rule that sends a gradient back to them.
final class Node {
    let op: String
    let inputs: [Tensor]
    let vjp: (Tensor) -> [Tensor?]

    init(op: String, inputs: [Tensor], vjp: @escaping (Tensor) -> [Tensor?]) {
        self.op = op
        self.inputs = inputs
        self.vjp = vjp
    }
}

/// Task-local autodiff switches (work on plain threads too; never a global var).
enum AutodiffMode {
    /// False inside `withNoGrad`: ops record no nodes.
    @TaskLocal static var gradEnabled = true
    /// True while a JVP rule runs, so tangents of tangents are not computed.
    @TaskLocal static var computingTangent = false
}

/// Runs `body` without recording the graph (like `with torch.no_grad():`).
public func withNoGrad<T>(_ body: () throws -> T) rethrows -> T {
    try AutodiffMode.$gradEnabled.withValue(false, operation: body)
}

/// True unless inside `withNoGrad`.
public var isGradEnabled: Bool { AutodiffMode.gradEnabled }

/// Attaches autodiff to a freshly computed `out` of primitive `op` and returns it.
/// - vjp: output gradient -> one gradient per input (nil: zero / not differentiable).
/// - jvp: one tangent per input (nil: zero) -> output tangent; called only in forward mode.
@discardableResult
func record(_ out: Tensor, _ op: String, _ inputs: [Tensor],
            vjp: @escaping (Tensor) -> [Tensor?], jvp: ([Tensor?]) -> Tensor?) -> Tensor {
    if AutodiffMode.gradEnabled && inputs.contains(where: \.requiresGrad) {
        out.requiresGrad = true
        out.node = Node(op: op, inputs: inputs, vjp: vjp)
    }
    if !AutodiffMode.computingTangent && inputs.contains(where: { $0.tangent != nil }) {
        out.tangent = AutodiffMode.$computingTangent.withValue(true) { jvp(inputs.map(\.tangent)) }
    }
    return out
}

/// An op's output as its own VJP sees it. `y()` is the live output tensor while the graph
/// is alive (so gradients of gradients see how y depends on the inputs), without the strong
/// reference cycle out -> node -> closure -> out; once the graph is gone it is the plain values.
final class OutputRef {
    weak var live: Tensor?
    let values: Tensor

    init(_ out: Tensor) {
        live = out
        values = out.detach()
    }

    func callAsFunction() -> Tensor { live ?? values }
}

/// Adds the tangent contributions that are present (nil when none is).
func sumTangents(_ parts: Tensor?...) -> Tensor? {
    parts.compactMap { $0 }.reduce(nil) { acc, t in acc.map { $0 + t } ?? t }
}

/// The graph behind `root` in topological order (inputs before the tensors made from them),
/// not descending below `stops`.
func topologicalOrder(from root: Tensor, stoppingAt stops: Set<ObjectIdentifier> = []) -> [Tensor] {
    // BEGIN SOLUTION dfdx.1: depth-first with an explicit stack from root: each tensor once, appended after its inputs that require grad; nothing below a tensor in stops
    var order: [Tensor] = []
    var visited = Set<ObjectIdentifier>()
    // an explicit stack instead of recursion: deep graphs (long RNNs, 100-layer nets) must not overflow
    var stack: [(tensor: Tensor, expanded: Bool)] = [(root, false)]
    while let (t, expanded) = stack.popLast() {
        if expanded { order.append(t); continue }
        guard visited.insert(ObjectIdentifier(t)).inserted else { continue }
        stack.append((t, true))
        guard let node = t.node, !stops.contains(ObjectIdentifier(t)) else { continue }
        for input in node.inputs where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
            stack.append((input, false))
        }
    }
    return order
    // END SOLUTION dfdx.1
}

/// Gradients of `output` (seeded with `seed`) for every tensor in its graph, by reverse-mode
/// accumulation. With `createGraph` the VJPs are recorded too, so the result can be differentiated.
func backpropagate(_ output: Tensor, seed: Tensor, stoppingAt stops: Set<ObjectIdentifier> = [],
                   createGraph: Bool = false, visitLeaf: (Tensor, Tensor) -> Void) -> [ObjectIdentifier: Tensor] {
    // BEGIN SOLUTION dfdx.2: grads = [output: seed]; walk topologicalOrder(from: output, stoppingAt: stops) output-first with AutodiffMode.$gradEnabled set to createGraph: visitLeaf(t, g) at leaves and stops, else add each of node.vjp(g) into its input's entry; return grads
    var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(output): seed]
    let order = topologicalOrder(from: output, stoppingAt: stops)
    AutodiffMode.$gradEnabled.withValue(createGraph) {
        for t in order.reversed() {
            let id = ObjectIdentifier(t)
            guard let g = grads[id] else { continue }
            guard let node = t.node, !stops.contains(id) else {
                visitLeaf(t, g)
                continue
            }
            let inputGrads = node.vjp(g)
            for (input, gi) in zip(node.inputs, inputGrads) where input.requiresGrad {
                guard let gi else { continue }
                let key = ObjectIdentifier(input)
                grads[key] = grads[key].map { $0 + gi } ?? gi
            }
            grads[id] = nil   // this node's gradient has been passed on: free it early
        }
    }
    return grads
    // END SOLUTION dfdx.2
}

extension Tensor {
    /// Backpropagates from a one-element output: leaves' `.grad` accumulate d(self)/d(leaf).
    public func backward() {
        check(count == 1, "backward: output of shape \(shape) is not a scalar; call backward(_ gradient:) with a gradient of that shape")
        backward(Tensor.ones(shape, device: device))
    }

    /// Backpropagates `gradient` (same shape as self); leaves' `.grad` accumulate (like PyTorch).
    public func backward(_ gradient: Tensor) {
        check(gradient.shape == shape, "backward: gradient of shape \(gradient.shape) does not match output of shape \(shape)")
        check(requiresGrad, "backward: tensor of shape \(shape) does not require grad (no input had requiresGrad = true, or it was made inside withNoGrad)")
        _ = backpropagate(self, seed: gradient) { leaf, g in
            let g = g.isContiguous && g.offset == 0 ? g.detach() : withNoGrad { g.contiguous() }
            leaf.grad = leaf.grad.map { old in withNoGrad { old + g } } ?? g
        }
    }
}

/// HIPS-autograd style: `grad(f)(x)` is df/dx for a scalar-valued f. Composes: `grad(grad(f))`.
public func grad(_ f: @escaping (Tensor) -> Tensor) -> (Tensor) -> Tensor {
    let vg = valueAndGrad(f)
    return { x in vg(x).grad }
}

/// Both f(x) and df/dx in one pass. Does not touch `x.grad`.
public func valueAndGrad(_ f: @escaping (Tensor) -> Tensor) -> (Tensor) -> (value: Tensor, grad: Tensor) {
    return { x in
        // Differentiate with respect to an alias of x, so nested calls (grad of grad) keep the
        // path from x to the result when x itself requires grad.
        let nested = x.requiresGrad && isGradEnabled
        let input = nested ? x.alias() : { let leaf = x.detach(); leaf.requiresGrad = true; return leaf }()
        let y = AutodiffMode.$gradEnabled.withValue(true) { f(input) }
        check(y.count == 1, "grad: f must return one element, got shape \(y.shape)")
        guard y.requiresGrad else { return (y, Tensor.zeros(x.shape, device: x.device)) }
        let id = ObjectIdentifier(input)
        let grads = backpropagate(y, seed: Tensor.ones(y.shape, device: y.device), stoppingAt: [id],
                                  createGraph: nested) { _, _ in }
        return (nested ? y : y.detach(), grads[id] ?? Tensor.zeros(x.shape, device: x.device))
    }
}

/// Forward mode: f(x) and the directional derivative J_f(x) v, in one pass, without a graph.
public func jvp(_ f: (Tensor) -> Tensor, at x: Tensor, tangent v: Tensor) -> (value: Tensor, tangent: Tensor) {
    check(x.shape == v.shape, "jvp: tangent of shape \(v.shape) does not match input of shape \(x.shape)")
    let input = x.detach()
    input.tangent = v
    let y = f(input)
    let t = y.tangent ?? Tensor.zeros(y.shape, device: y.device)
    y.tangent = nil
    return (y, t)
}

extension Tensor {
    /// The same values as a new node whose gradient passes straight through (used by `grad`).
    func alias() -> Tensor {
        let out = Tensor(buffer: buffer, device: device, shape: shape, strides: strides, offset: offset)
        return record(out, "alias", [self], vjp: { g in [g] }, jvp: { t in t[0] })
    }
}

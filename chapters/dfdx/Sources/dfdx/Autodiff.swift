// Reverse-mode and forward-mode automatic differentiation over the primitive ops.
//
// Every primitive calls `record` with its output, its inputs, its VJP (vector-Jacobian
// product: output gradient -> input gradients) and its JVP (input tangents -> output
// tangent). Reverse mode stores a `Node` on the output and `backward` walks the nodes in
// reverse topological order; forward mode pushes tangents along as the ops run.

/// How a tensor was made: the primitive, its inputs and the rule that sends a gradient back to
/// them, with the versions of the tensors that rule reads (torch's saved tensors): if one was
/// overwritten in place since, the gradient would be silently wrong, so backward stops instead.
final class Node {
    let primitive: Primitive
    let inputs: [Tensor]
    /// The VJP; nil once a backward without `retainGraph` went through (its saved tensors freed).
    var rule: ((Tensor) -> [Tensor?])?
    let saved: [(what: String, shape: [Int], counter: VersionCounter, version: Int)]

    init(primitive: Primitive, inputs: [Tensor], saved: [(String, Tensor)], vjp: @escaping (Tensor) -> [Tensor?]) {
        self.primitive = primitive
        self.inputs = inputs
        self.rule = vjp
        self.saved = saved.map { ($0.0, $0.1.shape, $0.1.version, $0.1.version.value) }
    }

    /// The VJP, after checking that nothing it reads was modified in place. Inside a backward
    /// that does not retain the graph, a node that saved tensors frees them (drops its rule) once
    /// used, as torch does; a second backward through it stops, naming the tensor it started from.
    func vjp(_ g: Tensor) -> [Tensor?] {
        guard let rule else {
            fail("backward: trying to backward through the graph a second time (from \(AutodiffMode.backwardRoot ?? "this tensor")): its graph reaches \(primitive.name), whose saved tensors an earlier backward freed; call backward(retainGraph: true) the first time to backward through the same graph again")
        }
        for s in saved where s.counter.value != s.version {
            fail("backward: one of the tensors needed for gradient computation has been modified by an inplace operation: \(s.what) of \(primitive.name) (shape \(s.shape)) is at version \(s.counter.value), expected version \(s.version)")
        }
        let grads = rule(g)
        if AutodiffMode.backwardRoot != nil && !AutodiffMode.retainGraph && !saved.isEmpty { self.rule = nil }
        return grads
    }
}

/// Which tensors an op's VJP reads, so an in-place write to one of them is caught at backward.
enum Saves {
    case nothing, inputs, output, inputsAndOutput
    case only([Int])
}

/// Task-local autodiff switches (work on plain threads too; never a global var).
enum AutodiffMode {
    /// False inside `withNoGrad`: ops record no nodes.
    @TaskLocal static var gradEnabled = true
    /// True while a JVP rule runs, so tangents of tangents are not computed.
    @TaskLocal static var computingTangent = false
    /// Set by `backward`: the tensor it started from (for messages), and whether it keeps the graph.
    @TaskLocal static var backwardRoot: String? = nil
    @TaskLocal static var retainGraph = true
}

/// Runs `body` without recording the graph (like `with torch.no_grad():`).
public func withNoGrad<T>(_ body: () throws -> T) rethrows -> T {
    try AutodiffMode.$gradEnabled.withValue(false, operation: body)
}

/// True unless inside `withNoGrad`.
public var isGradEnabled: Bool { AutodiffMode.gradEnabled }

/// Attaches autodiff to a freshly computed `out` of `primitive` and returns it.
/// - vjp: output gradient -> one gradient per input (nil: zero / not differentiable).
/// - jvp: one tangent per input (nil: zero) -> output tangent; called only in forward mode.
/// With no input requiring grad (or inside `withNoGrad`) and no tangent, neither closure is
/// ever called, so backward-only work belongs inside them.
/// - saves: what the VJP reads (default: every input); `.output` adds the output itself.
@discardableResult
func record(_ out: Tensor, _ primitive: Primitive, _ inputs: [Tensor], saves: Saves = .inputs,
            vjp: @escaping (Tensor) -> [Tensor?], jvp: ([Tensor?]) -> Tensor?) -> Tensor {
    // (the task-local reads last: an inference op pays only the flag checks)
    if inputs.contains(where: { $0.requiresGrad }) && AutodiffMode.gradEnabled {
        out.requiresGrad = true
        var saved: [(String, Tensor)] = []
        switch saves {
        case .nothing: break
        case .inputs: saved = inputs.enumerated().map { ("input \($0.offset)", $0.element) }
        case .only(let which): saved = which.map { ("input \($0)", inputs[$0]) }
        case .output: saved = [("the output", out)]
        case .inputsAndOutput: saved = inputs.enumerated().map { ("input \($0.offset)", $0.element) } + [("the output", out)]
        }
        out.node = Node(primitive: primitive, inputs: inputs, saved: saved, vjp: vjp)
    }
    if inputs.contains(where: { $0.tangent != nil }) && !AutodiffMode.computingTangent {
        out.tangent = AutodiffMode.$computingTangent.withValue(true) { jvp(inputs.map(\.tangent)) }
    }
    return out
}

/// An op's output as its own VJP sees it. `y()` is the live output tensor while the graph
/// is alive (so gradients of gradients see how y depends on the inputs), without the strong
/// reference cycle out -> node -> closure -> out; once the graph is gone it is the plain values.
/// When no closure that reads it can run (`needed` false: see `recordsAutodiff`) it holds
/// nothing, so an inference op makes no weak reference and no alias.
final class OutputRef {
    weak var live: Tensor?
    let values: Tensor?

    init(_ out: Tensor, needed: Bool = true) {
        if needed {
            live = out
            values = out.bookkeepingAlias()
        } else {
            values = nil
        }
    }

    func callAsFunction() -> Tensor {
        guard let y = live ?? values else { fail("OutputRef: read by a closure that record(...) said would not run") }
        return y
    }
}

/// True when `record` will keep the VJP of an op of these inputs or call its JVP.
@inline(__always)
func recordsAutodiff(_ a: Tensor, _ b: Tensor? = nil) -> Bool {
    ((a.requiresGrad || b?.requiresGrad == true) && AutodiffMode.gradEnabled)
        || ((a.tangent != nil || b?.tangent != nil) && !AutodiffMode.computingTangent)
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
    /// The graph's saved tensors are freed on the way (a second backward through it stops)
    /// unless `retainGraph` is true, as in torch.
    public func backward(retainGraph: Bool = false, file: StaticString = #fileID, line: UInt = #line) {
        check(count == 1, "backward: output of shape \(shape) is not a scalar; call backward(_ gradient:) with a gradient of that shape", file: file, line: line)
        backward(Tensor.ones(shape, device: device), retainGraph: retainGraph, file: file, line: line)
    }

    /// Backpropagates `gradient` (same shape as self); leaves' `.grad` accumulate (like PyTorch).
    /// Frees the graph's saved tensors unless `retainGraph` is true.
    public func backward(_ gradient: Tensor, retainGraph: Bool = false, file: StaticString = #fileID, line: UInt = #line) {
        check(gradient.shape == shape, "backward: gradient of shape \(gradient.shape) does not match output of shape \(shape)", file: file, line: line)
        check(requiresGrad, "backward: tensor of shape \(shape) does not require grad (no input had requiresGrad = true, or it was made inside withNoGrad)", file: file, line: line)
        let root = "the tensor of shape \(shape)\(node.map { " made by \($0.primitive.name)" } ?? ""), backward called at \(file):\(line)"
        AutodiffMode.$backwardRoot.withValue(root) {
            AutodiffMode.$retainGraph.withValue(retainGraph) {
                _ = backpropagate(self, seed: gradient) { leaf, g in
                    // Every consumer of the leaf has been visited: its gradient is complete.
                    leaf.accumulateGrad(g)
                    for hook in leaf.postAccumulateGradHooks { hook(leaf) }
                }
            }
        }
    }

    /// Adds `g` into `.grad`: in place when `.grad` owns its memory (set by the user, e.g. a
    /// view of a preallocated buffer, or made by an earlier accumulation), else as a new tensor.
    func accumulateGrad(_ g: Tensor) {
        withNoGrad {
            guard let old = storedGrad else {
                // may share memory with another leaf's gradient (add's VJP hands both the same g)
                storedGrad = g.isContiguous && g.offset == 0 ? g.detach() : g.contiguous()
                gradIsOwned = false
                return
            }
            if gradIsOwned { old.assign(old + g) } else { storedGrad = old + g; gradIsOwned = true }
        }
    }

    /// Runs `hook(self)` each time a backward pass has finished accumulating this leaf's gradient
    /// (torch's register_post_accumulate_grad_hook): e.g. to start a gradient all-reduce while the
    /// rest of backward runs.
    public func registerPostAccumulateGradHook(_ hook: @escaping @Sendable (Tensor) -> Void) {
        check(isLeaf && requiresGrad, "registerPostAccumulateGradHook: tensor of shape \(shape) is not a leaf that requires grad")
        postAccumulateGradHooks.append(hook)
    }
}

/// The gradients of `outputs`, seeded with `seeds`, with respect to `inputs` (nil where none
/// flows): one backward pass from several roots that accumulates into no `.grad` (like
/// torch.autograd.grad). A hook for pt2, which runs it under its tracer to record a
/// function's backward in the same graph as its forward (compiled autodiff). A hidden 0-d
/// token is made from the roots (as a multi-output custom op does); its VJP hands each root
/// its seed, so a value shared by several roots is backpropagated once.
public func gradients(of outputs: [Tensor], seeds: [Tensor], wrt inputs: [Tensor]) -> [Tensor?] {
    check(outputs.count == seeds.count, "gradients: \(seeds.count) seeds for \(outputs.count) outputs")
    for (o, s) in zip(outputs, seeds) where o.shape != s.shape {
        fail("gradients: a seed of shape \(s.shape) for an output of shape \(o.shape)")
    }
    let roots = Array(zip(outputs, seeds).filter { $0.0.requiresGrad })
    guard !roots.isEmpty else { return inputs.map { _ in nil } }
    let token = Tensor.zeros([], device: roots[0].0.device)
    AutodiffMode.$gradEnabled.withValue(true) {
        _ = record(token, .custom("gradients"), roots.map(\.0), saves: .nothing, vjp: { _ in roots.map(\.1) }, jvp: { _ in nil })
    }
    let grads = backpropagate(token, seed: token, stoppingAt: Set(inputs.map(ObjectIdentifier.init))) { _, _ in }
    return inputs.map { grads[ObjectIdentifier($0)] }
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
        return record(detach(), .custom("alias"), [self], saves: .nothing, vjp: { g in [g] }, jvp: { t in t[0] })
    }
}

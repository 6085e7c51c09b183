// Differentiable ops defined outside dfdx, like torch.autograd.Function.
//
// A custom op brings its own forward (any tensor code: a composition of primitives, or a
// backend's fused kernel) and its own VJP (and, optionally, JVP). The forward runs without
// recording a graph; its outputs get one node whose VJP is the custom one. brrr's fused
// kernels, az1use1's collectives (identity forward, all-reduce backward) and pt2's compiled
// functions (a compiled forward whose VJP runs the compiled backward) are all custom ops.

/// A differentiable op with a hand-written gradient: `op([x, y])` returns its outputs.
public struct CustomOp: Sendable {
    /// What a VJP or JVP rule is handed: the op's inputs and outputs (values, off the graph).
    public struct Context: Sendable {
        public let inputs: [Tensor]
        public let outputs: [Tensor]
    }
    /// Inputs -> outputs (runs without autograd).
    public typealias Forward = @Sendable (_ inputs: [Tensor]) -> [Tensor]
    /// One gradient per output (zeros where an output got none) -> one per input (nil: none).
    public typealias VJP = @Sendable (_ context: Context, _ gradients: [Tensor]) -> [Tensor?]
    /// One tangent per input (nil: zero) -> one per output.
    public typealias JVP = @Sendable (_ context: Context, _ tangents: [Tensor?]) -> [Tensor]

    /// A short name, shown in graphs and messages.
    public let name: String
    let forward: Forward
    let vjp: VJP
    let jvp: JVP?

    public init(_ name: String, forward: @escaping Forward, vjp: @escaping VJP, jvp: JVP? = nil) {
        self.name = name
        self.forward = forward
        self.vjp = vjp
        self.jvp = jvp
    }

    /// Runs the op: its outputs are attached to the graph through the custom VJP when an input
    /// requires grad, and carry the custom JVP's tangents in forward mode.
    public func callAsFunction(_ inputs: [Tensor]) -> [Tensor] {
        // The forward sees detached inputs: no graph, no tangents flow through its own ops.
        let outputs = withNoGrad { forward(inputs.map { $0.detach() }) }.map { $0.detach() }
        check(!outputs.isEmpty, "\(name): a custom op must return at least one tensor")
        let context = Context(inputs: inputs.map { $0.detach() }, outputs: outputs.map { $0.detach() })
        if isGradEnabled && inputs.contains(where: \.requiresGrad) { attach(outputs, inputs, context) }
        if !AutodiffMode.computingTangent && inputs.contains(where: { $0.tangent != nil }) {
            guard let jvp else { fail("\(name): no JVP was given, so forward mode (jvp) cannot go through it") }
            let tangents = AutodiffMode.$computingTangent.withValue(true) { jvp(context, inputs.map(\.tangent)) }
            check(tangents.count == outputs.count, "\(name): JVP returned \(tangents.count) tangents for \(outputs.count) outputs")
            for (o, t) in zip(outputs, tangents) { o.tangent = t }
        }
        return outputs
    }

    /// The single-output form: `op(x, y)`.
    public func callAsFunction(_ inputs: Tensor...) -> Tensor {
        let outputs = self(inputs)
        check(outputs.count == 1, "\(name): returns \(outputs.count) tensors; call it with an array to get them all")
        return outputs[0]
    }

    /// Gives the outputs their node (several outputs: `attachMany`).
    private func attach(_ outputs: [Tensor], _ inputs: [Tensor], _ context: Context) {
        if outputs.count == 1 { attachOne(outputs[0], inputs, context) } else { attachMany(outputs, inputs, context) }
    }

    /// The custom VJP on the outputs' gradients, checked to give one gradient per input.
    private func gradients(_ context: Context, _ outputGradients: [Tensor]) -> [Tensor?] {
        let grads = vjp(context, outputGradients)
        check(grads.count == context.inputs.count, "\(name): VJP returned \(grads.count) gradients for \(context.inputs.count) inputs")
        return grads
    }

    /// One output: a node like any primitive's, whose VJP is the custom one.
    private func attachOne(_ output: Tensor, _ inputs: [Tensor], _ context: Context) {
        // BEGIN SOLUTION dfdx.29: record `output` as made by .custom(name) from `inputs`, with a VJP that returns gradients(context, [g]) (the custom rule, checked); the JVP is handled by the caller: pass { _ in nil }
        record(output, .custom(name), inputs, saves: .inputsAndOutput, vjp: { g in gradients(context, [g]) }, jvp: { _ in nil })
        // END SOLUTION dfdx.29
    }

    /// Several outputs: a hidden 0-d token holds the custom node; each output's own node puts
    /// its gradient into a slot and sends a zero to the token, so backward reaches the token
    /// after every output and calls the custom VJP once, with all the gradients.
    private func attachMany(_ outputs: [Tensor], _ inputs: [Tensor], _ context: Context) {
        let slots = GradientSlots(context.outputs)
        let token = Tensor.zeros([], device: outputs[0].device)
        record(token, .custom(name), inputs, vjp: { _ in gradients(context, slots.take()) }, jvp: { _ in nil })
        for (i, o) in outputs.enumerated() {
            record(o, .custom("\(name).output\(i)"), [token], saves: .nothing, vjp: { g in
                slots.add(g, at: i)
                return [Tensor.zeros([], device: g.device)]
            }, jvp: { _ in nil })
        }
    }
}

/// The gradients that reached each output of a multi-output custom op during one backward.
final class GradientSlots: @unchecked Sendable {
    private let outputs: [Tensor]
    private var grads: [Tensor?]

    init(_ outputs: [Tensor]) {
        self.outputs = outputs
        grads = Array(repeating: nil, count: outputs.count)
    }

    func add(_ g: Tensor, at i: Int) { grads[i] = grads[i].map { $0 + g } ?? g }

    /// The gradients (zeros for outputs that got none), emptied for the next backward.
    func take() -> [Tensor] {
        defer { grads = Array(repeating: nil, count: outputs.count) }
        return zip(grads, outputs).map { g, o in g ?? Tensor.zeros(o.shape, device: o.device) }
    }
}

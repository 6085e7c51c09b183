// A trace: the primitives a function dispatched, recorded by a `DispatchHandler`, and replayed
// by value through `Tensor.apply`. This is the first half of a compiler (pt2 captures graphs
// this way), and a small, honest test of the dispatch point: if any tensor came to exist
// without passing through it, the replay would find an input it cannot explain.

/// One recorded primitive: its inputs and output as positions in the trace's value list.
public struct TraceStep: Sendable, CustomStringConvertible {
    public let primitive: Primitive
    public let inputs: [Int]
    public let output: Int

    public var description: String {
        "%\(output) = \(primitive)(\(inputs.map { "%\($0)" }.joined(separator: ", ")))"
    }
}

/// The primitives `f` dispatched on given inputs, in program order, replayable on new inputs.
public final class Trace: DispatchHandler, @unchecked Sendable {
    /// Values 0..<inputCount are the function's inputs; every later value is a step's output.
    public private(set) var steps: [TraceStep] = []
    public let inputCount: Int
    /// The values that `f` returned.
    public private(set) var outputs: [Int] = []
    private var ids: [ObjectIdentifier: Int] = [:]
    private var live: [Tensor] = []     // keeps recorded tensors alive so their identities stay unique

    init(inputs: [Tensor], running: Bool) {
        self.running = running
        inputCount = inputs.count
        for t in inputs { _ = value(of: t, creating: true) }
    }

    /// Whether the recorded primitives also run (false: shapes and dtypes only).
    public let running: Bool

    /// Records `f(inputs)`. Running (the default), `f` computes as usual and its results are
    /// returned; not running, nothing is computed and the results are placeholders with the
    /// right shapes and dtypes (reading their values stops with a message).
    public static func record(_ inputs: [Tensor], running: Bool = true, _ f: ([Tensor]) -> [Tensor]) -> (trace: Trace, outputs: [Tensor]) {
        let trace = Trace(inputs: inputs, running: running)
        let results = Dispatch.withHandler(trace) { f(inputs) }
        trace.outputs = results.map { trace.value(of: $0, creating: false) }
        return (trace, results)
    }

    private func value(of t: Tensor, creating: Bool) -> Int {
        if let i = ids[ObjectIdentifier(t)] { return i }
        guard creating else { fail("trace: a tensor of shape \(t.shape) was used without passing through the dispatch point (made before the trace, and not an input)") }
        ids[ObjectIdentifier(t)] = live.count
        live.append(t)
        return live.count - 1
    }

    public func willDispatch(_ primitive: Primitive, inputs: [Tensor]) -> DispatchAction { running ? .run : .skip }

    public func didDispatch(_ primitive: Primitive, inputs: [Tensor], output: Tensor) {
        let args = inputs.map { value(of: $0, creating: false) }
        if primitive == .assign || primitive.name == "indexCopy" {   // a write: later reads of the destination see the new values
            steps.append(TraceStep(primitive: primitive, inputs: args, output: args[0]))
            return
        }
        steps.append(TraceStep(primitive: primitive, inputs: args, output: value(of: output, creating: true)))
    }

    /// Runs the recorded primitives on `inputs` (same count and shapes as recorded), with
    /// autodiff, and returns what `f` returned.
    public func replay(_ inputs: [Tensor]) -> [Tensor] {
        check(inputs.count == inputCount, "Trace.replay: \(inputs.count) inputs for a trace of \(inputCount)")
        // BEGIN SOLUTION dfdx.28: start the value list with the inputs; for each step, apply its primitive to the values its inputs name (Tensor.apply) and store the result at its output position (an assign writes in place: store its destination); return the values named by `outputs`
        var values = [Tensor?](repeating: nil, count: live.count)
        for (i, t) in inputs.enumerated() { values[i] = t }
        for step in steps {
            let args = step.inputs.map { values[$0]! }
            values[step.output] = Tensor.apply(step.primitive, args)
        }
        return outputs.map { values[$0]! }
        // END SOLUTION dfdx.28
    }
}

// The dispatch point: the one place every primitive passes through on its way to a backend.
//
// Eager execution and tracing share it: pt2 installs a `DispatchObserver` (task-local) and
// sees every primitive with its inputs and output, in program order.

/// A primitive op with its static parameters, as the compiler sees it.
public enum Primitive: Hashable, Sendable, CustomStringConvertible {
    case unary(UnaryOp)
    case binary(BinaryOp)
    case select
    case reduce(Reduction, axes: [Int])
    case matmul
    case gather(dim: Int, index: [Int], indexShape: [Int])
    case scatterAdd(dim: Int, index: [Int], outShape: [Int])
    // movement: views (no backend call), except pad and contiguous, which copy
    case reshape([Int])
    case permute([Int])
    case expand([Int])
    case shrink([Int])          // flattened (start, end) pairs per dim
    case pad([Int])             // flattened (before, after) pairs per dim
    case contiguous

    public var description: String {
        switch self {
        case .unary(let op): return op.rawValue
        case .binary(let op): return op.rawValue
        case .select: return "where"
        case .reduce(let op, let axes): return "\(op.rawValue)\(axes)"
        case .matmul: return "matmul"
        case .gather(let dim, _, _): return "gather(dim: \(dim))"
        case .scatterAdd(let dim, _, _): return "scatterAdd(dim: \(dim))"
        case .reshape(let s): return "reshape\(s)"
        case .permute(let p): return "permute\(p)"
        case .expand(let s): return "expand\(s)"
        case .shrink(let r): return "shrink\(r)"
        case .pad(let p): return "pad\(p)"
        case .contiguous: return "contiguous"
        }
    }
}

/// Sees every primitive as it runs (pt2's tracer, profilers).
public protocol DispatchObserver: Sendable {
    func observe(_ primitive: Primitive, inputs: [Tensor], output: Tensor)
}

/// Runs primitives on backends and tells the observer.
public enum Dispatch {
    /// The observer for the current task/thread, if any.
    @TaskLocal public static var observer: (any DispatchObserver)? = nil

    /// Allocates the output of `primitive` on the inputs' device and lets `compute` fill it.
    static func run(_ primitive: Primitive, _ inputs: [Tensor], shape: [Int], op: String,
                    _ compute: (any Backend, any Buffer) -> Void) -> Tensor {
        let device = inputs[0].device
        for t in inputs.dropFirst() where t.device != device {
            fail("\(op): tensors are on different devices, \(device) and \(t.device) (shapes \(inputs.map(\.shape)))")
        }
        let backend = Backends.backend(for: device)
        let buffer = backend.allocate(count: shape.reduce(1, *))
        compute(backend, buffer)
        let out = Tensor(buffer: buffer, device: device, shape: shape)
        observer?.observe(primitive, inputs: inputs, output: out)
        return out
    }

    /// A new view of `input`'s buffer (movement ops that copy nothing).
    static func view(_ primitive: Primitive, _ input: Tensor, shape: [Int], strides: [Int], offset: Int) -> Tensor {
        let out = Tensor(buffer: input.buffer, device: input.device, shape: shape, strides: strides, offset: offset)
        observer?.observe(primitive, inputs: [input], output: out)
        return out
    }
}

extension Tensor {
    /// Runs one primitive given by value (with autodiff): how a recorded graph is replayed
    /// eagerly, e.g. by a compiler's interpreter or its fallback path.
    public static func apply(_ primitive: Primitive, _ inputs: [Tensor]) -> Tensor {
        func pairs(_ flat: [Int]) -> [(Int, Int)] { stride(from: 0, to: flat.count, by: 2).map { (flat[$0], flat[$0 + 1]) } }
        switch primitive {
        case .unary(let op): return inputs[0].unary(op)
        case .binary(let op): return inputs[0].binary(op, inputs[1])
        case .select: return select(inputs[0], inputs[1], inputs[2])
        case .reduce(let op, let axes): return inputs[0].reduce(op, axes: axes)
        case .matmul: return inputs[0].matmulPrimitive(inputs[1])
        case .gather(let dim, let index, let indexShape): return inputs[0].gather(dim: dim, index: index, indexShape: indexShape)
        case .scatterAdd(let dim, let index, let outShape): return inputs[0].scatterAdd(dim: dim, index: index, outShape: outShape)
        case .reshape(let shape): return inputs[0].reshape(shape)
        case .permute(let order): return inputs[0].permute(order)
        case .expand(let shape): return inputs[0].expand(shape)
        case .shrink(let flat): return inputs[0].shrink(pairs(flat))
        case .pad(let flat): return inputs[0].pad(pairs(flat))
        case .contiguous: return inputs[0].contiguous()
        }
    }
}

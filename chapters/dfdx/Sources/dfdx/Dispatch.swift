// The dispatch point: the one place every primitive passes through on its way to a backend.
//
// Eager execution, profiling and tracing share it. A `DispatchHandler` installed for a task
// sees each primitive with its inputs *before* it runs and chooses: run it (eager, a
// profiler), or skip it (a tracer that wants shapes and dtypes only); after the op it sees the
// output (so a tracer records while running, or records without running). Every way a tensor
// comes to exist passes here as a primitive: host data, `full`, `to`, `cast`, and the in-place
// `assign`, so a recorded graph has no unexplained inputs.

/// Host values a tensor is made from (`Tensor(_:shape:)`), as a constant of the graph.
public struct HostData: Hashable, Sendable {
    public enum Values: Hashable, Sendable {
        case float32([Float]), int32([Int32])
        /// Raw little-endian bytes of any dtype (a quantized weight from a file).
        case bytes([UInt8], DType)
    }
    public let values: Values

    public init(_ values: Values) { self.values = values }

    public var dtype: DType {
        switch values {
        case .float32: return .float32
        case .int32: return .int32
        case .bytes(_, let dtype): return dtype
        }
    }

    /// The values' bytes, little-endian, as a backend uploads them.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch values {
        case .float32(let v): return v.withUnsafeBytes(body)
        case .int32(let v): return v.withUnsafeBytes(body)
        case .bytes(let v, _): return v.withUnsafeBytes(body)
        }
    }
}

/// A primitive op with its static parameters, as the compiler sees it. Tensor inputs (the
/// index of a gather, the ids of an embedding, the source of an assign) are inputs, never
/// parameters.
public enum Primitive: Hashable, Sendable, CustomStringConvertible {
    // creation and transfer
    case data(HostData, shape: [Int])               // host values -> a tensor (no inputs)
    case full(Float, shape: [Int], dtype: DType)    // every element one value (no inputs)
    case to(Device)                                 // [x] -> a copy on the device
    case cast(DType)                                // [x] -> converted elementwise
    case assign                                     // [dst, src]: writes src into dst in place
    case indexCopy(dim: Int)                        // [dst, index, src]: dst's slices at index = src, in place
    // compute
    case unary(UnaryOp)
    case binary(BinaryOp)
    case select
    case reduce(Reduction, axes: [Int])
    case matmul
    case linear                                     // [x, weight]: x @ weight^T, weight in a block format
    case gather(dim: Int)                           // [x, index]
    case scatterAdd(dim: Int, outShape: [Int])      // [src, index]
    case embedding                                  // [table, ids]: row select
    // movement: views (no backend call), except pad and contiguous, which copy
    case reshape([Int])
    case permute([Int])
    case expand([Int])
    case shrink([Int])          // flattened (start, end) pairs per dim
    case pad([Int])             // flattened (before, after) pairs per dim
    case contiguous
    case detach                 // the same view, cut off from autograd
    /// A composition a backend ran as one kernel (Fused.swift): replayed by value through
    /// the same function, which fuses again where the backend can.
    case fused(FusedKernel)
    /// A differentiable op defined outside dfdx (CustomOp.swift): its forward dispatched
    /// primitives of its own; autograd nodes name it. It cannot be replayed by value.
    case custom(String)

    public var description: String {
        switch self {
        case .data(let d, let shape): return "data(\(d.dtype), \(shape))"
        case .full(let v, let shape, let dtype): return "full(\(v), \(shape)\(dtype == .float32 ? "" : ", \(dtype)"))"
        case .to(let device): return "to(\(device))"
        case .cast(let dtype): return "cast(\(dtype))"
        case .assign: return "assign"
        case .indexCopy(let dim): return "indexCopy(dim: \(dim))"
        case .unary(let op): return op.rawValue
        case .binary(let op): return op.rawValue
        case .select: return "where"
        case .reduce(let op, let axes): return "\(op.rawValue)\(axes)"
        case .matmul: return "matmul"
        case .linear: return "linear"
        case .gather(let dim): return "gather(dim: \(dim))"
        case .scatterAdd(let dim, _): return "scatterAdd(dim: \(dim))"
        case .embedding: return "embedding"
        case .reshape(let s): return "reshape\(s)"
        case .permute(let p): return "permute\(p)"
        case .expand(let s): return "expand\(s)"
        case .shrink(let r): return "shrink\(r)"
        case .pad(let p): return "pad\(p)"
        case .contiguous: return "contiguous"
        case .detach: return "detach"
        case .fused(let kernel): return kernel.description
        case .custom(let name): return name
        }
    }

    /// The op's name in messages ("add", "gather"), without its parameters.
    public var name: String {
        switch self {
        case .unary(let op): return op.rawValue
        case .binary(let op): return op.rawValue
        case .reduce(let op, _): return op.rawValue
        default: return String(description.prefix { $0 != "(" && $0 != "[" })
        }
    }
}

/// What a handler wants done with a primitive it is shown.
public enum DispatchAction: Sendable {
    /// Compute it (eager execution, profiling, tracing while running).
    case run
    /// Make the output's shape and dtype only: nothing runs, nothing is written (a tracer that
    /// records without running). Reading such a tensor's values stops with a message.
    case skip
}

/// Interposes on every primitive of the task it is installed for (`Dispatch.withHandler`).
public protocol DispatchHandler: AnyObject, Sendable {
    /// Called before `primitive` runs on `inputs`; the answer decides whether it runs.
    func willDispatch(_ primitive: Primitive, inputs: [Tensor]) -> DispatchAction
    /// Called after, with the output (computed, a view, or a placeholder when skipped).
    /// For `assign` the output is the destination.
    func didDispatch(_ primitive: Primitive, inputs: [Tensor], output: Tensor)
    /// Called when the host reads the values of `tensor` (`op`: toArray, item, ...) and it has
    /// none (the handler skipped what made it). The answer is a tensor of the same shape and
    /// dtype whose values are read instead (read outside any handler), or nil to stop with a
    /// message (the default). A tracing compiler computes them: the read is a graph break.
    func valuesForHostRead(_ tensor: Tensor, op: String) -> Tensor?
    /// Called after numbers drawn from the default generator (randn, rand, randint, dropout's
    /// mask, multinomial's uniforms) made `output` (a `data` primitive dispatched just before):
    /// how they were drawn, so a compiler can draw them again, fresh, at every call.
    func didDrawRandom(_ draw: RandomDraw, output: Tensor)
}

extension DispatchHandler {
    public func willDispatch(_ primitive: Primitive, inputs: [Tensor]) -> DispatchAction { .run }
    public func didDispatch(_ primitive: Primitive, inputs: [Tensor], output: Tensor) {}
    public func valuesForHostRead(_ tensor: Tensor, op: String) -> Tensor? { nil }
    public func didDrawRandom(_ draw: RandomDraw, output: Tensor) {}
}

/// Runs primitives on backends, through the task's handler when one is installed.
public enum Dispatch {
    /// The handler for the current task/thread, if any.
    @TaskLocal public static var handler: (any DispatchHandler)? = nil

    /// Runs `body` with `handler` seeing every primitive it dispatches (this task only).
    public static func withHandler<T>(_ handler: any DispatchHandler, _ body: () throws -> T) rethrows -> T {
        try $handler.withValue(handler, operation: body)
    }

    /// Runs `body` with no handler (a handler computing values for itself, eagerly).
    public static func withoutHandler<T>(_ body: () throws -> T) rethrows -> T {
        try $handler.withValue(nil, operation: body)
    }

    /// Allocates the output of `primitive` (`shape`, `dtype`, on `device`, else the inputs'
    /// device) and lets `compute` fill it, unless the handler skips it.
    static func run(_ primitive: Primitive, _ inputs: [Tensor], shape: [Int], dtype: DType = .float32,
                    device: Device? = nil, _ compute: (any Backend, any Buffer) -> Void) -> Tensor {
        let h = handler   // (a task-local: read once per op)
        let (buffer, device) = begin(primitive, inputs, shape: shape, dtype: dtype, device: device, handler: h, compute)
        let out = Tensor(buffer: buffer, device: device, dtype: dtype, shape: shape)
        h?.didDispatch(primitive, inputs: inputs, output: out)
        return out
    }

    /// `run` for the common case of a primitive of one or two inputs of the output's shape on
    /// one device, with no handler installed and no autodiff to record (no input requires grad
    /// or carries a tangent): the op runs straight on the backend, with no inputs array, and the
    /// output is returned. Nil otherwise: the caller takes the general path (`run`, then `record`).
    @inline(__always)
    static func direct(_ primitive: Primitive, _ a: Tensor, _ b: Tensor? = nil, dtype: DType,
                       _ compute: (any Backend, any Buffer) -> Void) -> Tensor? {
        guard !a.requiresGrad, a.tangent == nil, b.map({ !$0.requiresGrad && $0.tangent == nil && $0.device == a.device }) ?? true,
              handler == nil else { return nil }
        if a.buffer is PlaceholderBuffer || b?.buffer is PlaceholderBuffer {
            fail("\(primitive.name): input of shape \(a.buffer is PlaceholderBuffer ? a.shape : b!.shape) has no values (it was recorded without running)")
        }
        let backend = Backends.backend(for: a.device)
        let buffer = backend.allocate(byteCount: dtype.byteCount(of: a.count))
        compute(backend, buffer)
        return Tensor(buffer: buffer, device: a.device, dtype: dtype, shape: a.shape,
                      strides: hasContiguousStrides(a.shape, a.strides) ? a.strides : nil)   // (shared, not made again)
    }

    /// The first half of `run`, for initializers that wrap the buffer themselves (and then
    /// call `handler?.didDispatch` with the tensor they made): asks the handler, checks the
    /// devices, and computes into a fresh buffer or makes a placeholder.
    static func begin(_ primitive: Primitive, _ inputs: [Tensor], shape: [Int], dtype: DType,
                      device: Device?, handler: (any DispatchHandler)? = Dispatch.handler,
                      _ compute: (any Backend, any Buffer) -> Void) -> (any Buffer, Device) {
        let device = device ?? inputs[0].device
        if case .to = primitive {} else {
            for t in inputs where t.device != device {
                fail("\(primitive.name): tensors are on different devices, \(device) and \(t.device) (shapes \(inputs.map(\.shape)))")
            }
        }
        let bytes = dtype.byteCount(of: shape.reduce(1, *))
        guard handler?.willDispatch(primitive, inputs: inputs) ?? .run == .run else {
            return (PlaceholderBuffer(byteCount: bytes), device)
        }
        for t in inputs where t.buffer is PlaceholderBuffer {
            fail("\(primitive.name): input of shape \(t.shape) has no values (it was recorded without running)")
        }
        let backend = Backends.backend(for: device)
        let buffer = backend.allocate(byteCount: bytes)
        compute(backend, buffer)
        return (buffer, device)
    }

    /// A new view of `input`'s buffer (movement ops that copy nothing): always made, whatever
    /// the handler answers, since making it costs nothing.
    static func view(_ primitive: Primitive, _ input: Tensor, shape: [Int], strides: [Int], offset: Int) -> Tensor {
        if input.dtype.isQuantized, primitive != .detach {
            fail("\(primitive.name): a \(input.dtype) tensor (shape \(input.shape)) is a block format; only linear, embedding, to(.float32) and to(device) read it")
        }
        let h = handler
        _ = h?.willDispatch(primitive, inputs: [input])
        let out = Tensor(buffer: input.buffer, device: input.device, dtype: input.dtype, shape: shape, strides: strides,
                         offset: offset, version: input.version)
        h?.didDispatch(primitive, inputs: [input], output: out)
        return out
    }

    /// An in-place write into `inputs[0]` (assign, indexCopy), unless the handler skips it.
    static func write(_ primitive: Primitive, _ inputs: [Tensor], _ compute: (any Backend) -> Void) {
        inputs[0].version.value += 1
        let h = handler
        if h?.willDispatch(primitive, inputs: inputs) ?? .run == .run {
            compute(inputs[0].backend)
        }
        h?.didDispatch(primitive, inputs: inputs, output: inputs[0])
    }
}

extension Tensor {
    /// Runs one primitive given by value (with autodiff): how a recorded graph is replayed
    /// eagerly, e.g. by a compiler's interpreter or its fallback path. Creation primitives
    /// (`data`, `full`) make their tensor on the default device.
    public static func apply(_ primitive: Primitive, _ inputs: [Tensor]) -> Tensor {
        func pairs(_ flat: [Int]) -> [(Int, Int)] { stride(from: 0, to: flat.count, by: 2).map { (flat[$0], flat[$0 + 1]) } }
        switch primitive {
        case .data(let d, let shape):
            switch d.values {
            case .float32(let v): return Tensor(v, shape: shape)
            case .int32(let v): return Tensor(int32: v.map { Int($0) }, shape: shape)
            case .bytes(let v, let dtype): return v.withUnsafeBytes { Tensor(bytes: $0, dtype: dtype, shape: shape) }
            }
        case .full(let v, let shape, let dtype): return Tensor.full(shape, v, dtype: dtype)
        case .to(let device): return inputs[0].to(device)
        case .cast(let dtype): return inputs[0].to(dtype)
        case .assign: inputs[0].assign(inputs[1]); return inputs[0]
        case .indexCopy(let dim): inputs[0].indexCopy(dim: dim, index: inputs[1], source: inputs[2]); return inputs[0]
        case .unary(let op): return inputs[0].unary(op)
        case .binary(let op): return inputs[0].binary(op, inputs[1])
        case .select: return select(inputs[0], inputs[1], inputs[2])
        case .reduce(let op, let axes): return inputs[0].reduce(op, axes: axes)
        case .matmul: return inputs[0].matmulPrimitive(inputs[1])
        case .linear: return linear(inputs[0], inputs[1])
        case .gather(let dim): return inputs[0].gather(dim: dim, index: inputs[1])
        case .scatterAdd(let dim, let outShape): return inputs[0].scatterAdd(dim: dim, index: inputs[1], outShape: outShape)
        case .embedding: return inputs[0].embedding(inputs[1])
        case .reshape(let shape): return inputs[0].reshape(shape)
        case .permute(let order): return inputs[0].permute(order)
        case .expand(let shape): return inputs[0].expand(shape)
        case .shrink(let flat): return inputs[0].shrink(pairs(flat))
        case .pad(let flat): return inputs[0].pad(pairs(flat))
        case .contiguous: return inputs[0].contiguous()
        case .detach: return inputs[0].detach()
        case .fused(let kernel): return Fusion.apply(kernel, inputs)
        case .custom(let name): fail("apply: \(name) is a custom op; it cannot be replayed by value (call it instead)")
        }
    }
}

// Tensor: a strided view (shape, strides, offset) over a backend-owned buffer.
//
// Many tensors may share one buffer: reshape, permute, expand and slicing only make new
// views. A tensor also remembers how it was made (`node`), which is all reverse-mode
// autodiff needs, and may carry a forward-mode `tangent` while `jvp` runs.

/// An n-dimensional array of float32 with autograd, like torch.Tensor (reference semantics).
public final class Tensor: @unchecked Sendable {
    /// The memory, owned by the backend of `device`.
    public let buffer: any Buffer
    /// Where the buffer lives.
    public let device: Device
    /// Size of each dim.
    public let shape: [Int]
    /// Elements to skip per step in each dim (0 for broadcast dims).
    public let strides: [Int]
    /// Index of element (0, 0, ...) in the buffer.
    public let offset: Int

    /// Whether gradients flow to this tensor (set it on leaves: parameters, inputs).
    public var requiresGrad: Bool
    /// The accumulated gradient of a leaf after `backward()`, like torch's `.grad`.
    public var grad: Tensor?
    /// How this tensor was computed (nil for leaves and for results made without grad).
    var node: Node?
    /// The directional derivative carried through `jvp` (nil when not in forward mode).
    var tangent: Tensor?

    /// Wraps an existing buffer; every other initializer ends here.
    public init(buffer: any Buffer, device: Device, shape: [Int], strides: [Int]? = nil,
                offset: Int = 0, requiresGrad: Bool = false) {
        self.buffer = buffer
        self.device = device
        self.shape = shape
        self.strides = strides ?? contiguousStrides(shape)
        self.offset = offset
        self.requiresGrad = requiresGrad
    }

    /// A tensor holding `data` in row-major order. data.count must equal the product of `shape`.
    public convenience init(_ data: [Float], shape: [Int], requiresGrad: Bool = false, device: Device = .default) {
        check(shape.allSatisfy { $0 >= 0 }, "Tensor: negative size in shape \(shape)")
        let count = shape.reduce(1, *)
        check(data.count == count, "Tensor: \(data.count) values do not fill shape \(shape) (needs \(count))")
        let backend = Backends.backend(for: device)
        let buffer = backend.allocate(count: count)
        data.withUnsafeBufferPointer { backend.upload($0, to: buffer) }
        self.init(buffer: buffer, device: device, shape: shape, requiresGrad: requiresGrad)
    }

    /// A 0-d tensor holding one number.
    public convenience init(_ scalar: Float, requiresGrad: Bool = false, device: Device = .default) {
        self.init([scalar], shape: [], requiresGrad: requiresGrad, device: device)
    }

    /// A tensor of `shape` with every element `value`.
    public static func full(_ shape: [Int], _ value: Float, device: Device = .default) -> Tensor {
        check(shape.allSatisfy { $0 >= 0 }, "full: negative size in shape \(shape)")
        let backend = Backends.backend(for: device)
        let buffer = backend.allocate(count: shape.reduce(1, *))
        backend.fill(buffer, value: value)
        return Tensor(buffer: buffer, device: device, shape: shape)
    }

    public static func zeros(_ shape: [Int], device: Device = .default) -> Tensor { full(shape, 0, device: device) }
    public static func ones(_ shape: [Int], device: Device = .default) -> Tensor { full(shape, 1, device: device) }

    /// [0, 1, ..., n-1] as floats.
    public static func arange(_ n: Int, device: Device = .default) -> Tensor {
        check(n >= 0, "arange: n must be >= 0, got \(n)")
        return Tensor((0..<n).map(Float.init), shape: [n], device: device)
    }

    /// The n x n identity matrix.
    public static func eye(_ n: Int, device: Device = .default) -> Tensor {
        check(n >= 0, "eye: n must be >= 0, got \(n)")
        var data = [Float](repeating: 0, count: n * n)
        for i in 0..<n { data[i * n + i] = 1 }
        return Tensor(data, shape: [n, n], device: device)
    }

    // MARK: inspection

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
    /// Number of dims.
    public var rank: Int { shape.count }
    /// True for leaves (made by the user, not by an op that recorded a node).
    public var isLeaf: Bool { node == nil }
    /// The view as a backend sees it.
    public var view: StridedView { StridedView(buffer: buffer, shape: shape, strides: strides, offset: offset) }
    /// True when the elements are adjacent in row-major order.
    public var isContiguous: Bool { view.isContiguous }
    /// The backend serving this tensor's device.
    public var backend: any Backend { Backends.backend(for: device) }

    /// The elements in row-major order, copied to the host.
    public func toArray() -> [Float] {
        let t = isContiguous ? self : withNoGrad { contiguous() }
        var out = [Float](repeating: 0, count: t.count)
        if out.isEmpty { return out }
        if t.offset == 0 {
            out.withUnsafeMutableBufferPointer { t.backend.download(t.buffer, into: $0) }
        } else {
            // a contiguous view that starts inside its buffer: fetch the prefix up to its end
            var whole = [Float](repeating: 0, count: t.offset + t.count)
            whole.withUnsafeMutableBufferPointer { t.backend.download(t.buffer, into: $0) }
            out = Array(whole[t.offset...])
        }
        return out
    }

    /// The value of a one-element tensor.
    public func item() -> Float {
        check(count == 1, "item: tensor of shape \(shape) has \(count) elements, expected 1")
        return toArray()[0]
    }

    /// A copy on `device` (the same tensor if it is already there). Gradients flow back across.
    public func to(_ target: Device) -> Tensor {
        if target == device { return self }
        let data = toArray()
        let moved = Tensor(data, shape: shape, device: target)
        let source = device
        return record(moved, "to", [self], vjp: { g in [g.to(source)] }, jvp: { t in t[0]?.to(target) })
    }

    /// Overwrites this tensor's elements with `source`'s (broadcast to this shape), in place.
    /// The one documented in-place op: optimizers update parameters that modules and optimizers
    /// share by reference. Not recorded by autograd; never call it while another thread reads self.
    public func assign(_ source: Tensor) {
        check(source.device == device, "assign: source on \(source.device), destination on \(device)")
        let s = withNoGrad { source.shape == shape ? source : source.expand(shape) }
        backend.copy(s.view, to: view)
    }

    /// A new leaf sharing this tensor's data, cut off from the graph.
    public func detach() -> Tensor {
        Tensor(buffer: buffer, device: device, shape: shape, strides: strides, offset: offset)
    }
}

extension Tensor: CustomStringConvertible {
    /// `tensor([...], shape: [...])`, at most 8 values shown.
    public var description: String {
        let values = toArray()
        let shown = values.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "tensor([\(shown)\(values.count > 8 ? ", ..." : "")], shape: \(shape)\(requiresGrad ? ", requiresGrad" : ""))"
    }
}

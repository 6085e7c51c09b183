// Tensor: a strided view (dtype, shape, strides, offset) over a backend-owned buffer.
//
// Many tensors may share one buffer: reshape, permute, expand and slicing only make new
// views. A tensor also remembers how it was made (`node`), which is all reverse-mode
// autodiff needs, and may carry a forward-mode `tangent` while `jvp` runs.

/// An n-dimensional array of float32 (or int32 ids) with autograd, like torch.Tensor
/// (reference semantics).
public final class Tensor: @unchecked Sendable {
    /// The memory, owned by the backend of `device`.
    public let buffer: any Buffer
    /// Where the buffer lives.
    public let device: Device
    /// The element type: `.float32` unless made otherwise (`Tensor(int32:shape:)`, `to(.int32)`).
    public let dtype: DType
    /// Size of each dim.
    public let shape: [Int]
    /// Elements to skip per step in each dim (0 for broadcast dims).
    public let strides: [Int]
    /// Index of element (0, 0, ...) in the buffer, in elements.
    public let offset: Int

    /// Whether gradients flow to this tensor (set it on leaves: parameters, inputs). Float32 only.
    public var requiresGrad: Bool {
        didSet {
            if requiresGrad && dtype != .float32 { fail("requiresGrad: a \(dtype) tensor of shape \(shape) cannot require grad (only float32 can)") }
        }
    }
    /// The accumulated gradient of a leaf after `backward()`, like torch's `.grad`. When it is
    /// set (by you, e.g. to a view of a preallocated bucket, or by an earlier accumulation),
    /// the next backward adds into it in place; otherwise backward sets it.
    public var grad: Tensor? {
        get { storedGrad }
        set { storedGrad = newValue; gradIsOwned = newValue != nil }
    }
    /// The gradient, and whether it owns its memory (false when backward set it to a tensor
    /// that may share memory with other gradients, so it must not be written in place).
    var storedGrad: Tensor?
    var gradIsOwned = false
    /// Hooks run once this leaf's gradient for a backward pass is complete.
    var postAccumulateGradHooks: [@Sendable (Tensor) -> Void] = []
    /// How this tensor was computed (nil for leaves and for results made without grad).
    var node: Node?
    /// The directional derivative carried through `jvp` (nil when not in forward mode).
    var tangent: Tensor?
    /// Counts the in-place writes to this tensor's memory; shared by every view of it, so a
    /// backward can tell that a tensor it saved was overwritten (see `Node`).
    public let version: VersionCounter

    /// Wraps an existing buffer; every other initializer ends here.
    public init(buffer: any Buffer, device: Device, dtype: DType = .float32, shape: [Int], strides: [Int]? = nil,
                offset: Int = 0, requiresGrad: Bool = false, version: VersionCounter? = nil) {
        self.version = version ?? VersionCounter()
        self.buffer = buffer
        self.device = device
        self.dtype = dtype
        self.shape = shape
        self.strides = strides ?? contiguousStrides(shape)
        self.offset = offset
        self.requiresGrad = requiresGrad
        if requiresGrad && dtype != .float32 { fail("requiresGrad: a \(dtype) tensor of shape \(shape) cannot require grad (only float32 can)") }
    }

    /// Host values as a new tensor on `device`: the `data` primitive, the one way host memory
    /// becomes a tensor (the public initializers check their values and end here).
    convenience init(_ data: HostData, shape: [Int], requiresGrad: Bool = false, device: Device) {
        let primitive = Primitive.data(data, shape: shape)
        let (buffer, _) = Dispatch.begin(primitive, [], shape: shape, dtype: data.dtype, device: device) { backend, buffer in
            data.withUnsafeBytes { backend.upload($0, to: buffer, byteOffset: 0) }
        }
        self.init(buffer: buffer, device: device, dtype: data.dtype, shape: shape, requiresGrad: requiresGrad)
        Dispatch.handler?.didDispatch(primitive, inputs: [], output: self)
    }

    /// The number of elements of `shape`; stops on a negative size.
    static func elementCount(_ shape: [Int]) -> Int {
        check(shape.allSatisfy { $0 >= 0 }, "Tensor: negative size in shape \(shape)")
        return shape.reduce(1, *)
    }

    /// A tensor holding `data` in row-major order. data.count must equal the product of `shape`.
    public convenience init(_ data: [Float], shape: [Int], requiresGrad: Bool = false, device: Device = .default, file: StaticString = #fileID, line: UInt = #line) {
        let count = Tensor.elementCount(shape)
        check(data.count == count, "Tensor: \(data.count) values do not fill shape \(shape) (needs \(count))", file: file, line: line)
        self.init(HostData(.float32(data)), shape: shape, requiresGrad: requiresGrad, device: device)
    }

    /// An int32 tensor (token ids, indices) holding `data` in row-major order.
    public convenience init(int32 data: [Int], shape: [Int], device: Device = .default, file: StaticString = #fileID, line: UInt = #line) {
        let count = Tensor.elementCount(shape)
        check(data.count == count, "Tensor: \(data.count) values do not fill shape \(shape) (needs \(count))", file: file, line: line)
        let values = data.map { v -> Int32 in
            guard let x = Int32(exactly: v) else { fail("Tensor(int32:): \(v) does not fit in int32 (shape \(shape))", file: file, line: line) }
            return x
        }
        self.init(HostData(.int32(values)), shape: shape, device: device)
    }

    /// A tensor of any dtype from its raw little-endian bytes (for a block format: whole blocks
    /// along the last dim, e.g. a GGUF file's Q4_1 weight [N, K], K a multiple of 32).
    public convenience init(bytes: UnsafeRawBufferPointer, dtype: DType, shape: [Int], device: Device = .default) {
        let count = Tensor.elementCount(shape)
        if dtype.isQuantized {
            check(shape.count == 2 && shape[1] % dtype.block.values == 0,
                  "Tensor(bytes:): a \(dtype) tensor must be [rows, k] with k a multiple of \(dtype.block.values), got \(shape)")
        }
        check(bytes.count == dtype.byteCount(of: count), "Tensor(bytes:): \(bytes.count) bytes do not hold \(count) \(dtype) values (shape \(shape), needs \(dtype.byteCount(of: count)))")
        self.init(HostData(.bytes(Array(bytes), dtype)), shape: shape, device: device)
    }

    /// A 0-d tensor holding one number.
    public convenience init(_ scalar: Float, requiresGrad: Bool = false, device: Device = .default) {
        self.init([scalar], shape: [], requiresGrad: requiresGrad, device: device)
    }

    /// A tensor of `shape` with every element `value` (an integer for int32).
    public static func full(_ shape: [Int], _ value: Float, dtype: DType = .float32, device: Device = .default) -> Tensor {
        check(shape.allSatisfy { $0 >= 0 }, "full: negative size in shape \(shape)")
        if dtype == .int32 {
            check(value.rounded(.towardZero) == value && Swift.abs(value) < 2_147_483_648,
                  "full: \(value) is not an int32 value (shape \(shape))")
        }
        return Dispatch.run(.full(value, shape: shape, dtype: dtype), [], shape: shape, dtype: dtype, device: device) { backend, buffer in
            backend.fill(buffer, dtype: dtype, value: value)
        }
    }

    public static func zeros(_ shape: [Int], dtype: DType = .float32, device: Device = .default) -> Tensor { full(shape, 0, dtype: dtype, device: device) }
    public static func ones(_ shape: [Int], dtype: DType = .float32, device: Device = .default) -> Tensor { full(shape, 1, dtype: dtype, device: device) }

    /// [0, 1, ..., n-1] as floats (or int32 ids with `dtype: .int32`, like torch.arange(n, dtype=torch.long)).
    public static func arange(_ n: Int, dtype: DType = .float32, device: Device = .default) -> Tensor {
        check(n >= 0, "arange: n must be >= 0, got \(n)")
        check(dtype == .float32 || dtype == .int32, "arange: dtype must be float32 or int32, got \(dtype)")
        if dtype == .int32 { return Tensor(int32: Array(0..<n), shape: [n], device: device) }
        return Tensor((0..<n).map(Float.init), shape: [n], device: device)
    }

    /// `steps` evenly spaced values from start to end, both included (torch.linspace). Composed
    /// like torch computes it: the first half counts up from start, the second down from end.
    public static func linspace(_ start: Float, _ end: Float, steps: Int, device: Device = .default) -> Tensor {
        check(steps >= 0, "linspace: number of steps must be non-negative, got \(steps)")
        if steps == 1 { return Tensor.full([1], start, device: device) }
        let step = (end - start) / Float(Swift.max(steps - 1, 1))
        let i = Tensor.arange(steps, device: device)
        let up = start + i * step, down = end - (Float(steps - 1) - i) * step
        return Tensor.where(i.lt(Float(steps / 2)), up, down)
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
    /// The strided window on the buffer, as a backend sees this tensor.
    public var stridedView: StridedView { StridedView(buffer: buffer, dtype: dtype, shape: shape, strides: strides, offset: offset) }
    /// True when the elements are adjacent in row-major order.
    public var isContiguous: Bool { stridedView.isContiguous }
    /// The backend serving this tensor's device.
    public var backend: any Backend { Backends.backend(for: device) }

    /// The elements' bytes in row-major order, downloaded from just the range the tensor covers.
    private func downloadBytes(into host: UnsafeMutableRawBufferPointer, op: String) {
        if buffer is PlaceholderBuffer {
            // recorded without running: the handler may compute the values (a graph break)
            guard let values = Dispatch.handler?.valuesForHostRead(self, op: op), values.shape == shape, values.dtype == dtype,
                  !(values.buffer is PlaceholderBuffer) else {
                fail("\(op): tensor of shape \(shape) has no values (it was recorded without running: reading values on the host inside a traced function is a graph break)")
            }
            return Dispatch.withoutHandler { values.downloadBytes(into: host, op: op) }
        }
        let t = isContiguous ? self : withNoGrad { contiguous() }
        if host.count > 0 { t.backend.download(t.buffer, byteOffset: dtype.byteCount(of: t.offset), into: host) }
    }

    /// The elements in row-major order, copied to the host (int32 values converted to Float).
    public func toArray() -> [Float] { hostFloats(op: "toArray") }

    /// toArray for `op` (the name a graph break reports).
    func hostFloats(op: String) -> [Float] {
        if dtype == .int32 { return hostInt32s(op: op).map(Float.init) }
        if dtype.isQuantized { return to(.float32).hostFloats(op: op) }
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBytes { downloadBytes(into: $0, op: op) }
        return out
    }

    /// The elements of an int32 tensor in row-major order, copied to the host.
    public func toInt32Array() -> [Int32] {
        check(dtype == .int32, "toInt32Array: tensor of shape \(shape) is \(dtype), not int32 (convert with to(.int32))")
        return hostInt32s(op: "toInt32Array")
    }

    func hostInt32s(op: String) -> [Int32] {
        var out = [Int32](repeating: 0, count: count)
        out.withUnsafeMutableBytes { downloadBytes(into: $0, op: op) }
        return out
    }

    /// The value of a one-element tensor.
    public func item(file: StaticString = #fileID, line: UInt = #line) -> Float {
        check(count == 1, "item: tensor of shape \(shape) has \(count) elements, expected 1", file: file, line: line)
        return hostFloats(op: "item")[0]
    }

    /// A copy on `device` (the same tensor if it is already there), copied device to device.
    /// Gradients flow back across.
    public func to(_ target: Device) -> Tensor {
        if target == device { return self }
        let x = isContiguous ? self : contiguous()
        let bytes = dtype.byteCount(of: count)
        let moved = Dispatch.run(.to(target), [x], shape: shape, dtype: dtype, device: target) { backend, buffer in
            backend.copy(x.buffer, of: x.backend, byteOffset: x.dtype.byteCount(of: x.offset), to: buffer, byteOffset: 0, byteCount: bytes)
        }
        let source = device
        return record(moved, .to(target), [x], saves: .nothing, vjp: { g in [g.to(source)] }, jvp: { t in t[0]?.to(target) })
    }

    /// This tensor's values as `dtype` (like tensor.to(torch.int32)); float -> int32 rounds toward
    /// zero. The same tensor when it already is. No gradient flows through a conversion.
    public func to(_ target: DType) -> Tensor {
        if target == dtype { return self }
        check(!target.isQuantized, "to: quantizing to \(target) is not supported (shape \(shape)); block formats come from files")
        check(!dtype.isQuantized || target == .float32, "to: a \(dtype) tensor converts to float32 only (shape \(shape))")
        let x = self
        return Dispatch.run(.cast(target), [x], shape: shape, dtype: target) { backend, buffer in
            backend.cast(x.stridedView, to: target, out: buffer)
        }
    }

    /// Overwrites this tensor's elements with `source`'s (broadcast to this shape), in place.
    /// The one documented in-place op: optimizers update parameters that modules and optimizers
    /// share by reference. Not recorded by autograd; never call it while another thread reads self.
    public func assign(_ source: Tensor) {
        check(source.device == device, "assign: source on \(source.device), destination on \(device) (shapes \(source.shape) and \(shape))")
        check(source.dtype == dtype, "assign: source is \(source.dtype), destination is \(dtype) (shapes \(source.shape) and \(shape))")
        let s = withNoGrad { source.shape == shape ? source : source.expand(shape) }
        Dispatch.write(.assign, [self, s]) { backend in backend.copy(s.stridedView, to: stridedView) }
    }

    /// A new leaf sharing this tensor's data (an alias of the same memory, not a copy: writing
    /// one in place changes the other, and counts as a write to both), cut off from the graph.
    public func detach() -> Tensor {
        Dispatch.view(.detach, self, shape: shape, strides: strides, offset: offset)
    }

    /// torch's `.data`: this tensor's memory as a tensor that autograd does not track (`detach()`),
    /// so `p.data += -lr * p.grad!` updates a parameter in place outside `withNoGrad`. Unlike
    /// torch's `.data`, a write through it still counts as a write to this tensor (they share the
    /// version counter), so a backward that saved the old values stops instead of going wrong.
    public var data: Tensor { detach() }

    /// detach without telling the dispatch point, for autodiff's own bookkeeping (an op's
    /// saved output), which no traced computation reads.
    func bookkeepingAlias() -> Tensor {
        Tensor(buffer: buffer, device: device, dtype: dtype, shape: shape, strides: strides, offset: offset, version: version)
    }
}

extension Tensor: CustomStringConvertible {
    /// `tensor([...], shape: [...])`, at most 8 values shown.
    public var description: String {
        let values = hostFloats(op: "description")
        let shown = values.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "tensor([\(shown)\(values.count > 8 ? ", ..." : "")], shape: \(shape)\(requiresGrad ? ", requiresGrad" : ""))"
    }
}

/// How many times a tensor's memory was written in place (assign, indexCopy), like torch's
/// `_version`. A tensor and its views share one.
public final class VersionCounter: @unchecked Sendable {
    public internal(set) var value = 0
    init() {}
}

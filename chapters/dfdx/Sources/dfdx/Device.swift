// Devices, buffers and the Backend protocol: the one seam between tensor math and hardware.
//
// A `Tensor` never touches memory itself. Its storage is a `Buffer` owned by the `Backend`
// registered for its `Device`, and every primitive op is a call on that backend. dfdx ships
// the reference backend (ReferenceBackend.swift); brrr registers faster ones for `.cpu` and
// `.cuda(i)` without changing a line of tensor code.
import Synchronization

/// Where a tensor lives: `.reference` (dfdx's readable loops), `.cpu`, or `.cuda(i)`.
public struct Device: Hashable, Sendable, CustomStringConvertible {
    /// The kind of hardware; `index` tells GPUs apart.
    public enum Kind: String, Hashable, Sendable { case reference, cpu, cuda }
    public let kind: Kind
    public let index: Int

    public init(kind: Kind, index: Int = 0) {
        self.kind = kind
        self.index = index
    }

    /// The host CPU. Served by the reference backend until brrr registers a fast one.
    public static let cpu = Device(kind: .cpu)
    /// The reference backend, always: plain loops over strided indices.
    public static let reference = Device(kind: .reference)
    /// The i-th CUDA GPU (needs brrr's CUDA backend).
    public static func cuda(_ i: Int) -> Device { Device(kind: .cuda, index: i) }

    public var description: String { kind == .cuda ? "cuda:\(index)" : kind.rawValue }

    /// Parses "cpu", "reference", "cuda", "cuda:1"; nil for anything else.
    public init?(parsing text: String) {
        switch text {
        case "cpu": self = .cpu
        case "reference": self = .reference
        case "cuda": self = .cuda(0)
        default:
            guard text.hasPrefix("cuda:"), let i = Int(text.dropFirst(5)), i >= 0 else { return nil }
            self = .cuda(i)
        }
    }

    private static let defaultDevice = Mutex<Device>(.cpu)

    /// The device new tensors are made on (thread-safe), like torch.set_default_device.
    public static var `default`: Device {
        get { defaultDevice.withLock { $0 } }
        set { defaultDevice.withLock { $0 = newValue } }
    }
}

/// Memory owned by a backend: `count` floats, wherever they live.
public protocol Buffer: AnyObject, Sendable {
    var count: Int { get }
}

/// A strided window on a buffer, as backends see tensors:
/// element (i0, i1, ...) lives at `offset + i0*strides[0] + i1*strides[1] + ...`.
public struct StridedView: @unchecked Sendable {
    public let buffer: any Buffer
    public let shape: [Int]
    public let strides: [Int]
    public let offset: Int

    public init(buffer: any Buffer, shape: [Int], strides: [Int], offset: Int) {
        self.buffer = buffer
        self.shape = shape
        self.strides = strides
        self.offset = offset
    }

    /// A view of a whole contiguous buffer with this shape.
    public init(contiguous buffer: any Buffer, shape: [Int]) {
        self.init(buffer: buffer, shape: shape, strides: contiguousStrides(shape), offset: 0)
    }

    public var count: Int { shape.reduce(1, *) }
    /// True when the elements are adjacent in row-major order.
    public var isContiguous: Bool { strides == contiguousStrides(shape) || count <= 1 }
}

/// Row-major strides: [2, 3, 4] -> [12, 4, 1].
public func contiguousStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var running = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[i] = running
        running *= shape[i]
    }
    return strides
}

/// Elementwise functions of one input.
public enum UnaryOp: String, Sendable, CaseIterable { case neg, exp, log, sqrt, sin, reciprocal }
/// Elementwise functions of two inputs of the same shape; cmplt/cmpeq give 1 or 0.
public enum BinaryOp: String, Sendable, CaseIterable { case add, mul, maximum, pow, cmplt, cmpeq }
/// Reductions over axes.
public enum Reduction: String, Sendable, CaseIterable { case sum, max }

/// One kind of hardware's implementation of the primitive ops and of memory.
///
/// Outputs are always fresh contiguous buffers of the op's output shape; inputs are strided
/// views (broadcasting has already turned into stride-0 dims). A backend never sees autograd.
public protocol Backend: AnyObject, Sendable {
    /// A short name for messages ("reference", "cpu-simd", "cuda").
    var name: String { get }
    /// New, uninitialized memory for `count` floats.
    func allocate(count: Int) -> any Buffer
    /// Host -> buffer (the buffer's first `host.count` elements).
    func upload(_ host: UnsafeBufferPointer<Float>, to buffer: any Buffer)
    /// Buffer -> host (the buffer's first `host.count` elements).
    func download(_ buffer: any Buffer, into host: UnsafeMutableBufferPointer<Float>)
    /// Sets every element of `buffer` to `value`.
    func fill(_ buffer: any Buffer, value: Float)
    /// Copies `src` into `dst` element by element (same shape, any strides): contiguous, pad.
    func copy(_ src: StridedView, to dst: StridedView)
    /// out = op(x), out contiguous with x's shape.
    func unary(_ op: UnaryOp, _ x: StridedView, out: any Buffer)
    /// out = op(a, b), a and b of the same shape.
    func binary(_ op: BinaryOp, _ a: StridedView, _ b: StridedView, out: any Buffer)
    /// out = cond != 0 ? a : b, all of the same shape.
    func select(_ cond: StridedView, _ a: StridedView, _ b: StridedView, out: any Buffer)
    /// out (x's shape with `axes` set to 1) = op over `axes` of x.
    func reduce(_ op: Reduction, _ x: StridedView, axes: [Int], out: any Buffer)
    /// out [..., M, N] = a [..., M, K] @ b [..., K, N], equal batch dims.
    func matmul(_ a: StridedView, _ b: StridedView, out: any Buffer)
    /// out[indexShape] with out[i][j][k] = x[i][index[i][j][k]][k] (dim = 1), like torch.gather.
    func gather(_ x: StridedView, dim: Int, index: [Int], indexShape: [Int], out: any Buffer)
    /// out (contiguous, `outShape`, already initialized) += src scattered along `dim` by `index`.
    func scatterAdd(_ src: StridedView, dim: Int, index: [Int], into out: any Buffer, outShape: [Int])
}

/// The registry from device kind to backend. Immutable reads, locked writes.
public enum Backends {
    private static let table = Mutex<[Device.Kind: any Backend]>([
        .reference: ReferenceBackend.shared,
        .cpu: ReferenceBackend.shared,
    ])

    /// Makes `backend` serve every device of `kind` (brrr calls this for `.cpu` and `.cuda`).
    public static func register(_ backend: any Backend, for kind: Device.Kind) {
        table.withLock { $0[kind] = backend }
    }

    /// The backend serving `device`; stops with a message when there is none.
    public static func backend(for device: Device) -> any Backend {
        if let backend = table.withLock({ $0[device.kind] }) { return backend }
        fail("no backend for device \(device): \(device.kind == .cuda ? "import brrr on a machine where libcuda.so.1 loads" : "none registered")")
    }

    /// True when some backend serves `device` (false for `.cuda` until brrr registers one).
    public static func isAvailable(_ device: Device) -> Bool {
        table.withLock { $0[device.kind] != nil }
    }

    /// True when `device` is served by something other than the reference backend.
    public static func isAccelerated(_ device: Device) -> Bool {
        !(backend(for: device) is ReferenceBackend)
    }
}

/// Strict mode (`PICOGRAD_STRICT=1`): every silent fallback becomes an error, so a test cannot
/// pass through a slow path that was meant to be fast.
public enum Strict {
    /// Read once from the environment at first use.
    public static let isEnabled: Bool = environment("PICOGRAD_STRICT") == "1"

    /// Call where a fast path gives up and falls back; stops in strict mode.
    public static func fallback(_ what: String) {
        if isEnabled { fail("strict mode: silent fallback: \(what)") }
    }
}

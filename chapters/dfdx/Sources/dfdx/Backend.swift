// Buffers and the Backend protocol: the one seam between tensor math and hardware.
//
// A `Tensor` never touches memory itself. Its storage is a `Buffer` owned by the `Backend`
// registered for its `Device` (one backend instance per device), and every primitive op is a
// call on that backend. dfdx ships the reference backend (ReferenceBackend.swift); brrr
// registers faster ones for `.cpu` and `.cuda(i)` without changing a line of tensor code.
// The protocol is written so a GPU can implement it: sizes are in bytes, copies take ranges,
// work may be queued until `synchronize()`, and memory comes from a caching allocator.

/// Memory owned by a backend: `byteCount` bytes, wherever they live.
public protocol Buffer: AnyObject, Sendable {
    var byteCount: Int { get }
}

/// The buffer of an output that a dispatch handler chose not to compute (`DispatchAction.skip`):
/// it has a size and no memory, so shapes and dtypes flow on while nothing runs.
public final class PlaceholderBuffer: Buffer {
    public let byteCount: Int
    public init(byteCount: Int) { self.byteCount = byteCount }
}

/// A strided window on a buffer, as backends see tensors: element (i0, i1, ...) lives at
/// element index `offset + i0*strides[0] + i1*strides[1] + ...` (in elements of `dtype`).
public struct StridedView: @unchecked Sendable {
    public let buffer: any Buffer
    public let dtype: DType
    public let shape: [Int]
    public let strides: [Int]
    public let offset: Int

    public init(buffer: any Buffer, dtype: DType = .float32, shape: [Int], strides: [Int], offset: Int) {
        self.buffer = buffer
        self.dtype = dtype
        self.shape = shape
        self.strides = strides
        self.offset = offset
    }

    /// A view of a whole contiguous buffer with this shape.
    public init(contiguous buffer: any Buffer, dtype: DType = .float32, shape: [Int]) {
        self.init(buffer: buffer, dtype: dtype, shape: shape, strides: contiguousStrides(shape), offset: 0)
    }

    public var count: Int { shape.reduce(1, *) }
    /// True when the elements are adjacent in row-major order.
    public var isContiguous: Bool { hasContiguousStrides(shape, strides) || count <= 1 }
}

/// Elementwise functions of one float32 input.
public enum UnaryOp: String, Sendable, CaseIterable { case neg, exp, log, sqrt, sin, reciprocal, erf }
/// Elementwise functions of two inputs of the same shape and dtype. cmplt/cmpeq give 1 or 0
/// as float32 (whatever the inputs' dtype); add keeps the dtype; the rest are float32 only.
public enum BinaryOp: String, Sendable, CaseIterable { case add, mul, maximum, pow, cmplt, cmpeq }
/// Reductions over axes.
public enum Reduction: String, Sendable, CaseIterable { case sum, max }

/// What a backend's allocator has done so far (see `Backend.allocationStats`).
public struct AllocationStats: Sendable, Equatable {
    /// Buffers handed out by `allocate` (pooled or not).
    public var allocations = 0
    /// Of those, the ones that had to ask the system (the pool had no free block).
    public var systemAllocations = 0
    /// Bytes in live buffers, and bytes of freed blocks kept for reuse.
    public var bytesInUse = 0, bytesCached = 0
    public init() {}
}

/// One device's implementation of the primitive ops and of memory.
///
/// Outputs are always fresh contiguous buffers of the op's output shape; inputs are strided
/// views (broadcasting has already turned into stride-0 dims). A backend never sees autograd.
/// Work may run asynchronously (a GPU queues it); `download` and `synchronize` wait for it.
public protocol Backend: AnyObject, Sendable {
    /// A short name for messages ("reference", "cpu-avx512", "cuda").
    var name: String { get }
    /// The device this instance serves (one instance per device).
    var device: Device { get }

    // memory
    /// New, uninitialized memory of `byteCount` bytes (from the backend's pool when it can).
    func allocate(byteCount: Int) -> any Buffer
    /// What the allocator has done so far (allocations, how many reached the system).
    var allocationStats: AllocationStats { get }
    /// Host -> buffer: `host.count` bytes written at `byteOffset`.
    func upload(_ host: UnsafeRawBufferPointer, to buffer: any Buffer, byteOffset: Int)
    /// Buffer -> host: `host.count` bytes read from `byteOffset`; waits for queued work.
    func download(_ buffer: any Buffer, byteOffset: Int, into host: UnsafeMutableRawBufferPointer)
    /// `byteCount` bytes from `src` (a buffer of `source`, this backend or another device's) to `dst`.
    func copy(_ src: any Buffer, of source: any Backend, byteOffset srcOffset: Int,
              to dst: any Buffer, byteOffset dstOffset: Int, byteCount: Int)
    /// Waits until every queued op has finished (a no-op for synchronous backends).
    func synchronize()

    // primitives
    /// Sets every element of `buffer` (of `dtype`) to `value`.
    func fill(_ buffer: any Buffer, dtype: DType, value: Float)
    /// Copies `src` into `dst` element by element (same shape and dtype, any strides).
    func copy(_ src: StridedView, to dst: StridedView)
    /// out (contiguous, x's shape, dtype `to`) = x converted (float -> int32 rounds toward zero;
    /// a block format -> float32 de-quantizes).
    func cast(_ x: StridedView, to: DType, out: any Buffer)
    /// out = op(x), out contiguous with x's shape.
    func unary(_ op: UnaryOp, _ x: StridedView, out: any Buffer)
    /// out = op(a, b), a and b of the same shape and dtype.
    func binary(_ op: BinaryOp, _ a: StridedView, _ b: StridedView, out: any Buffer)
    /// out = cond != 0 ? a : b, all of the same shape.
    func select(_ cond: StridedView, _ a: StridedView, _ b: StridedView, out: any Buffer)
    /// out (x's shape with `axes` set to 1) = op over `axes` of x.
    func reduce(_ op: Reduction, _ x: StridedView, axes: [Int], out: any Buffer)
    /// out [..., M, N] = a [..., M, K] @ b [..., K, N], equal batch dims.
    func matmul(_ a: StridedView, _ b: StridedView, out: any Buffer)
    /// out [..., N] = x [..., K] @ weight^T for a weight [N, K] kept in a block format
    /// (contiguous rows), de-quantized as it is read (torch.nn.functional.linear).
    func linear(_ x: StridedView, _ weight: StridedView, out: any Buffer)
    /// out (index's shape) with out[i][j][k] = x[i][index[i][j][k]][k] (dim = 1), like torch.gather;
    /// index is int32. Stops naming the op, the index and the shape when one is out of range.
    func gather(_ x: StridedView, dim: Int, index: StridedView, out: any Buffer)
    /// out (contiguous, `outShape`, already initialized) += src scattered along `dim` by `index`
    /// (int32, src's shape), like torch.scatter_add.
    func scatterAdd(_ src: StridedView, dim: Int, index: StridedView, into out: any Buffer, outShape: [Int])
    /// In place: dst[..., index[i], ...] = src[..., i, ...] along `dim` (torch's index_copy_);
    /// index is int32 with src's size along dim. Stops naming the index when it is out of range.
    func indexCopy(_ src: StridedView, dim: Int, index: StridedView, into dst: StridedView)
    /// out [ids..., D] = rows of the 2-D `table` [N, D] picked by the int32 `ids` (nn.Embedding);
    /// a table in a block format gives float32 rows. Stops naming the id and the table's shape
    /// when one is out of range.
    func embedding(_ table: StridedView, ids: StridedView, out: any Buffer)
}

extension Backend {
    /// Through the host: the source downloads, this backend uploads. Backends that can do
    /// better (same memory, peer copies) implement `copy(_:of:...)` themselves.
    public func copy(_ src: any Buffer, of source: any Backend, byteOffset srcOffset: Int,
                     to dst: any Buffer, byteOffset dstOffset: Int, byteCount: Int) {
        let staging = UnsafeMutableRawBufferPointer.allocate(byteCount: Swift.max(byteCount, 1), alignment: 64)
        defer { staging.deallocate() }
        let part = UnsafeMutableRawBufferPointer(rebasing: staging[0..<byteCount])
        source.download(src, byteOffset: srcOffset, into: part)
        upload(UnsafeRawBufferPointer(part), to: dst, byteOffset: dstOffset)
    }

    public func synchronize() {}
}

private let oneStride = [1]

/// Row-major strides: [2, 3, 4] -> [12, 4, 1].
/// True when `strides` are `contiguousStrides(shape)`, compared without making them (every
/// op asks).
@inline(__always) public func hasContiguousStrides(_ shape: [Int], _ strides: [Int]) -> Bool {
    var running = 1
    for d in stride(from: shape.count - 1, through: 0, by: -1) {
        if strides[d] != running { return false }
        running *= shape[d]
    }
    return true
}

public func contiguousStrides(_ shape: [Int]) -> [Int] {
    // every op's output asks: the common ranks share one array instead of allocating
    if shape.count == 1 { return oneStride }
    if shape.isEmpty { return [] }
    var strides = [Int](repeating: 1, count: shape.count)
    var running = 1
    for i in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[i] = running
        running *= shape[i]
    }
    return strides
}

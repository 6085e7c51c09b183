// The fast CPU backend: the same primitives as dfdx's ReferenceBackend, on the same host
// buffers, through CBrrr's vectorized and threaded kernels.
//
// One instance per instruction set: `CPUBackend(isa: .avx2)` runs the AVX2 variants even on
// an AVX-512 machine, so tests compare every variant side by side in one process. Buffers are
// dfdx's `HostBuffer`s, so `.cpu` and `.reference` tensors copy with one memcpy.
internal import CBrrr
import dfdx
import Synchronization

public final class CPUBackend: Backend, @unchecked Sendable {
    public let name: String
    public let device: Device
    /// The kernel variant every op of this instance runs.
    public let isa: CPUISA
    /// Host memory, pooled (dfdx's caching allocator). It keeps up to an eighth of the
    /// machine's memory in freed blocks (PICOGRAD_POOL_MB overrides): a training step frees
    /// and re-allocates its activations every step, and memory handed back to the system
    /// comes back as fresh pages the kernel must zero (that was 30% of a GPT step).
    public let allocator = HostAllocator(cacheLimit: CPUBackend.cacheLimit)
    static let cacheLimit: Int = {
        if environment("PICOGRAD_POOL_MB") != nil { return HostAllocator.defaultCacheLimit }
        return Swift.max(HostAllocator.defaultCacheLimit, Int(physicalMemoryBytes()) / 8)
    }()
    /// Decode (up to 4 rows) through quantized weights with the activations rounded to 8 bits
    /// a block and integer dot products (int8.c), llama.cpp's way: faster, but it rounds, so
    /// it is off unless asked for (`picograd generate --int8-activations`).
    public var int8Activations: Bool {
        get { int8Flag.load(ordering: .relaxed) }
        set { int8Flag.store(newValue, ordering: .relaxed) }
    }
    private let int8Flag = Atomic<Bool>(false)
    /// Where an op brrr has no kernel for goes (through `Strict.fallback`, so tests catch it).
    let reference: ReferenceBackend

    /// A backend whose kernels are the `isa` variants; stops when this CPU cannot run them.
    public init(isa: CPUISA = .selected, device: Device = .cpu) {
        check(CPUISA.supported.contains(isa),
              "CPUBackend: this CPU cannot run the \(isa) kernels (it runs \(CPUISA.supported.map(\.rawValue).joined(separator: ", ")))")
        self.isa = isa
        self.device = device
        self.name = "cpu-\(isa)"
        self.reference = ReferenceBackend(device: device)
    }

    // memory
    public func allocate(byteCount: Int) -> any Buffer { allocator.allocate(byteCount: byteCount) }
    public var allocationStats: AllocationStats { allocator.stats }
    public func upload(_ host: UnsafeRawBufferPointer, to buffer: any Buffer, byteOffset: Int) {
        reference.upload(host, to: buffer, byteOffset: byteOffset)
    }
    public func download(_ buffer: any Buffer, byteOffset: Int, into host: UnsafeMutableRawBufferPointer) {
        reference.download(buffer, byteOffset: byteOffset, into: host)
    }
    public func copy(_ src: any Buffer, of source: any Backend, byteOffset srcOffset: Int,
                     to dst: any Buffer, byteOffset dstOffset: Int, byteCount: Int) {
        reference.copy(src, of: source, byteOffset: srcOffset, to: dst, byteOffset: dstOffset, byteCount: byteCount)
    }

    // primitives (kernels land one by one; until then the reference runs them); matmul and
    // linear are in CPUBackend+Matmul.swift
    public func fill(_ buffer: any Buffer, dtype: DType, value: Float) { reference.fill(buffer, dtype: dtype, value: value) }
    public func copy(_ src: StridedView, to dst: StridedView) { reference.copy(src, to: dst) }
    public func cast(_ x: StridedView, to dtype: DType, out: any Buffer) { reference.cast(x, to: dtype, out: out) }
    public func unary(_ op: UnaryOp, _ x: StridedView, out: any Buffer) { reference.unary(op, x, out: out) }
    public func binary(_ op: BinaryOp, _ a: StridedView, _ b: StridedView, out: any Buffer) { reference.binary(op, a, b, out: out) }
    public func select(_ c: StridedView, _ a: StridedView, _ b: StridedView, out: any Buffer) { reference.select(c, a, b, out: out) }
    public func reduce(_ op: Reduction, _ x: StridedView, axes: [Int], out: any Buffer) { reference.reduce(op, x, axes: axes, out: out) }
    public func gather(_ x: StridedView, dim: Int, index: StridedView, out: any Buffer) { reference.gather(x, dim: dim, index: index, out: out) }
    public func scatterAdd(_ src: StridedView, dim: Int, index: StridedView, into out: any Buffer, outShape: [Int]) {
        reference.scatterAdd(src, dim: dim, index: index, into: out, outShape: outShape)
    }
    public func indexCopy(_ src: StridedView, dim: Int, index: StridedView, into dst: StridedView) {
        reference.indexCopy(src, dim: dim, index: index, into: dst)
    }
    public func embedding(_ table: StridedView, ids: StridedView, out: any Buffer) { reference.embedding(table, ids: ids, out: out) }
}

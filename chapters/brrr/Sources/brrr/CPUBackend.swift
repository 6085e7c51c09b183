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
    /// The threads a big op is split over (the pool's size).
    let threads: Int32

    /// A backend whose kernels are the `isa` variants; stops when this CPU cannot run them.
    public init(isa: CPUISA = .selected, device: Device = .cpu) {
        check(CPUISA.supported.contains(isa),
              "CPUBackend: this CPU cannot run the \(isa) kernels (it runs \(CPUISA.supported.map(\.rawValue).joined(separator: ", ")))")
        self.isa = isa
        self.device = device
        self.name = "cpu-\(isa)"
        self.reference = ReferenceBackend(device: device)
        self.threads = brrr_pool_threads()
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

    // primitives (CBrrr: elementwise.c, reduce.c, indexing.c); matmul and linear are in
    // CPUBackend+Matmul.swift
    public func fill(_ buffer: any Buffer, dtype: DType, value: Float) {
        let bits: UInt32
        switch dtype {
        case .float32: bits = value.bitPattern
        case .int32: bits = UInt32(bitPattern: Int32(value))
        default: fail("fill: \(dtype) is a block format")
        }
        brrr_fill(isa.code, threads, hostPointer(buffer).assumingMemoryBound(to: UInt32.self), buffer.byteCount / 4, bits)
    }

    public func copy(_ src: StridedView, to dst: StridedView) {
        guard !src.dtype.isQuantized, src.shape.count <= maxRank else {
            Strict.fallback("\(name): copy of a \(src.dtype) view of rank \(src.shape.count)")
            return reference.copy(src, to: dst)
        }
        withLayout(src.shape, src.strides, dst.strides) { rank, layout in
            brrr_copy(isa.code, threads, rank, layout, base(src), base(dst))
        }
    }

    public func cast(_ x: StridedView, to dtype: DType, out: any Buffer) {
        if x.dtype.isQuantized {   // whole rows of blocks -> float32 (a weight is never a view)
            brrr_dequantize(isa.code, threads, formatCode(x.dtype), hostPointer(x.buffer), x.shape[0], x.shape[1],
                            floats(out))
            return
        }
        guard x.shape.count <= maxRank else {
            Strict.fallback("\(name): cast of rank \(x.shape.count)")
            return reference.cast(x, to: dtype, out: out)
        }
        switch (x.dtype, dtype) {
        case (.float32, .int32), (.int32, .float32):
            var status = brrr_status()
            withLayout(x.shape, x.strides) { rank, layout in
                brrr_cast(isa.code, threads, dtype == .int32 ? 1 : 0, rank, layout, base(x), hostPointer(out), &status)
            }
            if status.failed != 0 {
                // the value with no int32: stop as the reference does, with Swift's own message
                let value = Float(bitPattern: UInt32(truncatingIfNeeded: status.value))
                _ = Int32(value)
                fail("cast: \(value) has no int32 value")
            }
        default: copy(x, to: StridedView(contiguous: out, dtype: dtype, shape: x.shape))
        }
    }

    public func unary(_ op: UnaryOp, _ x: StridedView, out: any Buffer) {
        guard x.shape.count <= maxRank else {
            Strict.fallback("\(name): \(op.rawValue) of rank \(x.shape.count)")
            return reference.unary(op, x, out: out)
        }
        let code: brrr_unary
        switch op {
        case .neg: code = BRRR_NEG
        case .exp: code = BRRR_EXP
        case .log: code = BRRR_LOG
        case .sqrt: code = BRRR_SQRT
        case .sin: code = BRRR_SIN
        case .reciprocal: code = BRRR_RECIPROCAL
        case .erf: code = BRRR_ERF
        }
        withLayout(x.shape, x.strides) { rank, layout in
            brrr_unary(isa.code, threads, Int32(code.rawValue), rank, layout, base(x).assumingMemoryBound(to: Float.self), floats(out))
        }
    }

    public func binary(_ op: BinaryOp, _ a: StridedView, _ b: StridedView, out: any Buffer) {
        guard a.shape.count <= maxRank else {
            Strict.fallback("\(name): \(op.rawValue) of rank \(a.shape.count)")
            return reference.binary(op, a, b, out: out)
        }
        let code: brrr_binary
        switch op {
        case .add: code = BRRR_ADD
        case .mul: code = BRRR_MUL
        case .maximum: code = BRRR_MAXIMUM
        case .pow: code = BRRR_POW
        case .cmplt: code = BRRR_CMPLT
        case .cmpeq: code = BRRR_CMPEQ
        }
        let int32 = a.dtype == .int32
        if int32 && !(op == .add || op == .cmplt || op == .cmpeq) { fail("\(name) backend: \(op.rawValue) on int32") }
        if a.isContiguous && b.isContiguous {
            // the common case, without building a layout per operand: one row of count elements
            var layout = (a.count, 1, 1)
            let (pa, pb, po) = (base(a), base(b), hostPointer(out))
            withUnsafePointer(to: &layout) {
                $0.withMemoryRebound(to: Int.self, capacity: 3) {
                    brrr_binary(isa.code, threads, Int32(code.rawValue), int32 ? 1 : 0, 1, $0, pa, pb, po)
                }
            }
            return
        }
        withLayout(a.shape, a.strides, b.strides) { rank, layout in
            brrr_binary(isa.code, threads, Int32(code.rawValue), int32 ? 1 : 0, rank, layout, base(a), base(b), hostPointer(out))
        }
    }

    public func select(_ c: StridedView, _ a: StridedView, _ b: StridedView, out: any Buffer) {
        guard a.shape.count <= maxRank else {
            Strict.fallback("\(name): where of rank \(a.shape.count)")
            return reference.select(c, a, b, out: out)
        }
        withLayout(a.shape, c.strides, a.strides, b.strides) { rank, layout in
            brrr_select(isa.code, threads, rank, layout, base(c).assumingMemoryBound(to: Float.self), base(a), base(b), hostPointer(out))
        }
    }

    public func reduce(_ op: Reduction, _ x: StridedView, axes: [Int], out: any Buffer) {
        guard x.shape.count <= maxRank else {
            Strict.fallback("\(name): \(op.rawValue) of rank \(x.shape.count)")
            return reference.reduce(op, x, axes: axes, out: out)
        }
        var mask: UInt64 = 0
        for a in axes { mask |= 1 << UInt64(a) }
        let code = op == .sum ? BRRR_SUM : BRRR_MAX
        withLayout(x.shape, x.strides) { rank, layout in
            brrr_reduce(isa.code, threads, Int32(code.rawValue), rank, layout, mask, base(x).assumingMemoryBound(to: Float.self), floats(out))
        }
    }

    public func gather(_ x: StridedView, dim: Int, index: StridedView, out: any Buffer) {
        guard index.shape.count <= maxRank else {
            Strict.fallback("\(name): gather of rank \(index.shape.count)")
            return reference.gather(x, dim: dim, index: index, out: out)
        }
        var xs = x.strides
        let step = xs[dim], size = x.shape[dim]
        xs[dim] = 0
        var status = brrr_status()
        withLayout(index.shape, xs, index.strides) { rank, layout in
            brrr_gather(isa.code, threads, rank, layout, base(x), step, size, int32s(index), hostPointer(out), &status)
        }
        if status.failed != 0 {
            fail("gather: index \(status.value) is out of bounds for dim \(dim) with size \(size) (input shape \(x.shape))")
        }
    }

    public func scatterAdd(_ src: StridedView, dim: Int, index: StridedView, into out: any Buffer, outShape: [Int]) {
        guard src.shape.count <= maxRank else {
            Strict.fallback("\(name): scatterAdd of rank \(src.shape.count)")
            return reference.scatterAdd(src, dim: dim, index: index, into: out, outShape: outShape)
        }
        var os = contiguousStrides(outShape)
        let step = os[dim], size = outShape[dim]
        os[dim] = 0
        var status = brrr_status()
        withLayout(src.shape, src.strides, os, index.strides) { rank, layout in
            brrr_scatter_add(isa.code, rank, layout, base(src).assumingMemoryBound(to: Float.self), floats(out), step, size,
                             int32s(index), &status)
        }
        if status.failed != 0 {
            fail("scatterAdd: index \(status.value) is out of bounds for dim \(dim) with size \(size) (output shape \(outShape))")
        }
    }

    public func indexCopy(_ src: StridedView, dim: Int, index: StridedView, into dst: StridedView) {
        guard src.shape.count <= maxRank else {
            Strict.fallback("\(name): indexCopy of rank \(src.shape.count)")
            return reference.indexCopy(src, dim: dim, index: index, into: dst)
        }
        var ds = dst.strides
        let step = ds[dim], size = dst.shape[dim]
        ds[dim] = 0
        var idxStrides = [Int](repeating: 0, count: src.shape.count)
        idxStrides[dim] = index.strides[0]
        var status = brrr_status()
        withLayout(src.shape, src.strides, ds, idxStrides) { rank, layout in
            brrr_index_copy(isa.code, rank, layout, base(src), base(dst), step, size, int32s(index), &status)
        }
        if status.failed != 0 {
            fail("indexCopy: index \(status.value) is out of range for dim \(dim) with size \(size) (shape \(dst.shape))")
        }
    }

    public func embedding(_ table: StridedView, ids: StridedView, out: any Buffer) {
        guard ids.shape.count <= maxRank else {
            Strict.fallback("\(name): embedding of ids of rank \(ids.shape.count)")
            return reference.embedding(table, ids: ids, out: out)
        }
        let (n, d) = (table.shape[0], table.shape[1])
        let quantized = table.dtype.isQuantized
        // a table in a block format is whole contiguous rows (never a view): its buffer's start
        let start = quantized ? UnsafeMutableRawPointer(hostPointer(table.buffer)) : base(table)
        var status = brrr_status()
        withLayout(ids.shape, ids.strides) { rank, layout in
            brrr_embedding(isa.code, threads, quantized ? formatCode(table.dtype) : -1, start, n, d,
                           table.strides[0], table.strides[1], rank, layout, int32s(ids), floats(out), &status)
        }
        if status.failed != 0 { fail("embedding: id \(status.value) is out of range for a table of shape \(table.shape)") }
    }

    // MARK: what the kernels are handed

    /// Layouts longer than this go to the reference (CBrrr's iterators have fixed room).
    var maxRank: Int { Int(BRRR_MAX_RANK) }

    @inline(__always) func hostPointer(_ buffer: any Buffer) -> UnsafeMutableRawPointer {
        // (an exact class check, cheaper than a dynamic cast: HostBuffer is final)
        if type(of: buffer) == HostBuffer.self { return unsafeDowncast(buffer, to: HostBuffer.self).pointer }
        guard let b = buffer as? HostBuffer else { fail("\(name) backend: got a buffer of another device (\(type(of: buffer)))") }
        return b.pointer
    }
    /// The address of a view's first element (every dtype a kernel walks has 4-byte elements).
    @inline(__always) func base(_ v: StridedView) -> UnsafeMutableRawPointer { hostPointer(v.buffer) + v.offset * 4 }
    @inline(__always) func floats(_ buffer: any Buffer) -> UnsafeMutablePointer<Float> {
        hostPointer(buffer).assumingMemoryBound(to: Float.self)
    }
    @inline(__always) func int32s(_ v: StridedView) -> UnsafePointer<Int32> {
        UnsafePointer(base(v).assumingMemoryBound(to: Int32.self))
    }
    func formatCode(_ dtype: DType) -> Int32 {
        switch dtype {
        case .q8_0: return Int32(BRRR_Q8_0.rawValue)
        case .q4_0: return Int32(BRRR_Q4_0.rawValue)
        case .q4_1: return Int32(BRRR_Q4_1.rawValue)
        default: fail("\(name): \(dtype) is not a block format")
        }
    }

    /// Calls `body` with a CBrrr layout (the shape, then each operand's strides) on the stack.
    /// (One overload per operand count: a variadic list would be an array of arrays per op.)
    @inline(__always)
    func withLayout(_ shape: [Int], _ s0: [Int], _ s1: [Int]? = nil, _ s2: [Int]? = nil,
                    body: (Int32, UnsafePointer<Int>) -> Void) {
        let rank = shape.count
        let operands = 1 + (s1 == nil ? 0 : 1) + (s2 == nil ? 0 : 1)
        withUnsafeTemporaryAllocation(of: Int.self, capacity: Swift.max(1, rank * (operands + 1))) { layout in
            for d in 0..<rank {
                layout[d] = shape[d]
                layout[rank + d] = s0[d]
            }
            if let s1 { for d in 0..<rank { layout[2 * rank + d] = s1[d] } }
            if let s2 { for d in 0..<rank { layout[3 * rank + d] = s2[d] } }
            body(Int32(rank), UnsafePointer(layout.baseAddress!))
        }
    }
}

// The primitives on the GPU: each one picks a kernel (CUDAKernels*.swift), lays out its
// operands' strides, and queues a launch. Semantics are the reference backend's, op for op.
import dfdx

extension CUDABackend {
    static let unaryCodes: [UnaryOp: Int32] = [.neg: 0, .exp: 1, .log: 2, .sqrt: 3, .sin: 4, .reciprocal: 5, .erf: 6]
    static let binaryCodes: [BinaryOp: Int32] = [.add: 0, .mul: 1, .maximum: 2, .pow: 3, .cmplt: 4, .cmpeq: 5]

    /// The kernels' number for a block format.
    static func formatCode(_ dtype: DType, _ op: String) -> Int32 {
        switch dtype {
        case .q8_0: return 0
        case .q4_0: return 1
        case .q4_1: return 2
        default: fail("\(op): \(dtype) is not a block format")
        }
    }

    /// A layout over `shape` whose operands are `views` (each with `shape`'s rank), in order.
    func layout(_ shape: [Int], _ views: [(strides: [Int], offset: Int)]) -> KernelLayout {
        var l = KernelLayout(shape: shape)
        for (k, v) in views.enumerated() { l.set(k, strides: v.strides, offset: v.offset) }
        return l
    }

    func elementwise(_ kernel: String, count: Int, _ args: [KernelArgument]) {
        guard count > 0 else { return }
        gpu.launch(kernel, grid: (blocks(count), 1, 1), block: (256, 1, 1), args)
    }

    public func fill(_ buffer: any Buffer, dtype: DType, value: Float) {
        let bits: UInt32
        switch dtype {
        case .float32: bits = value.bitPattern
        case .int32: bits = UInt32(bitPattern: Int32(value))
        default: fail("fill: \(dtype) is a block format")
        }
        let n = buffer.byteCount / 4
        guard n > 0 else { return }
        gpu.makeCurrent()
        gpu.driver.check(gpu.driver.cuMemsetD32Async(address(buffer), bits, n, gpu.stream), "cuMemsetD32Async(\(n) words)")
    }

    public func copy(_ src: StridedView, to dst: StridedView) {
        if src.isContiguous && dst.isContiguous {
            copy(src.buffer, of: self, byteOffset: src.offset * 4, to: dst.buffer, byteOffset: dst.offset * 4, byteCount: src.count * 4)
            return
        }
        let l = layout(src.shape, [(src.strides, src.offset), (dst.strides, dst.offset)])
        elementwise("pg_copy", count: src.count, [.layout(l), .pointer(address(src.buffer)), .pointer(address(dst.buffer))])
    }

    public func cast(_ x: StridedView, to dtype: DType, out: any Buffer) {
        if x.dtype.isQuantized {   // whole rows of blocks -> float32
            let (rows, k) = (x.shape[0], x.shape[1])
            elementwise("pg_dequantize", count: rows * k, [.int32(CUDABackend.formatCode(x.dtype, "cast")), .pointer(address(x)),
                                                           .pointer(address(out)), .int(rows), .int(k)])
            return
        }
        let kind: Int32
        switch (x.dtype, dtype) {
        case (.float32, .int32): kind = 0
        case (.int32, .float32): kind = 1
        default: return copy(x, to: StridedView(contiguous: out, dtype: dtype, shape: x.shape))
        }
        let l = layout(x.shape, [(x.strides, x.offset)])
        elementwise("pg_cast", count: x.count, [.int32(kind), .layout(l), .pointer(address(x.buffer)), .pointer(address(out))])
    }

    public func unary(_ op: UnaryOp, _ x: StridedView, out: any Buffer) {
        let code = CUDABackend.unaryCodes[op]!
        if x.isContiguous {
            elementwise("pg_unary_contiguous", count: x.count, [.int32(code), .int(x.count), .pointer(address(x)), .pointer(address(out))])
        } else {
            let l = layout(x.shape, [(x.strides, x.offset)])
            elementwise("pg_unary", count: x.count, [.int32(code), .layout(l), .pointer(address(x.buffer)), .pointer(address(out))])
        }
    }

    public func binary(_ op: BinaryOp, _ a: StridedView, _ b: StridedView, out: any Buffer) {
        let code = CUDABackend.binaryCodes[op]!
        let ints = a.dtype == .int32
        if ints && !(op == .add || op == .cmplt || op == .cmpeq) { fail("cuda backend: \(op.rawValue) on int32") }
        if !ints && a.isContiguous && b.isContiguous {
            elementwise("pg_binary_contiguous", count: a.count, [.int32(code), .int(a.count), .pointer(address(a)), .pointer(address(b)),
                                                                 .pointer(address(out))])
            return
        }
        let l = layout(a.shape, [(a.strides, a.offset), (b.strides, b.offset)])
        elementwise("pg_binary", count: a.count, [.int32(code), .int32(ints ? 1 : 0), .layout(l), .pointer(address(a.buffer)),
                                                  .pointer(address(b.buffer)), .pointer(address(out))])
    }

    public func select(_ cond: StridedView, _ a: StridedView, _ b: StridedView, out: any Buffer) {
        let l = layout(a.shape, [(a.strides, a.offset), (b.strides, b.offset), (cond.strides, cond.offset)])
        elementwise("pg_select", count: a.count, [.layout(l), .pointer(address(a.buffer)), .pointer(address(b.buffer)),
                                                  .pointer(address(cond.buffer)), .pointer(address(out))])
    }

    public func reduce(_ op: Reduction, _ x: StridedView, axes: [Int], out: any Buffer) {
        let reducedDims = Set(axes)
        let keptDims = x.shape.indices.filter { !reducedDims.contains($0) }
        let sortedAxes = axes.sorted()
        let rows = keptDims.reduce(1) { $0 * x.shape[$1] }
        let r = sortedAxes.reduce(1) { $0 * x.shape[$1] }
        guard rows > 0 else { return }
        // the reduced dims are x's last ones and x is one run of memory: plain counting
        let simple = x.isContiguous && sortedAxes == Array((x.shape.count - sortedAxes.count)..<x.shape.count)
        let kept = layout(keptDims.map { x.shape[$0] }, [(keptDims.map { x.strides[$0] }, x.offset)])
        let reduced = layout(sortedAxes.map { x.shape[$0] }, [(sortedAxes.map { x.strides[$0] }, 0)])
        let args: [KernelArgument] = [.int32(op == .sum ? 0 : 1), .int32(simple ? 1 : 0), .int(rows), .int(r), .layout(kept), .layout(reduced),
                                      .pointer(address(x.buffer)), .pointer(address(out))]
        if r >= 64 {
            gpu.launch("pg_reduce_rows", grid: (min(rows, 1 << 20), 1, 1), block: (256, 1, 1), args)
        } else {
            gpu.launch("pg_reduce_short", grid: (blocks(rows), 1, 1), block: (256, 1, 1), args)
        }
    }

    // matmul: CUDAGEMM.swift (the GEMM ladder)

    public func linear(_ x: StridedView, _ w: StridedView, out: any Buffer) {
        let k = x.shape[x.shape.count - 1], n = w.shape[0], rows = x.count / max(k, 1)
        guard rows > 0, n > 0 else { return }
        // x as `rows` contiguous rows of k floats (copied only when its view is not already that)
        let packed = x.isContiguous ? nil : allocate(byteCount: x.count * 4)
        if let packed { copy(x, to: StridedView(contiguous: packed, shape: x.shape)) }
        let xs = packed.map { address($0) } ?? address(x)
        gpu.launch("pg_linear_blocks", grid: ((n + 7) / 8, 1, 1), block: (256, 1, 1), [
            .int32(CUDABackend.formatCode(w.dtype, "linear")), .int(rows), .int(n), .int(k), .pointer(xs), .pointer(address(w)), .pointer(address(out)),
        ])
        withExtendedLifetime(packed) {}   // its block returns to the pool after the launch is queued
    }

    public func gather(_ x: StridedView, dim: Int, index: StridedView, out: any Buffer) {
        var xs = x.strides
        let step = xs[dim], size = x.shape[dim], shape = x.shape
        xs[dim] = 0
        let launch = gpu.expectIndices { j in "gather: index \(j) is out of bounds for dim \(dim) with size \(size) (input shape \(shape))" }
        let l = layout(index.shape, [(xs, x.offset), (index.strides, index.offset)])
        elementwise("pg_gather", count: index.count, [.pointer(launch), .int(step), .int(size), .layout(l), .pointer(address(x.buffer)),
                                                      .pointer(address(index.buffer)), .pointer(address(out))])
    }

    public func scatterAdd(_ src: StridedView, dim: Int, index: StridedView, into out: any Buffer, outShape: [Int]) {
        var os = contiguousStrides(outShape)
        let step = os[dim], size = outShape[dim]
        os[dim] = 0
        let launch = gpu.expectIndices { j in "scatterAdd: index \(j) is out of bounds for dim \(dim) with size \(size) (output shape \(outShape))" }
        let l = layout(src.shape, [(src.strides, src.offset), (os, 0), (index.strides, index.offset)])
        elementwise("pg_scatter_add", count: src.count, [.pointer(launch), .int(step), .int(size), .layout(l), .pointer(address(src.buffer)),
                                                         .pointer(address(index.buffer)), .pointer(address(out))])
    }

    public func indexCopy(_ src: StridedView, dim: Int, index: StridedView, into dst: StridedView) {
        var ds = dst.strides
        let step = ds[dim], size = dst.shape[dim], shape = dst.shape
        ds[dim] = 0
        var idxStrides = [Int](repeating: 0, count: src.shape.count)
        idxStrides[dim] = index.strides[0]
        let launch = gpu.expectIndices { j in "indexCopy: index \(j) is out of range for dim \(dim) with size \(size) (shape \(shape))" }
        let l = layout(src.shape, [(src.strides, src.offset), (ds, dst.offset), (idxStrides, index.offset)])
        elementwise("pg_index_copy", count: src.count, [.pointer(launch), .int(step), .int(size), .layout(l), .pointer(address(src.buffer)),
                                                        .pointer(address(index.buffer)), .pointer(address(dst.buffer))])
    }

    public func embedding(_ table: StridedView, ids: StridedView, out: any Buffer) {
        let (n, d) = (table.shape[0], table.shape[1]), shape = table.shape
        let launch = gpu.expectIndices { id in "embedding: id \(id) is out of range for a table of shape \(shape)" }
        let l = layout(ids.shape, [(ids.strides, ids.offset)])
        let quantized = table.dtype.isQuantized
        let format: Int32 = quantized ? CUDABackend.formatCode(table.dtype, "embedding") : -1
        elementwise("pg_embedding", count: ids.count * d, [
            .pointer(launch), .int32(format), .int(n), .int(d), .int(quantized ? 0 : table.offset), .int(table.strides[0]), .int(table.strides[1]),
            .layout(l), .pointer(quantized ? address(table) : address(table.buffer)), .pointer(address(ids.buffer)), .pointer(address(out)),
        ])
    }
}

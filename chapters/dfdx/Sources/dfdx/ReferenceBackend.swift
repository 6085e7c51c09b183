// The reference backend: every primitive as a plain loop over strided indices.
//
// Readable first: one `walk` helper visits the elements of a shape in row-major order and
// hands each loop body the matching offsets into its operands, so every op below is one
// line of math. brrr replaces this with SIMD, threads and packed GEMM; the tests compare
// the two.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always)
private func host(_ buffer: any Buffer) -> HostBuffer {
    // The reference backend only ever sees host buffers; anything else is a device mix-up.
    guard let b = buffer as? HostBuffer else { fail("reference backend: got a buffer of another device (\(type(of: buffer)))") }
    return b
}
@inline(__always) private func floats(_ buffer: any Buffer) -> UnsafeMutablePointer<Float> { host(buffer).floats }
@inline(__always) private func int32s(_ buffer: any Buffer) -> UnsafeMutablePointer<Int32> { host(buffer).int32s }
/// Elements as raw 32-bit words: copies and gathers move them whatever the dtype.
@inline(__always) private func words(_ buffer: any Buffer) -> UnsafeMutablePointer<UInt32> {
    host(buffer).pointer.assumingMemoryBound(to: UInt32.self)
}

/// Visits every element of `shape` in row-major order, calling `body(i, a, b, c)` with the
/// element's flat index and its offsets in up to three strided operands (pass `[]` strides
/// for an unused one). The last dim is the inner loop; the outer dims tick like an odometer.
@inline(__always)
func walk(_ shape: [Int], _ sa: [Int], _ oa: Int, _ sb: [Int] = [], _ ob: Int = 0,
          _ sc: [Int] = [], _ oc: Int = 0,
          _ body: (_ i: Int, _ a: Int, _ b: Int, _ c: Int) -> Void) {
    // BEGIN SOLUTION dfdx.4: call body(i, a, b, c) for every element i of shape in row-major order, each operand's offset starting at oa, ob, oc and stepped by its strides (empty strides: 0)
    let rank = shape.count
    let total = shape.reduce(1, *)
    if total == 0 { return }
    if rank == 0 { body(0, oa, ob, oc); return }
    let zero = [Int](repeating: 0, count: rank)
    let sa = sa.isEmpty ? zero : sa, sb = sb.isEmpty ? zero : sb, sc = sc.isEmpty ? zero : sc
    let inner = shape[rank - 1], ia = sa[rank - 1], ib = sb[rank - 1], ic = sc[rank - 1]
    var index = zero
    var a = oa, b = ob, c = oc, i = 0
    while i < total {
        for j in 0..<inner { body(i + j, a + j * ia, b + j * ib, c + j * ic) }
        i += inner
        var d = rank - 2   // carry into the outer dims
        while d >= 0 {
            index[d] += 1
            a += sa[d]; b += sb[d]; c += sc[d]
            if index[d] < shape[d] { break }
            a -= sa[d] * shape[d]; b -= sb[d] * shape[d]; c -= sc[d] * shape[d]
            index[d] = 0
            d -= 1
        }
    }
    // END SOLUTION dfdx.4
}

/// The always-available backend: readable loops on the host (float32 and int32).
public final class ReferenceBackend: Backend, @unchecked Sendable {
    public let name = "reference"
    public let device: Device
    /// Host memory, pooled.
    public let allocator = HostAllocator()

    public init(device: Device = .reference) { self.device = device }

    public func allocate(byteCount: Int) -> any Buffer { allocator.allocate(byteCount: byteCount) }
    public var allocationStats: AllocationStats { allocator.stats }

    public func upload(_ src: UnsafeRawBufferPointer, to buffer: any Buffer, byteOffset: Int) {
        guard let base = src.baseAddress else { return }
        (host(buffer).pointer + byteOffset).copyMemory(from: base, byteCount: src.count)
    }

    public func download(_ buffer: any Buffer, byteOffset: Int, into dst: UnsafeMutableRawBufferPointer) {
        guard let base = dst.baseAddress else { return }
        base.copyMemory(from: host(buffer).pointer + byteOffset, byteCount: dst.count)
    }

    public func copy(_ src: any Buffer, of source: any Backend, byteOffset srcOffset: Int,
                     to dst: any Buffer, byteOffset dstOffset: Int, byteCount: Int) {
        if let s = src as? HostBuffer {   // host to host (e.g. .cpu <-> .reference): one memcpy
            (host(dst).pointer + dstOffset).copyMemory(from: s.pointer + srcOffset, byteCount: byteCount)
        } else {
            let part = UnsafeMutableRawBufferPointer(start: host(dst).pointer + dstOffset, count: byteCount)
            source.download(src, byteOffset: srcOffset, into: part)
        }
    }

    public func fill(_ buffer: any Buffer, dtype: DType, value: Float) {
        let n = buffer.byteCount / 4
        switch dtype {
        case .float32: floats(buffer).update(repeating: value, count: n)
        case .int32: int32s(buffer).update(repeating: Int32(value), count: n)
        default: fail("fill: \(dtype) is a block format")
        }
    }

    public func copy(_ src: StridedView, to dst: StridedView) {
        let s = words(src.buffer), d = words(dst.buffer)
        walk(src.shape, src.strides, src.offset, dst.strides, dst.offset) { _, a, b, _ in d[b] = s[a] }
    }

    public func cast(_ x: StridedView, to dtype: DType, out: any Buffer) {
        if x.dtype.isQuantized {   // whole rows of blocks -> float32
            let (rows, k) = (x.shape[0], x.shape[1]), rowBytes = x.dtype.byteCount(of: k)
            for r in 0..<rows { dequantizeRow(x.dtype, host(x.buffer).pointer + r * rowBytes, k: k, into: floats(out) + r * k) }
            return
        }
        switch (x.dtype, dtype) {
        case (.float32, .int32):
            let p = floats(x.buffer), o = int32s(out)
            walk(x.shape, x.strides, x.offset) { i, a, _, _ in o[i] = Int32(p[a]) }
        case (.int32, .float32):
            let p = int32s(x.buffer), o = floats(out)
            walk(x.shape, x.strides, x.offset) { i, a, _, _ in o[i] = Float(p[a]) }
        default: copy(x, to: StridedView(contiguous: out, dtype: dtype, shape: x.shape))
        }
    }

    public func unary(_ op: UnaryOp, _ x: StridedView, out: any Buffer) {
        let p = floats(x.buffer), o = floats(out)
        switch op {
        case .neg: walk(x.shape, x.strides, x.offset) { i, a, _, _ in o[i] = -p[a] }
        case .exp: walk(x.shape, x.strides, x.offset) { i, a, _, _ in o[i] = expf(p[a]) }
        case .log: walk(x.shape, x.strides, x.offset) { i, a, _, _ in o[i] = logf(p[a]) }
        case .sqrt: walk(x.shape, x.strides, x.offset) { i, a, _, _ in o[i] = sqrtf(p[a]) }
        case .sin: walk(x.shape, x.strides, x.offset) { i, a, _, _ in o[i] = sinf(p[a]) }
        case .reciprocal: walk(x.shape, x.strides, x.offset) { i, a, _, _ in o[i] = 1 / p[a] }
        case .erf: walk(x.shape, x.strides, x.offset) { i, a, _, _ in o[i] = erff(p[a]) }
        }
    }

    public func binary(_ op: BinaryOp, _ x: StridedView, _ y: StridedView, out: any Buffer) {
        let (s, sx, ox, sy, oy) = (x.shape, x.strides, x.offset, y.strides, y.offset)
        if x.dtype == .int32 {   // the int32 ops: add (ids + offsets) and the comparisons
            let p = int32s(x.buffer), q = int32s(y.buffer)
            switch op {
            case .add: let o = int32s(out); walk(s, sx, ox, sy, oy) { i, a, b, _ in o[i] = p[a] &+ q[b] }
            case .cmplt: let o = floats(out); walk(s, sx, ox, sy, oy) { i, a, b, _ in o[i] = p[a] < q[b] ? 1 : 0 }
            case .cmpeq: let o = floats(out); walk(s, sx, ox, sy, oy) { i, a, b, _ in o[i] = p[a] == q[b] ? 1 : 0 }
            default: fail("reference backend: \(op.rawValue) on int32")
            }
            return
        }
        let p = floats(x.buffer), q = floats(y.buffer), o = floats(out)
        switch op {
        case .add: walk(s, sx, ox, sy, oy) { i, a, b, _ in o[i] = p[a] + q[b] }
        case .mul: walk(s, sx, ox, sy, oy) { i, a, b, _ in o[i] = p[a] * q[b] }
        case .maximum: walk(s, sx, ox, sy, oy) { i, a, b, _ in o[i] = Swift.max(p[a], q[b]) }
        case .pow: walk(s, sx, ox, sy, oy) { i, a, b, _ in o[i] = powf(p[a], q[b]) }
        case .cmplt: walk(s, sx, ox, sy, oy) { i, a, b, _ in o[i] = p[a] < q[b] ? 1 : 0 }
        case .cmpeq: walk(s, sx, ox, sy, oy) { i, a, b, _ in o[i] = p[a] == q[b] ? 1 : 0 }
        }
    }

    public func select(_ cond: StridedView, _ x: StridedView, _ y: StridedView, out: any Buffer) {
        let c = floats(cond.buffer), p = floats(x.buffer), q = floats(y.buffer), o = floats(out)
        walk(x.shape, x.strides, x.offset, y.strides, y.offset, cond.strides, cond.offset) { i, a, b, k in
            o[i] = c[k] != 0 ? p[a] : q[b]
        }
    }

    public func reduce(_ op: Reduction, _ x: StridedView, axes: [Int], out: any Buffer) {
        // The output is x's shape with `axes` set to 1; give it stride 0 on those axes so the
        // walk over x lands every reduced element on its output slot.
        var outShape = x.shape
        for a in axes { outShape[a] = 1 }
        var outStrides = contiguousStrides(outShape)
        for a in axes { outStrides[a] = 0 }
        let p = floats(x.buffer), o = floats(out)
        switch op {
        case .sum:
            o.update(repeating: 0, count: outShape.reduce(1, *))
            walk(x.shape, x.strides, x.offset, outStrides, 0) { _, a, b, _ in o[b] += p[a] }
        case .max:
            o.update(repeating: -.infinity, count: outShape.reduce(1, *))
            walk(x.shape, x.strides, x.offset, outStrides, 0) { _, a, b, _ in
                let v = p[a]
                if v > o[b] || v.isNaN { o[b] = v }
            }
        }
    }

    public func matmul(_ x: StridedView, _ y: StridedView, out: any Buffer) {
        let r = x.shape.count
        let m = x.shape[r - 2], k = x.shape[r - 1], n = y.shape[r - 1]
        let (xm, xk) = (x.strides[r - 2], x.strides[r - 1])
        let (yk, yn) = (y.strides[r - 2], y.strides[r - 1])
        let p = floats(x.buffer), q = floats(y.buffer), o = floats(out)
        let batch = Array(x.shape.dropLast(2))
        o.update(repeating: 0, count: batch.reduce(1, *) * m * n)
        // One (M x K) @ (K x N) product per batch element. The loop order follows memory:
        // when a column of y is contiguous (y is a transposed weight, as in x @ W^T), each
        // output is a dot product of two contiguous runs; otherwise go i-k-j, so the inner
        // loop runs along a row of y and a row of out.
        walk(batch, Array(x.strides.dropLast(2)), x.offset, Array(y.strides.dropLast(2)), y.offset) { bi, xo, yo, _ in
            let ob = o + bi * m * n
            if yk == 1 && xk == 1 {
                // Dot products, four rows of x at a time: each element of y's column is loaded
                // once for four rows, and the four sums are independent, so the CPU overlaps them.
                var i = 0
                while i + 4 <= m {
                    let x0 = p + xo + i * xm, x1 = x0 + xm, x2 = x1 + xm, x3 = x2 + xm
                    for j in 0..<n {
                        let ycol = q + yo + j * yn
                        var (a0, a1, a2, a3): (Float, Float, Float, Float) = (0, 0, 0, 0)
                        for kk in 0..<k {
                            let w = ycol[kk]
                            a0 += x0[kk] * w; a1 += x1[kk] * w; a2 += x2[kk] * w; a3 += x3[kk] * w
                        }
                        ob[i * n + j] = a0; ob[(i + 1) * n + j] = a1; ob[(i + 2) * n + j] = a2; ob[(i + 3) * n + j] = a3
                    }
                    i += 4
                }
                // the remaining rows (all of them when decoding one token): four partial sums over k
                for i in i..<m {
                    let xrow = p + xo + i * xm
                    for j in 0..<n {
                        let ycol = q + yo + j * yn
                        var (a0, a1, a2, a3): (Float, Float, Float, Float) = (0, 0, 0, 0)
                        var kk = 0
                        while kk + 4 <= k {
                            a0 += xrow[kk] * ycol[kk]; a1 += xrow[kk + 1] * ycol[kk + 1]
                            a2 += xrow[kk + 2] * ycol[kk + 2]; a3 += xrow[kk + 3] * ycol[kk + 3]
                            kk += 4
                        }
                        while kk < k { a0 += xrow[kk] * ycol[kk]; kk += 1 }
                        ob[i * n + j] = (a0 + a1) + (a2 + a3)
                    }
                }
                return
            }
            for i in 0..<m {
                let row = ob + i * n
                for kk in 0..<k {
                    let a = p[xo + i * xm + kk * xk]
                    let yrow = q + yo + kk * yk
                    if yn == 1 {
                        for j in 0..<n { row[j] += a * yrow[j] }
                    } else {
                        for j in 0..<n { row[j] += a * yrow[j * yn] }
                    }
                }
            }
        }
    }

    public func gather(_ x: StridedView, dim: Int, index: StridedView, out: any Buffer) {
        // out[..., j, ...] = x[..., index[...], ...]: walk the index's shape with x's strides,
        // minus dim `dim`, whose offset comes from the index value instead.
        var xs = x.strides
        let step = xs[dim], size = x.shape[dim]
        xs[dim] = 0
        let p = words(x.buffer), idx = int32s(index.buffer), o = words(out)
        walk(index.shape, xs, x.offset, index.strides, index.offset) { i, a, k, _ in
            let j = Int(idx[k])
            if j < 0 || j >= size { fail("gather: index \(j) is out of bounds for dim \(dim) with size \(size) (input shape \(x.shape))") }
            o[i] = p[a + j * step]
        }
    }

    public func scatterAdd(_ src: StridedView, dim: Int, index: StridedView, into out: any Buffer, outShape: [Int]) {
        var os = contiguousStrides(outShape)
        let step = os[dim], size = outShape[dim]
        os[dim] = 0
        let p = floats(src.buffer), idx = int32s(index.buffer), o = floats(out)
        walk(src.shape, src.strides, src.offset, os, 0, index.strides, index.offset) { _, a, b, k in
            let j = Int(idx[k])
            if j < 0 || j >= size { fail("scatterAdd: index \(j) is out of bounds for dim \(dim) with size \(size) (output shape \(outShape))") }
            o[b + j * step] += p[a]
        }
    }

    public func indexCopy(_ src: StridedView, dim: Int, index: StridedView, into dst: StridedView) {
        // walk src; its position along dim is replaced by the index value in dst
        var ds = dst.strides
        let step = ds[dim], size = dst.shape[dim]
        ds[dim] = 0
        var idxStrides = [Int](repeating: 0, count: src.shape.count)
        idxStrides[dim] = index.strides[0]
        let p = words(src.buffer), idx = int32s(index.buffer), o = words(dst.buffer)
        walk(src.shape, src.strides, src.offset, ds, dst.offset, idxStrides, index.offset) { _, a, b, k in
            let j = Int(idx[k])
            if j < 0 || j >= size { fail("indexCopy: index \(j) is out of range for dim \(dim) with size \(size) (shape \(dst.shape))") }
            o[b + j * step] = p[a]
        }
    }

    public func embedding(_ table: StridedView, ids: StridedView, out: any Buffer) {
        if table.dtype.isQuantized { return quantizedEmbedding(table, ids: ids, out: out) }
        // BEGIN SOLUTION dfdx.27: for each id (in row-major order of ids), copy row `id` of the table (its D elements, with the table's strides) to the next D slots of out; stop on an id outside 0..<N
        let (n, d) = (table.shape[0], table.shape[1])
        let (rowStride, colStride) = (table.strides[0], table.strides[1])
        let p = words(table.buffer), idx = int32s(ids.buffer), o = words(out)
        walk(ids.shape, ids.strides, ids.offset) { i, k, _, _ in
            let id = Int(idx[k])
            if id < 0 || id >= n { fail("embedding: id \(id) is out of range for a table of shape \(table.shape)") }
            let row = p + table.offset + id * rowStride, dst = o + i * d
            for j in 0..<d { dst[j] = row[j * colStride] }
        }
        // END SOLUTION dfdx.27
    }

    /// Rows of a table in a block format, de-quantized into float32 rows of out.
    private func quantizedEmbedding(_ table: StridedView, ids: StridedView, out: any Buffer) {
        let (n, d) = (table.shape[0], table.shape[1]), rowBytes = table.dtype.byteCount(of: d)
        let p = host(table.buffer).pointer, idx = int32s(ids.buffer), o = floats(out)
        walk(ids.shape, ids.strides, ids.offset) { i, k, _, _ in
            let id = Int(idx[k])
            if id < 0 || id >= n { fail("embedding: id \(id) is out of range for a table of shape \(table.shape)") }
            dequantizeRow(table.dtype, p + id * rowBytes, k: d, into: o + i * d)
        }
    }

    public func linear(_ x: StridedView, _ w: StridedView, out: any Buffer) {
        let k = x.shape[x.shape.count - 1], n = w.shape[0], rows = x.count / Swift.max(k, 1)
        let rowBytes = w.dtype.byteCount(of: k)
        // x as `rows` contiguous rows of k floats (copied only when its view is not already that)
        let packed = x.isContiguous ? nil : allocate(byteCount: x.count * 4)
        if let packed { copy(x, to: StridedView(contiguous: packed, shape: x.shape)) }
        let xs = packed.map { floats($0) } ?? floats(x.buffer) + x.offset
        let row = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(k, 1))
        defer { row.deallocate() }
        quantizedRows(w.dtype, host(w.buffer).pointer, rowBytes: rowBytes, n: n, x: xs, rows: rows, k: k, out: floats(out), scratch: row)
    }

    /// The quantized linear's loop: out[r, j] = x[r, :] . w[j, :] for x's `rows` rows of k floats
    /// and the n rows of w (each `rowBytes` of blocks), with `scratch` room for one row of k floats.
    private func quantizedRows(_ format: DType, _ w: UnsafeMutableRawPointer, rowBytes: Int, n: Int,
                               x: UnsafeMutablePointer<Float>, rows: Int, k: Int,
                               out: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        // BEGIN SOLUTION dfdx.30: for each weight row j: de-quantize it (dequantizeRow(format, w + j * rowBytes, k: k, into: scratch)), then for each of x's rows r write its dot product with that row to out[r * n + j] (use dot)
        for j in 0..<n {
            dequantizeRow(format, w + j * rowBytes, k: k, into: scratch)
            for r in 0..<rows { out[r * n + j] = dot(x + r * k, scratch, k) }
        }
        // END SOLUTION dfdx.30
    }
}

/// Sum of a[i] * b[i] for i < n, in four independent partial sums (so the CPU overlaps them).
@inline(__always)
func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var (s0, s1, s2, s3): (Float, Float, Float, Float) = (0, 0, 0, 0)
    var i = 0
    while i + 4 <= n {
        s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]; s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3]
        i += 4
    }
    while i < n { s0 += a[i] * b[i]; i += 1 }
    return (s0 + s1) + (s2 + s3)
}

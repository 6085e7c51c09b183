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

/// Host memory: `count` floats from the system allocator.
public final class HostBuffer: Buffer, @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    public init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
    }

    deinit { pointer.deallocate() }
}

@inline(__always)
private func host(_ buffer: any Buffer) -> UnsafeMutablePointer<Float> {
    // The reference backend only ever sees its own buffers; anything else is a device mix-up.
    guard let b = buffer as? HostBuffer else { fail("reference backend: got a buffer of another device (\(type(of: buffer)))") }
    return b.pointer
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

/// The always-available backend: readable loops, float32 on the host.
public final class ReferenceBackend: Backend, @unchecked Sendable {
    public static let shared = ReferenceBackend()
    public let name = "reference"

    public func allocate(count: Int) -> any Buffer { HostBuffer(count: count) }

    public func upload(_ src: UnsafeBufferPointer<Float>, to buffer: any Buffer) {
        guard let base = src.baseAddress else { return }
        host(buffer).update(from: base, count: src.count)
    }

    public func download(_ buffer: any Buffer, into dst: UnsafeMutableBufferPointer<Float>) {
        guard let base = dst.baseAddress else { return }
        base.update(from: host(buffer), count: dst.count)
    }

    public func fill(_ buffer: any Buffer, value: Float) {
        host(buffer).update(repeating: value, count: buffer.count)
    }

    public func copy(_ src: StridedView, to dst: StridedView) {
        let s = host(src.buffer), d = host(dst.buffer)
        walk(src.shape, src.strides, src.offset, dst.strides, dst.offset) { _, a, b, _ in d[b] = s[a] }
    }

    public func unary(_ op: UnaryOp, _ x: StridedView, out: any Buffer) {
        let p = host(x.buffer), o = host(out)
        switch op {
        case .neg: walk(x.shape, x.strides, x.offset) { i, a, _, _ in o[i] = -p[a] }
        case .exp: walk(x.shape, x.strides, x.offset) { i, a, _, _ in o[i] = expf(p[a]) }
        case .log: walk(x.shape, x.strides, x.offset) { i, a, _, _ in o[i] = logf(p[a]) }
        case .sqrt: walk(x.shape, x.strides, x.offset) { i, a, _, _ in o[i] = sqrtf(p[a]) }
        case .sin: walk(x.shape, x.strides, x.offset) { i, a, _, _ in o[i] = sinf(p[a]) }
        case .reciprocal: walk(x.shape, x.strides, x.offset) { i, a, _, _ in o[i] = 1 / p[a] }
        }
    }

    public func binary(_ op: BinaryOp, _ x: StridedView, _ y: StridedView, out: any Buffer) {
        let p = host(x.buffer), q = host(y.buffer), o = host(out)
        let (s, sx, ox, sy, oy) = (x.shape, x.strides, x.offset, y.strides, y.offset)
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
        let c = host(cond.buffer), p = host(x.buffer), q = host(y.buffer), o = host(out)
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
        let p = host(x.buffer), o = host(out)
        switch op {
        case .sum:
            o.update(repeating: 0, count: out.count)
            walk(x.shape, x.strides, x.offset, outStrides, 0) { _, a, b, _ in o[b] += p[a] }
        case .max:
            o.update(repeating: -.infinity, count: out.count)
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
        let p = host(x.buffer), q = host(y.buffer), o = host(out)
        let batch = Array(x.shape.dropLast(2))
        o.update(repeating: 0, count: out.count)
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

    public func gather(_ x: StridedView, dim: Int, index: [Int], indexShape: [Int], out: any Buffer) {
        // out[..., j, ...] = x[..., index[...], ...]: walk the index shape with x's strides,
        // minus dim `dim`, whose offset comes from the index value instead.
        var xs = x.strides
        let step = xs[dim]
        xs[dim] = 0
        let p = host(x.buffer), o = host(out)
        index.withUnsafeBufferPointer { idx in
            walk(indexShape, xs, x.offset) { i, a, _, _ in o[i] = p[a + idx[i] * step] }
        }
    }

    public func scatterAdd(_ src: StridedView, dim: Int, index: [Int], into out: any Buffer, outShape: [Int]) {
        var os = contiguousStrides(outShape)
        let step = os[dim]
        os[dim] = 0
        let p = host(src.buffer), o = host(out)
        index.withUnsafeBufferPointer { idx in
            walk(src.shape, src.strides, src.offset, os, 0) { i, a, b, _ in o[b + idx[i] * step] += p[a] }
        }
    }
}

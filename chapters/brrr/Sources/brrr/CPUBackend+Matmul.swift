// matmul and linear on the CPU: the packed SGEMM (CBrrr/gemm.c) and the quantized linear.
internal import CBrrr
import dfdx

extension CPUBackend {
    /// out [..., M, N] = a [..., M, K] @ b [..., K, N]. The batch dims become one batch stride
    /// when they can (else one offset per matrix); a batch that shares one B (a weight broadcast over
    /// the batch) becomes one tall product of batch*M rows.
    public func matmul(_ a: StridedView, _ b: StridedView, out: any Buffer) {
        guard a.dtype == .float32, b.dtype == .float32 else {
            Strict.fallback("cpu matmul of \(a.dtype) and \(b.dtype)")
            return reference.matmul(a, b, out: out)
        }
        let r = a.shape.count
        let m = a.shape[r - 2], k = a.shape[r - 1], n = b.shape[r - 1]
        let batchShape = Array(a.shape[0..<(r - 2)])
        let batch = batchShape.reduce(1, *)
        if batch == 0 || m == 0 || n == 0 { return }
        let ap = floats(a.buffer) + a.offset, bp = floats(b.buffer) + b.offset, cp = floats(out)
        let rsa = a.strides[r - 2], csa = a.strides[r - 1], rsb = b.strides[r - 2], csb = b.strides[r - 1]
        let isa = self.isa.code
        // one stride for all batch dims of a and b (out is contiguous: m*n per matrix)
        if let sba = Self.batchStride(batchShape, Array(a.strides[0..<(r - 2)])),
           let sbb = Self.batchStride(batchShape, Array(b.strides[0..<(r - 2)])) {
            if batch > 1 && sbb == 0 && sba == m * rsa {   // rows of every batch evenly strided: one product
                brrr_sgemm(isa, threads, 1, Int64(batch * m), Int64(n), Int64(k), ap, 0, Int64(rsa), Int64(csa),
                           bp, 0, Int64(rsb), Int64(csb), cp, 0, Int64(n))
                return
            }
            brrr_sgemm(isa, threads, Int64(batch), Int64(m), Int64(n), Int64(k), ap, Int64(sba), Int64(rsa), Int64(csa),
                       bp, Int64(sbb), Int64(rsb), Int64(csb), cp, Int64(m * n), Int64(n))
            return
        }
        // batch dims no one stride walks (a permuted view): each matrix's offset, one call
        var aoff = [Int64](repeating: 0, count: batch), boff = [Int64](repeating: 0, count: batch)
        var index = [Int](repeating: 0, count: batchShape.count)
        for t in 0..<batch {
            var oa = 0, ob = 0
            for d in 0..<batchShape.count { oa += index[d] * a.strides[d]; ob += index[d] * b.strides[d] }
            (aoff[t], boff[t]) = (Int64(oa), Int64(ob))
            var d = batchShape.count - 1
            while d >= 0 { index[d] += 1; if index[d] < batchShape[d] { break }; index[d] = 0; d -= 1 }
        }
        brrr_sgemm_offsets(isa, threads, Int64(batch), Int64(m), Int64(n), Int64(k), ap, aoff, Int64(rsa), Int64(csa),
                           bp, boff, Int64(rsb), Int64(csb), cp, Int64(m * n), Int64(n))
    }

    /// The one stride that steps through every batch dim in row-major order, or nil.
    static func batchStride(_ shape: [Int], _ strides: [Int]) -> Int? {
        var step: Int? = nil, running = 0
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] != 1 {
            if let s = step {
                guard strides[d] == s * running else { return nil }
                running *= shape[d]
            } else {
                step = strides[d]; running = shape[d]
            }
        }
        return step ?? 0
    }

    /// out [..., N] = x [..., K] @ w^T for a weight [N, K] in a block format, de-quantized
    /// 64 rows at a time into a tile the SGEMM code multiplies (gemm.c).
    public func linear(_ x: StridedView, _ w: StridedView, out: any Buffer) {
        guard w.dtype.isQuantized else {
            Strict.fallback("cpu linear with \(w.dtype) weights")
            return reference.linear(x, w, out: out)
        }
        let format = formatCode(w.dtype)
        let k = x.shape[x.shape.count - 1], n = w.shape[0], rows = x.count / Swift.max(k, 1)
        let rowBytes = w.dtype.byteCount(of: k)
        // x as `rows` contiguous rows of k floats (copied only when its view is not already that)
        let packed = x.isContiguous ? nil : allocate(byteCount: x.count * 4)
        if let packed { copy(x, to: StridedView(contiguous: packed, shape: x.shape)) }
        let xs = packed.map { floats($0) } ?? floats(x.buffer) + x.offset
        let base = (hostPointer(w.buffer) + w.dtype.byteCount(of: w.offset)).assumingMemoryBound(to: UInt8.self)
        if int8Activations && rows <= 4 {
            brrr_linear_int8(isa.code, threads, format, Int64(rows), Int64(n), Int64(k),
                             xs, base, Int64(rowBytes), floats(out))
        } else {
            brrr_linear_quantized(isa.code, threads, format, Int64(rows), Int64(n), Int64(k),
                                  xs, base, Int64(rowBytes), floats(out))
        }
    }
}

/// The SGEMM ladder of the lecture, one rung at a time (`picograd bench gemm --step N`).
public enum GEMMLadder {
    /// The rungs, in order.
    public static let steps = ["naive", "loop order", "tiling", "packing", "microkernel", "threads"]

    /// c (m x n, contiguous) = a (m x k) @ b (k x n), both contiguous, with rung `step` (1-6)
    /// of the ladder on `isa` (rungs 5-6) and `threads` threads (rung 6).
    public static func run(step: Int, isa: CPUISA, threads: Int, m: Int, n: Int, k: Int,
                           a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>) {
        check((1...steps.count).contains(step), "gemm ladder: no step \(step) (have 1-\(steps.count))")
        _ = brrr_gemm_step(Int32(step), isa.code, Int32(threads), Int64(m), Int64(n), Int64(k),
                           a, Int64(k), 1, b, Int64(n), 1, c, Int64(n))
    }

    /// The register tile (MR x NR) and cache blocks (KC, MC, NC) of `isa`'s microkernel.
    public static func blocking(_ isa: CPUISA) -> (mr: Int, nr: Int, kc: Int, mc: Int, nc: Int) {
        var mr: Int32 = 0, nr: Int32 = 0, kc: Int32 = 0, mc: Int32 = 0, nc: Int32 = 0
        brrr_gemm_blocking(isa.code, &mr, &nr, &kc, &mc, &nc)
        return (Int(mr), Int(nr), Int(kc), Int(mc), Int(nc))
    }
}

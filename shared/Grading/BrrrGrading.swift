// Grading for chapter 3 (brrr), CPU part: each rung of the SGEMM ladder and each instruction
// set this CPU runs, against dfdx's reference backend (itself graded against PyTorch in
// chapter 1), on awkward sizes; the thread split by its definition.
import picograd

enum BrrrGrading {
    /// m x k @ k x n products that hit every edge: single elements, sizes just past the
    /// register tile and the cache blocks, a thin k and a long k.
    static let sizes: [(m: Int, n: Int, k: Int)] = [(1, 1, 1), (7, 17, 255), (17, 7, 1), (255, 33, 17),
                                                     (13, 1023, 9), (130, 70, 300), (3, 257, 513), (200, 100, 64)]

    /// Runs rung `step` on `isas` for every size and compares with the reference matmul:
    /// |ours - ref| <= 1e-5 + 1e-4 |ref| + 2 k eps (|A| @ |B|) (the last term bounds the
    /// rounding of k products summed in another order, where the sum cancels near 0).
    static func checkRung(_ step: Int, isas: [CPUISA], threads: Int = 1) throws {
        var g = Generator(seed: UInt64(100 + step))
        for (m, n, k) in sizes {
            let a = Tensor.randn([m, k], generator: &g, device: .reference), b = Tensor.randn([k, n], generator: &g, device: .reference)
            let expected = a.matmul(b).toArray(), bound = a.abs().matmul(b.abs()).toArray()
            let av = a.toArray(), bv = b.toArray()
            for isa in isas {
                var c = [Float](repeating: .nan, count: m * n)
                av.withUnsafeBufferPointer { ap in bv.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                    GEMMLadder.run(step: step, isa: isa, threads: threads, m: m, n: n, k: k,
                                   a: ap.baseAddress!, b: bp.baseAddress!, c: cp.baseAddress!)
                } } }
                for i in 0..<(m * n) {
                    let tol = 1e-5 + 1e-4 * abs(expected[i]) + 2 * Float(k) * Float.ulpOfOne * bound[i]
                    if !(abs(c[i] - expected[i]) <= tol) {
                        throw GradingFailure("gemm step \(step) (\(GEMMLadder.steps[step - 1])) on \(isa): \(m)x\(k) @ \(k)x\(n), "
                                             + "C[\(i / n)][\(i % n)] = \(c[i]), expected \(expected[i])")
                    }
                }
            }
        }
    }

    /// The 8-bit activation blocks by their definition (written here): scale = max|x| / 127,
    /// q = x / scale rounded to the nearest (ties to even, like lrintf), sum = scale * sum(q).
    static func checkQuantizeActivations() throws {
        var g = Generator(seed: 77)
        var x = Tensor.randn([4 * 32], generator: &g, device: .reference).toArray()
        for i in 32..<64 { x[i] = 0 }            // an all-zero block: scale 0, q 0
        x[70] = 3.5; x[71] = -3.5                // a block whose largest value appears twice
        let (q, scale, sum) = quantizeActivations(x)
        for b in 0..<4 {
            let block = Array(x[(b * 32)..<(b * 32 + 32)])
            let amax = block.map(abs).max()!
            let d = amax / 127, inv: Float = amax > 0 ? 127 / amax : 0
            let want = block.map { Int8(($0 * inv).rounded(.toNearestOrEven)) }
            let got = Array(q[(b * 32)..<(b * 32 + 32)])
            guard got == want else { throw GradingFailure("quantizeActivations: block \(b): q = \(got), expected \(want)") }
            guard scale[b] == d else { throw GradingFailure("quantizeActivations: block \(b): scale \(scale[b]), expected \(d)") }
            let s = d * Float(want.reduce(0) { $0 + Int($1) })
            guard abs(sum[b] - s) <= 1e-6 * Swift.max(1, abs(s)) else { throw GradingFailure("quantizeActivations: block \(b): sum \(sum[b]), expected \(s)") }
        }
    }

    /// A weight [n, k] of random blocks of `format` (scales between 2^-4 and 2^-3).
    static func randomBlocks(_ format: DType, n: Int, k: Int, _ g: inout Generator) -> Tensor {
        var bytes = [UInt8](repeating: 0, count: format.byteCount(of: n * k))
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: g.next()) }
        for b in 0..<(n * k / 32) {
            let at = b * format.block.bytes
            for s in stride(from: 0, to: format == .q4_1 ? 4 : 2, by: 2) { bytes[at + s] = UInt8(truncatingIfNeeded: g.next()); bytes[at + s + 1] = 0x2c }
        }
        return bytes.withUnsafeBytes { Tensor(bytes: $0, dtype: format, shape: [n, k], device: .reference) }
    }

    /// What backend `cpu` computes for `compute` into a fresh buffer of `count` floats.
    static func output(_ cpu: any Backend, _ count: Int, _ compute: (any Buffer) -> Void) -> [Float] {
        let out = cpu.allocate(byteCount: 4 * count)
        compute(out)
        var host = [Float](repeating: 0, count: count)
        host.withUnsafeMutableBytes { cpu.download(out, byteOffset: 0, into: $0) }
        return host
    }

    /// The decode path of the quantized linear (a token's row, and 3 rows) for each format and
    /// ISA against the reference backend's linear.
    static func checkQuantizedLinear() throws {
        var g = Generator(seed: 21)
        for format in [DType.q8_0, .q4_0, .q4_1] {
            let n = 37, k = 160
            let w = randomBlocks(format, n: n, k: k, &g)
            for rows in [1, 3] {
                let x = Tensor.randn([rows, k], generator: &g, device: .reference)
                let reference = ReferenceBackend()
                let want = output(reference, rows * n) { reference.linear(x.stridedView, w.stridedView, out: $0) }
                for isa in CPUISA.supported {
                    let cpu = CPUBackend(isa: isa)
                    let got = output(cpu, rows * n) { cpu.linear(x.stridedView, w.stridedView, out: $0) }
                    for i in 0..<(rows * n) where !(abs(got[i] - want[i]) <= 1e-5 + 1e-4 * abs(want[i]) + 1e-5 * Float(k)) {
                        throw GradingFailure("linear with \(format) weights [\(n), \(k)] on \(isa), \(rows) row(s): out[\(i / n)][\(i % n)] = \(got[i]), expected \(want[i])")
                    }
                }
            }
        }
    }

    /// The fused RMSNorm kernel of each ISA's backend against lego's RMSNorm composition on the
    /// reference backend.
    static func checkFusedRMSNorm() throws {
        var g = Generator(seed: 23)
        for (rows, d) in [(1, 1), (3, 7), (5, 64), (300, 576)] {
            let x = Tensor.randn([rows, d], generator: &g, device: .reference) * 3
            let w = Tensor.randn([d], generator: &g, device: .reference)
            let want = RMSNorm(weight: w, eps: 1e-5)(x).toArray()
            for isa in CPUISA.supported {
                let cpu = CPUBackend(isa: isa)
                let got = output(cpu, rows * d) { cpu.fused(.rmsNorm(eps: 1e-5), [x.stridedView, w.stridedView], out: $0) }
                for i in 0..<(rows * d) where !(abs(got[i] - want[i]) <= 1e-5 + 1e-4 * abs(want[i])) {
                    throw GradingFailure("fused RMSNorm on \(isa), [\(rows), \(d)]: y[\(i / d)][\(i % d)] = \(got[i]), expected \(want[i])")
                }
            }
        }
    }

    /// Sums over the rows of contiguous [R, K] matrices (the row-sum kernel) on each ISA
    /// against the reference backend: |ours - ref| <= 1e-5 + 2 K eps sum|x| (another order of
    /// summation).
    static func checkRowSums() throws {
        var g = Generator(seed: 31)
        for (rows, k) in [(3, 1), (5, 7), (2, 17), (4, 255), (3, 1023), (2, 65541)] {
            let x = Tensor.randn([rows, k], generator: &g, device: .reference)
            let reference = ReferenceBackend()
            let want = output(reference, rows) { reference.reduce(.sum, x.stridedView, axes: [1], out: $0) }
            let bound = output(reference, rows) { reference.reduce(.sum, x.abs().stridedView, axes: [1], out: $0) }
            for isa in CPUISA.supported {
                let cpu = CPUBackend(isa: isa)
                let got = output(cpu, rows) { cpu.reduce(.sum, x.stridedView, axes: [1], out: $0) }
                for r in 0..<rows where !(abs(got[r] - want[r]) <= 1e-5 + 2 * Float(k) * Float.ulpOfOne * bound[r]) {
                    throw GradingFailure("sum over the rows of [\(rows), \(k)] on \(isa): row \(r) = \(got[r]), expected \(want[r])")
                }
            }
        }
    }

    /// Copies and a broadcast add of views whose dims coalesce (or not) on each ISA, against
    /// the reference backend (exact: the values are moved or added once).
    static func checkCoalescedViews() throws {
        var g = Generator(seed: 37)
        let base = Tensor.randn([4, 6, 10], generator: &g, device: .reference)
        let views: [(String, Tensor)] = [
            ("contiguous", base), ("transposed", base.transpose(0, 2)), ("sliced", base.slice(dim: 2, start: 3, end: 9)),
            ("a size-1 dim", base.slice(dim: 1, start: 2, end: 3)), ("broadcast", base.slice(dim: 0, start: 0, end: 1).expand([5, 6, 10])),
        ]
        let reference = ReferenceBackend()
        for isa in CPUISA.supported {
            let cpu = CPUBackend(isa: isa)
            for (what, v) in views {
                let dst = StridedView(contiguous: cpu.allocate(byteCount: 4 * v.count), shape: v.shape)
                cpu.copy(v.stridedView, to: dst)
                var got = [Float](repeating: 0, count: v.count)
                got.withUnsafeMutableBytes { cpu.download(dst.buffer, byteOffset: 0, into: $0) }
                guard got == v.toArray() else { throw GradingFailure("copy of a \(what) view \(v.shape) on \(isa) differs from its values") }
                let row = Tensor.randn([v.shape[2]], generator: &g, device: .reference).expand(v.shape)
                let want = output(reference, v.count) { reference.binary(.add, v.stridedView, row.stridedView, out: $0) }
                let sum = output(cpu, v.count) { cpu.binary(.add, v.stridedView, row.stridedView, out: $0) }
                guard sum == want else { throw GradingFailure("add of a \(what) view \(v.shape) and a broadcast row on \(isa) differs from the reference") }
            }
        }
    }

    static let cases: [GradingCase] = [
        GradingCase(chapter: "brrr", name: "gemm_loop_order", todos: ["brrr.1"]) { _ in try checkRung(2, isas: [.portable]) },
        GradingCase(chapter: "brrr", name: "gemm_packing", todos: ["brrr.2"]) { _ in try checkRung(4, isas: [.portable]) },
        GradingCase(chapter: "brrr", name: "gemm_microkernel", todos: ["brrr.3"]) { _ in try checkRung(5, isas: CPUISA.supported) },
        GradingCase(chapter: "brrr", name: "coalesced_views", todos: ["brrr.6"]) { _ in try checkCoalescedViews() },
        GradingCase(chapter: "brrr", name: "row_sums", todos: ["brrr.4"]) { _ in try checkRowSums() },
        GradingCase(chapter: "brrr", name: "thread_split", todos: ["brrr.5"]) { _ in
            for threads in 1...6 {
                for n in [0, 1, 5, 6, 7, 100, 1001] {
                    let shares = (0..<threads).map { threadShare(n, thread: $0, threads: threads) }
                    let what = "threadShare(\(n), thread: t, threads: \(threads)) gave \(shares)"
                    guard shares.first?.lowerBound == 0, shares.last?.upperBound == n,
                          zip(shares, shares.dropFirst()).allSatisfy({ $0.upperBound == $1.lowerBound }) else {
                        throw GradingFailure("\(what): the shares must cover 0..<\(n) in thread order, without gaps or overlaps")
                    }
                    let sizes = shares.map(\.count)
                    guard sizes.max()! - sizes.min()! <= 1 else { throw GradingFailure("\(what): sizes differ by more than one") }
                }
            }
        },
        GradingCase(chapter: "brrr", name: "gemm_threads", todos: ["brrr.5"]) { _ in try checkRung(6, isas: CPUISA.supported, threads: 2) },
        GradingCase(chapter: "brrr", name: "int8_activations", todos: ["brrr.7"]) { _ in try checkQuantizeActivations() },
        GradingCase(chapter: "brrr", name: "quantized_linear", todos: ["brrr.8"]) { _ in try checkQuantizedLinear() },
        GradingCase(chapter: "brrr", name: "fused_rms_norm", todos: ["brrr.9"]) { _ in try checkFusedRMSNorm() },
    ]
}

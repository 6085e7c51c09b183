import Testing
import brrr

/// Every rung of the SGEMM ladder and every ISA variant this CPU runs, against the reference
/// backend's matmul, on awkward sizes and on transposed and sliced inputs.
@Suite("brrr SGEMM")
struct GEMMTests {
    static let sizes: [(Int, Int, Int)] = [(1, 1, 1), (7, 17, 255), (17, 7, 1), (255, 33, 17), (64, 1023, 9),
                                           (130, 70, 300), (1, 300, 129), (3, 257, 513)]

    /// |ours - reference| <= 1e-5 + 1e-4 |reference| + 2 k eps (|A| @ |B|) everywhere. The
    /// last term is the textbook bound on summing k products in another order (Higham, 3.1):
    /// where the sum cancels to near 0, rtol/atol alone would demand more than fp32 can give.
    func close(_ ours: [Float], _ expected: [Float], bound: [Float]? = nil, k: Int = 0, _ what: String) {
        #expect(ours.count == expected.count, "\(what): \(ours.count) values, expected \(expected.count)")
        var worst: Float = 0, at = -1
        for i in 0..<min(ours.count, expected.count) {
            let rounding = bound.map { 2 * Float(k) * Float.ulpOfOne * $0[i] } ?? 0
            let err = abs(ours[i] - expected[i]) - (1e-5 + 1e-4 * abs(expected[i]) + rounding)
            if err > worst || ours[i].isNaN { worst = ours[i].isNaN ? .infinity : err; at = i }
        }
        #expect(at < 0, "\(what): element \(at) is \(at >= 0 ? ours[at] : 0), expected \(at >= 0 ? expected[at] : 0)")
    }

    @Test("each rung of the ladder, each ISA", arguments: 1...6)
    func ladder(step: Int) {
        var g = Generator(seed: UInt64(step))
        for (m, n, k) in Self.sizes {
            let a = Tensor.randn([m, k], generator: &g, device: .reference), b = Tensor.randn([k, n], generator: &g, device: .reference)
            let expected = a.matmul(b).toArray(), bound = a.abs().matmul(b.abs()).toArray()
            let av = a.toArray(), bv = b.toArray()
            for isa in step >= 5 ? CPUISA.supported : [.portable] {
                var c = [Float](repeating: .nan, count: m * n)
                av.withUnsafeBufferPointer { ap in bv.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                    GEMMLadder.run(step: step, isa: isa, threads: 2, m: m, n: n, k: k, a: ap.baseAddress!, b: bp.baseAddress!, c: cp.baseAddress!)
                } } }
                close(c, expected, bound: bound, k: k, "step \(step) (\(GEMMLadder.steps[step - 1])) on \(isa), \(m)x\(k) @ \(k)x\(n)")
            }
        }
    }

    @Test("matmul through each ISA's backend: transposed, sliced, batched and broadcast operands")
    func backends() {
        var g = Generator(seed: 42)
        for isa in CPUISA.supported {
            let cpu = CPUBackend(isa: isa)
            func run(_ a: Tensor, _ b: Tensor) -> [Float] {
                let out = cpu.allocate(byteCount: 4 * a.shape.dropLast().reduce(1, *) * b.shape.last!)
                cpu.matmul(a.stridedView, b.stridedView, out: out)
                var host = [Float](repeating: 0, count: out.byteCount / 4)
                host.withUnsafeMutableBytes { cpu.download(out, byteOffset: 0, into: $0) }
                return host
            }
            for (m, n, k) in Self.sizes {
                let a = Tensor.randn([k, m], generator: &g, device: .reference).transpose(0, 1)     // column-major A
                let b = Tensor.randn([n, k + 3], generator: &g, device: .reference).slice(dim: 1, start: 2, end: k + 2).transpose(0, 1)  // sliced, transposed B
                close(run(a, b), a.matmul(b).toArray(), bound: a.abs().matmul(b.abs()).toArray(), k: k, "\(isa): transposed/sliced \(m)x\(k) @ \(k)x\(n)")
                // the other two orders: row-major A (packed by 4 x 4 transposes) with a transposed
                // B (the same), and a column-major A with a row-major B
                let ar = Tensor.randn([m, k], generator: &g, device: .reference), br = Tensor.randn([k, n], generator: &g, device: .reference)
                close(run(ar, b), ar.matmul(b).toArray(), bound: ar.abs().matmul(b.abs()).toArray(), k: k, "\(isa): row-major A, transposed B \(m)x\(k) @ \(k)x\(n)")
                close(run(a, br), a.matmul(br).toArray(), bound: a.abs().matmul(br.abs()).toArray(), k: k, "\(isa): column-major A, row-major B \(m)x\(k) @ \(k)x\(n)")
            }
            let x = Tensor.randn([3, 5, 37], generator: &g, device: .reference), w = Tensor.randn([37, 19], generator: &g, device: .reference)
            let wb = w.unsqueeze(dim: 0).expand([3, 37, 19])
            close(run(x, wb), x.matmul(wb).toArray(), "\(isa): a weight broadcast over the batch")
            let q = Tensor.randn([2, 4, 9, 16], generator: &g, device: .reference), kt = Tensor.randn([2, 4, 16, 11], generator: &g, device: .reference)
            close(run(q, kt), q.matmul(kt).toArray(), "\(isa): batched attention scores")
            let qp = q.permute([1, 0, 2, 3])   // batch dims that do not collapse to one stride
            close(run(qp, kt.permute([1, 0, 2, 3])), qp.matmul(kt.permute([1, 0, 2, 3])).toArray(), "\(isa): permuted batch dims")
            // big enough (2 x 6 products of 64 x 64 x 48, 4.7 MFLOP) to be shared among the threads
            let qb = Tensor.randn([6, 2, 64, 48], generator: &g, device: .reference).permute([1, 0, 2, 3])
            let kb = Tensor.randn([2, 6, 48, 64], generator: &g, device: .reference).transpose(-2, -1).transpose(-2, -1)
            close(run(qb, kb), qb.matmul(kb).toArray(), "\(isa): permuted batch dims, threaded")
        }
    }
}

/// brrr_sgemm_band (pt2's causal attention) through the pointer generated code calls: on
/// operands that are 0 in their bands, each value of C outside its dead band is the value
/// brrr_sgemm gives (the skipped terms add 0), and every value is finite; on one thread (tiles
/// with edges, a few rows), shared over the batch, over columns (k longer than one block) and
/// over rows.
@Suite("brrr banded SGEMM")
struct BandedGEMMTests {
    typealias SGEMM = @convention(c) (Int32, Int32, Int64, Int64, Int64, Int64, UnsafePointer<Float>?, Int64, Int64, Int64,
                                      UnsafePointer<Float>?, Int64, Int64, Int64, UnsafeMutablePointer<Float>?, Int64, Int64) -> Void
    typealias Banded = @convention(c) (Int32, Int32, Int64, Int64, Int64, Int64, UnsafePointer<Float>?, Int64, Int64, Int64,
                                       UnsafePointer<Float>?, Int64, Int64, Int64, UnsafeMutablePointer<Float>?, Int64, Int64,
                                       Int32, Int64, Int32, Int64, Int32, Int64) -> Void

    /// Whether (r, c) lies in the band (direction 1: c - r > offset, -1: r - c > offset, 0: none).
    static func inBand(_ direction: Int32, _ offset: Int, _ r: Int, _ c: Int) -> Bool {
        direction > 0 ? c - r > offset : direction < 0 ? r - c > offset : false
    }

    @Test("banded SGEMM equals brrr_sgemm where C is read", arguments: [(1, 37, 45, 29), (1, 5, 70, 40), (3, 64, 64, 64),
                                                                       (1, 256, 256, 64), (1, 300, 40, 400), (1, 300, 20, 400)])
    func banded(batch: Int, m: Int, n: Int, k: Int) {
        let sgemm = unsafeBitCast(SGEMMExport.pointer, to: SGEMM.self)
        let banded = unsafeBitCast(SGEMMExport.bandPointer, to: Banded.self)
        // (A's zero band, B's, C's dead band), directions; the offsets rotate through 0, 7, -4
        let cases: [(Int32, Int32, Int32)] = [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1),
                                              (1, 0, 1), (-1, 1, 0), (1, -1, -1)]
        var g = Generator(seed: UInt64(m * n + k))
        for (number, (za, zb, dead)) in cases.enumerated() {
            let offsets = [0, 7, -4]
            let (oa, ob, od) = (offsets[number % 3], offsets[(number + 1) % 3], offsets[(number + 2) % 3])
            var a = Tensor.randn([batch, m, k], generator: &g, device: .reference).toArray()
            var b = Tensor.randn([batch, k, n], generator: &g, device: .reference).toArray()
            for t in 0..<batch {
                for i in 0..<m { for p in 0..<k where Self.inBand(za, oa, i, p) { a[(t * m + i) * k + p] = 0 } }
                for p in 0..<k { for j in 0..<n where Self.inBand(zb, ob, p, j) { b[(t * k + p) * n + j] = 0 } }
            }
            // B also stored transposed (as K^T is in attention's scores): read with rsb = 1,
            // packed by the other path
            var bt = b
            for t in 0..<batch { for p in 0..<k { for j in 0..<n { bt[(t * n + j) * k + p] = b[(t * k + p) * n + j] } } }
            for isa in CPUISA.supported {
                for transposedB in [false, true] {
                    var full = [Float](repeating: .nan, count: batch * m * n), ours = full
                    a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in bt.withUnsafeBufferPointer { btp in
                        // both read B the same way (few rows of a transposed B are dot products, another order of sums)
                        let (bb, rsb, csb) = transposedB ? (btp.baseAddress, Int64(1), Int64(k)) : (bp.baseAddress, Int64(n), Int64(1))
                        full.withUnsafeMutableBufferPointer { cp in
                            sgemm(isa.code, 2, Int64(batch), Int64(m), Int64(n), Int64(k), ap.baseAddress, Int64(m * k), Int64(k), 1,
                                  bb, Int64(k * n), rsb, csb, cp.baseAddress, Int64(m * n), Int64(n))
                        }
                        ours.withUnsafeMutableBufferPointer { cp in
                            banded(isa.code, 2, Int64(batch), Int64(m), Int64(n), Int64(k), ap.baseAddress, Int64(m * k), Int64(k), 1,
                                   bb, Int64(k * n), rsb, csb, cp.baseAddress, Int64(m * n), Int64(n),
                                   za, Int64(oa), zb, Int64(ob), dead, Int64(od))
                        }
                    } } }
                    var wrong = 0, first: [String] = []
                    for t in 0..<batch {
                        for i in 0..<m {
                            for j in 0..<n {
                                let x = ours[(t * m + i) * n + j], y = full[(t * m + i) * n + j]
                                if !x.isFinite || (!Self.inBand(dead, od, i, j) && x != y) {
                                    wrong += 1
                                    if first.count < 3 { first.append("[\(t), \(i), \(j)] \(x) vs \(y)") }
                                }
                            }
                        }
                    }
                    #expect(wrong == 0, "\(isa), \(batch) x \(m)x\(k) @ \(k)x\(n)\(transposedB ? " (B transposed)" : ""), zero A \(za) (\(oa)), zero B \(zb) (\(ob)), dead \(dead) (\(od)): \(wrong) values differ, first \(first)")
                }
            }
        }
    }
}

/// The quantized linear against the reference backend's, for each format and ISA, for one row
/// (a decoded token), a few rows and a prompt's worth.
@Suite("brrr quantized linear")
struct QuantizedLinearTests {
    @Test("Q8_0, Q4_0, Q4_1 weights", arguments: [DType.q8_0, .q4_0, .q4_1])
    func formats(format: DType) {
        var g = Generator(seed: 7)
        let n = 150, k = 96
        let reference = ReferenceBackend()
        let w = randomBlocks(format, n: n, k: k, &g)
        for rows in [1, 3, 40] {
            let x = Tensor.randn([rows, k], generator: &g, device: .reference)
            let expected = reference.allocate(byteCount: rows * n * 4)
            reference.linear(x.stridedView, w.stridedView, out: expected)
            var want = [Float](repeating: 0, count: rows * n)
            want.withUnsafeMutableBytes { reference.download(expected, byteOffset: 0, into: $0) }
            for isa in CPUISA.supported {
                let cpu = CPUBackend(isa: isa)
                let out = cpu.allocate(byteCount: rows * n * 4)
                cpu.linear(x.stridedView, w.stridedView, out: out)
                var got = [Float](repeating: 0, count: rows * n)
                got.withUnsafeMutableBytes { cpu.download(out, byteOffset: 0, into: $0) }
                let bad = zip(got, want).enumerated().first { abs($1.0 - $1.1) > 1e-5 + 1e-4 * abs($1.1) + 1e-5 * Float(k) }
                #expect(bad == nil, "\(format) on \(isa), \(rows) rows: element \(bad?.offset ?? -1) is \(bad?.element.0 ?? 0), expected \(bad?.element.1 ?? 0)")
            }
        }
    }
}

/// The opt-in 8-bit activations: against the float path, within the rounding they add. Each
/// activation block is rounded to 1/254 of its largest |x| at most, so the error of a dot
/// product is at most sum_b (max|x_b| / 254) * sum_i |w_i| over its blocks; the test allows
/// that bound (computed here from the de-quantized weight) plus float rounding.
@Suite("brrr int8 activations")
struct Int8ActivationTests {
    @Test("Q8_0, Q4_0, Q4_1 with rounded activations", arguments: [DType.q8_0, .q4_0, .q4_1])
    func formats(format: DType) {
        var g = Generator(seed: 11)
        let n = 70, k = 128
        let w = randomBlocks(format, n: n, k: k, &g)
        let wf = w.to(.float32).toArray()
        for rows in [1, 3] {
            let x = Tensor.randn([rows, k], generator: &g, device: .reference)
            let xv = x.toArray()
            for isa in CPUISA.supported {
                let cpu = CPUBackend(isa: isa)
                func run(_ int8: Bool) -> [Float] {
                    cpu.int8Activations = int8
                    let out = cpu.allocate(byteCount: rows * n * 4)
                    cpu.linear(x.stridedView, w.stridedView, out: out)
                    var got = [Float](repeating: 0, count: rows * n)
                    got.withUnsafeMutableBytes { cpu.download(out, byteOffset: 0, into: $0) }
                    return got
                }
                let exact = run(false), rounded = run(true)
                for r in 0..<rows {
                    for j in 0..<n {
                        var bound: Float = 1e-4
                        for b in 0..<(k / 32) {
                            let block = (0..<32).map { xv[r * k + b * 32 + $0] }
                            let wsum = (0..<32).reduce(Float(0)) { $0 + abs(wf[j * k + b * 32 + $1]) }
                            bound += block.map(abs).max()! / 254 * wsum * 1.01
                        }
                        let diff = abs(rounded[r * n + j] - exact[r * n + j])
                        #expect(diff <= bound, "\(format) on \(isa), row \(r), output \(j): \(rounded[r * n + j]) vs \(exact[r * n + j]) (bound \(bound))")
                    }
                }
                #expect(rounded != exact || rows == 0, "\(format) on \(isa): the int8 path gave the float path's bits exactly (not taken?)")
            }
        }
    }
}

/// A weight [n, k] of random blocks of `format`: random bytes, with every scale (and Q4_1's
/// offset) a half between 2^-4 and 2^-3, so values stay moderate.
func randomBlocks(_ format: DType, n: Int, k: Int, _ g: inout Generator) -> Tensor {
    var bytes = [UInt8](repeating: 0, count: format.byteCount(of: n * k))
    for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: g.next()) }
    for b in 0..<(n * k / 32) {
        let at = b * format.block.bytes
        for s in stride(from: 0, to: format == .q4_1 ? 4 : 2, by: 2) { bytes[at + s] = UInt8(truncatingIfNeeded: g.next()); bytes[at + s + 1] = 0x2c }
    }
    return bytes.withUnsafeBytes { Tensor(bytes: $0, dtype: format, shape: [n, k], device: .reference) }
}

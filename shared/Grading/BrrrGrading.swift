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

    static let cases: [GradingCase] = [
        GradingCase(chapter: "brrr", name: "gemm_loop_order", todos: ["brrr.1"]) { _ in try checkRung(2, isas: [.portable]) },
        GradingCase(chapter: "brrr", name: "gemm_packing", todos: ["brrr.2"]) { _ in try checkRung(4, isas: [.portable]) },
        GradingCase(chapter: "brrr", name: "gemm_microkernel", todos: ["brrr.3"]) { _ in try checkRung(5, isas: CPUISA.supported) },
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
    ]
}

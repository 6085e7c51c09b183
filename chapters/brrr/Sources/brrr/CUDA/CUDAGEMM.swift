// The CUDA backend's matmul: which rung of the GEMM ladder (CUDAKernels+Ladder.swift) runs,
// and the operands laid out the way the rungs read them.
//
// Every rung reads rows of contiguous floats: A [M, K] with rows lda floats apart, B [K, N]
// with rows ldb apart, one stride per operand for the batch. A view that is not like that (a
// transposed weight, a permuted batch) is first copied into a contiguous buffer. A batched
// product whose B is the same matrix for every batch (x [B, T, C] @ w [C, N]) is one product
// of B * T rows. The 16-byte loads of rungs 6-8 need rows of a multiple of 4 floats at
// 16-byte addresses (`vec`); the rungs check it and fall back to single loads otherwise.
//
// Which rung: small products (under 2^21 multiply-adds) take the strided 32 x 32 tile kernel
// (pg_matmul, part 1's), which needs no copies; larger fp32 ones the fastest of rungs 6-7 for
// their shape, timed once per GPU and shape by the autotuner; with `setMatmulPrecision(.tf32)`,
// wgmma (rung 9) on a Hopper, else mma.sync (rung 8). `CUDAGEMMLadder.withStep` forces a rung
// (the bench and the grading cases climb the ladder that way).
import Synchronization
import dfdx

/// The GPU's GEMM ladder (lecture 03, GPU part 2): its rungs, and a way to run matmuls on one.
public enum CUDAGEMMLadder {
    /// The rungs, in order (rung n is `steps[n - 1]`).
    public static let steps = ["naive", "coalesced", "shared memory", "1D block tiling", "2D block tiling", "vectorized",
                               "warp tiling", "mma.sync TF32", "wgmma TF32"]

    /// The rungs that round their inputs to TF32.
    public static let tf32Steps: Set<Int> = [8, 9]

    private static let forced = Mutex<Int?>(nil)

    /// Runs `body` with every CUDA matmul on rung `step` (1-9), process-wide; nil: the backend's choice.
    public static func withStep<T>(_ step: Int?, _ body: () throws -> T) rethrows -> T {
        if let step { check(steps.indices.contains(step - 1), "CUDAGEMMLadder.withStep: no rung \(step) (have 1-\(steps.count))") }
        return try with(forced, set: step, body)
    }

    /// Runs `body` with `value` in `slot`, then puts back what was there (so the calls nest).
    private static func with<V: Sendable, T>(_ slot: borrowing Mutex<V?>, set value: V?, _ body: () throws -> T) rethrows -> T {
        let saved = slot.withLock { v -> V? in
            let s = v
            v = value
            return s
        }
        defer { slot.withLock { $0 = saved } }
        return try body()
    }

    /// The rung forced by `withStep`, if any.
    public static var forcedStep: Int? { forced.withLock { $0 } }

    /// The kernels of rung `step` by name: one, or the tile shapes the autotuner picks among
    /// (rung 7's, rung 9's).
    public static func kernels(step: Int) -> [String] {
        check(steps.indices.contains(step - 1), "CUDAGEMMLadder.kernels: no rung \(step) (have 1-\(steps.count))")
        return GEMMKernel.rung(step).map(\.name)
    }

    private static let forcedName = Mutex<String?>(nil)

    /// Runs `body` with every CUDA matmul whose candidates include the kernel `name` (one of
    /// `kernels(step:)`) on that kernel, untimed, process-wide; the others as before. nil: the
    /// autotuner's choice. The grading runs each tile shape of a rung on every product this
    /// way (a product too small to be timed would otherwise always take the first).
    public static func withKernel<T>(_ name: String?, _ body: () throws -> T) rethrows -> T {
        if let name { check((1...steps.count).contains { kernels(step: $0).contains(name) }, "CUDAGEMMLadder.withKernel: no kernel named \(name)") }
        return try with(forcedName, set: name, body)
    }

    /// The kernel forced by `withKernel`, if any.
    public static var forcedKernel: String? { forcedName.withLock { $0 } }

    /// What the autotuner chose so far: "GPU kind MxNxK" -> kernel name.
    public static var tunedKernels: [(shape: String, kernel: String)] { CUDAGEMMTuner.shared.choices }
}

/// A kernel of the ladder: its name, block tile (rows, columns), threads, dynamic shared memory,
/// and whether it takes the `vec` flag first.
struct GEMMKernel: Sendable {
    let name: String, rows: Int, cols: Int, threads: (Int, Int), shared: Int, vec: Bool

    static let naive = GEMMKernel(name: "pg_gemm1_naive", rows: 32, cols: 32, threads: (32, 32), shared: 0, vec: false)
    static let coalesced = GEMMKernel(name: "pg_gemm2_coalesced", rows: 32, cols: 32, threads: (32, 32), shared: 0, vec: false)
    static let sharedTiles = GEMMKernel(name: "pg_gemm3_shared", rows: 32, cols: 32, threads: (32, 32), shared: 0, vec: false)
    static let blocktile1D = GEMMKernel(name: "pg_gemm4_blocktile1d", rows: 64, cols: 64, threads: (512, 1), shared: 0, vec: false)
    static let blocktile2D = GEMMKernel(name: "pg_gemm5_blocktile2d", rows: 128, cols: 128, threads: (256, 1), shared: 0, vec: false)
    static let vectorized = GEMMKernel(name: "pg_gemm6_vectorized", rows: 128, cols: 128, threads: (256, 1), shared: 0, vec: true)
    /// Rung 7's tile shapes, the autotuner's choices (_db: double buffered).
    static let warpTiles = [
        GEMMKernel(name: "pg_gemm7_128x128k8_8x4", rows: 128, cols: 128, threads: (256, 1), shared: 0, vec: true),
        GEMMKernel(name: "pg_gemm7_128x128k8_8x8", rows: 128, cols: 128, threads: (256, 1), shared: 0, vec: true),
        GEMMKernel(name: "pg_gemm7_128x128k16_8x8", rows: 128, cols: 128, threads: (256, 1), shared: 0, vec: true),
        GEMMKernel(name: "pg_gemm7_64x128k16_8x4", rows: 64, cols: 128, threads: (128, 1), shared: 0, vec: true),
        GEMMKernel(name: "pg_gemm7_128x128k8_8x4_db", rows: 128, cols: 128, threads: (256, 1), shared: 0, vec: true),
        GEMMKernel(name: "pg_gemm7_128x128k16_8x8_db", rows: 128, cols: 128, threads: (256, 1), shared: 0, vec: true),
        GEMMKernel(name: "pg_gemm7_64x128k16_8x4_db", rows: 64, cols: 128, threads: (128, 1), shared: 0, vec: true),
        GEMMKernel(name: "pg_gemm7_64x64k16_4x8_db", rows: 64, cols: 64, threads: (128, 1), shared: 0, vec: true),
        GEMMKernel(name: "pg_gemm7_256x128k8_16x8_db", rows: 256, cols: 128, threads: (256, 1), shared: 0, vec: true),
    ]
    static let mmaTF32 = GEMMKernel(name: "pg_gemm8_mma_tf32", rows: 128, cols: 128, threads: (256, 1), shared: 0, vec: true)
    /// Rung 9's shapes: 128 x 128 tiles in 6 stages, 128 x 256 in 4.
    static let wgmma = [
        GEMMKernel(name: "pg_gemm9_wgmma_128", rows: 128, cols: 128, threads: (384, 1), shared: 6 * (128 + 128) * 32 * 4 + 1024, vec: false),
        GEMMKernel(name: "pg_gemm9_wgmma_256", rows: 128, cols: 256, threads: (384, 1), shared: 4 * (128 + 256) * 32 * 4 + 1024, vec: false),
    ]

    /// The kernels of rung `step` (several where the autotuner picks a tile shape).
    static func rung(_ step: Int) -> [GEMMKernel] {
        switch step {
        case 1: return [naive]
        case 2: return [coalesced]
        case 3: return [sharedTiles]
        case 4: return [blocktile1D]
        case 5: return [blocktile2D]
        case 6: return [vectorized]
        case 7: return warpTiles
        case 8: return [mmaTF32]
        default: return wgmma
        }
    }
}

/// The fastest kernel per GPU and shape, timed on first use (CUDA events around three runs of
/// each candidate, after one run to warm up) and remembered for the process.
final class CUDAGEMMTuner: Sendable {
    static let shared = CUDAGEMMTuner()
    /// Products smaller than this (multiply-adds) take the first candidate untimed: timing
    /// would cost more than it could save.
    static let minimumWork = 1 << 26
    private let table = Mutex<[String: String]>([:])

    var choices: [(shape: String, kernel: String)] { table.withLock { $0.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } } }

    /// The candidate to run for `key`; `run(c)` queues candidate c once.
    func pick(_ key: String, _ candidates: [GEMMKernel], work: Int, gpu: CUDAContext, run: (GEMMKernel) -> Void) -> GEMMKernel {
        if let name = CUDAGEMMLadder.forcedKernel, let c = candidates.first(where: { $0.name == name }) { return c }
        guard candidates.count > 1, work >= CUDAGEMMTuner.minimumWork else { return candidates[0] }
        if let name = table.withLock({ $0[key] }), let c = candidates.first(where: { $0.name == name }) { return c }
        var best = candidates[0], bestTime = Double.infinity
        for c in candidates {
            run(c)
            let t = gpu.elapsedMilliseconds { run(c); run(c); run(c) }
            if t < bestTime { (best, bestTime) = (c, t) }
        }
        table.withLock { $0[key] = best.name }
        return best
    }
}

extension CUDABackend {
    /// A matrix operand as the rungs read it: the address of element (0, 0) of batch 0, the
    /// distance between rows and between batches (floats), and the copy made for it, if any.
    struct GEMMOperand {
        var address: UInt64, ld: Int, batchStride: Int
        var copy: (any Buffer)?
    }

    /// `v` ([..., rows, cols]) as rows of contiguous floats with one batch stride, copied when it is not.
    func gemmOperand(_ v: StridedView, rows: Int, cols: Int) -> GEMMOperand {
        let rank = v.shape.count
        let inner = cols == 1 || v.strides[rank - 1] == 1
        let ld = rows == 1 ? cols : v.strides[rank - 2]
        // the batch dims as one stride: each non-unit dim's stride is the next one's times its size
        var batchStride: Int? = 0, last: (stride: Int, size: Int)? = nil
        for d in (0..<(rank - 2)).reversed() where v.shape[d] > 1 {
            if let l = last, v.strides[d] != l.stride * l.size { batchStride = nil; break }
            if last == nil { batchStride = v.strides[d] }
            last = (v.strides[d], v.shape[d])
        }
        if inner, ld >= cols, let batchStride {
            return GEMMOperand(address: address(v), ld: max(ld, 1), batchStride: batchStride, copy: nil)
        }
        let packed = allocate(byteCount: v.count * 4)
        copy(v, to: StridedView(contiguous: packed, shape: v.shape))
        return GEMMOperand(address: address(packed), ld: cols, batchStride: rows * cols, copy: packed)
    }

    /// `v` ([..., rows, cols]) as the transpose of rows of contiguous floats (its columns
    /// contiguous, `ld` floats apart) with one batch stride, read in place by rung 7; nil when
    /// it is not one (or when its rows are contiguous too: then it is an ordinary operand).
    func transposedOperand(_ v: StridedView, rows: Int, cols: Int) -> GEMMOperand? {
        let rank = v.shape.count
        guard rows > 1, cols > 1, v.strides[rank - 2] == 1, v.strides[rank - 1] >= rows else { return nil }
        var batchStride = 0, last: (stride: Int, size: Int)? = nil
        for d in (0..<(rank - 2)).reversed() where v.shape[d] > 1 {
            if let l = last, v.strides[d] != l.stride * l.size { return nil }
            if last == nil { batchStride = v.strides[d] }
            last = (v.strides[d], v.shape[d])
        }
        return GEMMOperand(address: address(v), ld: v.strides[rank - 1], batchStride: batchStride, copy: nil)
    }

    public func matmul(_ a: StridedView, _ b: StridedView, out: any Buffer) {
        let rank = a.shape.count
        let (m, k, n) = (a.shape[rank - 2], a.shape[rank - 1], b.shape[rank - 1])
        let batch = a.shape.dropLast(2).reduce(1, *)
        guard m > 0, n > 0, batch > 0 else { return }
        if k == 0 { return fill(out, dtype: .float32, value: 0) }
        let forced = CUDAGEMMLadder.forcedStep
        let tf32 = currentMatmulPrecision == .tf32 && gpu.computeCapability >= 80
        if forced == nil && !tf32 && m * n * k < 1 << 21 { return tiledMatmul(a, b, out: out) }
        var step = forced ?? (tf32 ? 9 : 0)   // 0: the fastest fp32 kernel, rung 6 or 7
        if step == 9 && !(gpu.arch == "sm_90" && gpu.driver.cuTensorMapEncodeTiled != nil && wgmmaMatmul(a, b, out: out)) { step = 8 }
        if step == 9 { return }

        // rung 7 reads a transposed operand in place (its flags' bits 1 and 2); the others copy it
        let inPlace = step == 0 || step == 7
        let ta = inPlace ? transposedOperand(a, rows: m, cols: k) : nil, tb = inPlace ? transposedOperand(b, rows: k, cols: n) : nil
        var (pa, pb) = (ta ?? gemmOperand(a, rows: m, cols: k), tb ?? gemmOperand(b, rows: k, cols: n))
        var (rows, count) = (m, batch)
        if batch > 1 && ta == nil && pb.batchStride == 0 && pa.batchStride == m * pa.ld { (rows, count) = (batch * m, 1) }   // one B for all: fold
        let vec = k % 4 == 0 && n % 4 == 0 && (ta == nil || m % 4 == 0) && [pa.ld, pb.ld, pa.batchStride, pb.batchStride].allSatisfy { $0 % 4 == 0 }
            && [pa.address, pb.address, address(out)].allSatisfy { $0 % 16 == 0 }
        let flags = Int32((vec ? 1 : 0) | (ta != nil ? 2 : 0) | (tb != nil ? 4 : 0))
        let transposed = ta != nil || tb != nil
        let candidates = step == 0 ? (transposed ? [] : [GEMMKernel.vectorized]) + GEMMKernel.warpTiles : GEMMKernel.rung(step)
        let c = address(out)
        func run(_ g: GEMMKernel) {
            // rung 1 puts its threads along the rows, the others along the columns
            let tiles = g.name == GEMMKernel.naive.name ? ((rows + 31) / 32, (n + 31) / 32) : ((n + g.cols - 1) / g.cols, (rows + g.rows - 1) / g.rows)
            check(tiles.1 <= 65535, "matmul: \(m) rows are more than the cuda kernel's grid takes (shapes \(a.shape) and \(b.shape))")
            var z = 0
            while z < count {   // at most 65535 batches a launch
                let part = min(count - z, 65535)
                var args: [KernelArgument] = g.vec ? [.int32(transposed ? flags : (vec ? 1 : 0))] : []
                args += [.int(rows), .int(n), .int(k), .pointer(pa.address + UInt64(4 * z * pa.batchStride)), .int(pa.ld), .int(pa.batchStride),
                         .pointer(pb.address + UInt64(4 * z * pb.batchStride)), .int(pb.ld), .int(pb.batchStride),
                         .pointer(c + UInt64(4 * z * rows * n)), .int(n), .int(rows * n)]
                gpu.launch(g.name, grid: (tiles.0, tiles.1, part), block: (g.threads.0, g.threads.1, 1), shared: g.shared, args)
                z += part
            }
        }
        let key = "\(gpu.name) \(step == 0 ? "fp32" : "rung \(step)") \(rows)x\(n)x\(k) batch \(count)\(vec ? "" : " unaligned")\(ta != nil ? " A^T" : "")\(tb != nil ? " B^T" : "")"
        run(CUDAGEMMTuner.shared.pick(key, candidates, work: count * rows * n * k, gpu: gpu, run: run))
        withExtendedLifetime((pa, pb)) {}   // copies return to the pool after the launches are queued
        pa.copy = nil
        pb.copy = nil
    }

    /// Rung 9: TF32 wgmma with TMA loads. A must be rows of a multiple of 4 floats (the copy
    /// engine's rows are multiples of 16 bytes); B is read as Bt [N, K] (TF32 wgmma reads both
    /// operands K-major), as it is when b is a transposed view, else transposed into a copy.
    /// Returns false where it cannot run (K not a multiple of 4, A's rows misaligned), and the
    /// caller takes rung 8.
    func wgmmaMatmul(_ a: StridedView, _ b: StridedView, out: any Buffer) -> Bool {
        let rank = a.shape.count
        let (m, k, n) = (a.shape[rank - 2], a.shape[rank - 1], b.shape[rank - 1])
        let batch = a.shape.dropLast(2).reduce(1, *)
        guard k % 4 == 0 else { return false }
        var pa = gemmOperand(a, rows: m, cols: k)
        guard pa.ld % 4 == 0, pa.address % 16 == 0, pa.batchStride % 4 == 0 || batch == 1 else { return false }
        // b as Bt: b's transpose, [.., N, K], rows of K
        let bt = StridedView(buffer: b.buffer, dtype: b.dtype, shape: Array(b.shape.dropLast(2)) + [n, k],
                             strides: Array(b.strides.dropLast(2)) + [b.strides[rank - 1], b.strides[rank - 2]], offset: b.offset)
        var pb = gemmOperand(bt, rows: n, cols: k)
        if pb.copy == nil && (pb.ld % 4 != 0 || pb.address % 16 != 0 || pb.batchStride % 4 != 0) {
            let packed = allocate(byteCount: b.count * 4)
            copy(bt, to: StridedView(contiguous: packed, shape: bt.shape))
            pb = GEMMOperand(address: address(packed), ld: k, batchStride: n * k, copy: packed)
        }
        var (rows, count) = (m, batch)
        if batch > 1 && pb.batchStride == 0 && pa.batchStride == m * pa.ld { (rows, count) = (batch * m, 1) }
        guard let encode = gpu.driver.cuTensorMapEncodeTiled else { return false }
        func tensorMap(_ address: UInt64, rows: Int, ld: Int, boxRows: Int) -> [UInt64] {
            var map = [UInt64](repeating: 0, count: 16)
            let dims: [UInt64] = [UInt64(k), UInt64(rows)], strides: [UInt64] = [UInt64(ld * 4)]
            let box: [UInt32] = [32, UInt32(boxRows)], steps: [UInt32] = [1, 1]
            let r = map.withUnsafeMutableBytes { m in
                // float32, rank 2, no interleave, 128-byte swizzle, L2 promotion 256 B, out of bounds reads 0
                encode(m.baseAddress!, 7, 2, UnsafeMutableRawPointer(bitPattern: UInt(address)), dims, strides, box, steps, 0, 3, 3, 0)
            }
            gpu.driver.check(r, "cuTensorMapEncodeTiled([\(rows), \(k)], rows \(ld) floats apart)")
            return map
        }
        let c = address(out)
        func run(_ g: GEMMKernel) {
            for z in 0..<count {
                let ta = tensorMap(pa.address + UInt64(4 * z * pa.batchStride), rows: rows, ld: pa.ld, boxRows: 128)
                let tb = tensorMap(pb.address + UInt64(4 * z * pb.batchStride), rows: n, ld: pb.ld, boxRows: g.cols)
                gpu.launch(g.name, grid: ((n + g.cols - 1) / g.cols, (rows + 127) / 128, 1), block: (384, 1, 1), shared: g.shared,
                           [.words(ta), .words(tb), .int(rows), .int(n), .int(k), .pointer(c + UInt64(4 * z * rows * n)), .int(n)])
            }
        }
        let key = "\(gpu.name) rung 9 \(rows)x\(n)x\(k) batch \(count)"
        run(CUDAGEMMTuner.shared.pick(key, GEMMKernel.wgmma, work: count * rows * n * k, gpu: gpu, run: run))
        withExtendedLifetime((pa, pb)) {}
        pa.copy = nil
        pb.copy = nil
        return true
    }

    /// Part 1's matmul: 32 x 32 tiles read through any strides (no copies), for small products.
    func tiledMatmul(_ a: StridedView, _ b: StridedView, out: any Buffer) {
        let rank = a.shape.count
        let (m, k, n) = (a.shape[rank - 2], a.shape[rank - 1], b.shape[rank - 1])
        let batchShape = Array(a.shape.dropLast(2))
        let batch = batchShape.reduce(1, *)
        let l = layout(batchShape, [(Array(a.strides.dropLast(2)), a.offset), (Array(b.strides.dropLast(2)), b.offset)])
        let tiles = (n + 31) / 32, rowTiles = (m + 31) / 32
        check(rowTiles <= 65535, "matmul: \(m) rows are more than the cuda kernel's grid takes (shapes \(a.shape) and \(b.shape))")
        gpu.launch("pg_matmul", grid: (tiles, rowTiles, min(batch, 65535)), block: (32, 8, 1), [
            .int(m), .int(n), .int(k), .int(a.strides[rank - 2]), .int(a.strides[rank - 1]), .int(b.strides[rank - 2]), .int(b.strides[rank - 1]),
            .int(batch), .layout(l), .pointer(address(a.buffer)), .pointer(address(b.buffer)), .pointer(address(out)),
        ])
    }
}

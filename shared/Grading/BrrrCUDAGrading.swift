// Grading for chapter 3 (brrr), the GPU's exercises: the CUDA C regions brrr.20 (elementwise
// index math from strides), brrr.21 (the shared-memory tree of a reduction) and brrr.22 (the
// tiled matmul's tile loop). Each case runs on cuda:0 and compares with the reference backend
// on the same inputs (forward rtol 1e-4, atol 1e-5). A student's CUDA stub records its line
// on the device and the host stops with `TODO(id): instruction`, as a Swift stub does.
//
// On a machine without an NVIDIA driver every case skips with the reason (GradingSkip):
// `grade` counts them as skipped and the course scripts report those ids as not checkable
// here rather than as passing or failing.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import brrr

enum BrrrCUDAGrading {
    /// Values in [-1, 1) from a fixed seed, the same on every machine.
    static func values(_ n: Int, seed: UInt64) -> [Float] {
        var g = Generator(seed: seed)
        return (0..<n).map { _ in 2 * g.uniform() - 1 }
    }

    /// Runs `f` on cuda:0 and on the reference backend from the same host inputs and compares.
    static func same(_ what: String, _ inputs: [(values: [Float], shape: [Int])], _ f: ([Tensor]) -> Tensor) throws {
        guard CUDA.isAvailable else { throw GradingSkip("needs a CUDA GPU (\(CUDA.unavailableReason ?? "none found"))") }
        let expected = withNoGrad { f(inputs.map { Tensor($0.values, shape: $0.shape, device: .reference) }) }
        let got = withNoGrad { f(inputs.map { Tensor($0.values, shape: $0.shape, device: .cuda(0)) }) }
        guard got.device == .cuda(0) else { throw GradingFailure("\(what): the result is on \(got.device), not cuda:0") }
        try Compare.scalars("\(what) on \(CUDA.deviceName(0) ?? "cuda:0")", got.toArray().map(Double.init),
                            expected.toArray().map(Double.init), shape: expected.shape,
                            rtol: Compare.forwardTolerance.rtol, atol: Compare.forwardTolerance.atol)
    }

    /// Runs `body` on a new thread (one that has never made a CUDA context current) and waits.
    static func onNewThread(_ body: @escaping @Sendable () -> Void) {
        final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        let start: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { p in
            Unmanaged<Box>.fromOpaque(p!).takeRetainedValue().body()
            return nil
        }
        #if canImport(Darwin)
        var thread: pthread_t? = nil
        guard pthread_create(&thread, nil, start, context) == 0, let thread else { fatalError("pthread_create failed") }
        #else
        var thread = pthread_t()
        guard pthread_create(&thread, nil, start, context) == 0 else { fatalError("pthread_create failed") }
        #endif
        pthread_join(thread, nil)
    }

    static let cases: [GradingCase] = [
        GradingCase(chapter: "brrr", name: "cuda_strided_unary", todos: ["brrr.20"], timeout: 60) { _ in
            let x = (values(60, seed: 1), [3, 4, 5])
            try same("exp of a permuted view", [x]) { $0[0].permute([2, 0, 1]).exp() }
            try same("sin of a sliced view", [x]) { $0[0].slice(dim: 2, start: 1, end: 4).sin() }
        },
        GradingCase(chapter: "brrr", name: "cuda_broadcast_binary", todos: ["brrr.20"], timeout: 60) { _ in
            let x = (values(60, seed: 2), [3, 4, 5]), row = (values(5, seed: 3), [5]), col = (values(4, seed: 4), [4, 1])
            try same("add of a broadcast row", [x, row]) { $0[0] + $0[1] }
            try same("mul of a broadcast column", [x, col]) { $0[0] * $0[1] }
            try same("maximum of a transposed and a broadcast", [(values(20, seed: 5), [5, 4]), col]) { $0[0].transpose(0, 1).maximum($0[1]) }
            try same("where on views", [x, row]) { Tensor.where($0[1].lt(0), $0[0], $0[0].exp()) }
        },
        GradingCase(chapter: "brrr", name: "cuda_strided_copy", todos: ["brrr.20"], timeout: 60) { _ in
            let x = (values(8 * 9 * 7, seed: 6), [8, 9, 7])
            try same("contiguous of a permuted slice", [x]) { $0[0].slice(dim: 1, start: 2, end: 8).permute([2, 0, 1]).contiguous() }
            try same("pad (a strided write)", [(values(12, seed: 7), [3, 4])]) { $0[0].pad([(1, 2), (0, 3)]) }
        },
        GradingCase(chapter: "brrr", name: "cuda_reduce_long_rows", todos: ["brrr.21"], timeout: 60) { _ in
            let x = (values(6 * 1000, seed: 8), [6, 1000])
            try same("sum of rows of 1000", [x]) { $0[0].sum(dim: 1) }
            try same("max of rows of 1000", [x]) { $0[0].max(dim: 1) }
            try same("sum of a whole tensor", [x]) { $0[0].sum() }
        },
        GradingCase(chapter: "brrr", name: "cuda_reduce_strided_rows", todos: ["brrr.20", "brrr.21"], timeout: 60) { _ in
            let x = (values(300 * 5, seed: 9), [300, 5])
            try same("sum over dim 0 (rows of 300, strided)", [x]) { $0[0].sum(dim: 0) }
            try same("max over dims 0 and 2 of a permuted view", [(values(4 * 50 * 3, seed: 10), [4, 50, 3])]) {
                $0[0].permute([1, 0, 2]).max(dim: 0).sum(dim: 1)
            }
        },
        GradingCase(chapter: "brrr", name: "cuda_matmul_tiles", todos: ["brrr.22"], timeout: 60) { _ in
            let a = (values(70 * 45, seed: 11), [70, 45]), b = (values(45 * 33, seed: 12), [45, 33])
            try same("matmul [70, 45] @ [45, 33]", [a, b]) { $0[0].matmul($0[1]) }
            try same("matmul of transposed operands", [(values(45 * 70, seed: 13), [45, 70]), (values(33 * 45, seed: 14), [33, 45])]) {
                $0[0].transpose(0, 1).matmul($0[1].transpose(0, 1))
            }
            try same("matmul [1, 64] @ [64, 100] (one row, as in decoding)", [(values(64, seed: 15), [1, 64]), (values(6400, seed: 16), [64, 100])]) {
                $0[0].matmul($0[1])
            }
        },
        // A CUDA context is current per thread: ops from a fresh thread, on tensors made on this
        // one, must make it current themselves (the backend does, on every call).
        GradingCase(chapter: "brrr", name: "cuda_from_another_thread", todos: [], timeout: 60) { _ in
            guard CUDA.isAvailable else { throw GradingSkip("needs a CUDA GPU (\(CUDA.unavailableReason ?? "none found"))") }
            let data = values(48, seed: 19)
            let x = Tensor(data, shape: [6, 8], device: .cuda(0)), expected = Tensor(data, shape: [6, 8], device: .reference)
            let errors = Mutex<[String]>([])
            onNewThread {
                do {
                    try same("exp on another thread", [(data, [6, 8])]) { $0[0].exp() }
                    let got = withNoGrad { (x * 2).sum(dim: 1).toArray() }, want = withNoGrad { (expected * 2).sum(dim: 1).toArray() }
                    try Compare.scalars("a tensor of the first thread, summed on another", got.map(Double.init), want.map(Double.init),
                                        rtol: Compare.forwardTolerance.rtol, atol: Compare.forwardTolerance.atol)
                } catch {
                    errors.withLock { $0.append("\(error)") }
                }
            }
            if let e = errors.withLock({ $0.first }) { throw GradingFailure(e) }
        },
        GradingCase(chapter: "brrr", name: "cuda_matmul_batched", todos: ["brrr.20", "brrr.22"], timeout: 60) { _ in
            let a = (values(3 * 40 * 50, seed: 17), [3, 40, 50]), b = (values(3 * 50 * 20, seed: 18), [3, 50, 20])
            try same("batched matmul [3, 40, 50] @ [3, 50, 20]", [a, b]) { $0[0].matmul($0[1]) }
        },
    ]
}

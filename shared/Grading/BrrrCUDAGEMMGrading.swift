// Grading for brrr's GPU GEMM ladder (lecture 03, GPU part 2): every rung, forced through
// `CUDAGEMMLadder.withStep`, on the same products against the reference backend, and the
// backend's own choice (autotuned fp32, TF32 when allowed). The ids: brrr.23 (the tile loop of
// rung 5, 2D block tiling), brrr.24 (rung 7's warp-tile index math), brrr.25 (rung 8's mma
// fragment layout). Copies of transposed or permuted operands run pg_copy, whose index math is
// brrr.20, so the rungs that copy them (all but rung 7, which reads a transposed operand in
// place) list it too.
//
// The fp32 rungs (1-7) are held to the forward tolerance (rtol 1e-4, atol 1e-5) like every
// other fp32 op. The TF32 rungs (8-9) cannot be: TF32 keeps 10 of float32's 23 mantissa bits
// (the tensor cores ignore the other 13), so each input is off by a relative 2^-10 at most and
// each product a_ik b_kj by (1 + 2^-10)^2 - 1 < 2^-9 + 2^-20. The float32 sums add at most
// K * 2^-24 relative to the sum of magnitudes. So element (i, j) may differ from the exact
// product by (2^-9 + 2^-20 + K 2^-24) * sum_k |a_ik| |b_kj|, and no more: `tf32Close` checks
// exactly that bound, computed from |A| @ |B| on the reference backend. (Measured errors are
// about 10x below it; a wrong fragment or a missing k step is off by whole terms, far above.)
import brrr

enum BrrrCUDAGEMMGrading {
    typealias Operand = (values: [Float], shape: [Int])

    /// The products every rung must get right: odd sizes (1, 7, 17, 255, 1023), full tiles,
    /// transposed (rung 7 reads them in place, the other rungs copy them), sliced (offset,
    /// misaligned), batched and broadcast operands. Each a name,
    /// the operands, the product, and whether it copies a strided operand (pg_copy: brrr.20).
    static func products() -> [(String, [Operand], ([Tensor]) -> Tensor, Bool)] {
        let v = BrrrCUDAGrading.values
        return [
            ("[1, 1] @ [1, 1]", [(v(1, 31), [1, 1]), (v(1, 32), [1, 1])], { $0[0].matmul($0[1]) }, false),
            ("[7, 17] @ [17, 255]", [(v(7 * 17, 33), [7, 17]), (v(17 * 255, 34), [17, 255])], { $0[0].matmul($0[1]) }, false),
            ("[255, 7] @ [7, 17]", [(v(255 * 7, 35), [255, 7]), (v(7 * 17, 36), [7, 17])], { $0[0].matmul($0[1]) }, false),
            ("[17, 1023] @ [1023, 1]", [(v(17 * 1023, 37), [17, 1023]), (v(1023, 38), [1023, 1])], { $0[0].matmul($0[1]) }, false),
            ("[1023, 68] @ [68, 17]", [(v(1023 * 68, 39), [1023, 68]), (v(68 * 17, 40), [68, 17])], { $0[0].matmul($0[1]) }, false),
            ("[256, 384] @ [384, 128] (whole tiles)", [(v(256 * 384, 41), [256, 384]), (v(384 * 128, 42), [384, 128])], { $0[0].matmul($0[1]) }, false),
            ("[260, 129]^T @ [36, 260]^T (both transposed)", [(v(260 * 129, 43), [260, 129]), (v(36 * 260, 44), [36, 260])],
             { $0[0].transpose(0, 1).matmul($0[1].transpose(0, 1)) }, true),
            ("[384, 256]^T @ [384, 128] (A transposed, 16-byte aligned: a weight gradient's x^T)", [(v(384 * 256, 51), [384, 256]), (v(384 * 128, 52), [384, 128])],
             { $0[0].transpose(0, 1).matmul($0[1]) }, true),
            ("[192, 384] @ [256, 384]^T (B transposed, 16-byte aligned: x W^T)", [(v(192 * 384, 53), [192, 384]), (v(256 * 384, 54), [256, 384])],
             { $0[0].matmul($0[1].transpose(0, 1)) }, true),
            ("batched [3, 64, 40]^T @ [3, 64, 36] (A transposed in each matrix)", [(v(3 * 64 * 40, 55), [3, 64, 40]), (v(3 * 64 * 36, 56), [3, 64, 36])],
             { $0[0].transpose(1, 2).matmul($0[1]) }, true),
            ("[40, 65][:, 1:] @ [64, 33] (a slice: offset 1, rows 65 apart)", [(v(40 * 65, 45), [40, 65]), (v(64 * 33, 46), [64, 33])],
             { $0[0].slice(dim: 1, start: 1, end: 65).matmul($0[1]) }, false),
            ("batched [3, 40, 52] @ [3, 52, 36]", [(v(3 * 40 * 52, 47), [3, 40, 52]), (v(3 * 52 * 36, 48), [3, 52, 36])], { $0[0].matmul($0[1]) }, false),
            ("broadcast [2, 33, 64] @ [64, 20]", [(v(2 * 33 * 64, 49), [2, 33, 64]), (v(64 * 20, 50), [64, 20])], { $0[0].matmul($0[1]) }, false),
        ]
    }

    /// Runs `f` on cuda:0 and on the reference backend; checks the TF32 bound described above.
    static func tf32Close(_ what: String, _ inputs: [Operand], _ f: ([Tensor]) -> Tensor) throws {
        guard CUDA.isAvailable else { throw GradingSkip("needs a CUDA GPU (\(CUDA.unavailableReason ?? "none found"))") }
        let ref = inputs.map { Tensor($0.values, shape: $0.shape, device: .reference) }
        let expected = withNoGrad { f(ref) }.toArray()
        let magnitude = withNoGrad { f(ref.map { $0.abs() }) }.toArray()   // sum_k |a_ik| |b_kj|
        let got = withNoGrad { f(inputs.map { Tensor($0.values, shape: $0.shape, device: .cuda(0)) }) }.toArray()
        let k = inputs.map { $0.shape.max() ?? 1 }.max() ?? 1   // K is at most the largest dim of an operand
        let factor = 1.0 / 512 + 1.0 / 1_048_576 + Double(k) / 16_777_216
        guard got.count == expected.count else { throw GradingFailure("\(what): \(got.count) values, expected \(expected.count)") }
        for i in got.indices {
            let bound = factor * Double(magnitude[i]) + 1e-30
            let error = abs(Double(got[i]) - Double(expected[i]))
            if !(error <= bound) {
                throw GradingFailure("\(what) on \(CUDA.deviceName(0) ?? "cuda:0"): element \(i) is \(got[i]), expected \(expected[i]) (TF32 bound \(bound), error \(error))")
            }
        }
    }

    static func rung(_ step: Int, todos: [String]) -> GradingCase {
        let name = String(CUDAGEMMLadder.steps[step - 1].lowercased().map { $0 == " " || $0 == "." ? "_" : $0 })
        let copies = step != 7 && products().contains { $0.3 }   // rung 7 reads transposed operands in place
        // every kernel of the rung (rung 7's tile shapes, rung 9's), each forced on every product
        let kernels = CUDAGEMMLadder.kernels(step: step)
        return GradingCase(chapter: "brrr", name: "cuda_gemm_rung\(step)_\(name)", todos: (copies ? ["brrr.20"] : []) + todos, timeout: 180) { _ in
            for kernel in kernels {
                for (what, operands, f, _) in products() {
                    let label = "rung \(step) (\(CUDAGEMMLadder.steps[step - 1])\(kernels.count > 1 ? ", \(kernel)" : "")): matmul \(what)"
                    try CUDAGEMMLadder.withStep(step) {
                        try CUDAGEMMLadder.withKernel(kernel) {
                            if CUDAGEMMLadder.tf32Steps.contains(step) { try tf32Close(label, operands, f) }
                            else { try BrrrCUDAGrading.same(label, operands, f) }
                        }
                    }
                }
            }
        }
    }

    static let cases: [GradingCase] = (1...CUDAGEMMLadder.steps.count).map { step in
        rung(step, todos: step == 5 ? ["brrr.23"] : step == 7 ? ["brrr.24"] : step == 8 ? ["brrr.25"] : [])
    } + [
        // the backend's own choice on a product big enough to be autotuned: rung 6 or 7 (brrr.24),
        // whichever is faster on this GPU; then with TF32 allowed (rung 9 on a Hopper, else 8,
        // and 8 where K is not a multiple of 4), and fp32 again after, exact as before
        GradingCase(chapter: "brrr", name: "cuda_matmul_autotuned", todos: ["brrr.24"], timeout: 120) { _ in
            let v = BrrrCUDAGrading.values
            let a: Operand = (v(512 * 256, 51), [512, 256]), b: Operand = (v(256 * 640, 52), [256, 640])
            try BrrrCUDAGrading.same("matmul [512, 256] @ [256, 640], fp32 (autotuned)", [a, b]) { $0[0].matmul($0[1]) }
            try BrrrCUDAGrading.same("the same again (the tuner's cached choice)", [a, b]) { $0[0].matmul($0[1]) }
            // transposed operands, read in place by rung 7 (rung 6 is no candidate for them)
            let x: Operand = (v(1024 * 384, 58), [1024, 384]), dy: Operand = (v(1024 * 512, 59), [1024, 512]), w: Operand = (v(640 * 256, 60), [640, 256])
            try BrrrCUDAGrading.same("x^T @ dy, [1024, 384]^T @ [1024, 512] (a weight gradient: A transposed), autotuned", [x, dy]) { $0[0].transpose(0, 1).matmul($0[1]) }
            try BrrrCUDAGrading.same("x @ w^T, [512, 256] @ [640, 256]^T (a linear layer: B transposed), autotuned", [a, w]) { $0[0].matmul($0[1].transpose(0, 1)) }
        },
        GradingCase(chapter: "brrr", name: "cuda_matmul_tf32", todos: ["brrr.25"], timeout: 120) { _ in
            let v = BrrrCUDAGrading.values
            let a: Operand = (v(512 * 256, 53), [512, 256]), b: Operand = (v(256 * 640, 54), [256, 640])
            let w: Operand = (v(640 * 256, 55), [640, 256])
            setMatmulPrecision(.tf32)
            defer { setMatmulPrecision(.fp32) }
            try tf32Close("matmul [512, 256] @ [256, 640] with setMatmulPrecision(.tf32)", [a, b]) { $0[0].matmul($0[1]) }
            try tf32Close("x @ w^T, w [640, 256] (a linear layer's weight), TF32", [a, w]) { $0[0].matmul($0[1].transpose(0, 1)) }
            try tf32Close("[7, 17] @ [17, 255] with TF32 (K not a multiple of 4: rung 8)", [(v(7 * 17, 56), [7, 17]), (v(17 * 255, 57), [17, 255])]) {
                $0[0].matmul($0[1])
            }
            setMatmulPrecision(.fp32)
            try BrrrCUDAGrading.same("fp32 again after .tf32 was set back", [a, b]) { $0[0].matmul($0[1]) }
        },
    ]
}

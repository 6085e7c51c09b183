// The GPU GEMM ladder's host side, which runs anywhere: the program names every rung's
// kernels (the names sit after `__launch_bounds__(...)` on most of them), each rung has its
// kernels, and a rung number out of range stops naming the range. The rungs themselves run
// in the grading cases (shared/Grading/BrrrCUDAGEMMGrading.swift), on a GPU.
import Testing
@testable import brrr

@Suite("brrr CUDA GEMM ladder")
struct CUDAGEMMTests {
    @Test("the program names the kernels of every rung, none of them `__launch_bounds__`")
    func kernelNames() {
        let names = Set(CUDAProgram.kernels.kernelNames)
        #expect(!names.contains("__launch_bounds__"))
        for step in 1...CUDAGEMMLadder.steps.count {
            let kernels = GEMMKernel.rung(step)
            #expect(!kernels.isEmpty)
            for k in kernels { #expect(names.contains(k.name), "rung \(step): no kernel \(k.name) in the program") }
        }
        #expect(names.contains("pg_transpose"))
        #expect(CUDAGEMMLadder.steps.count == 9)
        #expect(CUDAGEMMLadder.tf32Steps == [8, 9])
    }

    @Test("withStep forces a rung for its body only, and nests")
    func withStep() {
        #expect(CUDAGEMMLadder.forcedStep == nil)
        CUDAGEMMLadder.withStep(3) {
            #expect(CUDAGEMMLadder.forcedStep == 3)
            CUDAGEMMLadder.withStep(nil) { #expect(CUDAGEMMLadder.forcedStep == nil) }
            #expect(CUDAGEMMLadder.forcedStep == 3)
        }
        #expect(CUDAGEMMLadder.forcedStep == nil)
    }

    @Test("a rung out of range stops, naming the range")
    func rungOutOfRange() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            CUDAGEMMLadder.withStep(10) {}
        }
        #expect(stderrText(r).contains("CUDAGEMMLadder.withStep: no rung 10 (have 1-9)"))
    }

    @Test("rung 9 asks for its stages' shared memory, over the default 48 KB and within a Hopper's 227 KB")
    func wgmmaShared() {
        for k in GEMMKernel.wgmma {
            #expect(k.shared > 48 << 10)
            #expect(k.shared <= 227 << 10)
        }
    }
}

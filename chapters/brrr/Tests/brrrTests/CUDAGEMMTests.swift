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

    @Test("withKernel forces one of a rung's kernels for its body only, and nests; kernels(step:) lists them")
    func withKernel() {
        #expect(CUDAGEMMLadder.kernels(step: 6) == ["pg_gemm6_vectorized"])
        let shapes = CUDAGEMMLadder.kernels(step: 7)
        #expect(shapes.count == 9 && shapes.allSatisfy { $0.hasPrefix("pg_gemm7_") })
        #expect(shapes.filter { $0.hasSuffix("_db") }.count == 5)
        #expect(CUDAGEMMLadder.forcedKernel == nil)
        CUDAGEMMLadder.withKernel(shapes[4]) {
            #expect(CUDAGEMMLadder.forcedKernel == shapes[4])
            CUDAGEMMLadder.withKernel(nil) { #expect(CUDAGEMMLadder.forcedKernel == nil) }
            #expect(CUDAGEMMLadder.forcedKernel == shapes[4])
        }
        #expect(CUDAGEMMLadder.forcedKernel == nil)
    }

    @Test("a kernel that is no rung's stops, naming it")
    func unknownKernel() async {
        let r = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            CUDAGEMMLadder.withKernel("pg_gemm7_nothing") {}
        }
        #expect(stderrText(r).contains("CUDAGEMMLadder.withKernel: no kernel named pg_gemm7_nothing"))
    }

    @Test("rung 7's tile shapes: the CUDA template's arguments match each kernel's launch, its warps cover the block tile, its loads split evenly")
    func warpTileShapes() {
        for k in GEMMKernel.warpTiles {
            // extern "C" ... __launch_bounds__(NT) pg_gemm7_<...>(...) { pg_gemm7<BM, BN, BK, WM, WN, WNI, TM, TN, NT, STAGES>(...); }
            let line = CUDAKernels.ladder.text.split(separator: "\n").first { $0.contains(" \(k.name)(") }
            let match = line.flatMap { $0.firstMatch(of: /pg_gemm7<([0-9, ]+)>/) }
            let a = match.map { $0.output.1.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } } ?? []
            guard a.count == 10 else { Issue.record("\(k.name): no pg_gemm7<...> call in \(String(describing: line))"); continue }
            let (bm, bn, bk, wm, wn, wni, tm, tn, nt, stages) = (a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9])
            #expect([bm, bn, nt] == [k.rows, k.cols, k.threads.0] && k.threads.1 == 1, "\(k.name): launched as \(k.rows) x \(k.cols), \(k.threads.0) threads")
            #expect(line?.contains("__launch_bounds__(\(nt))") == true, "\(k.name)")
            #expect(k.name.hasSuffix("_db") == (stages == 2) && (stages == 1 || stages == 2), "\(k.name): stages \(stages)")
            #expect((bm / wm) * (bn / wn) * 32 == nt, "\(k.name): one warp per warp tile")
            let wmi = (wm * wn) / (32 * tm * tn * wni)
            #expect(wmi >= 1 && wmi * tm * wni * tn * 32 == wm * wn, "\(k.name): the lanes' outputs cover the warp tile")
            #expect(bm * bk % (4 * nt) == 0 && bk * bn % (4 * nt) == 0, "\(k.name): the tiles' 16-byte loads split evenly")
            #expect(stages * bk * (bm + bn) * 4 <= 48 * 1024, "\(k.name): the stages' tiles fit 48 KB of static shared memory")
        }
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

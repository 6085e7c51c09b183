import Testing
import pt2

/// Kernel counts: reductions fused into the elementwise kernel that reads them. tinygrad's
/// count for softmax and LayerNorm is 3 kernels each (the bar of issue 19); here each is one
/// kernel, a loop over rows that runs its reductions and then its output, row by row. The
/// values of these programs are checked against eager in CompileTests and the grading.
@Suite("pt2 fusion")
struct FusionTests {
    static func program(_ shapes: [[Int]], _ f: @escaping ([Tensor]) -> [Tensor]) -> CompiledProgram {
        CompiledFunction(f).program(for: shapes.map { Tensor.zeros($0) })
    }

    @Test func softmaxIsOneKernel() {
        let p = Self.program([[4, 10]]) { x in [pt2.softmax(x[0], dim: -1)] }
        #expect(p.kernels.count <= 3, "tinygrad's count")
        #expect(p.kernels.count == 1, "max and sum fused into the output's row loop:\n\(p.source)")
        #expect(kernelPlan(p.optimized).map(\.fused) == [[1, 6]], "\(p.optimized)")
    }

    @Test func layerNormIsOneKernel() {
        let norm = LayerNorm(16)
        let p = Self.program([[4, 16]]) { x in [norm(x[0])] }
        #expect(p.kernels.count <= 3, "tinygrad's count")
        #expect(p.kernels.count == 1, "mean and variance fused into the output's row loop:\n\(p.source)")
    }

    @Test func aReturnedReductionKeepsItsKernel() {
        // the max is returned too: it needs memory, so it is a kernel; the sum still fuses
        let p = Self.program([[4, 10]]) { x in [pt2.softmax(x[0], dim: -1), x[0].max(dim: -1, keepdim: true)] }
        let plan = kernelPlan(p.optimized)
        #expect(plan.count == 2 && plan.allSatisfy { !$0.fused.contains(1) }, "\(plan) \(p.optimized)")
    }

    @Test func aReductionReadAcrossRowsDoesNotFuse() {
        // s[i] read at row j (a transpose of the row sums): not this row's value
        let p = Self.program([[4, 4]]) { x in [x[0] + x[0].sum(dim: 1, keepdim: true).transpose(0, 1).expand([4, 4])] }
        #expect(kernelPlan(p.optimized).allSatisfy { $0.fused.isEmpty } && p.kernels.count == 2, "\(p.source)")
        CompileTests.compare("row sums read across rows", [[4, 4]]) { x in [x[0] + x[0].sum(dim: 1, keepdim: true).transpose(0, 1).expand([4, 4])] }
    }

    @Test func anEpilogueOnTheReducedShapeFuses() {
        let p = Self.program([[3, 8]]) { x in [(x[0] * x[0]).mean(dim: -1, keepdim: true).sqrt() + 1] }
        #expect(p.kernels.count == 1, "\(p.source)")
        CompileTests.compare("rms epilogue", [[3, 8]]) { x in [(x[0] * x[0]).mean(dim: -1, keepdim: true).sqrt() + 1] }
    }
}

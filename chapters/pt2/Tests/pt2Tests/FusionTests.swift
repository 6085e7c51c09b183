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

    @Test func aConcatenationSplitsItsLoop() {
        // three [2, 4, 3, 5] tensors (batch, heads, time, head size) with their heads merged
        // side by side along the last dim, as the qkv gradient is (dq, dk, dv): a sum of three
        // pads, one kernel whose last loop is split where each piece starts; each piece is read
        // with no bound check, in blocks of its head size (4 blocks of 5 a piece)
        let f: ([Tensor]) -> [Tensor] = { x in
            let pieces = x.map { $0.transpose(1, 2).reshape([2, 3, 20]) }
            return [pieces[0].pad([(0, 0), (0, 0), (0, 40)]) + pieces[1].pad([(0, 0), (0, 0), (20, 20)])
                    + pieces[2].pad([(0, 0), (0, 0), (40, 0)])]
        }
        let shapes = [[2, 4, 3, 5], [2, 4, 3, 5], [2, 4, 3, 5]]
        let p = Self.program(shapes, f)
        let kernel = p.kernels.first?.source ?? ""
        #expect(p.kernels.count == 1 && !kernel.contains(" ? ") && kernel.components(separatedBy: "b2 < 4; b2++").count == 4, "\(kernel)")
        CompileTests.compare("three pieces side by side", shapes, f)
        JointTests.compareGradients("three pieces side by side", shapes, f)
    }

    @Test func headsPutBackSideBySideLoopInBlocks() {
        // attention's output [2, 4, 3, 5] (batch, heads, time, head size) made [2, 3, 20]: one
        // copy whose load would divide the last loop's variable by 5; it loops over 4 blocks
        // of 5 instead, reading each head's row contiguously (no division left in the kernel)
        let f: ([Tensor]) -> [Tensor] = { x in [(x[0].transpose(1, 2).reshape([2, 3, 20])) * 2] }
        let p = Self.program([[2, 4, 3, 5]], f)
        let kernel = p.kernels.first?.source ?? ""
        #expect(p.kernels.count == 1 && kernel.contains("b2 < 4; b2++") && !kernel.contains(" / 5") && !kernel.contains(" % 5"), "\(kernel)")
        CompileTests.compare("heads side by side", [[2, 4, 3, 5]], f)
        JointTests.compareGradients("heads side by side", [[2, 4, 3, 5]], f)
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

/// Kernel counts of two transformer blocks' forwards (the kernels listed in the messages),
/// and their values and gradients compiled against eager. Matmuls are calls of brrr's SGEMM
/// (through the runtime table) on their operands' strides.
@Suite("pt2 block kernel counts")
struct BlockKernelTests {
    static func describe(_ p: CompiledProgram) -> String {
        kernelPlan(p.optimized).map { k in "%\(k.kernel) \(p.optimized.nodes[k.kernel].op)\(k.fused.isEmpty ? "" : " fused \(k.fused)")" }.joined(separator: "\n")
    }

    static func gemms(_ p: CompiledProgram) -> Int {
        kernelPlan(p.optimized).filter { p.optimized.nodes[$0.kernel].primitive == .matmul }.count
    }

    @Test func rmsNormMatmulSwiGLU() {
        // x + SwiGLU(RMSNorm(x)), 6 kernels: RMSNorm (its sum of squares fused into the
        // normalised output's row loop), the gate and up SGEMMs (reading the normalised x),
        // silu(gate) * up, the down SGEMM, the residual add
        let norm = RMSNorm(32, eps: 1e-5), mlp = SwiGLU(dim: 32, hidden: 64)
        let block: ([Tensor]) -> [Tensor] = { x in [x[0] + mlp(norm(x[0]))] }
        let p = FusionTests.program([[4, 8, 32]], block)
        #expect(Self.gemms(p) == 3 && p.kernels.count == 6, "RMSNorm-SwiGLU block: \(p.kernels.count) kernels\n\(Self.describe(p))")
        JointTests.compareGradients("RMSNorm-SwiGLU block", [[4, 8, 32]], params: norm.parameters() + mlp.parameters(), block)
        // with gradients (under .sum()): the forward stores what the backward reads, 8 kernels;
        // the backward 11 (each weight's gradient one SGEMM written as the weight is laid out,
        // not x^T dy and a transposing copy: `transposeProducts`); 5 values saved: the sum of
        // squares, the normalised x and silu(gate) * up (the SGEMMs' operands, realised
        // anyway), the gate and up products
        Self.expectJoint(block, [4, 8, 32], forward: 8, backward: 11, saved: ["sum", "mul", "matmul", "matmul", "mul"])
    }

    /// The joint program's kernel counts and saved values for `block(x).sum()`.
    static func expectJoint(_ block: @escaping ([Tensor]) -> [Tensor], _ shape: [Int], forward: Int, backward: Int, saved: [String]) {
        let x = Tensor.randn(shape); x.requiresGrad = true
        let j = CompiledFunction { [block($0)[0].sum()] }.joint(for: [x])
        let kinds = j.partition.saved.map { j.joint.nodes[$0].primitive?.name ?? "\(j.joint.nodes[$0].op)" }
        #expect(j.forward!.kernels.count == forward && j.backward!.kernels.count == backward && kinds == saved,
                "forward \(j.forward!.kernels.count) kernels, backward \(j.backward!.kernels.count), saved \(kinds)")
    }

    @Test func causalSelfAttention() {
        // x + attention(x), 8 kernels: the qkv SGEMM and its bias; q, k, v are strides of it
        // (the split into heads and the transpose fold into the next SGEMM's operands); the
        // scores SGEMM; the masked softmax, one kernel (max and sum fused); the SGEMM with v;
        // the heads merged (a copy: a transposed view cannot be reshaped as strides); the
        // output SGEMM; its bias and the residual, one kernel
        let attention = CausalSelfAttention(dim: 32, nHeads: 4)
        let block: ([Tensor]) -> [Tensor] = { x in [x[0] + attention(x[0])] }
        let p = FusionTests.program([[2, 8, 32]], block)
        #expect(Self.gemms(p) == 4 && p.kernels.count == 8, "attention block: \(p.kernels.count) kernels\n\(Self.describe(p))")
        JointTests.compareGradients("attention block", [[2, 8, 32]], params: attention.parameters(), block)
        // with gradients: 9 forward kernels, 16 backward (the two weights' gradients without
        // a transposing copy, as above), 3 values saved: the qkv projection
        // with its bias, the softmax's probabilities (the second product's operand; softmax
        // differentiates through its output) and the merged heads' product
        Self.expectJoint(block, [2, 8, 32], forward: 9, backward: 16, saved: ["add", "mul", "matmul"])
    }

    @Test func aHeadSplitFoldsIntoStrides() {
        // reshaping a column slice [2, 8, 32] of a [2, 8, 96] buffer into [2, 8, 4, 8] splits a
        // dim of stride 1: strides (768, 96, 8, 1); merging a transposed pair needs a copy
        #expect(viewStrides([2, 8, 32], [768, 96, 1], [2, 8, 4, 8]) == [768, 96, 8, 1])
        #expect(viewStrides([2, 4, 8, 8], [256, 8, 32, 1], [2, 8, 32]) == nil)
        #expect(viewStrides([2, 4, 8], [32, 8, 1], [8, 8]) == [8, 1])
        #expect(viewStrides([3, 1, 4], [4, 99, 1], [3, 4, 1]) == [4, 1, 1])
    }
}

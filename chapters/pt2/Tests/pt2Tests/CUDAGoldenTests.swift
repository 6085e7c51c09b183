import Testing
import pt2

/// The CUDA C the compiler emits for a few graphs (CodegenCUDA.swift), against Golden/*.cu,
/// regenerated with the C goldens by the same command (GoldenTests.swift). Emitting needs no
/// GPU; running it does (`picograd bench pt2 --device cuda`, scripts/gpu's `pt2` part).
extension GoldenTests {
    /// The CUDA source `f` becomes on inputs of `shapes`: Golden/<name>.cu.
    static func cudaSnapshot(_ name: String, _ shapes: [[Int]], _ f: @escaping ([Tensor]) -> [Tensor]) -> CompiledProgram {
        let program = CompiledFunction(f).program(for: shapes.map { Tensor.zeros($0) })
        check(program.cudaSource, name + ".cu")
        return program
    }

    @Test func cudaSoftmax() {
        // one kernel: a block per row, max and sum each a block-wide reduction into a register
        let p = Self.cudaSnapshot("softmax", [[4, 10]]) { x in [pt2.softmax(x[0], dim: -1)] }
        #expect(p.cudaKernels.map(\.name) == p.kernels.map(\.name))
        #expect(p.cudaKernels.count == 1)
    }

    @Test func cudaElementwiseChain() {
        // GELU then a broadcast add and a pad: one thread per element, one kernel
        let p = Self.cudaSnapshot("elementwise_chain", [[4, 6], [6]]) { x in [(gelu(x[0]) + x[1]).pad([(1, 0), (0, 1)])] }
        #expect(p.cudaKernels.count == 1)
    }

    @Test func cudaLayerNormAndMLP() {
        // LayerNorm (one fused row kernel), a Linear (brrr's GEMM, no source), relu and the bias inlined
        let norm = LayerNorm(8), layer = Linear(8, 4)
        let p = Self.cudaSnapshot("layernorm_linear", [[2, 8]]) { x in [layer(norm(x[0])).relu()] }
        #expect(p.cudaKernels.map(\.name) == p.kernels.map(\.name))
        #expect(p.cudaKernels.filter(\.source.isEmpty).count == 1)
    }

    @Test func cudaIndexCopy() {
        // a KV cache's write: the copy kernel and the store kernel, then the row sums
        let cache = Tensor.zeros([4, 6])
        _ = Self.cudaSnapshot("index_copy", [[2, 6]]) { x in
            cache.indexCopy(dim: 0, index: Tensor(int32: [1, 3], shape: [2]), source: x[0].exp())
            return [cache.sum(dim: 1)]
        }
    }
}

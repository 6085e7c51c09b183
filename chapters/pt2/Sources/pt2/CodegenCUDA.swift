// CUDA code generation: the schedule's kernels (Schedule.swift) as CUDA C, for tensors on a
// `.cuda(i)` device. The kernels are the same as the C backend's, and so is the code inside
// them: `KernelWriter.value` walks the graph down from the kernel's node exactly as it does
// for C (movement ops rewrite the index, elementwise ops become expressions, buffers are
// loads). Only the loops change, because a GPU runs the loop body on thousands of threads:
//   - an elementwise kernel is one thread per output element (a grid-stride loop), each
//     thread finding its i0, i1, ... from its element number;
//   - a reduction is one block per output row: the block's threads take the row's elements
//     in turn, then combine their partial results through warp shuffles and a little shared
//     memory (`pt2_block_reduce`), so every thread ends up with the row's value;
//   - an elementwise kernel with reductions fused into it (softmax, LayerNorm) is one block
//     per row too: each reduction in turn into a register every thread holds, then the row's
//     outputs, spread over the same threads;
//   - a matmul is brrr's CUDA GEMM (the backend's `matmul`) on the operands' strided views,
//     as the C kernels call brrr's SGEMM;
//   - an indexCopy is two kernels: the destination copied, then the source's slices stored.
// The program's kernels are one CUDA C source, compiled by NVRTC once (brrr's
// `customModule`) and launched on the device's stream, in order with everything else on it.

/// What every generated CUDA program starts with.
let cudaPrelude = """
// pt2's generated kernels (CUDA C, compiled by NVRTC)
#ifndef INFINITY
#define INFINITY __int_as_float(0x7f800000)
#endif
#ifndef NAN
#define NAN __int_as_float(0x7fffffff)
#endif

__device__ __forceinline__ long long pt2_clamp(long long i, long long n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

// op 0: sum, 1: max
__device__ __forceinline__ float pt2_combine(int op, float a, float b) { return op == 0 ? a + b : fmaxf(a, b); }

// The 32 lanes of a warp combine their values in 5 steps (butterfly shuffles): all hold the total.
__device__ __forceinline__ float pt2_warp_reduce(int op, float v) {
    for (int o = 16; o > 0; o >>= 1) v = pt2_combine(op, v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// The block's total of v, returned to every thread (blockDim.x a multiple of 32, at most 1024):
// each warp's total into scratch (32 floats of shared memory), then each warp combines those.
__device__ float pt2_block_reduce(int op, float v, float *scratch) {
    v = pt2_warp_reduce(op, v);
    __syncthreads();       // every thread has read scratch's previous use
    if ((threadIdx.x & 31) == 0) scratch[threadIdx.x >> 5] = v;
    __syncthreads();
    v = (threadIdx.x & 31) < (blockDim.x >> 5) ? scratch[threadIdx.x & 31] : (op == 0 ? 0.0f : (-INFINITY));
    return pt2_warp_reduce(op, v);
}

"""

/// How a generated CUDA kernel is launched.
enum CUDALaunch {
    /// A grid-stride loop over `count` elements, 256 threads a block.
    case elements(count: Int)
    /// One block of `threads` per row, `rows` of them (a grid-stride loop over rows).
    case rows(rows: Int, threads: Int)
    /// brrr's CUDA GEMM on the operands' views (no generated code).
    case matmul(a: StaticView, b: StaticView)
    /// The destination copied (`count` elements), then the source stored (`stores` elements,
    /// by the kernel `<name>_store`), both grid-stride loops.
    case indexCopy(count: Int, stores: Int)
}

/// One generated CUDA kernel: its function's name, the node whose buffer it writes, the
/// buffers it reads (its pointer arguments, in order, then its output), its source.
public struct CUDAKernel: Sendable {
    public let name: String
    public let node: Int
    public let reads: [Int]
    /// The kernel's CUDA C ("" for a matmul: brrr's GEMM runs it).
    public let source: String
    let launch: CUDALaunch
}

extension CUDALaunch: @unchecked Sendable {}

/// Writes the CUDA C of kernel node `root`, through the C writer's `value` for the body.
struct CUDAKernelWriter {
    var w: KernelWriter
    /// The C type of the loop variables: `int` while every value has fewer than 2^31 elements.
    let index: String
    var graph: Graph { w.graph }
    var root: Int { w.root }

    init(_ schedule: Schedule, root: Int) {
        w = KernelWriter(schedule, root: root)
        let largest = schedule.graph.nodes.map { $0.shape.reduce(1, *) }.max() ?? 0
        index = largest < Int(Int32.max) ? "int" : "long long"
    }

    /// `const int i1 = e / 8 % 4;` for each of `dims` (of `shape`), the last the fastest: the
    /// coordinates of element number `e` of the sub-array those dims span.
    func coordinates(_ dims: [Int], _ shape: [Int], of e: String, indent: String, name: (Int) -> String = { "i\($0)" }) -> [String] {
        var lines: [String] = [], stride = 1
        for (k, d) in dims.enumerated().reversed() {
            var expression = stride == 1 ? e : "\(e) / \(stride)"
            if k > 0 && shape[d] != 1 { expression += " % \(shape[d])" }
            if shape[d] == 1 { expression = "0" }
            lines.insert("\(indent)const \(index) \(name(d)) = \(expression);", at: 0)
            stride *= shape[d]
        }
        return lines
    }

    /// A grid-stride loop over `count` elements (`e`), opened.
    func elementLoop(_ count: Int) -> String {
        "    for (\(index) e = blockIdx.x * blockDim.x + threadIdx.x; e < \(count); e += gridDim.x * blockDim.x) {"
    }

    /// The body lines and `last`, indented.
    func block(_ last: String, depth: Int) -> [String] {
        (w.body + [last]).map { String(repeating: "    ", count: depth) + $0 }
    }

    mutating func write() -> CUDAKernel {
        let n = graph.nodes[root]
        let vars = n.shape.indices.map { IndexExpr.variable("i\($0)") }
        var lines: [String] = [], functions: [String] = [], launch: CUDALaunch
        var bounds = "__launch_bounds__(256) "
        switch n.primitive {
        case _ where w.schedule.fused[root] != nil:
            let (body, rows, threads) = rowLines(w.schedule.fused[root]!)
            lines = body
            launch = .rows(rows: rows, threads: threads)
            if threads > 256 { bounds = "" }
        case .reduce?:
            let (body, rows, threads) = rowLines([root])
            lines = body
            launch = .rows(rows: rows, threads: threads)
            if threads > 256 { bounds = "" }
        case .matmul?:
            var s = w.schedule
            let a = s.stridedView(n.inputs[0]), b = s.stridedView(n.inputs[1])
            _ = (w.buffer(a.base), w.buffer(b.base))
            return CUDAKernel(name: "k\(root)", node: root, reads: w.reads, source: "", launch: .matmul(a: a, b: b))
        case .indexCopy(let dim)?:
            let (copy, store, stores) = indexCopyLines(dim)
            lines = copy
            functions = [store]
            launch = .indexCopy(count: n.shape.reduce(1, *), stores: stores)
        default:
            let count = n.shape.reduce(1, *)
            let v = w.value(root, at: vars)
            lines.append(elementLoop(count))
            lines += coordinates(Array(n.shape.indices), n.shape, of: "e", indent: "        ")
            lines += block("out[e] = \(v);", depth: 2)
            lines.append("    }")
            launch = .elements(count: count)
        }
        var parameters: [String] = w.reads.map { i in
            graph.nodes[i].dtype == .int32 ? "const int *__restrict__ v\(i)" : "const float *__restrict__ v\(i)"
        }
        parameters.append("float *__restrict__ out")
        let comment = "// %\(root) = \(n.op)(\(n.inputs.map { "%\($0)" }.joined(separator: ", "))) : \(typeName(n.dtype, n.shape))\n"
        var text = comment + "extern \"C\" __global__ void \(bounds)k\(root)(\(parameters.joined(separator: ", "))) {\n"
        text += lines.joined(separator: "\n") + "\n}\n"
        for (k, f) in functions.enumerated() {
            text += "extern \"C\" __global__ void \(bounds)k\(root)_\(k == 0 ? "store" : "\(k)")(\(parameters.joined(separator: ", "))) {\n" + f + "\n}\n"
        }
        return CUDAKernel(name: "k\(root)", node: root, reads: w.reads, source: text, launch: launch)
    }

    /// A row kernel: a block per row of x (the shape `group`'s reductions read), each
    /// reduction of `group` into a register (`accN` for a fused one, `acc` for the kernel's own),
    /// then the kernel's node over the row (when it runs over x) or once (over the reduced shape).
    mutating func rowLines(_ group: [Int]) -> (lines: [String], rows: Int, threads: Int) {
        let n = graph.nodes[root]
        guard case .reduce(_, let axes)? = graph.nodes[group[0]].primitive else { fail("cuda codegen: %\(group[0]) of kernel %\(root) is not a reduction") }
        let x = graph.nodes[graph.nodes[group[0]].inputs[0]].shape
        let xIndex = x.indices.map { IndexExpr.variable("i\($0)") }
        let reduced = axes.sorted(), kept = x.indices.filter { !axes.contains($0) }
        let rows = kept.reduce(1) { $0 * x[$1] }, count = reduced.reduce(1) { $0 * x[$1] }
        // threads: the row's length rounded up to a warp, at most 256 (1024 for a few long rows)
        var threads = 32
        while threads < count && threads < 256 { threads *= 2 }
        if rows < 64 && count >= 1 << 14 { threads = 1024 }
        var lines = ["    __shared__ float scratch[32];",
                     "    for (\(index) row = blockIdx.x; row < \(rows); row += gridDim.x) {"]
        lines += coordinates(kept, x, of: "row", indent: "        ")
        let loop = "        for (\(index) e = threadIdx.x; e < \(count); e += blockDim.x) {"
        let coordinatesInRow = coordinates(reduced, x, of: "e", indent: "            ")
        for r in group {
            guard case .reduce(let op, _)? = graph.nodes[r].primitive else { continue }
            w.startLoopNest()
            let acc = r == root ? "acc" : "acc\(r)"
            let v = w.value(graph.nodes[r].inputs[0], at: xIndex)
            lines.append("        float \(acc) = \(op == .sum ? "0.0f" : "(-INFINITY)");")
            lines.append(loop)
            lines += coordinatesInRow
            lines += block(op == .sum ? "\(acc) += \(v);" : "\(acc) = fmaxf(\(acc), \(v));", depth: 3)
            lines.append("        }")
            lines.append("        \(acc) = pt2_block_reduce(\(op == .sum ? 0 : 1), \(acc), scratch);")
        }
        w.startLoopNest()
        let rowIndex = x.indices.map { axes.contains($0) ? IndexExpr.constant(0) : xIndex[$0] }
        if group == [root] {
            lines.append("        if (threadIdx.x == 0) out[\(flatIndex(rowIndex, shape: n.shape))] = acc;")
        } else if n.shape == x {
            let v = w.value(root, at: xIndex)
            lines.append(loop)
            lines += coordinatesInRow
            lines += block("out[\(flatIndex(xIndex, shape: n.shape))] = \(v);", depth: 3)
            lines.append("        }")
        } else {
            let v = w.value(root, at: rowIndex)
            lines.append("        if (threadIdx.x == 0) {")
            lines += block("out[\(flatIndex(rowIndex, shape: n.shape))] = \(v);", depth: 3)
            lines.append("        }")
        }
        lines.append("    }")
        return (lines, rows, threads)
    }

    /// An indexCopy along `dim`: the copy kernel's lines (the destination, every element), the
    /// store kernel's body (slice j of the source to position index[j], checked in range by the
    /// host before the launch), and how many elements the store runs over.
    mutating func indexCopyLines(_ dim: Int) -> (copy: [String], store: String, stores: Int) {
        let n = graph.nodes[root]
        let (dst, index, src) = (n.inputs[0], n.inputs[1], n.inputs[2])
        let vars = n.shape.indices.map { IndexExpr.variable("i\($0)") }
        let count = n.shape.reduce(1, *)
        let v = w.value(dst, at: vars)
        var copy = [elementLoop(count)]
        copy += coordinates(Array(n.shape.indices), n.shape, of: "e", indent: "        ")
        copy += block("out[e] = \(v);", depth: 2)
        copy.append("    }")
        w.startLoopNest()
        let srcShape = graph.nodes[src].shape
        var srcIndex = vars, outIndex = vars
        srcIndex[dim] = .variable("j")
        outIndex[dim] = .variable("p")
        let positions = w.buffer(index)
        let sv = w.value(src, at: srcIndex)
        let stores = srcShape.reduce(1, *)
        var store = [elementLoop(stores)]
        store += coordinates(Array(srcShape.indices), srcShape, of: "e", indent: "        ", name: { $0 == dim ? "j" : "i\($0)" })
        store.append("        const \(self.index) p = \(positions)[j];")
        store += block("out[\(flatIndex(outIndex, shape: n.shape))] = \(sv);", depth: 2)
        store.append("    }")
        return (copy, store.joined(separator: "\n"), stores)
    }
}

/// The program's CUDA source and its kernels, in the order they run.
func generateCUDASource(_ schedule: Schedule) -> (source: String, kernels: [CUDAKernel]) {
    var kernels: [CUDAKernel] = []
    for i in schedule.graph.nodes.indices where schedule.realization[i] == .kernel {
        var w = CUDAKernelWriter(schedule, root: i)
        kernels.append(w.write())
    }
    return (cudaPrelude + kernels.map(\.source).filter { !$0.isEmpty }.joined(separator: "\n"), kernels)
}

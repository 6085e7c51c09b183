// Running a compiled program on a CUDA device: the schedule's steps as `CompiledProgram.run`
// takes them on the CPU (given tensors, constants, views, eager ops), with each kernel a
// launch of its generated CUDA C (CodegenCUDA.swift) or, for a matmul, brrr's CUDA GEMM.
// Nothing waits for the GPU here: every launch is queued on the device's stream.
import Synchronization

/// A program lowered to CUDA: the source, the kernels, and per GPU the loaded module and the
/// constants made there.
final class CUDALowering: @unchecked Sendable {
    let source: String
    let kernels: [CUDAKernel]
    let loaded = Mutex<[Device: (module: CUDACustomModule, constants: [Int: Tensor])]>([:])

    init(_ schedule: Schedule) { (source, kernels) = generateCUDASource(schedule) }
}

extension CompiledProgram {
    /// The generated CUDA source (made on first use; what runs when the program's tensors are
    /// on a `.cuda(i)` device).
    public var cudaSource: String { cudaLowered.source }

    /// The CUDA kernels, in the order they run (one per kernel of the schedule, as in C).
    public var cudaKernels: [CUDAKernel] { cudaLowered.kernels }

    var cudaLowered: CUDALowering {
        cuda.withLock { state in
            if let state { return state }
            let made = CUDALowering(schedule)
            if debugLevel >= 2 { debugPrint("pt2: generated CUDA\n" + made.source) }
            state = made
            return made
        }
    }

    /// True when `tensors` all live on one CUDA device (none: when the default device is one),
    /// so the program runs as CUDA kernels there.
    static func runsOnCUDA(_ tensors: [Tensor]) -> Bool {
        guard let device = tensors.first?.device ?? Optional(Device.default), device.kind == .cuda else { return false }
        return tensors.allSatisfy { $0.device == device && $0.buffer is CUDABuffer }
    }

    /// The module and the constants on `gpu` (compiled and made once per GPU).
    func cudaLoad(_ gpu: CUDABackend, device: Device) -> (CUDALowering, CUDACustomModule, [Int: Tensor]) {
        let lowering = cudaLowered
        let (module, constants) = lowering.loaded.withLock { loaded in
            if let l = loaded[device] { return l }
            var names: [String] = []
            for k in lowering.kernels {
                switch k.launch {
                case .matmul: break
                case .indexCopy: names += [k.name, k.name + "_store"]
                default: names.append(k.name)
                }
            }
            // no a * b + c contracted into one fma: each op rounds as brrr's eager kernel for it does
            let module = gpu.customModule(source: lowering.source, names: names, options: ["--fmad=false"])
            let constants = makeConstants(on: device)
            loaded[device] = (module, constants)
            return (module, constants)
        }
        return (lowering, module, constants)
    }

    /// The device address of a tensor's first element.
    func deviceAddress(_ t: Tensor) -> UInt64 {
        guard let b = t.buffer as? CUDABuffer else { fail("compile: a tensor of shape \(t.shape) on \(t.device) is not in CUDA memory") }
        return b.address + UInt64(4 * t.offset)
    }

    /// out = a @ b on brrr's CUDA GEMM; a product with few output tiles and a long K (a weight's
    /// gradient: [C, B*T] @ [B*T, C']) split along K into a batch of S products, so that S
    /// times as many blocks share the work, then summed over S (split-K, as cuBLAS does it).
    func matmul(_ a: StridedView, _ b: StridedView, out: any Buffer, on gpu: CUDABackend) {
        let r = a.shape.count
        let (m, n, k) = (a.shape[r - 2], b.shape[r - 1], a.shape[r - 1])
        let tiles = ((m + 127) / 128) * ((n + 127) / 128), target = 2 * gpu.multiprocessorCount
        var split = 1
        while a.shape.dropLast(2).allSatisfy({ $0 == 1 }) && tiles * split < target && k % (2 * split) == 0 && k / (2 * split) >= 256 { split *= 2 }
        guard split > 1 else { return gpu.matmul(a, b, out: out) }
        let part = k / split
        let (sa, sb) = (a.strides[r - 2], a.strides[r - 1]), (tb, ub) = (b.strides[r - 2], b.strides[r - 1])
        let aSplit = StridedView(buffer: a.buffer, shape: [split, m, part], strides: [part * sb, sa, sb], offset: a.offset)
        let bSplit = StridedView(buffer: b.buffer, shape: [split, part, n], strides: [part * tb, tb, ub], offset: b.offset)
        let partials = gpu.allocate(byteCount: 4 * split * m * n)
        gpu.matmul(aSplit, bSplit, out: partials)
        gpu.reduce(.sum, StridedView(contiguous: partials, shape: [split, m, n]), axes: [0], out: out)
    }

    /// Runs the program on `args` (on `gpu`, the device `device`); returns what `f` returns.
    func runCUDA(_ args: [Tensor], on gpu: CUDABackend, device: Device) -> [Tensor] {
        let g = optimized
        let (lowering, module, constants) = withNoGrad { cudaLoad(gpu, device: device) }
        var values = [Tensor?](repeating: nil, count: g.nodes.count)
        var kernelIndex = 0
        let blocks = gpu.multiprocessorCount * 16
        let profiling = CUDAProfile.isOn
        withNoGrad {
            for (i, n) in g.nodes.enumerated() {
                let start = profiling ? CUDAProfile.start(gpu) : 0
                defer { if profiling { CUDAProfile.stop(gpu, start, CUDAProfile.category(schedule.realization[i], n, kernelIndex > 0 ? lowering.kernels[kernelIndex - 1] : nil)) } }
                switch schedule.realization[i] {
                case .inline, .fused: break
                case .given, .constant, .view, .eager:
                    values[i] = value(of: i, args: args, constants: constants, values: values, device: device)
                case .kernel:
                    let kernel = lowering.kernels[kernelIndex]
                    kernelIndex += 1
                    let count = n.shape.reduce(1, *)
                    let out = Tensor(buffer: gpu.allocate(byteCount: 4 * count), device: device, shape: n.shape)
                    values[i] = out
                    guard count > 0 else { continue }
                    let pointers = kernel.reads.map { CUDAKernelArgument.pointer(deviceAddress(values[$0]!)) } + [.pointer(deviceAddress(out))]
                    switch kernel.launch {
                    case .matmul(let a, let b):
                        func view(_ v: StaticView) -> StridedView {
                            let t = values[v.base]!
                            return StridedView(buffer: t.buffer, shape: v.shape, strides: v.strides, offset: t.offset + v.offset)
                        }
                        matmul(view(a), view(b), out: out.buffer, on: gpu)
                    case .elements(let count):
                        gpu.launch(module, kernel.name, grid: min((count + 255) / 256, blocks), block: 256, pointers)
                    case .rows(let rows, let threads):
                        gpu.launch(module, kernel.name, grid: min(rows, 1 << 20), block: threads, pointers)
                    case .indexCopy(let count, let stores):
                        guard case .indexCopy(let dim)? = n.primitive else { fail("compile: kernel %\(i) is not an indexCopy") }
                        checkPositions(values[n.inputs[1]]!, size: n.shape[dim], dim: dim, shape: n.shape)
                        gpu.launch(module, kernel.name, grid: min((count + 255) / 256, blocks), block: 256, pointers)
                        if stores > 0 { gpu.launch(module, kernel.name + "_store", grid: min((stores + 255) / 256, blocks), block: 256, pointers) }
                    }
                }
            }
            let start = profiling ? CUDAProfile.start(gpu) : 0
            defer { if profiling { CUDAProfile.stop(gpu, start, "writes back (assign)") } }
            for w in g.writes { given(w.target, args)?.assign(values[w.value]!) }
        }
        return g.outputs.map { values[$0]! }
    }
}

/// Where a compiled step's time goes on the GPU (`picograd bench pt2`): with the profile on,
/// every step of every program waits for the stream before and after, and its time (the
/// GPU's plus the launch's) goes to its kind: a kind of kernel, an eager op, the writes.
public enum CUDAProfile {
    private static let table = Mutex<[String: (count: Int, seconds: Double)]?>(nil)

    static var isOn: Bool { table.withLock { $0 != nil } }

    /// Runs `body` with the profile on; returns each kind's count and seconds, the longest first.
    public static func measure(_ body: () -> Void) -> [(kind: String, count: Int, seconds: Double)] {
        table.withLock { $0 = [:] }
        body()
        let t = table.withLock { t in
            let r = t ?? [:]
            t = nil
            return r
        }
        return t.map { ($0.key, $0.value.count, $0.value.seconds) }.sorted { $0.seconds > $1.seconds }
    }

    static func start(_ gpu: CUDABackend) -> Double {
        gpu.waitForStream()
        return monotonicSeconds()
    }

    static func stop(_ gpu: CUDABackend, _ start: Double, _ kind: String?) {
        guard let kind else { return }
        gpu.waitForStream()
        let s = monotonicSeconds() - start
        table.withLock { t in
            guard t != nil else { return }
            let old = t![kind] ?? (0, 0)
            t![kind] = (old.count + 1, old.seconds + s)
        }
    }

    /// PICOGRAD_PROFILE_GEMMS=1: each product shape and layout its own kind, to set beside
    /// cuBLAS on the same products.
    static let perProduct = environment("PICOGRAD_PROFILE_GEMMS") == "1"

    /// "matmul [batch x] m x n x k A..B..": N for rows of contiguous floats, T for a transposed
    /// operand (copied before brrr's GEMM reads it), S for any other strides (copied too).
    static func product(_ a: StaticView, _ b: StaticView) -> String {
        let r = a.shape.count, (m, k, n) = (a.shape[r - 2], a.shape[r - 1], b.shape[r - 1])
        func layout(_ v: StaticView) -> String {
            let rank = v.shape.count
            if v.strides[rank - 1] == 1 || v.shape[rank - 1] == 1 { return "N" }
            return v.strides[rank - 2] == 1 ? "T" : "S"
        }
        let batch = a.shape.dropLast(2).reduce(1, *)
        return "matmul \(batch > 1 ? "\(batch) x " : "")\(m) x \(n) x \(k) A\(layout(a)) B\(layout(b))"
    }

    /// The kind of step node n is (nil: nothing runs for it).
    static func category(_ r: Realization, _ n: GraphNode, _ kernel: CUDAKernel?) -> String? {
        switch r {
        case .inline, .fused: return nil
        case .given: return "inputs made contiguous, random draws"
        case .constant: return nil
        case .view: return "views"
        case .eager: return "eager \(n.primitive?.name ?? "?")"
        case .kernel:
            switch kernel?.launch {
            case .matmul(let a, let b)? where CUDAProfile.perProduct: return CUDAProfile.product(a, b)
            case .matmul?: return "matmul (brrr's GEMM)"
            case .rows?: return "row kernels (reductions)"
            case .indexCopy?: return "indexCopy kernels"
            default: return "elementwise kernels"
            }
        }
    }
}

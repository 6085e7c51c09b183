// `compile(f)`: trace on the first call for each set of argument shapes and dtypes (the
// guards), optimise, generate and load C, and run the loaded kernels on every later call
// that passes the same guards. Captured parameters are read at every call; random numbers
// `f` draws are drawn again at every call; a read of values on the host inside `f` (a graph
// break) makes the function run eagerly, with one warning. No C compiler:
// one warning and eager execution (an error in strict mode). With gradients wanted, the
// forward and the backward are traced into one graph and compiled (Joint.swift).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// PICOGRAD_DEBUG: 1 prints the IR after each pass, 2 also the generated C, 3 also each
/// kernel's time at every call.
public let debugLevel: Int = environment("PICOGRAD_DEBUG").flatMap { Int($0) } ?? 0

func debugPrint(_ text: String) {
    let line = text + "\n"
    _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
}

/// A traced function lowered for one set of argument shapes: the kernels and the steps.
public final class CompiledProgram: @unchecked Sendable {
    /// The graph as traced, and after the passes.
    public let traced: Graph, optimized: Graph
    /// Every pass's output, in order (what PICOGRAD_DEBUG=1 prints).
    public let stages: [(pass: String, graph: Graph)]
    /// The generated C source.
    public let source: String
    /// The kernels, in the order they run.
    public let kernels: [Kernel]
    let schedule: Schedule
    let params: [Tensor]
    let paramShapes: [[Int]]
    /// Why this trace cannot run compiled (a read of values on the host inside `f`), if so:
    /// the function runs eagerly, and nothing was lowered.
    public let graphBreak: String?
    /// The loaded object and the constants made from host data, once (calls may come from
    /// several threads).
    private let loaded = Mutex<(object: LoadedObject?, constants: [Int: Tensor]?)>((nil, nil))
    /// The program as CUDA kernels, made on first use (RunCUDA.swift).
    let cuda = Mutex<CUDALowering?>(nil)

    /// Each kernel's code-generation choices (PICOGRAD_BEAM's, or given), by node.
    public let choices: [Int: KernelChoice]
    /// The memory plan: after node i runs, the values no later step reads (`releases[i]`) are
    /// dropped, so their buffers go back to the allocator's pool and the next kernels of the
    /// same call reuse them (warm in cache, no page faults) instead of the call holding every
    /// intermediate value to its end.
    let releases: [[Int]]
    /// Writes done in place (`inPlaceWrites`): kernel node -> the input or parameter node
    /// whose buffer it writes its output into.
    let inPlace: [Int: Int]

    /// `known`: what is known of input k's values before the call (a backward's saved
    /// probabilities, 0 above the diagonal: Bands.swift).
    init(traced: Graph, params: [Tensor], graphBreak: String? = nil, choices: [Int: KernelChoice] = [:], known: [Int: KnownBand] = [:]) {
        self.traced = traced
        self.params = params
        self.graphBreak = graphBreak
        paramShapes = params.map(\.shape)
        var g = traced, stages: [(String, Graph)] = [("traced", traced)]
        for pass in graphBreak == nil ? Pass.all : [] { g = pass.run(g); stages.append((pass.name, g)) }
        self.stages = stages
        optimized = g
        var schedule = Schedule(g)
        if Bands.enabled {
            let bands = Bands(g, inputs: known)
            schedule.skips = bands.matmulSkips(g)
            schedule.known = bands.known
        }
        self.schedule = schedule
        var choices = choices
        if choices.isEmpty, Beam.width > 0, graphBreak == nil, let compiler = CCompiler.selected {
            for i in g.nodes.indices where schedule.realization[i] == .kernel {
                choices[i] = Beam.search(schedule, kernel: i, width: Beam.width, compiler: compiler).choice
            }
        }
        self.choices = choices
        inPlace = graphBreak == nil ? CompiledProgram.inPlaceWrites(schedule) : [:]
        (source, kernels) = graphBreak == nil ? generateSource(schedule, choices: choices, inPlace: Set(inPlace.keys)) : ("", [])
        releases = graphBreak == nil ? CompiledProgram.lastReads(schedule, kernels) : []
    }

    /// The writes a kernel can do in place (an optimizer's update of its parameters and
    /// moments, a KV cache's indexCopy into itself): the written value v is an elementwise
    /// kernel (or an indexCopy whose destination is t) of the target t's shape, not
    /// returned, the only write to t; v's kernel reads t, if at all, only at the element it
    /// writes (so each element is read before it is overwritten); nothing after v reads t, and
    /// no view is taken of t. v's kernel then writes into t's buffer (when t arrives
    /// contiguous), and the copy of the write-back is skipped.
    static func inPlaceWrites(_ schedule: Schedule) -> [Int: Int] {
        let g = schedule.graph
        var out: [Int: Int] = [:]
        let outputs = Set(g.outputs)
        var lastRead = [Int](repeating: -1, count: g.nodes.count), viewed = Set<Int>()
        var kernelLoads: [Int: Loads] = [:]
        for (i, n) in g.nodes.enumerated() {
            switch schedule.realization[i] {
            case .view: viewed.formUnion(n.inputs); for j in n.inputs { lastRead[j] = i }
            case .eager: for j in n.inputs { lastRead[j] = i }
            case .kernel:
                let loads = schedule.loads(ofKernel: i)
                kernelLoads[i] = loads
                for l in loads { lastRead[l.node] = i }
            default: break
            }
        }
        for w in g.writes {
            let (t, v) = (w.target, w.value), node = g.nodes[v]
            guard schedule.realization[v] == .kernel, schedule.fused[v] == nil, !outputs.contains(v), !outputs.contains(t),
                  !viewed.contains(t), g.writes.filter({ $0.target == t }).count == 1,
                  node.shape == g.nodes[t].shape, node.dtype == .float32, g.nodes[t].dtype == .float32, lastRead[t] <= v else { continue }
            switch node.primitive {
            case .unary?, .binary?, .select?: break
            case .indexCopy? where node.inputs[0] == t: break   // a KV cache's write: only the slices are stored
            default: continue
            }
            let ranges = KernelWriter.ranges(node.shape)
            let own = flatIndex(node.shape.indices.map { .variable("i\($0)") }, shape: node.shape).simplified(ranges: ranges)
            guard kernelLoads[v]!.allSatisfy({ $0.node != t || flatIndex($0.index, shape: node.shape).simplified(ranges: ranges) == own }) else { continue }
            out[v] = t
        }
        return out
    }

    /// For each node, the values whose last reader it is (none for what the call returns or
    /// writes back).
    static func lastReads(_ schedule: Schedule, _ kernels: [Kernel]) -> [[Int]] {
        let g = schedule.graph
        var last = [Int](repeating: -1, count: g.nodes.count)
        var kernelIndex = 0
        for (i, n) in g.nodes.enumerated() {
            switch schedule.realization[i] {
            case .view, .eager: for j in n.inputs { last[j] = i }
            case .kernel:
                for j in kernels[kernelIndex].reads { last[j] = i }
                kernelIndex += 1
            default: break
            }
        }
        for o in g.outputs { last[o] = -1 }
        for w in g.writes { last[w.value] = -1 }
        var releases = [[Int]](repeating: [], count: g.nodes.count)
        for (j, i) in last.enumerated() where i >= 0 { releases[i].append(j) }
        return releases
    }

    /// The IR after each pass, as PICOGRAD_DEBUG=1 prints it.
    public var passDump: String {
        stages.map { "--- \($0.pass) (\($0.graph.nodes.count) nodes)\n\($0.graph)" }.joined(separator: "\n")
    }

    /// The graph's host constants (`data` nodes) as tensors on `device`, by node index.
    func makeConstants(on device: Device) -> [Int: Tensor] {
        var constants: [Int: Tensor] = [:]
        for (i, n) in optimized.nodes.enumerated() {
            guard case .primitive(.data(let d, let shape)) = n.op else { continue }
            switch d.values {
            case .float32(let v): constants[i] = Tensor(v, shape: shape, device: device)
            case .int32(let v): constants[i] = Tensor(int32: v.map { Int($0) }, shape: shape, device: device)
            case .bytes(let v, let dtype): constants[i] = v.withUnsafeBytes { Tensor(bytes: $0, dtype: dtype, shape: shape, device: device) }
            }
        }
        return constants
    }

    /// Compiles and loads the source, and makes the constants on `device` (once).
    func load(compiler: String, device: Device) -> (LoadedObject, [Int: Tensor]) {
        loaded.withLock { state in
            if state.object == nil {
                let path = CCompiler.build(source, compiler: compiler, flags: CCompiler.flags(forSource: source))
                state.object = LoadedObject(path: path, names: kernels.map(\.name))
            }
            if state.constants == nil {
                state.constants = makeConstants(on: device)
            }
            return (state.object!, state.constants!)
        }
    }

    /// Runs the program on `args` (shapes as traced); returns what `f` returns.
    func run(_ args: [Tensor], compiler: String) -> [Tensor] {
        let g = optimized
        let device = args.first?.device ?? params.first?.device ?? .default
        if let gpu = Backends.backend(for: device) as? CUDABackend { return runCUDA(args, on: gpu, device: device) }
        let (object, constants) = withNoGrad { load(compiler: compiler, device: device) }
        var values = [Tensor?](repeating: nil, count: g.nodes.count)
        var kernelIndex = 0
        var writtenInPlace = Set<Int>()
        // buffers that only one argument or parameter holds (one held twice is never written
        // in place: another node would read it after the write)
        var unshared = Set<ObjectIdentifier>()
        if !inPlace.isEmpty {
            var counts: [ObjectIdentifier: Int] = [:]
            for t in args + params { counts[ObjectIdentifier(t.buffer), default: 0] += 1 }
            unshared = Set(counts.filter { $0.value == 1 }.keys)
        }
        withNoGrad {
            for (i, n) in g.nodes.enumerated() {
                switch schedule.realization[i] {
                case .inline, .fused: break
                case .given, .constant, .view, .eager:
                    values[i] = value(of: i, args: args, constants: constants, values: values, device: device)
                case .kernel:
                    let kernel = kernels[kernelIndex]
                    let entry = object.entries[kernelIndex]
                    kernelIndex += 1
                    let backend = Backends.backend(for: device)
                    let out: Tensor
                    if let t = inPlace[i], let target = values[t], target === given(t, args), unshared.contains(ObjectIdentifier(target.buffer)) {
                        out = target            // written in place: the write-back has nothing to copy
                        writtenInPlace.insert(i)
                    } else {
                        out = Tensor(buffer: backend.allocate(byteCount: 4 * n.shape.reduce(1, *)), device: device, shape: n.shape)
                        // an in-place indexCopy's kernel stores only the slices: the rest is the destination's
                        if inPlace[i] != nil, case .indexCopy? = n.primitive { out.assign(values[n.inputs[0]]!) }
                    }
                    if case .indexCopy(let dim)? = n.primitive { checkPositions(values[n.inputs[1]]!, size: n.shape[dim], dim: dim, shape: n.shape) }
                    var pointers: [UnsafeMutablePointer<Float>?] = kernel.reads.map { hostPointer(values[$0]!) }
                    pointers.append(hostPointer(out))
                    let start = debugLevel >= 3 ? monotonicSeconds() : 0
                    pointers.withUnsafeBufferPointer { entry($0.baseAddress!, UnsafeRawPointer(RuntimeTable.shared.pointer)) }
                    if debugLevel >= 3 {
                        debugPrint("pt2: \(kernel.name) \(n.primitive?.name ?? "?") \(typeName(n.dtype, n.shape)) \(Int((monotonicSeconds() - start) * 1e6)) us")
                    }
                    values[i] = out
                }
                for j in releases[i] { values[j] = nil }
            }
            for w in g.writes where !writtenInPlace.contains(w.value) {
                given(w.target, args)?.assign(values[w.value]!)
            }
        }
        return g.outputs.map { values[$0]! }
    }

    /// Node i's value when no generated kernel makes it: an argument, a parameter or a fresh
    /// random draw (made contiguous), a constant, a view of earlier values, or an eager op.
    func value(of i: Int, args: [Tensor], constants: [Int: Tensor], values: [Tensor?], device: Device) -> Tensor? {
        let n = optimized.nodes[i]
        switch schedule.realization[i] {
        case .given:
            let t: Tensor
            if case .random(_, let draw) = n.op { t = Tensor.draw(draw, n.shape, device: device) }   // fresh, in drawing order
            else if let given = given(i, args) { t = given }
            else { fail("compile: %\(i) is not an input") }
            return t.isContiguous ? t : t.contiguous()
        case .constant:
            return constants[i]
        case .view:
            return Tensor.apply(n.primitive!, n.inputs.map { values[$0]! })
        case .eager:
            let t: Tensor
            if case .primitive(.full(let v, let shape, let dtype)) = n.op { t = Tensor.full(shape, v, dtype: dtype, device: device) }
            else { t = applyFunctionally(n.primitive!, n.inputs.map { values[$0]! }) }
            return t.isContiguous ? t : t.contiguous()
        case .inline, .fused, .kernel:
            fail("compile: %\(i) is made by a generated kernel")
        }
    }

    /// The tensor input or parameter node i stands for.
    func given(_ i: Int, _ args: [Tensor]) -> Tensor? {
        switch optimized.nodes[i].op {
        case .input(let k): return args[k]
        case .param(let k): return params[k]
        default: return nil
        }
    }

    /// An indexCopy's positions, checked as eager checks them (the kernel stores unchecked).
    func checkPositions(_ index: Tensor, size: Int, dim: Int, shape: [Int]) {
        for j in index.toInt32Array() where j < 0 || Int(j) >= size {
            fail("indexCopy: index \(j) is out of range for dim \(dim) with size \(size) (shape \(shape))")
        }
    }

    /// A tensor's first element in host memory (the CPU backends' buffers).
    func hostPointer(_ t: Tensor) -> UnsafeMutablePointer<Float> {
        guard let b = t.buffer as? HostBuffer else { fail("compile: a tensor of shape \(t.shape) on \(t.device) is not in host memory") }
        return b.floats + t.offset
    }
}

/// A compiled function: its programs by guard (argument shapes and dtypes).
public final class CompiledFunction: @unchecked Sendable {
    let f: ([Tensor]) -> [Tensor]
    private let programs = Mutex<[[String]: CompiledProgram]>([:])
    private let joints = Mutex<[[String]: CompiledJoint]>([:])
    private let warned = Atomic<Bool>(false)
    /// How many times `f` was traced (a new guard traces, a passing guard reuses).
    public var traceCount: Int { programs.withLock { $0.count } }

    public init(_ f: @escaping ([Tensor]) -> [Tensor]) { self.f = f }

    /// The guard of a call: each argument's dtype, shape and device.
    static func guardKey(_ args: [Tensor]) -> [String] { args.map { "\(typeName($0.dtype, $0.shape))@\($0.device)" } }

    /// The program for these arguments, traced and lowered on first use (nothing is loaded).
    public func program(for args: [Tensor]) -> CompiledProgram {
        let key = CompiledFunction.guardKey(args)
        // a parameter that changed shape since the trace fails the guard too: trace again
        if let p = programs.withLock({ $0[key] }), p.params.map(\.shape) == p.paramShapes { return p }
        let tracer = Tracer.trace(args, f)
        let program = CompiledProgram(traced: tracer.graph, params: tracer.params, graphBreak: tracer.graphBreak)
        if debugLevel >= 1 { debugPrint("pt2: traced \(key.joined(separator: ", "))\n" + program.passDump) }
        if debugLevel >= 2 && tracer.graphBreak == nil { debugPrint("pt2: generated C\n" + program.source) }
        programs.withLock { $0[key] = program }
        return program
    }

    /// The forward and backward for these arguments (and these of them wanting gradients),
    /// traced into one joint graph, partitioned and lowered on first use.
    public func joint(for args: [Tensor]) -> CompiledJoint {
        let key = CompiledFunction.guardKey(args) + args.map { $0.requiresGrad ? "grad" : "" }
        if let j = joints.withLock({ $0[key] }), j.params.map(\.shape) == j.paramShapes { return j }
        let j = CompiledJoint(args, f)
        if debugLevel >= 1 && j.graphBreak == nil {
            debugPrint("pt2: traced forward and backward \(key.joined(separator: ", "))\n--- joint\n\(j.joint)\n--- saved \(j.partition.saved.map { "%\($0)" })\n--- forward\n"
                       + j.forward!.passDump + "\n--- backward\n" + j.backward!.passDump)
        }
        if debugLevel >= 2 && j.graphBreak == nil {
            debugPrint("pt2: generated C (forward)\n" + j.forward!.source + "\npt2: generated C (backward)\n" + j.backward!.source)
        }
        joints.withLock { $0[key] = j }
        return j
    }

    /// Runs `f` compiled (or eagerly where it cannot be, saying why once). With gradients
    /// wanted (an argument or a captured parameter requires grad), the forward and the
    /// backward are compiled, and the outputs backpropagate through the compiled backward.
    public func callAsFunction(_ args: [Tensor]) -> [Tensor] {
        // an argument wanting gradients: straight to the joint trace (one trace, not two)
        if isGradEnabled && args.contains(where: { $0.requiresGrad }) { return differentiable(args) }
        let program = program(for: args)
        if let reason = program.graphBreak { return eager(args, because: reason) }
        if isGradEnabled && program.params.contains(where: { $0.requiresGrad }) { return differentiable(args) }
        if CompiledProgram.runsOnCUDA(args + program.params) { return program.run(args, compiler: "") }   // CUDA C (RunCUDA.swift)
        if !(args + program.params).allSatisfy({ $0.buffer is HostBuffer }) {
            return eager(args, because: "the generated code runs on host memory (.cpu, .reference) only")
        }
        guard let compiler = CCompiler.selected else {
            return eager(args, because: "no C compiler ($CC, cc or clang on the PATH)")
        }
        return program.run(args, compiler: compiler)
    }

    /// `f` with its backward compiled: the joint program's forward, as one custom op.
    func differentiable(_ args: [Tensor]) -> [Tensor] {
        let j = joint(for: args)
        if let reason = j.graphBreak { return eager(args, because: reason) }
        if CompiledProgram.runsOnCUDA(args + j.params) { return j.run(args, compiler: "") }
        if !(args + j.params).allSatisfy({ $0.buffer is HostBuffer }) {
            return eager(args, because: "the generated code runs on host memory (.cpu, .reference) only")
        }
        guard let compiler = CCompiler.selected else {
            return eager(args, because: "no C compiler ($CC, cc or clang on the PATH)")
        }
        return j.run(args, compiler: compiler)
    }

    /// `f` run eagerly, with one warning per function (an error in strict mode).
    func eager(_ args: [Tensor], because reason: String) -> [Tensor] {
        Strict.fallback("compile: running eagerly: \(reason)")
        if !warned.exchange(true, ordering: .relaxed) { debugPrint("pt2: warning: running eagerly: \(reason)") }
        return f(args)
    }
}

/// `f` compiled: traced on the first call for each set of argument shapes and dtypes, then
/// run as generated C kernels. Tensors `f` reads that are not arguments (parameters) are
/// graph inputs, read at every call.
public func compile(_ f: @escaping ([Tensor]) -> [Tensor]) -> ([Tensor]) -> [Tensor] {
    let compiled = CompiledFunction(f)
    return { compiled($0) }
}

/// The one-tensor form of `compile`.
public func compile(_ f: @escaping (Tensor) -> Tensor) -> (Tensor) -> Tensor {
    let compiled = CompiledFunction { [f($0[0])] }
    return { compiled([$0])[0] }
}

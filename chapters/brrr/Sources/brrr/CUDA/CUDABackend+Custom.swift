// CUDA C that is not the backend's own: source made at run time (pt2's code generator), compiled
// by NVRTC for this GPU, loaded, and its kernels launched on the backend's one stream, in
// order with every op the backend queues. A program is compiled once per process and GPU
// (kept by its source), and once per machine through the same disk cache as the backend's
// kernels (NVRTC.swift: `KernelCache`).
import Synchronization
import dfdx

/// An argument of a custom kernel, passed by value (a device address is a `pointer`).
public enum CUDAKernelArgument: Sendable {
    case pointer(UInt64), int(Int), int32(Int32), float(Float)

    var argument: KernelArgument {
        switch self {
        case .pointer(let p): return .pointer(p)
        case .int(let v): return .int(v)
        case .int32(let v): return .int32(v)
        case .float(let v): return .float(v)
        }
    }
}

/// A program of CUDA C compiled and loaded on one GPU: its kernels by name.
public final class CUDACustomModule: @unchecked Sendable {
    /// The kernels' names, as asked for.
    public let names: [String]
    let functions: [String: CUfunction]

    init(names: [String], functions: [String: CUfunction]) {
        self.names = names
        self.functions = functions
    }
}

extension CUDABackend {
    /// The modules compiled so far, by GPU and source.
    private static let customModules = Mutex<[String: CUDACustomModule]>([:])

    /// Compiles `source` (CUDA C whose kernels are `extern "C" __global__`) for this GPU, loads
    /// it and looks up the kernels `names`; `options` go to NVRTC (e.g. `--fmad=false`). A source compiled before (in this process, or on
    /// this machine through the disk cache) is not compiled again. Stops with NVRTC's log when
    /// the source does not compile (a bug in the code that generated it).
    public func customModule(source: String, names: [String], options: [String] = []) -> CUDACustomModule {
        let arch = gpu.compileArch
        let key = "\(device) \(KernelCache.key([source, names.joined(separator: " "), options.joined(separator: " ")]))"
        if let m = CUDABackend.customModules.withLock({ $0[key] }) { return m }
        let nvrtc: NVRTC
        switch NVRTC.loaded {
        case .success(let n): nvrtc = n
        case .failure(let why): fail("cuda: cannot compile generated kernels: \(why)")
        }
        let cubin = KernelCache.cubin(key: KernelCache.key([source, options.joined(separator: " "), arch, "nvrtc \(nvrtc.version.major).\(nvrtc.version.minor)", "custom"])) {
            nvrtc.compileCubin(source, name: "generated.cu", arch: arch, options: options)
        }
        let d = gpu.driver
        gpu.makeCurrent()
        var module: CUmodule? = nil
        cubin.withUnsafeBytes { d.check(d.cuModuleLoadData(&module, $0.baseAddress!), "cuModuleLoadData (generated kernels for \(arch))") }
        var functions: [String: CUfunction] = [:]
        for name in names {
            var f: CUfunction? = nil
            d.check(d.cuModuleGetFunction(&f, module, name), "cuModuleGetFunction(\(name)) in the generated kernels")
            functions[name] = f
        }
        let made = CUDACustomModule(names: names, functions: functions)
        CUDABackend.customModules.withLock { $0[key] = made }
        return made
    }

    /// Queues kernel `name` of `module` on the stream: `grid` blocks of `block` threads, with
    /// `shared` bytes of dynamic shared memory, on `arguments`.
    public func launch(_ module: CUDACustomModule, _ name: String, grid: Int, block: Int, shared: Int = 0, _ arguments: [CUDAKernelArgument]) {
        guard grid > 0 else { return }
        guard let f = module.functions[name] else { fail("cuda: no kernel named \(name) in the generated module (has \(module.names))") }
        gpu.makeCurrent()
        gpu.launch(function: f, named: "\(name) of the generated kernels", grid: (grid, 1, 1), block: (block, 1, 1),
                   shared: shared, arguments.map(\.argument))
    }

    /// Waits for everything queued on the stream (no status check: a profiler's clock).
    public func waitForStream() {
        gpu.makeCurrent()
        gpu.driver.check(gpu.driver.cuStreamSynchronize(gpu.stream), "cuStreamSynchronize on \(device)")
    }

    /// How many multiprocessors the GPU has (a grid-stride launch fills them).
    public var multiprocessorCount: Int { gpu.multiprocessors }
}

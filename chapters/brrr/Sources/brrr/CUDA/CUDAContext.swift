// One GPU as the backend sees it: its context, its stream, its compiled kernels, and a status
// word the kernels write when something went wrong on the device.
//
// A CUDA context is current per *thread*, and Swift runs our calls on whatever thread the
// caller is on, so every entry point makes the device's context current first
// (`cuCtxSetCurrent` costs a few nanoseconds when it already is). We use the device's primary
// context, the one the runtime API (and PyTorch) would use too.
//
// Kernels cannot stop the process, so a kernel that finds a bad index, or a student's stub
// (`pg_todo`), writes `pg_status` on the device; `synchronize` and every download read it back
// and stop with the message the op would have given on the CPU.
import Synchronization
import dfdx

final class CUDAContext: @unchecked Sendable {
    let driver: CUDADriver
    let device: Device
    let handle: CUdevice
    let context: CUcontext?
    let stream: CUstream?
    /// "NVIDIA H200", as the driver names it.
    let name: String
    let multiprocessors: Int
    /// "sm_90" for compute capability 9.0.
    let arch: String
    /// What NVRTC compiles for: `arch`, but "sm_90a" on a Hopper (its own instructions, wgmma and
    /// setmaxnreg, exist only in that target, whose code runs on compute capability 9.0 alone).
    var compileArch: String { arch == "sm_90" ? "sm_90a" : arch }
    /// 90 for compute capability 9.0.
    var computeCapability: Int { Int(arch.dropFirst(3).filter(\.isNumber)) ?? 0 }
    let allocator: CUDAAllocator

    /// What a kernel launch with index checks would say if an index were bad, by launch number.
    private let checks = Mutex<(next: UInt64, pending: [UInt64: @Sendable (Int64) -> String])>((1, [:]))
    private let loaded = Mutex<CUDAModule?>(nil)

    init(driver: CUDADriver, index: Int) {
        self.driver = driver
        self.device = .cuda(index)
        var dev: CUdevice = 0
        driver.check(driver.cuDeviceGet(&dev, Int32(index)), "cuDeviceGet(\(index))")
        handle = dev
        var ctx: CUcontext? = nil
        driver.check(driver.cuDevicePrimaryCtxRetain(&ctx, dev), "cuDevicePrimaryCtxRetain(\(index))")
        context = ctx
        driver.check(driver.cuCtxSetCurrent(ctx), "cuCtxSetCurrent")
        var s: CUstream? = nil
        driver.check(driver.cuStreamCreate(&s, 1), "cuStreamCreate")   // 1: CU_STREAM_NON_BLOCKING
        stream = s
        var text = [CChar](repeating: 0, count: 256)
        driver.check(driver.cuDeviceGetName(&text, 255, dev), "cuDeviceGetName")
        name = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        func attribute(_ a: Int32) -> Int {
            var v: Int32 = 0
            driver.check(driver.cuDeviceGetAttribute(&v, a, dev), "cuDeviceGetAttribute(\(a))")
            return Int(v)
        }
        multiprocessors = attribute(CUDAAttribute.multiprocessorCount)
        arch = "sm_\(attribute(CUDAAttribute.computeCapabilityMajor))\(attribute(CUDAAttribute.computeCapabilityMinor))"
        allocator = CUDAAllocator(driver: driver, context: ctx, stream: s, device: device)
    }

    @inline(__always) func makeCurrent() { driver.check(driver.cuCtxSetCurrent(context), "cuCtxSetCurrent") }

    /// The kernels, compiled (or read from the disk cache) and loaded on first use.
    var module: CUDAModule {
        loaded.withLock { m in
            if let m { return m }
            makeCurrent()
            let made = CUDAModule(program: CUDAProgram.kernels, gpu: self)
            m = made
            return made
        }
    }

    /// Launches `kernel` on the stream: `grid` blocks of `block` threads.
    func launch(_ kernel: String, grid: (Int, Int, Int), block: (Int, Int, Int), shared: Int = 0, _ args: [KernelArgument]) {
        guard grid.0 > 0 && grid.1 > 0 && grid.2 > 0 else { return }
        makeCurrent()
        let f = module.function(kernel)
        if shared > 48 << 10 {   // more than 48 KB of dynamic shared memory only once the kernel's limit is raised
            driver.check(driver.cuFuncSetAttribute(f, 8, Int32(shared)), "cuFuncSetAttribute(\(kernel), max dynamic shared memory \(shared))")
        }
        launch(function: f, named: kernel, grid: grid, block: block, shared: shared, args)
    }

    /// Launches the loaded function `f` (`name` for messages) on the stream; the context is current.
    func launch(function f: CUfunction, named name: String, grid: (Int, Int, Int), block: (Int, Int, Int),
                shared: Int, _ args: [KernelArgument]) {
        // Each argument's bytes at its own 8-aligned place; the driver wants a pointer to each.
        let total = args.reduce(0) { $0 + ($1.byteCount + 7) / 8 * 8 }
        withUnsafeTemporaryAllocation(byteCount: max(total, 8), alignment: 16) { storage in
            var pointers: [UnsafeMutableRawPointer?] = []
            var at = 0
            for a in args {
                let p = storage.baseAddress! + at
                a.write(to: p)
                pointers.append(p)
                at += (a.byteCount + 7) / 8 * 8
            }
            let r = pointers.withUnsafeMutableBufferPointer { params in
                driver.cuLaunchKernel(f, UInt32(grid.0), UInt32(grid.1), UInt32(grid.2), UInt32(block.0), UInt32(block.1), UInt32(block.2),
                                      UInt32(shared), stream, params.baseAddress, nil)
            }
            driver.check(r, "cuLaunchKernel(\(name), grid \(grid), block \(block))")
        }
    }

    /// Milliseconds the GPU spends on what `body` queues (two events on the stream around it).
    func elapsedMilliseconds(_ body: () -> Void) -> Double {
        makeCurrent()
        var start: CUevent? = nil, end: CUevent? = nil
        driver.check(driver.cuEventCreate(&start, 0), "cuEventCreate")
        driver.check(driver.cuEventCreate(&end, 0), "cuEventCreate")
        driver.check(driver.cuEventRecord(start, stream), "cuEventRecord")
        body()
        driver.check(driver.cuEventRecord(end, stream), "cuEventRecord")
        driver.check(driver.cuEventSynchronize(end), "cuEventSynchronize")
        var ms: Float = 0
        driver.check(driver.cuEventElapsedTime(&ms, start, end), "cuEventElapsedTime")
        return Double(ms)
    }

    /// A number for a launch whose kernel checks indices, with the message it would stop with.
    func expectIndices(_ message: @escaping @Sendable (Int64) -> String) -> UInt64 {
        checks.withLock { c in
            let n = c.next
            c.next += 1
            c.pending[n] = message
            return n
        }
    }

    /// Waits for the stream, then stops if a kernel reported a stub or a bad index.
    func synchronize() {
        makeCurrent()
        driver.check(driver.cuStreamSynchronize(stream), "cuStreamSynchronize on \(device) (an earlier kernel failed)")
        checkStatus()
    }

    /// Reads the device's status words (after the stream is idle).
    private func checkStatus() {
        guard let m = loaded.withLock({ $0 }) else { return }   // no kernel ran yet
        var status = [UInt64](repeating: 0, count: 4)
        status.withUnsafeMutableBytes { host in
            driver.check(driver.cuMemcpyDtoHAsync(host.baseAddress, m.status, 32, stream), "reading the kernels' status")
        }
        driver.check(driver.cuStreamSynchronize(stream), "cuStreamSynchronize on \(device)")
        if status[0] != 0 { m.program.stopAtStub(line: Int(status[0])) }
        let message = checks.withLock { c -> (@Sendable (Int64) -> String)? in
            let m = status[1] == 0 ? nil : c.pending[status[1]]
            c.pending = [:]
            return m
        }
        if let message { fail(message(Int64(bitPattern: status[2]))) }
    }
}

/// A kernel argument, passed by value.
enum KernelArgument {
    /// `words`: a struct of 64-bit words passed by value (a TMA tensor map: 16 words).
    case int(Int), int32(Int32), float(Float), pointer(UInt64), layout(KernelLayout), words([UInt64])

    var byteCount: Int {
        switch self {
        case .int, .pointer: return 8
        case .int32, .float: return 4
        case .layout: return KernelLayout.words * 8
        case .words(let w): return w.count * 8
        }
    }

    func write(to p: UnsafeMutableRawPointer) {
        switch self {
        case .int(let v): p.storeBytes(of: Int64(v), as: Int64.self)
        case .int32(let v): p.storeBytes(of: v, as: Int32.self)
        case .float(let v): p.storeBytes(of: v, as: Float.self)
        case .pointer(let v): p.storeBytes(of: v, as: UInt64.self)
        case .layout(let l): l.write(to: p)
        case .words(let w): for (i, v) in w.enumerated() { (p + 8 * i).storeBytes(of: v, as: UInt64.self) }
        }
    }
}

/// The kernels' `Layout` (CUDAKernels.swift): a shape and up to four operands' offsets and
/// strides (in elements), so one kernel reads any strided view.
struct KernelLayout {
    static let maxRank = 8, operands = 4
    static let words = 2 + maxRank + operands + operands * maxRank
    var shape: [Int]
    var offsets: [Int] = [0, 0, 0, 0]
    var strides: [[Int]] = [[], [], [], []]

    init(shape: [Int]) {
        check(shape.count <= KernelLayout.maxRank, "cuda: rank \(shape.count) (shape \(shape)) is more than the kernels' \(KernelLayout.maxRank) dims")
        self.shape = shape
    }

    /// Operand `k` reads the view (its strides must have this layout's rank).
    mutating func set(_ k: Int, strides s: [Int], offset: Int) {
        strides[k] = s
        offsets[k] = offset
    }

    var count: Int { shape.reduce(1, *) }

    func write(to p: UnsafeMutableRawPointer) {
        let w = p.assumingMemoryBound(to: Int64.self)
        w.update(repeating: 0, count: KernelLayout.words)
        w[0] = Int64(shape.count)
        w[1] = Int64(count)
        for (d, n) in shape.enumerated() { w[2 + d] = Int64(n) }
        for k in 0..<KernelLayout.operands {
            w[2 + KernelLayout.maxRank + k] = Int64(offsets[k])
            for (d, s) in strides[k].enumerated() { w[2 + KernelLayout.maxRank + KernelLayout.operands + k * KernelLayout.maxRank + d] = Int64(s) }
        }
    }
}

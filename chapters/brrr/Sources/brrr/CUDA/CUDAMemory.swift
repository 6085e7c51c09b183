// GPU memory from a caching allocator, like PyTorch's CUDA allocator.
//
// `cuMemAlloc` and `cuMemFree` are slow (cuMemFree waits for the whole device), and a model
// allocates the same sizes every step. So a freed buffer's block goes back to a free list of
// its size class and the next request of that class takes it, with no driver call. Reuse is
// safe without events because every op of a device runs on its one stream, in order: work
// queued after the free that writes the block runs after the work queued before it that read
// it. When the driver runs out of memory, the cached blocks are given back and the call retried.
import Synchronization
import dfdx

/// A block of device memory; returned to its allocator's pool when the last tensor drops it.
public final class CUDABuffer: Buffer, @unchecked Sendable {
    public let byteCount: Int
    /// The device address (a CUdeviceptr).
    public let address: UInt64
    let blockSize: Int
    let allocator: CUDAAllocator

    init(address: UInt64, byteCount: Int, blockSize: Int, allocator: CUDAAllocator) {
        self.address = address
        self.byteCount = byteCount
        self.blockSize = blockSize
        self.allocator = allocator
    }

    deinit { allocator.release(address, blockSize: blockSize) }
}

/// Device memory of one GPU, pooled by size class; thread-safe.
final class CUDAAllocator: @unchecked Sendable {
    private struct State {
        var free: [Int: [UInt64]] = [:]
        var stats = AllocationStats()
    }
    private let state = Mutex(State())
    private let driver: CUDADriver
    private let context: CUcontext?, stream: CUstream?
    private let device: Device

    init(driver: CUDADriver, context: CUcontext?, stream: CUstream?, device: Device) {
        (self.driver, self.context, self.stream, self.device) = (driver, context, stream, device)
    }

    /// The block size for `bytes`: at least 512, rounded up to a quarter of its power of two
    /// (at most 25% more than asked).
    static func sizeClass(_ bytes: Int) -> Int {
        let n = max(bytes, 512)
        let top = Int.bitWidth - 1 - n.leadingZeroBitCount
        let step = max(512, (1 << top) / 4)
        return (n + step - 1) / step * step
    }

    func allocate(byteCount: Int) -> CUDABuffer {
        let size = CUDAAllocator.sizeClass(byteCount)
        let reused: UInt64? = state.withLock { s in
            s.stats.allocations += 1
            s.stats.bytesInUse += size
            guard let block = s.free[size]?.popLast() else { s.stats.systemAllocations += 1; return nil }
            s.stats.bytesCached -= size
            return block
        }
        let address = reused ?? systemAllocate(size)
        return CUDABuffer(address: address, byteCount: byteCount, blockSize: size, allocator: self)
    }

    private func systemAllocate(_ size: Int) -> UInt64 {
        let d = driver
        d.check(d.cuCtxSetCurrent(context), "cuCtxSetCurrent")
        var p: CUdeviceptr = 0
        var r = d.cuMemAlloc(&p, size)
        if r == 2 {   // CUDA_ERROR_OUT_OF_MEMORY: give the cache back, then try once more
            emptyCache()
            r = d.cuMemAlloc(&p, size)
        }
        if r != 0 {
            var free = 0, total = 0
            _ = d.cuMemGetInfo(&free, &total)
            d.check(r, "cuMemAlloc(\(size) bytes) on \(device) (free \(free >> 20) MiB of \(total >> 20) MiB)")
        }
        return p
    }

    /// Takes a block back into its free list (from a buffer's deinit, on any thread).
    func release(_ address: UInt64, blockSize: Int) {
        state.withLock { s in
            s.stats.bytesInUse -= blockSize
            s.free[blockSize, default: []].append(address)
            s.stats.bytesCached += blockSize
        }
    }

    /// Gives every cached block back to the driver (like torch.cuda.empty_cache).
    func emptyCache() {
        let blocks = state.withLock { s in
            let all = s.free.values.flatMap { $0 }
            s.free = [:]
            s.stats.bytesCached = 0
            return all
        }
        guard !blocks.isEmpty else { return }
        driver.check(driver.cuCtxSetCurrent(context), "cuCtxSetCurrent")
        // the stream may still hold kernels that read these blocks: let them finish first
        driver.check(driver.cuStreamSynchronize(stream), "cuStreamSynchronize")
        for b in blocks { driver.check(driver.cuMemFree(b), "cuMemFree") }
    }

    var stats: AllocationStats { state.withLock { $0.stats } }
}

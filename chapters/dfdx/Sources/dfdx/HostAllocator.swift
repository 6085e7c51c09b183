// Host memory from a caching allocator, as PyTorch's CPU and CUDA allocators do.
//
// A training step allocates the same sizes every step (activations, gradients, optimizer
// temporaries). Asking the system each time costs a page fault per fresh page; instead, a
// freed buffer goes back to a pool of blocks sorted by size class, and the next request of
// that class reuses it. Size classes are the request rounded up to a quarter of its power of
// two (at most 25% waste) up to 64 KB, and to whole 4 KB pages above (at most 6%, so a model's
// weights do not grow by a quarter); the pool keeps at most `cacheLimit` bytes of free blocks.
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pool of host memory blocks by size class; thread-safe. One per backend instance.
public final class HostAllocator: Sendable {
    /// A free block's address (plain memory no one references; safe to hand between threads).
    private struct Block: @unchecked Sendable { let pointer: UnsafeMutableRawPointer }
    private struct State {
        var free: [Int: [Block]] = [:]
        /// The free blocks of the classes up to 64 KB, by `smallSlot`: what an op allocates, with
        /// no dictionary to hash.
        var small = [[Block]](repeating: [], count: HostAllocator.smallSlots)
        var stats = AllocationStats()
    }
    static let smallSlots = 41

    /// The free list of a size class up to 64 KB (four per power of two), nil above.
    @inline(__always)
    static func smallSlot(_ size: Int) -> Int? {
        guard size <= 65536 else { return nil }
        let top = Int.bitWidth - 1 - size.leadingZeroBitCount
        return (top - 6) * 4 + ((size - (1 << top)) >> (top - 2))
    }
    private let state = Mutex(State())
    /// Most bytes of free blocks kept for reuse (`PICOGRAD_POOL_MB`, default 256 MB).
    public let cacheLimit: Int

    public init(cacheLimit: Int = HostAllocator.defaultCacheLimit) { self.cacheLimit = cacheLimit }

    public static let defaultCacheLimit: Int = (environment("PICOGRAD_POOL_MB").flatMap { Int($0) } ?? 256) << 20

    /// The block size that serves a request of `bytes`: a multiple of 64, and of a quarter of
    /// the request's power of two; above 64 KB, whole 4 KB pages.
    static func sizeClass(_ bytes: Int) -> Int {
        let n = Swift.max(bytes, 64)
        if n > 65536 { return (n + 4095) / 4096 * 4096 }
        let top = Int.bitWidth - 1 - n.leadingZeroBitCount     // 2^top <= n
        let step = Swift.max(64, (1 << top) / 4)
        return (n + step - 1) / step * step
    }

    /// A new buffer of `byteCount` bytes: a pooled block if one is free, else the system's.
    public func allocate(byteCount: Int) -> HostBuffer {
        let size = HostAllocator.sizeClass(byteCount)
        let reused: UnsafeMutableRawPointer? = state.withLock { s in
            s.stats.allocations += 1
            s.stats.bytesInUse += size
            let found: Block?
            if let slot = HostAllocator.smallSlot(size) { found = s.small[slot].popLast() } else { found = s.free[size]?.popLast() }
            guard let block = found else { s.stats.systemAllocations += 1; return nil }
            s.stats.bytesCached -= size
            return block.pointer
        }
        let pointer = reused ?? HostAllocator.systemAllocate(size)
        return HostBuffer(pointer: pointer, byteCount: byteCount, blockSize: size, allocator: self)
    }

    /// Blocks of at least this many bytes are aligned to it and, on Linux, asked to be backed by
    /// transparent huge pages: one page fault and one TLB entry per 2 MB instead of 512, which
    /// a stream through a big tensor (a sum, an add of 16M floats) feels as bandwidth.
    static let hugePage = 2 << 20

    static func systemAllocate(_ size: Int) -> UnsafeMutableRawPointer {
        guard size >= hugePage else { return UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64) }
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: hugePage)
        #if os(Linux)
        _ = madvise(pointer, size, MADV_HUGEPAGE)   // advice only: where THP is off nothing changes
        #endif
        return pointer
    }

    /// Takes a block back (from a buffer's deinit): into the pool, or to the system when full.
    func release(_ pointer: UnsafeMutableRawPointer, blockSize: Int) {
        let block = Block(pointer: pointer)
        let keep = state.withLock { s in
            s.stats.bytesInUse -= blockSize
            guard s.stats.bytesCached + blockSize <= cacheLimit else { return false }
            if let slot = HostAllocator.smallSlot(blockSize) { s.small[slot].append(block) }
            else { s.free[blockSize, default: []].append(block) }
            s.stats.bytesCached += blockSize
            return true
        }
        if !keep { pointer.deallocate() }
    }

    /// Gives every cached block back to the system (like torch.cuda.empty_cache).
    public func emptyCache() {
        let blocks = state.withLock { s in
            let all = s.free.values.flatMap { $0 } + s.small.flatMap { $0 }
            s.free = [:]
            s.small = [[Block]](repeating: [], count: HostAllocator.smallSlots)
            s.stats.bytesCached = 0
            return all
        }
        for b in blocks { b.pointer.deallocate() }
    }

    public var stats: AllocationStats { state.withLock { $0.stats } }
}

/// Host memory: `byteCount` bytes of a pooled block, returned to its allocator when freed.
public final class HostBuffer: Buffer, @unchecked Sendable {
    public let byteCount: Int
    public let pointer: UnsafeMutableRawPointer
    let blockSize: Int
    let allocator: HostAllocator

    init(pointer: UnsafeMutableRawPointer, byteCount: Int, blockSize: Int, allocator: HostAllocator) {
        self.pointer = pointer
        self.byteCount = byteCount
        self.blockSize = blockSize
        self.allocator = allocator
    }

    /// The memory as float32 elements.
    public var floats: UnsafeMutablePointer<Float> { pointer.assumingMemoryBound(to: Float.self) }
    /// The memory as int32 elements.
    public var int32s: UnsafeMutablePointer<Int32> { pointer.assumingMemoryBound(to: Int32.self) }

    deinit { allocator.release(pointer, blockSize: blockSize) }
}

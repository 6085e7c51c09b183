// The CUDA backend: dfdx's Backend protocol on one GPU. Memory and copies here; the
// primitives, each a kernel launch, in CUDABackend+Ops.swift.
//
// Everything is queued on the device's one stream and returns at once; the host waits only
// where it must see values: `download` and `synchronize`. Host -> device copies of pageable
// memory return once the driver has taken the bytes, so the caller may free them.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import dfdx

/// One GPU's backend (`Device.cuda(i)`), made on first use by the factory brrr registers.
public final class CUDABackend: Backend, @unchecked Sendable {
    public let name = "cuda"
    public var device: Device { gpu.device }
    let gpu: CUDAContext

    init(gpu: CUDAContext) { self.gpu = gpu }

    /// The GPU's name, as the driver gives it ("NVIDIA H200").
    public var deviceName: String { gpu.name }

    /// The device address of `buffer`; stops when it belongs to another device.
    @inline(__always) func address(_ buffer: any Buffer) -> UInt64 {
        guard let b = buffer as? CUDABuffer, b.allocator === gpu.allocator else {
            fail("cuda backend (\(device)): got a buffer of another device (\(type(of: buffer)))")
        }
        return b.address
    }

    /// The address of element `offset` (of `dtype`) of a view's buffer.
    @inline(__always) func address(_ v: StridedView) -> UInt64 {
        address(v.buffer) + UInt64(v.dtype.byteCount(of: v.offset))
    }

    // MARK: memory

    public func allocate(byteCount: Int) -> any Buffer { gpu.allocator.allocate(byteCount: byteCount) }
    public var allocationStats: AllocationStats { gpu.allocator.stats }

    /// Gives the cached blocks back to the driver (like torch.cuda.empty_cache).
    public func emptyCache() { gpu.allocator.emptyCache() }

    public func upload(_ host: UnsafeRawBufferPointer, to buffer: any Buffer, byteOffset: Int) {
        guard host.count > 0 else { return }
        let d = gpu.driver
        gpu.makeCurrent()
        d.check(d.cuMemcpyHtoDAsync(address(buffer) + UInt64(byteOffset), host.baseAddress, host.count, gpu.stream),
                "cuMemcpyHtoDAsync(\(host.count) bytes)")
    }

    public func download(_ buffer: any Buffer, byteOffset: Int, into host: UnsafeMutableRawBufferPointer) {
        let d = gpu.driver
        gpu.makeCurrent()
        if host.count > 0 {
            d.check(d.cuMemcpyDtoHAsync(host.baseAddress, address(buffer) + UInt64(byteOffset), host.count, gpu.stream),
                    "cuMemcpyDtoHAsync(\(host.count) bytes)")
        }
        gpu.synchronize()
    }

    public func copy(_ src: any Buffer, of source: any Backend, byteOffset srcOffset: Int,
                     to dst: any Buffer, byteOffset dstOffset: Int, byteCount: Int) {
        guard byteCount > 0 else { return }
        let d = gpu.driver
        if let s = src as? CUDABuffer, s.allocator === gpu.allocator {   // on this GPU
            gpu.makeCurrent()
            d.check(d.cuMemcpyDtoDAsync(address(dst) + UInt64(dstOffset), s.address + UInt64(srcOffset), byteCount, gpu.stream),
                    "cuMemcpyDtoDAsync(\(byteCount) bytes)")
        } else if let h = src as? HostBuffer {                            // from host memory
            upload(UnsafeRawBufferPointer(start: h.pointer + srcOffset, count: byteCount), to: dst, byteOffset: dstOffset)
        } else {                                                           // another GPU: through the host
            let staging = UnsafeMutableRawBufferPointer.allocate(byteCount: byteCount, alignment: 64)
            defer { staging.deallocate() }
            source.download(src, byteOffset: srcOffset, into: staging)
            upload(UnsafeRawBufferPointer(staging), to: dst, byteOffset: dstOffset)
            gpu.synchronize()   // the staging memory is freed on return
        }
    }

    public func synchronize() { gpu.synchronize() }

    // MARK: launch shapes

    /// Blocks of `threads` for a grid-stride loop over `work` items: enough to fill the GPU
    /// (32 blocks per multiprocessor), no more than the work needs.
    func blocks(_ work: Int, threads: Int = 256) -> Int {
        min((work + threads - 1) / threads, gpu.multiprocessors * 32)
    }
}

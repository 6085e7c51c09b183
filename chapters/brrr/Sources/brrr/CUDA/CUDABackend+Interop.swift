// What a library that queues its own GPU work after ours needs from the backend (chapter 5's
// NCCL process group): the stream every op of the GPU runs on, its context made current on the
// calling thread, and a buffer's device address. Work such a library queues on `stream` runs
// in order with ours, so no event or synchronization is needed between the two.
import dfdx

extension CUDABackend {
    /// The GPU's one stream (a CUstream, which is what the runtime API calls a cudaStream_t).
    public var stream: OpaquePointer? { gpu.stream }

    /// Makes the GPU's primary context current on this thread: what `cudaSetDevice(index)`
    /// does, so a library built on the runtime API (NCCL) finds this device as the current one.
    public func makeContextCurrent() { gpu.makeCurrent() }

    /// The device address of `buffer`, or nil when it is not memory of this GPU.
    public func deviceAddress(of buffer: any Buffer) -> UInt64? {
        guard let b = buffer as? CUDABuffer, b.allocator === gpu.allocator else { return nil }
        return b.address
    }
}

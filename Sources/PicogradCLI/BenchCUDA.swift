// `picograd bench cuda --device cuda`: elementwise throughput on a GPU at 256M floats (1 GiB
// an operand), against a device-to-device copy of the same bytes measured in the same run.
// Work on a GPU is queued, so each timing ends with a synchronize. Bytes counted are those
// read plus those written (a copy of 1 GiB moves 2 GiB).
import picograd

extension Bench {
    static func cuda(device: Device) -> [Result] {
        guard device.kind == .cuda else { userError("bench", "the cuda suite runs on a GPU: add --device cuda") }
        let backend = Backends.backend(for: device)
        let n = 256 << 20, bytes = Double(4 * n)
        let a = Tensor.ones([n], device: device), b = Tensor.full([n], 2, device: device)
        let scratch = backend.allocate(byteCount: 4 * n)
        /// Median seconds per call over 5 runs of 4 calls, each run ending in a synchronize.
        func seconds(_ body: () -> Void) -> Double {
            body(); backend.synchronize()
            var samples: [Double] = []
            for _ in 0..<5 {
                let t0 = monotonicSeconds()
                for _ in 0..<4 { body() }
                backend.synchronize()
                samples.append((monotonicSeconds() - t0) / 4)
            }
            return samples.sorted()[2]
        }
        let copy = 2 * bytes / seconds { backend.copy(a.buffer, of: backend, byteOffset: 0, to: scratch, byteOffset: 0, byteCount: 4 * n) } / 1e9
        let add = 3 * bytes / seconds { _ = a + b } / 1e9
        let exp = 2 * bytes / seconds { _ = a.exp() } / 1e9
        let scaled = 2 * bytes / seconds { _ = a * 3 } / 1e9   // a broadcast scalar: the strided kernel
        let name = (backend as? CUDABackend)?.deviceName ?? "\(device)"
        print("picograd bench cuda on \(name): 256M floats; copy \(fixed(copy, 0)) GB/s, add \(fixed(add, 0)) GB/s (\(fixed(100 * add / copy, 1))% of copy), "
              + "exp \(fixed(exp, 0)) GB/s (\(fixed(100 * exp / copy, 1))%), mul by a broadcast scalar \(fixed(scaled, 0)) GB/s (\(fixed(100 * scaled / copy, 1))%)")
        return [
            Result(suite: "cuda", name: "copy_256M_gbs", value: copy, unit: "GB/s"),
            Result(suite: "cuda", name: "add_256M_gbs", value: add, unit: "GB/s"),
            Result(suite: "cuda", name: "exp_256M_gbs", value: exp, unit: "GB/s"),
            Result(suite: "cuda", name: "mul_scalar_256M_gbs", value: scaled, unit: "GB/s"),
            Result(suite: "cuda", name: "add_vs_copy_pct", value: 100 * add / copy, unit: "%"),
        ]
    }
}

// What a program asks about CUDA before using it, and how `.cuda(i)` gets its backend.
//
// Nothing of CUDA is linked: on a machine without the NVIDIA driver, `CUDA.isAvailable` is
// false, `CUDA.unavailableReason` says why in one line, and no `.cuda(i)` backend exists.
import dfdx

/// The CUDA GPUs of this machine, as the driver (libcuda.so.1, loaded at run time) sees them.
public enum CUDA {
    /// True when the driver loads and sees at least one GPU.
    public static var isAvailable: Bool { deviceCount > 0 }

    /// How many GPUs the driver sees (0 without a driver).
    public static let deviceCount: Int = {
        guard case .success(let d) = CUDADriver.loaded else { return 0 }
        var n: Int32 = 0
        return d.cuDeviceGetCount(&n) == 0 ? Int(n) : 0
    }()

    /// Why CUDA cannot be used here, in one line; nil when it can.
    public static var unavailableReason: String? {
        switch CUDADriver.loaded {
        case .failure(let why): return why.description
        case .success: return deviceCount > 0 ? nil : "the NVIDIA driver sees no GPU"
        }
    }

    /// The i-th GPU's name ("NVIDIA H200"), or nil when there is no such GPU.
    public static func deviceName(_ i: Int) -> String? {
        (Backends.lookup(.cuda(i)) as? CUDABackend)?.gpu.name
    }
}

/// Registers the factory that makes a `CUDABackend` for each `.cuda(i)` the driver has.
func registerCUDABackends() {
    Backends.registerFactory(for: .cuda) { device in
        guard device.index >= 0, device.index < CUDA.deviceCount, case .success(let driver) = CUDADriver.loaded else { return nil }
        return CUDABackend(gpu: CUDAContext(driver: driver, index: device.index))
    }
}

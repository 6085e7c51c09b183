// The CUDA driver API, loaded at run time: no CUDA header or library is needed to build.
//
// `dlopen("libcuda.so.1")` and one `dlsym` per entry point. Several entry points changed
// their signature once (64-bit sizes, CUDA 3.2) and the library keeps both: the header maps
// `cuMemAlloc` to the symbol `cuMemAlloc_v2`, so we look up the versioned names ourselves.
// Every call's result goes through `check`, which names the error (`cuGetErrorName`).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import dfdx

typealias CUresult = Int32
typealias CUdevice = Int32
typealias CUdeviceptr = UInt64
typealias CUcontext = OpaquePointer
typealias CUstream = OpaquePointer
typealias CUmodule = OpaquePointer
typealias CUfunction = OpaquePointer
typealias CUevent = OpaquePointer

/// The driver's entry points that picograd calls, as C function pointers.
struct CUDADriver: @unchecked Sendable {
    let cuInit: @convention(c) (UInt32) -> CUresult
    let cuDriverGetVersion: @convention(c) (UnsafeMutablePointer<Int32>) -> CUresult
    let cuGetErrorName: @convention(c) (CUresult, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> CUresult
    let cuDeviceGetCount: @convention(c) (UnsafeMutablePointer<Int32>) -> CUresult
    let cuDeviceGet: @convention(c) (UnsafeMutablePointer<CUdevice>, Int32) -> CUresult
    let cuDeviceGetName: @convention(c) (UnsafeMutablePointer<CChar>, Int32, CUdevice) -> CUresult
    let cuDeviceGetAttribute: @convention(c) (UnsafeMutablePointer<Int32>, Int32, CUdevice) -> CUresult
    let cuDevicePrimaryCtxRetain: @convention(c) (UnsafeMutablePointer<CUcontext?>, CUdevice) -> CUresult
    let cuCtxSetCurrent: @convention(c) (CUcontext?) -> CUresult
    let cuStreamCreate: @convention(c) (UnsafeMutablePointer<CUstream?>, UInt32) -> CUresult
    let cuStreamSynchronize: @convention(c) (CUstream?) -> CUresult
    let cuMemAlloc: @convention(c) (UnsafeMutablePointer<CUdeviceptr>, Int) -> CUresult
    let cuMemFree: @convention(c) (CUdeviceptr) -> CUresult
    let cuMemGetInfo: @convention(c) (UnsafeMutablePointer<Int>, UnsafeMutablePointer<Int>) -> CUresult
    let cuMemcpyHtoDAsync: @convention(c) (CUdeviceptr, UnsafeRawPointer?, Int, CUstream?) -> CUresult
    let cuMemcpyDtoHAsync: @convention(c) (UnsafeMutableRawPointer?, CUdeviceptr, Int, CUstream?) -> CUresult
    let cuMemcpyDtoDAsync: @convention(c) (CUdeviceptr, CUdeviceptr, Int, CUstream?) -> CUresult
    let cuMemsetD32Async: @convention(c) (CUdeviceptr, UInt32, Int, CUstream?) -> CUresult
    let cuModuleLoadData: @convention(c) (UnsafeMutablePointer<CUmodule?>, UnsafeRawPointer) -> CUresult
    let cuModuleGetFunction: @convention(c) (UnsafeMutablePointer<CUfunction?>, CUmodule?, UnsafePointer<CChar>) -> CUresult
    let cuModuleGetGlobal: @convention(c) (UnsafeMutablePointer<CUdeviceptr>, UnsafeMutablePointer<Int>, CUmodule?, UnsafePointer<CChar>) -> CUresult
    let cuLaunchKernel: @convention(c) (CUfunction?, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, CUstream?,
                                        UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> CUresult
    let cuFuncSetAttribute: @convention(c) (CUfunction?, Int32, Int32) -> CUresult
    let cuEventCreate: @convention(c) (UnsafeMutablePointer<CUevent?>, UInt32) -> CUresult
    let cuEventRecord: @convention(c) (CUevent?, CUstream?) -> CUresult
    let cuEventSynchronize: @convention(c) (CUevent?) -> CUresult
    let cuEventElapsedTime: @convention(c) (UnsafeMutablePointer<Float>, CUevent?, CUevent?) -> CUresult
    /// Encodes a TMA tensor map (CUDA 12 and later; nil with an older driver: no wgmma rung then).
    let cuTensorMapEncodeTiled: (@convention(c) (UnsafeMutableRawPointer, Int32, UInt32, UnsafeMutableRawPointer?, UnsafePointer<UInt64>,
                                                 UnsafePointer<UInt64>, UnsafePointer<UInt32>, UnsafePointer<UInt32>, Int32, Int32, Int32, Int32) -> CUresult)?

    /// The driver of this machine, or why there is none (no libcuda, no GPU, a failed cuInit).
    static let loaded: Result<CUDADriver, CUDAUnavailable> = load()

    private static func load() -> Result<CUDADriver, CUDAUnavailable> {
        let path = environment("PICOGRAD_LIBCUDA") ?? "libcuda.so.1"
        guard let lib = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            return .failure(CUDAUnavailable("\(path) not found (no NVIDIA driver on this machine)"))
        }
        var missing: [String] = []
        func symbol<T>(_ name: String, _ type: T.Type) -> T {
            guard let p = dlsym(lib, name) else {
                missing.append(name)   // never called: load() fails below
                return unsafeBitCast(UnsafeMutableRawPointer(bitPattern: 1)!, to: type)
            }
            return unsafeBitCast(p, to: type)
        }
        let d = CUDADriver(
            cuInit: symbol("cuInit", (@convention(c) (UInt32) -> CUresult).self),
            cuDriverGetVersion: symbol("cuDriverGetVersion", (@convention(c) (UnsafeMutablePointer<Int32>) -> CUresult).self),
            cuGetErrorName: symbol("cuGetErrorName", (@convention(c) (CUresult, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> CUresult).self),
            cuDeviceGetCount: symbol("cuDeviceGetCount", (@convention(c) (UnsafeMutablePointer<Int32>) -> CUresult).self),
            cuDeviceGet: symbol("cuDeviceGet", (@convention(c) (UnsafeMutablePointer<CUdevice>, Int32) -> CUresult).self),
            cuDeviceGetName: symbol("cuDeviceGetName", (@convention(c) (UnsafeMutablePointer<CChar>, Int32, CUdevice) -> CUresult).self),
            cuDeviceGetAttribute: symbol("cuDeviceGetAttribute", (@convention(c) (UnsafeMutablePointer<Int32>, Int32, CUdevice) -> CUresult).self),
            cuDevicePrimaryCtxRetain: symbol("cuDevicePrimaryCtxRetain", (@convention(c) (UnsafeMutablePointer<CUcontext?>, CUdevice) -> CUresult).self),
            cuCtxSetCurrent: symbol("cuCtxSetCurrent", (@convention(c) (CUcontext?) -> CUresult).self),
            cuStreamCreate: symbol("cuStreamCreate", (@convention(c) (UnsafeMutablePointer<CUstream?>, UInt32) -> CUresult).self),
            cuStreamSynchronize: symbol("cuStreamSynchronize", (@convention(c) (CUstream?) -> CUresult).self),
            cuMemAlloc: symbol("cuMemAlloc_v2", (@convention(c) (UnsafeMutablePointer<CUdeviceptr>, Int) -> CUresult).self),
            cuMemFree: symbol("cuMemFree_v2", (@convention(c) (CUdeviceptr) -> CUresult).self),
            cuMemGetInfo: symbol("cuMemGetInfo_v2", (@convention(c) (UnsafeMutablePointer<Int>, UnsafeMutablePointer<Int>) -> CUresult).self),
            cuMemcpyHtoDAsync: symbol("cuMemcpyHtoDAsync_v2", (@convention(c) (CUdeviceptr, UnsafeRawPointer?, Int, CUstream?) -> CUresult).self),
            cuMemcpyDtoHAsync: symbol("cuMemcpyDtoHAsync_v2", (@convention(c) (UnsafeMutableRawPointer?, CUdeviceptr, Int, CUstream?) -> CUresult).self),
            cuMemcpyDtoDAsync: symbol("cuMemcpyDtoDAsync_v2", (@convention(c) (CUdeviceptr, CUdeviceptr, Int, CUstream?) -> CUresult).self),
            cuMemsetD32Async: symbol("cuMemsetD32Async", (@convention(c) (CUdeviceptr, UInt32, Int, CUstream?) -> CUresult).self),
            cuModuleLoadData: symbol("cuModuleLoadData", (@convention(c) (UnsafeMutablePointer<CUmodule?>, UnsafeRawPointer) -> CUresult).self),
            cuModuleGetFunction: symbol("cuModuleGetFunction", (@convention(c) (UnsafeMutablePointer<CUfunction?>, CUmodule?, UnsafePointer<CChar>) -> CUresult).self),
            cuModuleGetGlobal: symbol("cuModuleGetGlobal_v2", (@convention(c) (UnsafeMutablePointer<CUdeviceptr>, UnsafeMutablePointer<Int>, CUmodule?, UnsafePointer<CChar>) -> CUresult).self),
            cuLaunchKernel: symbol("cuLaunchKernel", (@convention(c) (CUfunction?, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, CUstream?,
                                                                      UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> CUresult).self),
            cuFuncSetAttribute: symbol("cuFuncSetAttribute", (@convention(c) (CUfunction?, Int32, Int32) -> CUresult).self),
            cuEventCreate: symbol("cuEventCreate", (@convention(c) (UnsafeMutablePointer<CUevent?>, UInt32) -> CUresult).self),
            cuEventRecord: symbol("cuEventRecord", (@convention(c) (CUevent?, CUstream?) -> CUresult).self),
            cuEventSynchronize: symbol("cuEventSynchronize", (@convention(c) (CUevent?) -> CUresult).self),
            cuEventElapsedTime: symbol("cuEventElapsedTime", (@convention(c) (UnsafeMutablePointer<Float>, CUevent?, CUevent?) -> CUresult).self),
            cuTensorMapEncodeTiled: dlsym(lib, "cuTensorMapEncodeTiled").map {
                unsafeBitCast($0, to: (@convention(c) (UnsafeMutableRawPointer, Int32, UInt32, UnsafeMutableRawPointer?, UnsafePointer<UInt64>,
                                                       UnsafePointer<UInt64>, UnsafePointer<UInt32>, UnsafePointer<UInt32>, Int32, Int32, Int32, Int32) -> CUresult).self)
            })
        guard missing.isEmpty else {
            return .failure(CUDAUnavailable("\(path) lacks \(missing.joined(separator: ", ")) (driver too old?)"))
        }
        let r = d.cuInit(0)
        guard r == 0 else { return .failure(CUDAUnavailable("cuInit failed: \(d.errorName(r)) (no usable GPU?)")) }
        return .success(d)
    }

    /// "CUDA_ERROR_OUT_OF_MEMORY" for 2, as the driver names it.
    func errorName(_ r: CUresult) -> String {
        var p: UnsafePointer<CChar>? = nil
        guard cuGetErrorName(r, &p) == 0, let p else { return "CUDA error \(r)" }
        return String(cString: p)
    }

    /// Stops naming the call and the driver's error unless `r` is CUDA_SUCCESS.
    @inline(__always)
    func check(_ r: CUresult, _ call: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
        if r != 0 { fail("CUDA: \(call()) failed: \(errorName(r)) (\(r))", file: file, line: line) }
    }
}

/// Why there is no CUDA here, in one line.
struct CUDAUnavailable: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `cuDeviceGetAttribute` numbers used here (cuda.h's CUdevice_attribute).
enum CUDAAttribute {
    static let multiprocessorCount: Int32 = 16
    static let computeCapabilityMajor: Int32 = 75
    static let computeCapabilityMinor: Int32 = 76
}

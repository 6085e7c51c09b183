// NVIDIA's NCCL, loaded at run time with dlopen (no link-time dependency: the course builds and
// runs where there is no GPU). This part finds the library and reads its version and its error
// names; the process group over it (one process per GPU, started by `picograd launch`, the unique
// id through the TCP store) is the next step of part 2. NVLink multicast stays off:
// NCCL_NVLS_ENABLE=0 is set before anything of NCCL runs (and nothing here calls cuMulticastCreate).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why NCCL cannot be used here, in words for the user.
public struct NCCLError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

/// libnccl.so.2, opened once per process.
public final class NCCLLibrary: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    typealias GetVersion = @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
    typealias GetErrorString = @convention(c) (Int32) -> UnsafePointer<CChar>?

    /// NCCL's version as ncclGetVersion returns it (e.g. 22105 for 2.21.5).
    public let version: Int

    private init(handle: UnsafeMutableRawPointer, version: Int) { (self.handle, self.version) = (handle, version) }

    /// The library, or an error naming what is missing. `names` are tried in order.
    public static func load(names: [String] = ["libnccl.so.2", "libnccl.so"]) throws -> NCCLLibrary {
        setenv("NCCL_NVLS_ENABLE", "0", 1)   // before NCCL reads its environment
        var reasons: [String] = []
        for name in names {
            guard let h = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
                reasons.append(dlerror().map { String(cString: $0) } ?? "\(name): not found")
                continue
            }
            guard let sym = dlsym(h, "ncclGetVersion") else {
                dlclose(h)
                throw NCCLError(description: "nccl: \(name) has no ncclGetVersion; is it NCCL?")
            }
            var v: Int32 = 0
            let status = unsafeBitCast(sym, to: GetVersion.self)(&v)
            let library = NCCLLibrary(handle: h, version: Int(v))
            guard status == 0 else { throw NCCLError(description: "nccl: ncclGetVersion failed: \(library.errorName(status))") }
            return library
        }
        throw NCCLError(description: "nccl: cannot load NVIDIA's NCCL (\(reasons.joined(separator: "; "))); the nccl transport needs libnccl.so.2 and a GPU, use .threads here")
    }

    /// ncclGetErrorString of a result code ("unhandled cuda error", ...), with its number.
    public func errorName(_ code: Int32) -> String {
        guard let sym = dlsym(handle, "ncclGetErrorString"),
              let text = unsafeBitCast(sym, to: GetErrorString.self)(code) else { return "NCCL error \(code)" }
        return "\(String(cString: text)) (ncclResult_t \(code))"
    }
}

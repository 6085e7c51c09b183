// NVRTC, CUDA's run-time compiler, loaded with dlopen: CUDA C source -> machine code (a cubin)
// for the GPU in this machine, at run time.
//
// A compile takes a second or two, and `grade` starts one process per case, so a cubin is
// kept on disk keyed by a hash of everything that decides it: the source, the options, the
// architecture and NVRTC's version. The cache lives in $PICOGRAD_CUDA_CACHE, else
// $XDG_CACHE_HOME/picograd/cuda, else ~/.cache/picograd/cuda; a file is written under a
// temporary name and renamed, so two processes compiling at once never see half a file.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import dfdx

typealias NVRTCProgram = OpaquePointer

/// NVRTC's entry points.
struct NVRTC: @unchecked Sendable {
    let version: (major: Int32, minor: Int32)
    let getErrorString: @convention(c) (Int32) -> UnsafePointer<CChar>?
    let create: @convention(c) (UnsafeMutablePointer<NVRTCProgram?>, UnsafePointer<CChar>, UnsafePointer<CChar>?, Int32,
                                UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?) -> Int32
    let compile: @convention(c) (NVRTCProgram?, Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> Int32
    let logSize: @convention(c) (NVRTCProgram?, UnsafeMutablePointer<Int>) -> Int32
    let log: @convention(c) (NVRTCProgram?, UnsafeMutablePointer<CChar>) -> Int32
    let cubinSize: @convention(c) (NVRTCProgram?, UnsafeMutablePointer<Int>) -> Int32
    let cubin: @convention(c) (NVRTCProgram?, UnsafeMutablePointer<CChar>) -> Int32
    let destroy: @convention(c) (UnsafeMutablePointer<NVRTCProgram?>) -> Int32

    /// Where NVRTC may be: $PICOGRAD_NVRTC, the loader's search path, the toolkit's folder.
    static let candidates: [String] = [environment("PICOGRAD_NVRTC")].compactMap { $0 } + [
        "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so",
        "/usr/local/cuda/lib64/libnvrtc.so.13", "/usr/local/cuda/lib64/libnvrtc.so.12", "/usr/local/cuda/lib64/libnvrtc.so",
    ]

    /// NVRTC, loaded on first use, or why it could not be.
    static let loaded: Result<NVRTC, CUDAUnavailable> = {
        guard let (lib, path) = candidates.lazy.compactMap({ p in dlopen(p, RTLD_NOW | RTLD_LOCAL).map { ($0, p) } }).first else {
            return .failure(CUDAUnavailable("NVRTC not found (tried \(candidates.joined(separator: ", ")); set PICOGRAD_NVRTC to its path)"))
        }
        func symbol<T>(_ name: String, _ type: T.Type) -> T? { dlsym(lib, name).map { unsafeBitCast($0, to: type) } }
        guard let versionOf = symbol("nvrtcVersion", (@convention(c) (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>) -> Int32).self),
              let getErrorString = symbol("nvrtcGetErrorString", (@convention(c) (Int32) -> UnsafePointer<CChar>?).self),
              let create = symbol("nvrtcCreateProgram", (@convention(c) (UnsafeMutablePointer<NVRTCProgram?>, UnsafePointer<CChar>, UnsafePointer<CChar>?, Int32,
                                                                         UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?) -> Int32).self),
              let compile = symbol("nvrtcCompileProgram", (@convention(c) (NVRTCProgram?, Int32, UnsafePointer<UnsafePointer<CChar>?>?) -> Int32).self),
              let logSize = symbol("nvrtcGetProgramLogSize", (@convention(c) (NVRTCProgram?, UnsafeMutablePointer<Int>) -> Int32).self),
              let log = symbol("nvrtcGetProgramLog", (@convention(c) (NVRTCProgram?, UnsafeMutablePointer<CChar>) -> Int32).self),
              let cubinSize = symbol("nvrtcGetCUBINSize", (@convention(c) (NVRTCProgram?, UnsafeMutablePointer<Int>) -> Int32).self),
              let cubin = symbol("nvrtcGetCUBIN", (@convention(c) (NVRTCProgram?, UnsafeMutablePointer<CChar>) -> Int32).self),
              let destroy = symbol("nvrtcDestroyProgram", (@convention(c) (UnsafeMutablePointer<NVRTCProgram?>) -> Int32).self)
        else { return .failure(CUDAUnavailable("\(path) lacks an entry point picograd needs (NVRTC 11.1 or newer is)")) }
        var major: Int32 = 0, minor: Int32 = 0
        _ = versionOf(&major, &minor)
        return .success(NVRTC(version: (major, minor), getErrorString: getErrorString, create: create, compile: compile,
                              logSize: logSize, log: log, cubinSize: cubinSize, cubin: cubin, destroy: destroy))
    }()

    func errorName(_ r: Int32) -> String { getErrorString(r).map { String(cString: $0) } ?? "NVRTC error \(r)" }

    /// Compiles `source` for `arch` (e.g. "sm_90") and returns the cubin; stops with NVRTC's
    /// error name and its whole log when the source does not compile.
    func compileCubin(_ source: String, name: String, arch: String, options: [String]) -> [UInt8] {
        var program: NVRTCProgram? = nil
        let created = source.withCString { create(&program, $0, name, 0, nil, nil) }
        if created != 0 { fail("NVRTC: nvrtcCreateProgram(\(name)) failed: \(errorName(created))") }
        defer { _ = destroy(&program) }
        let all = ["--gpu-architecture=\(arch)", "--std=c++17"] + options
        var cOptions = all.map { UnsafePointer<CChar>(strdup($0)) }
        defer { for p in cOptions { free(UnsafeMutablePointer(mutating: p)) } }
        let compiled = cOptions.withUnsafeMutableBufferPointer { compile(program, Int32(all.count), $0.baseAddress) }
        var size = 0
        _ = logSize(program, &size)
        var text = [CChar](repeating: 0, count: max(size, 1))
        if size > 1 { _ = log(program, &text) }
        let message = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if compiled != 0 {
            fail("NVRTC: compiling \(name) for \(arch) failed: \(errorName(compiled)) (options \(all.joined(separator: " ")))\n\(message)")
        }
        var n = 0
        let got = cubinSize(program, &n)
        if got != 0 || n == 0 { fail("NVRTC: nvrtcGetCUBINSize(\(name)) failed: \(errorName(got))") }
        var bytes = [CChar](repeating: 0, count: n)
        let copied = cubin(program, &bytes)
        if copied != 0 { fail("NVRTC: nvrtcGetCUBIN(\(name)) failed: \(errorName(copied))") }
        return bytes.map { UInt8(bitPattern: $0) }
    }
}

/// Compiled kernels on disk, by content: the same source for the same GPU compiles once.
enum KernelCache {
    /// The folder, made on first use; nil when none can be made (then nothing is cached).
    static let folder: String? = {
        let base: String
        if let dir = environment("PICOGRAD_CUDA_CACHE") { base = dir }
        else if let xdg = environment("XDG_CACHE_HOME") { base = xdg + "/picograd/cuda" }
        else if let home = environment("HOME") { base = home + "/.cache/picograd/cuda" }
        else { base = "/tmp/picograd-cuda" }
        var path = ""
        for part in base.split(separator: "/") {
            path += "/" + part
            if mkdir(path, 0o755) != 0 && errno != EEXIST { return nil }
        }
        return path
    }()

    /// 64-bit FNV-1a of the parts, as 16 hex digits.
    static func key(_ parts: [String]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in parts {
            for byte in part.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
            h = (h ^ 0xff) &* 0x100_0000_01b3   // a separator, so ("ab", "c") != ("a", "bc")
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The cubin for `key`, from disk, or made by `compile` and saved.
    static func cubin(key: String, compile: () -> [UInt8]) -> [UInt8] {
        guard let folder else { return compile() }
        let path = folder + "/" + key + ".cubin"
        if let bytes = readFile(path), !bytes.isEmpty { return bytes }
        let bytes = compile()
        let temporary = path + ".\(getpid()).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd >= 0 {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
            if written == bytes.count { rename(temporary, path) } else { unlink(temporary) }
        }
        return bytes
    }

    private static func readFile(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { return nil }
            if n == 0 { return out }
            out += chunk[0..<n]
        }
    }
}

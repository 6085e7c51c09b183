// The backend's kernels as one CUDA C program, built from pieces that live in Swift string
// literals (CUDAKernels*.swift), compiled by NVRTC once per process (and once per machine,
// through the disk cache), and loaded into each GPU's context.
//
// Each piece remembers the Swift file and line it starts at, so a message about a line of
// the program (a student's stub, `pg_todo(__LINE__)`) names the line of Swift source a
// student edits.
import Synchronization
import dfdx

/// CUDA C source kept in a Swift string literal, and where that literal starts.
struct CUDASource: Sendable {
    let text: String
    let file: StaticString
    /// The Swift line of the text's first line (the line after the opening `"""`).
    let line: UInt

    init(_ text: String, file: StaticString = #fileID, line: UInt = #line) {
        self.text = text
        self.file = file
        self.line = line + 1
    }
}

/// Pieces of CUDA C compiled as one program.
struct CUDAProgram: Sendable {
    let parts: [CUDASource]
    /// The program's text: the pieces, one after another.
    let source: String
    /// The program line (from 1) where each piece starts.
    let starts: [Int]

    init(_ parts: [CUDASource]) {
        self.parts = parts
        var starts: [Int] = [], line = 1
        for p in parts {
            starts.append(line)
            line += p.text.split(separator: "\n", omittingEmptySubsequences: false).count
        }
        self.starts = starts
        source = parts.map(\.text).joined(separator: "\n")
    }

    /// Every kernel of the backend.
    static let kernels = CUDAProgram([CUDAKernels.prelude, CUDAKernels.elementwise, CUDAKernels.reduce,
                                      CUDAKernels.matmul, CUDAKernels.index, CUDAKernels.ladder, CUDAKernels.ladderTensorCores,
                                      CUDAKernels.wgmma])

    /// The names of its kernels (`extern "C" __global__ void NAME(`).
    var kernelNames: [String] {
        var names: [String] = []
        for line in source.split(separator: "\n") {
            guard let r = line.firstRange(of: "__global__ void ") else { continue }
            var rest = line[r.upperBound...]
            if rest.hasPrefix("__launch_bounds__("), let close = rest.firstIndex(of: ")") {   // `__launch_bounds__(256) name(`
                rest = rest[rest.index(after: close)...].drop { $0 == " " }
            }
            names.append(String(rest.prefix { $0 != "(" && $0 != " " }))
        }
        return names
    }

    /// Where program line `line` is in Swift: the piece's file and line, and the line's text.
    func locate(line: Int) -> (file: StaticString, line: UInt, text: String)? {
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
        guard line >= 1, line <= lines.count, let k = starts.lastIndex(where: { $0 <= line }) else { return nil }
        return (parts[k].file, parts[k].line + UInt(line - starts[k]), String(lines[line - 1]))
    }

    /// A kernel ran a student's stub at program line `line`: stop as a Swift stub does,
    /// with `TODO(id): instruction` (the stub's comment) at the Swift line of that stub.
    func stopAtStub(line: Int) -> Never {
        guard let at = locate(line: line), let r = at.text.firstRange(of: "TODO(") else {
            fail("cuda: a kernel reported a stub at line \(line) of its program, which has no TODO there")
        }
        fatalError(String(at.text[r.lowerBound...]), file: at.file, line: at.line)
    }
}

/// The program loaded into one GPU's context: its kernels by name and its status words.
final class CUDAModule: @unchecked Sendable {
    let program: CUDAProgram
    private let functions: [String: CUfunction]
    /// The device address of `pg_status` (4 words: stub line, launch with a bad index, the index, where).
    let status: CUdeviceptr

    init(program: CUDAProgram, gpu: CUDAContext) {
        self.program = program
        let d = gpu.driver
        let nvrtc: NVRTC
        switch NVRTC.loaded {
        case .success(let n): nvrtc = n
        case .failure(let why): fail("cuda: cannot compile kernels: \(why)")
        }
        let options = ["-DPG_MAX_RANK=\(KernelLayout.maxRank)"]
        let arch = gpu.compileArch
        let key = KernelCache.key([program.source, options.joined(separator: " "), arch, "nvrtc \(nvrtc.version.major).\(nvrtc.version.minor)"])
        let cubin = KernelCache.cubin(key: key) {
            nvrtc.compileCubin(program.source, name: "picograd_kernels.cu", arch: arch, options: options)
        }
        var module: CUmodule? = nil
        cubin.withUnsafeBytes { d.check(d.cuModuleLoadData(&module, $0.baseAddress!), "cuModuleLoadData (kernels for \(arch))") }
        var table: [String: CUfunction] = [:]
        for name in program.kernelNames {
            var f: CUfunction? = nil
            d.check(d.cuModuleGetFunction(&f, module, name), "cuModuleGetFunction(\(name))")
            table[name] = f
        }
        functions = table
        var address: CUdeviceptr = 0, size = 0
        d.check(d.cuModuleGetGlobal(&address, &size, module, "pg_status"), "cuModuleGetGlobal(pg_status)")
        status = address
        d.check(d.cuMemsetD32Async(address, 0, 8, gpu.stream), "clearing pg_status")
    }

    func function(_ name: String) -> CUfunction {
        guard let f = functions[name] else { fail("cuda: no kernel named \(name) in the program") }
        return f
    }
}

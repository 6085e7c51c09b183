// The CUDA backend's host side, which runs anywhere: availability without a driver, the
// kernel program's line map (stubs report Swift lines), the disk cache's keys, the
// allocator's size classes and the layout the kernels read. Where NVRTC loads (no GPU
// needed) the kernels are compiled too; where libcuda loads, ops run on the GPU and are
// compared with the reference backend. Each prints a visible line when it skips.
import Testing
@testable import brrr

@Suite("brrr CUDA")
struct CUDATests {
    @Test("without a driver CUDA is unavailable, says why, and .cuda(0) has no backend")
    func availability() {
        if CUDA.isAvailable {
            #expect(CUDA.deviceCount > 0)
            #expect(CUDA.unavailableReason == nil)
            #expect(Backends.isAvailable(.cuda(0)))
            #expect(CUDA.deviceName(0) != nil)
            print("CUDA: \(CUDA.deviceCount) GPU(s), cuda:0 is \(CUDA.deviceName(0) ?? "?")")
        } else {
            print("skipped: CUDA is not available here: \(CUDA.unavailableReason ?? "?")")
            #expect(CUDA.deviceCount == 0)
            #expect(CUDA.unavailableReason != nil)
            #expect(!Backends.isAvailable(.cuda(0)))
            #expect(CUDA.deviceName(0) == nil)
        }
        #expect(!Backends.isAvailable(.cuda(-1)))
    }

    @Test("the program names its kernels, and maps each of its lines to a Swift line")
    func programLines() {
        let p = CUDAProgram.kernels
        let names = Set(p.kernelNames)
        for k in ["pg_fill", "pg_copy", "pg_cast", "pg_dequantize", "pg_unary", "pg_unary_contiguous", "pg_binary",
                  "pg_binary_contiguous", "pg_select", "pg_reduce_rows", "pg_reduce_short", "pg_matmul", "pg_linear_blocks",
                  "pg_gather", "pg_scatter_add", "pg_index_copy", "pg_embedding"] {
            #expect(names.contains(k), "no kernel \(k)")
        }
        #expect(names.count == p.kernelNames.count, "a kernel name twice")
        // every piece's first line maps to the line after its literal's opening quotes
        for (k, part) in p.parts.enumerated() {
            let at = p.locate(line: p.starts[k])
            #expect(at?.line == part.line)
            #expect(at?.text == String(part.text.split(separator: "\n", omittingEmptySubsequences: false)[0]))
        }
        #expect(p.locate(line: 0) == nil)
        #expect(p.locate(line: 1_000_000) == nil)
    }

    @Test("a piece's line is the Swift line after its opening quotes")
    func sourceLine() {
        let here: UInt = #line; let s = CUDASource("""
            line one
            """)
        #expect(s.line == here + 1)
        #expect(String(describing: s.file).hasSuffix("CUDATests.swift"))
    }

    @Test("disk cache keys depend on every part, and are 16 hex digits")
    func cacheKeys() {
        let a = KernelCache.key(["src", "-O3", "sm_90"])
        #expect(a.count == 16 && a.allSatisfy { $0.isHexDigit })
        #expect(a == KernelCache.key(["src", "-O3", "sm_90"]))
        #expect(a != KernelCache.key(["src", "-O3", "sm_80"]))
        #expect(KernelCache.key(["ab", "c"]) != KernelCache.key(["a", "bc"]))
    }

    @Test("allocator size classes: at least the request, at most 25% more, multiples of 512")
    func sizeClasses() {
        for n in [0, 1, 511, 512, 513, 4096, 5000, 1 << 20, (1 << 20) + 1, 93_000_000] {
            let s = CUDAAllocator.sizeClass(n)
            #expect(s >= n && s % 512 == 0)
            #expect(n < 512 || Double(s) <= Double(n) * 1.25 + 512)
        }
    }

    @Test("the kernels' Layout: rank, count, shape, offsets, strides in 8-byte words")
    func layoutWords() {
        var l = KernelLayout(shape: [2, 3])
        l.set(0, strides: [3, 1], offset: 5)
        l.set(1, strides: [0, 2], offset: 7)
        var words = [Int64](repeating: -1, count: KernelLayout.words)
        words.withUnsafeMutableBytes { l.write(to: $0.baseAddress!) }
        let m = KernelLayout.maxRank
        #expect(words[0] == 2 && words[1] == 6 && words[2] == 2 && words[3] == 3 && words[4] == 0)
        #expect(words[2 + m] == 5 && words[3 + m] == 7 && words[4 + m] == 0)
        let s = 2 + m + 4
        #expect(words[s] == 3 && words[s + 1] == 1 && words[s + m] == 0 && words[s + m + 1] == 2)
        #expect(KernelArgument.layout(l).byteCount == KernelLayout.words * 8)
    }

    @Test("the kernels compile with NVRTC for sm_90 (where NVRTC loads; no GPU needed)")
    func kernelsCompile() {
        guard case .success(let nvrtc) = NVRTC.loaded else {
            print("skipped: NVRTC is not available here (set PICOGRAD_NVRTC to a libnvrtc.so to compile the kernels without a GPU)")
            return
        }
        let cubin = nvrtc.compileCubin(CUDAProgram.kernels.source, name: "picograd_kernels.cu", arch: "sm_90",
                                       options: ["-DPG_MAX_RANK=\(KernelLayout.maxRank)"])
        #expect(cubin.count > 1000)
        #expect(Array(cubin.prefix(4)) == [0x7f, 0x45, 0x4c, 0x46])   // an ELF file
        // the student version: every CUDA region replaced by its stub line still compiles
        // (the markers are spelled in two parts, so the course scripts do not take this file for one with regions)
        let begin = "// BEGIN " + "SOLUTION ", end = "// END " + "SOLUTION "
        var student: [Substring] = [], inside = false, regions = 0
        for line in CUDAProgram.kernels.source.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.contains(begin) && line.contains(" (cuda): ") {
                inside = true; regions += 1
                student.append("pg_todo(__LINE__);  // TODO(stub)")
            } else if line.contains(end) {
                inside = false
            } else if !inside {
                student.append(line)
            }
        }
        #expect(regions == 3)
        let stubbed = nvrtc.compileCubin(student.joined(separator: "\n"), name: "student.cu", arch: "sm_90",
                                         options: ["-DPG_MAX_RANK=\(KernelLayout.maxRank)"])
        #expect(stubbed.count > 1000)
    }
}

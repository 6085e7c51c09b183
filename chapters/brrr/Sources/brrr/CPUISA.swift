// The instruction sets brrr's kernels come in, and which one this machine runs.
internal import CBrrr
import dfdx
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line on stderr (a setting that could not be used; the run goes on).
func warn(_ line: String) { _ = "brrr: \(line)\n".withCString { write(2, $0, strlen($0)) } }

/// A variant of the CPU kernels, compiled for one instruction set (CBrrr).
public enum CPUISA: String, Sendable, CaseIterable, CustomStringConvertible {
    /// No target attribute: the baseline of the architecture (SSE2 on x86-64, NEON on arm64).
    case portable
    /// AVX2 and FMA: 8 floats a register, 16 registers (x86-64).
    case avx2
    /// AVX-512 F/VL/BW/DQ: 16 floats a register, 32 registers (x86-64).
    case avx512
    /// AArch64 Advanced SIMD: 4 floats a register, 32 registers.
    case neon

    /// The `isa` argument of brrr's C entry points (brrr.h) for this variant.
    public var code: Int32 {
        switch self {
        case .portable: Int32(BRRR_ISA_PORTABLE.rawValue)
        case .avx2: Int32(BRRR_ISA_AVX2.rawValue)
        case .avx512: Int32(BRRR_ISA_AVX512.rawValue)
        case .neon: Int32(BRRR_ISA_NEON.rawValue)
        }
    }

    public var description: String { rawValue }

    /// The variants this binary has and this CPU runs, slowest first.
    public static let supported: [CPUISA] = {
        let mask = brrr_supported_isas()
        return [.portable, .neon, .avx2, .avx512].filter { mask & (1 << UInt32($0.code)) != 0 }
    }()

    /// The fastest variant this CPU runs.
    public static var best: CPUISA { supported.last ?? .portable }

    /// `PICOGRAD_ISA` when it names a variant this CPU runs, else `best` (with one line on
    /// stderr saying why the variable was not used).
    public static let selected: CPUISA = {
        guard let text = environment("PICOGRAD_ISA"), !text.isEmpty else { return best }
        guard let isa = CPUISA(rawValue: text) else {
            warn("PICOGRAD_ISA=\(text) is not one of \(allCases.map(\.rawValue).joined(separator: ", ")); using \(best)")
            return best
        }
        guard supported.contains(isa) else {
            warn("PICOGRAD_ISA=\(text): this CPU runs only \(supported.map(\.rawValue).joined(separator: ", ")); using \(best)")
            return best
        }
        return isa
    }()
}

/// The threads brrr's pool runs on (PICOGRAD_THREADS, else the CPUs this process may use).
public var cpuThreads: Int { Int(brrr_pool_threads()) }

/// The share of `n` items that thread `thread` of `threads` takes in brrr's kernels: contiguous
/// pieces, in thread order, whose sizes differ by at most one (CBrrr's brrr_split).
public func threadShare(_ n: Int, thread: Int, threads: Int) -> Range<Int> {
    check(threads > 0 && thread >= 0 && thread < threads && n >= 0,
          "threadShare: thread \(thread) of \(threads) for \(n) items")
    var begin: Int64 = 0, end: Int64 = 0
    brrr_split(Int64(n), Int32(thread), Int32(threads), &begin, &end)
    return Int(begin)..<Int(end)
}

/// Bytes of physical memory (0 when unknown).
func physicalMemoryBytes() -> Int64 { brrr_physical_memory() }

/// x (a multiple of 32 values) as the 8-bit activation blocks of `--int8-activations`:
/// per block of 32, int8 values q, the scale max|x| / 127 and scale * sum(q) (CBrrr int8.c).
public func quantizeActivations(_ x: [Float]) -> (q: [Int8], scale: [Float], sum: [Float]) {
    check(x.count % 32 == 0, "quantizeActivations: \(x.count) values is not a whole number of 32-value blocks")
    var q = [Int8](repeating: 0, count: x.count), scale = [Float](repeating: 0, count: x.count / 32)
    var sum = scale
    x.withUnsafeBufferPointer { xp in
        q.withUnsafeMutableBufferPointer { qp in scale.withUnsafeMutableBufferPointer { sp in sum.withUnsafeMutableBufferPointer { mp in
            brrr_quantize_activations(xp.baseAddress, Int64(x.count), qp.baseAddress, sp.baseAddress, mp.baseAddress)
        } } }
    }
    return (q, scale, sum)
}

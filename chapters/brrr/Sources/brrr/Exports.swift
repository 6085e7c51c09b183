// What code generated at run time needs from brrr (pt2's C kernels): the SGEMM entry point and
// the thread pool as plain function pointers, with the instruction set and thread count the CPU
// backend uses.
// A dlopen'd object cannot resolve symbols inside a statically linked Swift binary, so the
// generated code is handed this pointer in a table instead of linking against brrr.
internal import CBrrr

/// brrr's SGEMM for callers outside Swift (generated C code).
public enum SGEMMExport {
    /// The address of `brrr_sgemm` (see CBrrr/include/brrr.h for its C signature):
    /// void (int isa, int threads, int64_t batch, int64_t m, int64_t n, int64_t k,
    ///       const float *a, int64_t sba, int64_t rsa, int64_t csa,
    ///       const float *b, int64_t sbb, int64_t rsb, int64_t csb,
    ///       float *c, int64_t sbc, int64_t ldc)
    public static var pointer: UnsafeRawPointer {
        let f: @convention(c) (Int32, Int32, Int64, Int64, Int64, Int64,
                               UnsafePointer<Float>?, Int64, Int64, Int64,
                               UnsafePointer<Float>?, Int64, Int64, Int64,
                               UnsafeMutablePointer<Float>?, Int64, Int64) -> Void = brrr_sgemm
        return unsafeBitCast(f, to: UnsafeRawPointer.self)
    }
    /// The address of `brrr_sgemm_band` (brrr.h): brrr_sgemm's arguments, then
    /// int zero_a, int64_t zero_a_offset, int zero_b, int64_t zero_b_offset, int dead, int64_t dead_offset.
    public static var bandPointer: UnsafeRawPointer {
        let f: @convention(c) (Int32, Int32, Int64, Int64, Int64, Int64,
                               UnsafePointer<Float>?, Int64, Int64, Int64,
                               UnsafePointer<Float>?, Int64, Int64, Int64,
                               UnsafeMutablePointer<Float>?, Int64, Int64,
                               Int32, Int64, Int32, Int64, Int32, Int64) -> Void = brrr_sgemm_band
        return unsafeBitCast(f, to: UnsafeRawPointer.self)
    }
    /// The address of `brrr_parallel` (brrr.h): void (int threads, void (*task)(void *context,
    /// int thread, int threads), void *context), the CPU backend's thread pool.
    public static var parallelPointer: UnsafeRawPointer {
        let f: @convention(c) (Int32, brrr_task?, UnsafeMutableRawPointer?) -> Void = brrr_parallel
        return unsafeBitCast(f, to: UnsafeRawPointer.self)
    }
    /// The `isa` argument the CPU backend passes (its selected kernel variant).
    public static var isa: Int32 { CPUISA.selected.code }
    /// The `threads` argument the CPU backend passes.
    public static var threads: Int32 { Int32(cpuThreads) }
}

// brrr's C kernels, called from Swift (CPUBackend.swift).
//
// Everything here is plain C11 compiled by the toolchain's clang. Kernels that use wide vector
// instructions come in variants, one per instruction set, each compiled for its own target
// with `__attribute__((target(...)))`; which one runs is decided at run time from the CPU's
// features (cpu.c), never by compiling for the build machine.
#ifndef BRRR_H
#define BRRR_H

#include <stddef.h>
#include <stdint.h>

// ---- instruction sets (cpu.c) ----

/// The kernel variants. The numbers are stable (Swift mirrors them in CPUISA).
enum brrr_isa {
    BRRR_ISA_PORTABLE = 0,  // no target attribute: SSE2 on x86-64, NEON on arm64 (the baselines)
    BRRR_ISA_AVX2 = 1,      // AVX2 + FMA + F16C (x86-64)
    BRRR_ISA_AVX512 = 2,    // AVX-512 F/VL/BW/DQ + FMA + F16C (x86-64)
    BRRR_ISA_NEON = 3,      // AArch64 Advanced SIMD with fused multiply-add
};

/// A bit (1 << isa) for every variant compiled into this binary and runnable on this CPU
/// (cpuid + xgetbv on x86-64, getauxval on Linux arm64, sysctl on macOS).
unsigned brrr_supported_isas(void);

/// The CPUs this process may run on (its affinity mask, else the online count), at least 1.
int brrr_cpu_count(void);

/// Bytes of physical memory (0 when unknown).
int64_t brrr_physical_memory(void);

// ---- the thread pool (pool.c) ----

/// A piece of parallel work: called once per thread with its index and the thread count.
typedef void (*brrr_task)(void *context, int thread, int threads);

/// Runs `task` on `threads` threads (the caller is thread 0; persistent workers are the rest)
/// and returns when all are done. When the pool is already busy (another thread's op, or a
/// task that calls in again) the task runs on the caller alone, as thread 0 of 1.
void brrr_parallel(int threads, brrr_task task, void *context);

/// How many threads the pool uses (PICOGRAD_THREADS, else brrr_cpu_count()).
int brrr_pool_threads(void);

/// The part [*begin, *end) of n items that thread `thread` of `threads` takes: contiguous
/// pieces whose sizes differ by at most one, in thread order.
void brrr_split(int64_t n, int thread, int threads, int64_t *begin, int64_t *end);

/// Set when a kernel stops on bad input (an index out of range): the Swift side reads it
/// after the call and stops with a message naming the op. 0 when there was none.
typedef struct {
    int failed;
    int64_t value;     // the offending index
    int64_t position;  // where it was found (flat element index of the index tensor)
} brrr_status;

// ---- SGEMM (gemm.c) ----

/// c[t] (m x n, row stride ldc, batch stride sbc) = a[t] (m x k) @ b[t] (k x n) for t < batch,
/// any strides (elements), with the `isa` variant on up to `threads` threads. c is written,
/// not accumulated into.
void brrr_sgemm(int isa, int threads, int64_t batch, int64_t m, int64_t n, int64_t k,
                const float *a, int64_t sba, int64_t rsa, int64_t csa,
                const float *b, int64_t sbb, int64_t rsb, int64_t csb,
                float *c, int64_t sbc, int64_t ldc);

/// One rung of the SGEMM ladder (1 naive ... 6 threads; see gemm.c); 0 for an unknown step.
int brrr_gemm_step(int step, int isa, int threads, int64_t m, int64_t n, int64_t k,
                   const float *a, int64_t rsa, int64_t csa, const float *b, int64_t rsb, int64_t csb,
                   float *c, int64_t ldc);

/// The register tile and cache blocks of the `isa` variant (floats).
void brrr_gemm_blocking(int isa, int *mr, int *nr, int *kc, int *mc, int *nc);

/// The packing of rungs 4-6: A's mc x kc block into micro-panels of mr rows, B's kc x nc
/// block into micro-panels of nr columns (zero-padded).
void brrr_pack_a(int64_t mc, int64_t kc, int mr, const float *a, int64_t rsa, int64_t csa, float *out);
void brrr_pack_b(int64_t kc, int64_t nc, int nr, const float *b, int64_t rsb, int64_t csb, float *out);

/// The block formats (dfdx's DType): 32 values a block.
enum brrr_block_format { BRRR_Q8_0 = 0, BRRR_Q4_0 = 1, BRRR_Q4_1 = 2 };

/// De-quantizes one row of k values (k / 32 blocks of `format`) into out.
void brrr_dequantize_row(int format, const uint8_t *row, int64_t k, float *out);

/// out [rows x n] = x [rows x k, contiguous] @ w^T for a weight of n rows of `row_bytes`
/// bytes of `format` blocks (torch.nn.functional.linear with the weight de-quantized).
void brrr_linear_quantized(int isa, int threads, int format, int64_t rows, int64_t n, int64_t k,
                           const float *x, const uint8_t *w, int64_t row_bytes, float *out);

// ---- 8-bit activations (int8.c; opt-in) ----

/// Each block of 32 values of x as int8 q with scale[b] = max|x| / 127 and
/// sum[b] = scale[b] * (sum of the block's q).
void brrr_quantize_activations(const float *x, int64_t k, int8_t *q, float *scale, float *sum);

/// brrr_linear_quantized with x's rows quantized to 8 bits a block and integer dot products
/// (AVX-512 VNNI where the CPU has it, plain C elsewhere).
void brrr_linear_int8(int isa, int threads, int format, int64_t rows, int64_t n, int64_t k,
                      const float *x, const uint8_t *w, int64_t row_bytes, float *out);

/// True when the CPU has AVX-512 VNNI (vpdpbusd).
int brrr_has_vnni(void);

// ---- fused kernels (fused.c) ----

/// out = softmax of each of x's `rows` contiguous rows of `cols` values.
void brrr_softmax_rows(int threads, int64_t rows, int64_t cols, const float *x, float *out);
/// out = each row of x / sqrt(mean(row^2) + eps) * w (w: cols values).
void brrr_rms_norm_rows(int threads, int64_t rows, int64_t cols, const float *x, const float *w, float eps, float *out);

/// What a student's stub of a C exercise calls: prints `TODO(id): instruction` and stops the
/// process, as a Swift stub's fatalError does (grading reads the id from it).
_Noreturn void picograd_todo(const char *id, const char *instruction);

#endif

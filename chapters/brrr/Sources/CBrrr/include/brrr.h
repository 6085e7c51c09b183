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
/// brrr_sgemm that skips what does not count, for bands of the last two dims (pt2's causal
/// attention). Each band is a direction (1 upper, -1 lower, 0 none) and an offset:
/// A[i][p] is known to be 0 where p - i > zero_a_offset (zero_a = 1) or i - p > zero_a_offset
/// (zero_a = -1); B[p][j] likewise with j - p, p - j; and C[i][j] is never read where j - i >
/// dead_offset (dead = 1) or i - j > dead_offset (dead = -1). Tiles of C wholly in the dead
/// band are written as 0; the others sum only the k where their rows of A and columns of B are
/// not 0 (on finite values the same floats as brrr_sgemm: a skipped term adds 0).
void brrr_sgemm_band(int isa, int threads, int64_t batch, int64_t m, int64_t n, int64_t k,
                     const float *a, int64_t sba, int64_t rsa, int64_t csa,
                     const float *b, int64_t sbb, int64_t rsb, int64_t csb,
                     float *c, int64_t sbc, int64_t ldc,
                     int zero_a, int64_t zero_a_offset, int zero_b, int64_t zero_b_offset, int dead, int64_t dead_offset);
/// brrr_sgemm over batch dims no single stride walks (a permuted view's two batch dims):
/// matrix t of A starts at a + aoff[t], of B at b + boff[t]; the batch is shared among threads.
void brrr_sgemm_offsets(int isa, int threads, int64_t batch, int64_t m, int64_t n, int64_t k,
                        const float *a, const int64_t *aoff, int64_t rsa, int64_t csa,
                        const float *b, const int64_t *boff, int64_t rsb, int64_t csb,
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
void brrr_softmax_rows(int isa, int threads, int64_t rows, int64_t cols, const float *x, float *out);
/// out = each row of x / sqrt(mean(row^2) + eps) * w (w: cols values).
void brrr_rms_norm_rows(int threads, int64_t rows, int64_t cols, const float *x, const float *w, float eps, float *out);

/// out = each row of x normalized ((x - mean) / sqrt(var + eps)) times w plus b.
void brrr_layer_norm_rows(int isa, int threads, int64_t rows, int64_t cols, const float *x, const float *w, const float *b,
                          float eps, float *out);
/// out = GELU (tanh approximation) of n contiguous values.
void brrr_gelu_tanh(int isa, int threads, int64_t n, const float *x, float *out);

/// out [b, h, t, d] (contiguous) = RoPE of x (element strides `strides`) with rows cos, sin
/// [t, d]: x * cos + rotate_half(x) * sin.
void brrr_rotary(int64_t b, int64_t h, int64_t t, int64_t d, const float *x, const int64_t strides[4],
                 const float *cos, const float *sin, float *out);

/// out [b, h, r, d] (contiguous) = softmax(q k^T * scale + mask) v, q [b, h, r, d] and k, v
/// [b, h, s, d] with element strides qs, ks, vs, mask [r, s] with its row and column strides.
void brrr_attention(int isa, int threads, int64_t b, int64_t h, int64_t r, int64_t s, int64_t d,
                    const float *q, const int64_t qs[4], const float *k, const int64_t ks[4],
                    const float *v, const int64_t vs[4], const float *mask, int64_t mask_row_stride,
                    int64_t mask_col_stride, float scale, float *out);

/// What a student's stub of a C exercise calls: prints `TODO(id): instruction` and stops the
/// process, as a Swift stub's fatalError does (grading reads the id from it).
_Noreturn void picograd_todo(const char *id, const char *instruction);

// ---- elementwise ops, reductions, indexing (elementwise.c, reduce.c, indexing.c) ----
//
// Operands are strided views passed as one `layout` array of ptrdiff_t: the shape (`rank`
// sizes), then each operand's strides (`rank` each, in elements), in the order the function
// names its operands. Pointers already include each view's offset. Every element is 4 bytes
// (float32 or int32) except the block formats. `isa` is an `enum brrr_isa` this CPU runs.
// Big ops are split over `threads` threads (small ones run on the caller).

/// The largest rank a layout may have (Swift falls back above it).
enum { BRRR_MAX_RANK = 32 };

/// dfdx's UnaryOp, BinaryOp and Reduction, in its declaration order.
enum brrr_unary { BRRR_NEG, BRRR_EXP, BRRR_LOG, BRRR_SQRT, BRRR_SIN, BRRR_RECIPROCAL, BRRR_ERF };
enum brrr_binary { BRRR_ADD, BRRR_MUL, BRRR_MAXIMUM, BRRR_POW, BRRR_CMPLT, BRRR_CMPEQ };
enum brrr_reduction { BRRR_SUM, BRRR_MAX };
// (the block formats: enum brrr_block_format above)

/// Sets n 32-bit words to `bits`.
void brrr_fill(int isa, int threads, uint32_t *out, ptrdiff_t n, uint32_t bits);
/// dst = src, 32-bit words; layout: shape, src strides, dst strides.
void brrr_copy(int isa, int threads, int rank, const ptrdiff_t *layout, const void *src, void *dst);
/// out (contiguous) = op(x); layout: shape, x strides.
void brrr_unary(int isa, int threads, int op, int rank, const ptrdiff_t *layout, const float *x, float *out);
/// out (contiguous) = op(a, b), float32 (int32 when `int32`: add -> int32, cmplt/cmpeq -> float32);
/// layout: shape, a strides, b strides.
void brrr_binary(int isa, int threads, int op, int int32, int rank, const ptrdiff_t *layout,
                 const void *a, const void *b, void *out);
/// out (contiguous) = cond != 0 ? a : b (words); layout: shape, cond, a, b strides.
void brrr_select(int isa, int threads, int rank, const ptrdiff_t *layout, const float *cond,
                 const void *a, const void *b, void *out);
/// out (contiguous) = x converted: `to_int32` float32 -> int32 toward zero, else int32 ->
/// float32. A float with no int32 (NaN, inf, out of range) stops it: status->position.
void brrr_cast(int isa, int threads, int to_int32, int rank, const ptrdiff_t *layout, const void *x,
               void *out, brrr_status *status);
/// `rows` rows of k values (k % 32 == 0) in `format`, contiguous, -> float32 rows.
void brrr_dequantize(int isa, int threads, int format, const void *x, ptrdiff_t rows, ptrdiff_t k, float *out);
/// out (x's shape with the axes in `reduced` (bit i: axis i) set to 1, contiguous) = op over
/// those axes; layout: shape, x strides.
void brrr_reduce(int isa, int threads, int op, int rank, const ptrdiff_t *layout, uint64_t reduced,
                 const float *x, float *out);
/// out (contiguous, index's shape) = x[.., index, ..] along a dim of `size` elements, `step`
/// apart; layout: index's shape, x strides (0 along dim), index strides.
void brrr_gather(int isa, int threads, int rank, const ptrdiff_t *layout, const void *x, ptrdiff_t step,
                 ptrdiff_t size, const int32_t *index, void *out, brrr_status *status);
/// out[.., index, ..] += src; layout: src's shape, src strides, out strides (0 along dim),
/// index strides. Runs on one thread (two sources may land on one output).
void brrr_scatter_add(int isa, int rank, const ptrdiff_t *layout, const float *src, float *out,
                      ptrdiff_t step, ptrdiff_t size, const int32_t *index, brrr_status *status);
/// dst[.., index, ..] = src (words); layout: src's shape, src strides, dst strides (0 along
/// dim), index strides (0 but along dim).
void brrr_index_copy(int isa, int rank, const ptrdiff_t *layout, const void *src, void *dst,
                     ptrdiff_t step, ptrdiff_t size, const int32_t *index, brrr_status *status);
/// out [ids..., d] = rows of a table of n rows; float32 rows `row_stride` and `col_stride`
/// apart, or (format >= 0) contiguous rows of blocks de-quantized; layout: ids' shape, strides.
void brrr_embedding(int isa, int threads, int format, const void *table, ptrdiff_t n, ptrdiff_t d,
                    ptrdiff_t row_stride, ptrdiff_t col_stride, int rank, const ptrdiff_t *layout,
                    const int32_t *ids, float *out, brrr_status *status);

#endif

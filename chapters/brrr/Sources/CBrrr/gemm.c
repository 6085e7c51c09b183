// SGEMM, the chapter's centerpiece: C = A B in fp32, from a triple loop to ~peak.
//
// The ladder (each rung a function `picograd bench gemm --step N` runs; the lecture has the
// numbers measured here):
//   1 naive         C[i][j] = sum_k A[i][k] B[k][j]: B read down a column, a cache miss each
//   2 loop order    i, k, j: the inner loop runs along rows of B and C (contiguous, vectorizable)
//   3 tiling        the same in blocks that stay in cache
//   4 packing       copy blocks of A and B into the order the inner loop reads them
//   5 microkernel   an MR x NR tile of C in vector registers, fused multiply-adds, per ISA
//   6 threads       the blocks shared among the pool's threads
// Rungs 1-4 are plain C (whatever the compiler makes of it for the baseline ISA); 5 and 6 run
// the variant of the backend's instruction set.
#include "brrr.h"
#include "half.h"
#include <stdlib.h>
#include <string.h>

struct brrr_gemm_shape { int mr, nr, kc, mc, nc; };

/// What a product may skip (brrr_sgemm_band): where A or B is known to be 0 and where C is
/// not read. row0, col0: where the block being multiplied starts in the whole C (a thread's share).
struct brrr_gemm_band { int zero_a, zero_b, dead; int64_t zero_a_offset, zero_b_offset, dead_offset, row0, col0; };

/// Narrows [p0, p1), a part of the k block at pc, to the k where rows r ... r+rows-1 of A are
/// not known to be 0: A[i][p] is 0 where p - i > offset (upper) or i - p > offset (lower).
static void band_rows_of_a(const struct brrr_gemm_band *band, int64_t r, int rows, int64_t pc, int64_t *p0, int64_t *p1) {
    int64_t first = band->row0 + r, last = first + rows - 1, off = band->zero_a_offset;
    if (band->zero_a > 0 && last + off + 1 - pc < *p1) *p1 = last + off + 1 - pc;
    if (band->zero_a < 0 && first - off - pc > *p0) *p0 = first - off - pc;
    if (*p1 < *p0) *p1 = *p0;
}

/// The same for columns c ... c+cols-1 of B: B[p][j] is 0 where j - p > offset (upper) or
/// p - j > offset (lower).
static void band_columns_of_b(const struct brrr_gemm_band *band, int64_t c, int cols, int64_t pc, int64_t *p0, int64_t *p1) {
    int64_t first = band->col0 + c, last = first + cols - 1, off = band->zero_b_offset;
    if (band->zero_b > 0 && first - off - pc > *p0) *p0 = first - off - pc;
    if (band->zero_b < 0 && last + off + 1 - pc < *p1) *p1 = last + off + 1 - pc;
    if (*p1 < *p0) *p1 = *p0;
}

/// The part [p0, p1) of the k block at pc (kc long; p0, p1 come in as 0, kc) that the tile of
/// C at rows r ... r+rows-1, columns c ... c+cols-1 needs: none when C is not read anywhere in
/// the tile (j - i > offset, upper, or i - j > offset, lower), else the k where neither A's
/// rows nor B's columns are known to be 0.
static void brrr_band_range(const struct brrr_gemm_band *band, int64_t r, int rows, int64_t c, int cols,
                            int64_t pc, int64_t *p0, int64_t *p1) {
    int64_t first = band->row0 + r, last = first + rows - 1, left = band->col0 + c, right = left + cols - 1;
    if ((band->dead > 0 && left - last > band->dead_offset) || (band->dead < 0 && first - right > band->dead_offset)) {
        *p1 = *p0;
        return;
    }
    band_rows_of_a(band, r, rows, pc, p0, p1);
    band_columns_of_b(band, c, cols, pc, p0, p1);
}

/// brrr_pack_a for a banded product: each micro-panel only where its rows of A are not 0
/// (the rest is never read).
static void pack_a_band(int64_t mc, int64_t kc, int mr, const float *a, int64_t rsa, int64_t csa, float *out,
                        const struct brrr_gemm_band *band, int64_t ic, int64_t pc) {
    for (int64_t ir = 0; ir < mc; ir += mr) {
        int rows = (int)(mc - ir < mr ? mc - ir : mr);
        int64_t p0 = 0, p1 = kc;
        band_rows_of_a(band, ic + ir, rows, pc, &p0, &p1);
        if (p1 > p0) brrr_pack_a(rows, p1 - p0, mr, a + ir * rsa + p0 * csa, rsa, csa, out + ir * kc + p0 * mr);
    }
}

/// brrr_pack_b for a banded product: each micro-panel only where its columns of B are not 0.
static void pack_b_band(int64_t kc, int64_t nc, int nr, const float *b, int64_t rsb, int64_t csb, float *out,
                        const struct brrr_gemm_band *band, int64_t jc, int64_t pc) {
    for (int64_t jr = 0; jr < nc; jr += nr) {
        int cols = (int)(nc - jr < nr ? nc - jr : nr);
        int64_t p0 = 0, p1 = kc;
        band_columns_of_b(band, jc + jr, cols, pc, &p0, &p1);
        if (p1 > p0) brrr_pack_b(p1 - p0, cols, nr, b + p0 * rsb + jr * csb, rsb, csb, out + jr * kc + p0 * nr);
    }
}

// ---- packing (rungs 4-6) ----

typedef float v4f __attribute__((vector_size(16), aligned(4)));

/// The transposing copy both packings need when their source runs the other way: 4 lines of
/// `src` (line l at src + l * stride, contiguous) become, for each q < len, the 4 values at
/// out + q * step (line 0's value first). Four at a time it is 4 loads, a 4 x 4 transpose in
/// registers and 4 stores, where one value at a time was a strided load per value (the
/// packing of a row-major A took a tenth of a [2048, 384] x [384, 384] product).
static void transpose_lines4(int64_t len, const float *src, int64_t stride, float *out, int64_t step) {
    int64_t q = 0;
    for (; q + 4 <= len; q += 4) {
        v4f r0, r1, r2, r3;
        __builtin_memcpy(&r0, src + q, 16);
        __builtin_memcpy(&r1, src + stride + q, 16);
        __builtin_memcpy(&r2, src + 2 * stride + q, 16);
        __builtin_memcpy(&r3, src + 3 * stride + q, 16);
        v4f t0 = __builtin_shufflevector(r0, r1, 0, 4, 1, 5), t1 = __builtin_shufflevector(r0, r1, 2, 6, 3, 7);
        v4f t2 = __builtin_shufflevector(r2, r3, 0, 4, 1, 5), t3 = __builtin_shufflevector(r2, r3, 2, 6, 3, 7);
        v4f c0 = __builtin_shufflevector(t0, t2, 0, 1, 4, 5), c1 = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
        v4f c2 = __builtin_shufflevector(t1, t3, 0, 1, 4, 5), c3 = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
        __builtin_memcpy(out + q * step, &c0, 16);
        __builtin_memcpy(out + (q + 1) * step, &c1, 16);
        __builtin_memcpy(out + (q + 2) * step, &c2, 16);
        __builtin_memcpy(out + (q + 3) * step, &c3, 16);
    }
    for (; q < len; q++)
        for (int l = 0; l < 4; l++) out[q * step + l] = src[l * stride + q];
}

/// One packed panel (kc groups of `width` values) from `lines` contiguous source lines of kc
/// values (line l at src + l * stride): group p holds value p of each line, then zeros up to
/// `width`. A row-major A's rows and a transposed B's columns are such lines.
static void pack_panel_from_lines(int64_t kc, int lines, int width, const float *src, int64_t stride, float *out) {
    int l = 0;
    for (; l + 4 <= lines; l += 4) transpose_lines4(kc, src + l * stride, stride, out + l, width);
    for (int64_t p = 0; p < kc; p++) {
        for (int r = l; r < lines; r++) out[p * width + r] = src[r * stride + p];
        for (int r = lines; r < width; r++) out[p * width + r] = 0;
    }
}

/// Copies the mc x kc block of A (strides rsa, csa) into micro-panels of `mr` rows: panel r
/// holds rows r*mr ... r*mr+mr-1, column after column (kc groups of mr values), rows past mc
/// zero. The microkernel then reads A with stride 1.
void brrr_pack_a(int64_t mc, int64_t kc, int mr, const float *a, int64_t rsa, int64_t csa, float *out) {
    if (csa == 1 && rsa != 1) {   // rows of A contiguous (A itself, row-major): transpose 4 rows at a time
        for (int64_t ir = 0; ir < mc; ir += mr, out += kc * mr)
            pack_panel_from_lines(kc, (int)(mc - ir < mr ? mc - ir : mr), mr, a + ir * rsa, rsa, out);
        return;
    }
    for (int64_t ir = 0; ir < mc; ir += mr) {
        int rows = (int)(mc - ir < mr ? mc - ir : mr);
        for (int64_t p = 0; p < kc; p++) {
            const float *col = a + ir * rsa + p * csa;
            int i = 0;
            if (rsa == 1) { memcpy(out, col, (size_t)rows * sizeof(float)); i = rows; }   // A^T: a column is contiguous
            for (; i < rows; i++) out[i] = col[i * rsa];
            for (; i < mr; i++) out[i] = 0;
            out += mr;
        }
    }
}

/// Copies the kc x nc block of B (strides rsb, csb) into micro-panels of `nr` columns: panel
/// r holds columns r*nr ... r*nr+nr-1, row after row (kc groups of nr values), columns past
/// nc zero. A row of a panel is what one step of the microkernel loads.
void brrr_pack_b(int64_t kc, int64_t nc, int nr, const float *b, int64_t rsb, int64_t csb, float *out) {
    if (rsb == 1 && csb != 1) {   // columns of B contiguous (B = W^T): 4 columns at a time
        for (int64_t jr = 0; jr < nc; jr += nr, out += kc * nr)
            pack_panel_from_lines(kc, (int)(nc - jr < nr ? nc - jr : nr), nr, b + jr * csb, csb, out);
        return;
    }
    // BEGIN SOLUTION brrr.2: write B's kc x nc block into panels of nr columns: for each panel (columns jr..jr+nr-1), for each row p, its nr values in column order, zeros past column nc; out advances as you write
    for (int64_t jr = 0; jr < nc; jr += nr) {
        int cols = (int)(nc - jr < nr ? nc - jr : nr);
        for (int64_t p = 0; p < kc; p++) {
            const float *row = b + p * rsb + jr * csb;
            int j = 0;
            if (csb == 1) { memcpy(out, row, (size_t)cols * sizeof(float)); j = cols; }
            else for (; j < cols; j++) out[j] = row[j * csb];
            for (; j < nr; j++) out[j] = 0;
            out += nr;
        }
    }
    // END SOLUTION brrr.2
}


/// 16 floats: the width of a de-quantized half block, whatever the ISA (clang splits it).
typedef float f16v_t __attribute__((vector_size(64), aligned(4)));

// ---- the per-ISA variants of rungs 5 and 6 ----
// The blocks, per instruction set (floats; measured on the 2-core Zen 5 of this course's
// machine: 48 KB L1d and 1 MB L2 per core, 32 MB L3):
//   ISA       VW  MR  NR  accumulators   KC    MC    NC
//   avx512    16  12  32  24 of 32 zmm   256   144   3072   B panel 32 KB in L1, A block 144 KB in L2
//   avx2       8   6  16  12 of 16 ymm   256    96   3072
//   neon       4   8  12  24 of 32 v     256    96   3072
//   portable   4   4   8   8 of 16 xmm   256    64   3072   (SSE2 on x86-64: no FMA)

#define GEMM_ISA portable
#define GEMM_TARGET
#define GEMM_HALF half_to_float
#define VW 4
#define MR 4
#define NR 8
#define KC 256
#define MC 64
#define NC 3072
#include "gemm_microkernel.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define GEMM_ISA avx2
#define GEMM_TARGET __attribute__((target("avx2,fma,f16c")))
#define GEMM_HALF _cvtsh_ss
#define VW 8
#define MR 6
#define NR 16
#define KC 256
#define MC 96
#define NC 3072
#include "gemm_microkernel.h"

#define GEMM_ISA avx512
#define GEMM_TARGET __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma,f16c")))
#define GEMM_HALF _cvtsh_ss
#define VW 16
#define MR 12
#define NR 32
#define KC 256
#define MC 144
#define NC 3072
#include "gemm_microkernel.h"
#endif

#if defined(__aarch64__)
#define GEMM_ISA neon
#define GEMM_TARGET
#define GEMM_HALF half_to_float
#define VW 4
#define MR 8
#define NR 12
#define KC 256
#define MC 96
#define NC 3072
#include "gemm_microkernel.h"
#endif

typedef void (*linear_q_fn)(int, int64_t, int64_t, const float *, const float *, const uint8_t *, int64_t,
                            int64_t, int64_t, float *, int64_t);
typedef void (*gemm_blocked_fn)(int64_t, int64_t, int64_t, const float *, int64_t, int64_t,
                                const float *, int64_t, int64_t, float *, int64_t, float *, float *,
                                const struct brrr_gemm_band *);
typedef int (*gemm_few_rows_fn)(int64_t, int64_t, int64_t, const float *, int64_t, int64_t,
                                const float *, int64_t, int64_t, float *, int64_t);
typedef void (*dequantize_rows_fn)(int, const uint8_t *, int64_t, int64_t, int64_t, float *);
struct gemm_variant {
    gemm_blocked_fn blocked; gemm_few_rows_fn few_rows; linear_q_fn linear_q; dequantize_rows_fn dequantize_rows;
    const struct brrr_gemm_shape *shape;
};

static struct gemm_variant variant(int isa) {
    switch (isa) {
#if defined(__x86_64__)
    case BRRR_ISA_AVX512: return (struct gemm_variant){gemm_blocked_avx512, gemm_few_rows_avx512, linear_q_rows_avx512, dequantize_rows_avx512, &shape_avx512};
    case BRRR_ISA_AVX2: return (struct gemm_variant){gemm_blocked_avx2, gemm_few_rows_avx2, linear_q_rows_avx2, dequantize_rows_avx2, &shape_avx2};
#endif
#if defined(__aarch64__)
    case BRRR_ISA_NEON: return (struct gemm_variant){gemm_blocked_neon, gemm_few_rows_neon, linear_q_rows_neon, dequantize_rows_neon, &shape_neon};
#endif
    default: return (struct gemm_variant){gemm_blocked_portable, gemm_few_rows_portable, linear_q_rows_portable, dequantize_rows_portable, &shape_portable};
    }
}

void brrr_gemm_blocking(int isa, int *mr, int *nr, int *kc, int *mc, int *nc) {
    const struct brrr_gemm_shape *s = variant(isa).shape;
    *mr = s->mr; *nr = s->nr; *kc = s->kc; *mc = s->mc; *nc = s->nc;
}

/// Packing buffers, kept per thread (the pool's threads live for the whole process): a fresh
/// allocation per product would fault its pages in again every time.
static _Thread_local float *scratch_buffers[3];
static _Thread_local size_t scratch_sizes[3];

static float *scratch(int which, size_t floats) {
    if (scratch_sizes[which] < floats) {
        free(scratch_buffers[which]);
        size_t bytes = (floats * sizeof(float) + 4095) / 4096 * 4096;
        scratch_buffers[which] = aligned_alloc(4096, bytes);
        scratch_sizes[which] = bytes / sizeof(float);
    }
    return scratch_buffers[which];
}

/// One thread's product with the variant: the few-rows path (when `few_rows` allows it and m
/// is under the register tile) or the packed loops.
static void gemm_one_thread(struct gemm_variant v, int64_t m, int64_t n, int64_t k,
                            const float *a, int64_t rsa, int64_t csa, const float *b, int64_t rsb, int64_t csb,
                            float *c, int64_t ldc, int few_rows, const struct brrr_gemm_band *band) {
    if (m == 0 || n == 0) return;
    if (k == 0) { for (int64_t i = 0; i < m; i++) memset(c + i * ldc, 0, (size_t)n * sizeof(float)); return; }
    const struct brrr_gemm_shape *s = v.shape;
    if (few_rows && m < s->mr && v.few_rows(m, n, k, a, rsa, csa, b, rsb, csb, c, ldc)) return;
    int64_t kc = k < s->kc ? k : s->kc, mc = m < s->mc ? m : s->mc, nc = n < s->nc ? n : s->nc;
    size_t asize = (size_t)((mc + s->mr - 1) / s->mr * s->mr * kc), bsize = (size_t)((nc + s->nr - 1) / s->nr * s->nr * kc);
    v.blocked(m, n, k, a, rsa, csa, b, rsb, csb, c, ldc, scratch(0, asize), scratch(1, bsize), band);
}

// ---- rung 6: threads ----

struct gemm_job {
    struct gemm_variant v;
    int64_t batch, m, n, k;
    const float *a; int64_t sba, rsa, csa;
    const float *b; int64_t sbb, rsb, csb;
    float *c; int64_t sbc, ldc;
    int split;   // 0: over the batch, 1: over columns (in NR multiples), 2: over rows (MR multiples)
    const int64_t *aoff, *boff;   // brrr_sgemm_offsets: matrix t of A at a + aoff[t] (else t * sba)
    const struct brrr_gemm_band *band;   // brrr_sgemm_band (else NULL)
};

/// The job's band for a thread's block of C starting at row0, col0 (NULL without one).
static const struct brrr_gemm_band *job_band(const struct gemm_job *j, int64_t row0, int64_t col0, struct brrr_gemm_band *out) {
    if (!j->band) return NULL;
    *out = *j->band;
    out->row0 = row0; out->col0 = col0;
    return out;
}

static const float *job_a(const struct gemm_job *j, int64_t t) { return j->a + (j->aoff ? j->aoff[t] : t * j->sba); }
static const float *job_b(const struct gemm_job *j, int64_t t) { return j->b + (j->boff ? j->boff[t] : t * j->sbb); }

static void gemm_task(void *context, int thread, int threads) {
    struct gemm_job *j = context;
    int64_t begin, end;
    struct brrr_gemm_band band;
    if (j->split == 0) {
        brrr_split(j->batch, thread, threads, &begin, &end);
        for (int64_t t = begin; t < end; t++)
            gemm_one_thread(j->v, j->m, j->n, j->k, job_a(j, t), j->rsa, j->csa,
                            job_b(j, t), j->rsb, j->csb, j->c + t * j->sbc, j->ldc, 1, job_band(j, 0, 0, &band));
        return;
    }
    int64_t unit = j->split == 1 ? j->v.shape->nr : j->v.shape->mr;
    int64_t units = ((j->split == 1 ? j->n : j->m) + unit - 1) / unit;
    brrr_split(units, thread, threads, &begin, &end);
    begin *= unit; end *= unit;
    for (int64_t t = 0; t < j->batch; t++) {
        const float *a = job_a(j, t), *b = job_b(j, t);
        float *c = j->c + t * j->sbc;
        if (j->split == 1) {
            if (end > j->n) end = j->n;
            if (begin < end)
                gemm_one_thread(j->v, j->m, end - begin, j->k, a, j->rsa, j->csa,
                                b + begin * j->csb, j->rsb, j->csb, c + begin, j->ldc, 1, job_band(j, 0, begin, &band));
        } else {
            if (end > j->m) end = j->m;
            if (begin < end)
                gemm_one_thread(j->v, end - begin, j->n, j->k, a + begin * j->rsa, j->rsa, j->csa,
                                b, j->rsb, j->csb, c + begin * j->ldc, j->ldc, 1, job_band(j, begin, 0, &band));
        }
    }
}

static void sgemm_run(int threads, struct gemm_job *job) {
    int64_t batch = job->batch, m = job->m, n = job->n, k = job->k;
    double flops = 2.0 * (double)batch * (double)m * (double)n * (double)k;
    // under ~2 MFLOP a wake-up of the other threads costs more than it saves
    if (threads > 1 && flops >= 2e6) {
        int64_t nr = job->v.shape->nr, mr = job->v.shape->mr;
        // each thread packs all of the operand the split does not cut (A for a split over
        // columns, B over rows): cut the larger one, C's longer side
        int columns = (n + nr - 1) / nr >= threads, rows = (m + mr - 1) / mr >= threads;
        if (batch >= threads && (double)m * (double)n * (double)k < 64.0 * 64 * 64 * threads) job->split = 0;
        else if (columns && (!rows || n >= m)) job->split = 1;
        else if (rows) job->split = 2;
        else job->split = batch >= threads ? 0 : -1;
        if (job->split >= 0) { brrr_parallel(threads, gemm_task, job); return; }
    }
    for (int64_t t = 0; t < batch; t++)
        gemm_one_thread(job->v, m, n, k, job_a(job, t), job->rsa, job->csa, job_b(job, t), job->rsb, job->csb,
                        job->c + t * job->sbc, job->ldc, 1, job->band);
}

void brrr_sgemm(int isa, int threads, int64_t batch, int64_t m, int64_t n, int64_t k,
                const float *a, int64_t sba, int64_t rsa, int64_t csa,
                const float *b, int64_t sbb, int64_t rsb, int64_t csb,
                float *c, int64_t sbc, int64_t ldc) {
    struct gemm_job job = {variant(isa), batch, m, n, k, a, sba, rsa, csa, b, sbb, rsb, csb, c, sbc, ldc, 0, NULL, NULL, NULL};
    sgemm_run(threads, &job);
}

void brrr_sgemm_band(int isa, int threads, int64_t batch, int64_t m, int64_t n, int64_t k,
                     const float *a, int64_t sba, int64_t rsa, int64_t csa,
                     const float *b, int64_t sbb, int64_t rsb, int64_t csb,
                     float *c, int64_t sbc, int64_t ldc,
                     int zero_a, int64_t zero_a_offset, int zero_b, int64_t zero_b_offset, int dead, int64_t dead_offset) {
    struct brrr_gemm_band band = {zero_a, zero_b, dead, zero_a_offset, zero_b_offset, dead_offset, 0, 0};
    struct gemm_job job = {variant(isa), batch, m, n, k, a, sba, rsa, csa, b, sbb, rsb, csb, c, sbc, ldc, 0, NULL, NULL,
                           zero_a || zero_b || dead ? &band : NULL};
    sgemm_run(threads, &job);
}

void brrr_sgemm_offsets(int isa, int threads, int64_t batch, int64_t m, int64_t n, int64_t k,
                        const float *a, const int64_t *aoff, int64_t rsa, int64_t csa,
                        const float *b, const int64_t *boff, int64_t rsb, int64_t csb,
                        float *c, int64_t sbc, int64_t ldc) {
    struct gemm_job job = {variant(isa), batch, m, n, k, a, 0, rsa, csa, b, 0, rsb, csb, c, sbc, ldc, 0, aoff, boff, NULL};
    sgemm_run(threads, &job);
}

// ---- rungs 1-5, one thread, for the ladder ----

static void gemm_naive(int64_t m, int64_t n, int64_t k, const float *a, int64_t rsa, int64_t csa,
                       const float *b, int64_t rsb, int64_t csb, float *c, int64_t ldc) {
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            float s = 0;
            for (int64_t p = 0; p < k; p++) s += a[i * rsa + p * csa] * b[p * rsb + j * csb];
            c[i * ldc + j] = s;
        }
}

static void gemm_loop_order(int64_t m, int64_t n, int64_t k, const float *a, int64_t rsa, int64_t csa,
                            const float *b, int64_t rsb, int64_t csb, float *c, int64_t ldc) {
    // BEGIN SOLUTION brrr.1: the same sums with the loops ordered i, k, j: zero C's row i, then for each p add a[i][p] times B's row p into it, so the inner loop walks along rows of B and C
    for (int64_t i = 0; i < m; i++) {
        float *ci = c + i * ldc;
        for (int64_t j = 0; j < n; j++) ci[j] = 0;
        for (int64_t p = 0; p < k; p++) {
            float aip = a[i * rsa + p * csa];
            const float *bp = b + p * rsb;
            for (int64_t j = 0; j < n; j++) ci[j] += aip * bp[j * csb];
        }
    }
    // END SOLUTION brrr.1
}

/// Rung 3: rung 2 in blocks of 64 rows x 256 k x 512 columns, so the rows of B a block reads
/// stay in L2 while all 64 rows of C use them.
static void gemm_tiled(int64_t m, int64_t n, int64_t k, const float *a, int64_t rsa, int64_t csa,
                       const float *b, int64_t rsb, int64_t csb, float *c, int64_t ldc) {
    enum { TM = 64, TK = 256, TN = 512 };
    for (int64_t i = 0; i < m; i++) memset(c + i * ldc, 0, (size_t)n * sizeof(float));
    for (int64_t j0 = 0; j0 < n; j0 += TN)
        for (int64_t p0 = 0; p0 < k; p0 += TK)
            for (int64_t i0 = 0; i0 < m; i0 += TM) {
                int64_t j1 = j0 + TN < n ? j0 + TN : n, p1 = p0 + TK < k ? p0 + TK : k, i1 = i0 + TM < m ? i0 + TM : m;
                for (int64_t i = i0; i < i1; i++) {
                    float *ci = c + i * ldc;
                    for (int64_t p = p0; p < p1; p++) {
                        float aip = a[i * rsa + p * csa];
                        const float *bp = b + p * rsb;
                        for (int64_t j = j0; j < j1; j++) ci[j] += aip * bp[j * csb];
                    }
                }
            }
}

/// Rung 4: the BLIS loops and packed panels, with a plain-C 4 x 8 tile instead of the
/// register-blocked vector microkernel: packing alone.
static void gemm_packed(int64_t m, int64_t n, int64_t k, const float *a, int64_t rsa, int64_t csa,
                        const float *b, int64_t rsb, int64_t csb, float *c, int64_t ldc) {
    enum { PMR = 4, PNR = 8, PKC = 256, PMC = 64, PNC = 3072 };
    float *apack = aligned_alloc(64, PMC * PKC * sizeof(float));
    float *bpack = aligned_alloc(64, (size_t)PNC * PKC * sizeof(float));
    for (int64_t jc = 0; jc < n; jc += PNC) {
        int64_t nc = n - jc < PNC ? n - jc : PNC;
        for (int64_t pc = 0; pc < k; pc += PKC) {
            int64_t kc = k - pc < PKC ? k - pc : PKC;
            brrr_pack_b(kc, nc, PNR, b + pc * rsb + jc * csb, rsb, csb, bpack);
            for (int64_t ic = 0; ic < m; ic += PMC) {
                int64_t mc = m - ic < PMC ? m - ic : PMC;
                brrr_pack_a(mc, kc, PMR, a + ic * rsa + pc * csa, rsa, csa, apack);
                for (int64_t jr = 0; jr < nc; jr += PNR)
                    for (int64_t ir = 0; ir < mc; ir += PMR) {
                        const float *ap = apack + ir * kc, *bp = bpack + jr * kc;
                        float t[PMR][PNR] = {{0}};
                        for (int64_t p = 0; p < kc; p++)
                            for (int i = 0; i < PMR; i++)
                                for (int j = 0; j < PNR; j++) t[i][j] += ap[p * PMR + i] * bp[p * PNR + j];
                        for (int i = 0; i < PMR && ic + ir + i < m; i++)
                            for (int j = 0; j < PNR && jc + jr + j < n; j++) {
                                float *cij = c + (ic + ir + i) * ldc + jc + jr + j;
                                *cij = (pc > 0 ? *cij : 0) + t[i][j];
                            }
                    }
            }
        }
    }
    free(apack);
    free(bpack);
}

int brrr_gemm_step(int step, int isa, int threads, int64_t m, int64_t n, int64_t k,
                   const float *a, int64_t rsa, int64_t csa, const float *b, int64_t rsb, int64_t csb,
                   float *c, int64_t ldc) {
    switch (step) {
    case 1: gemm_naive(m, n, k, a, rsa, csa, b, rsb, csb, c, ldc); return 1;
    case 2: gemm_loop_order(m, n, k, a, rsa, csa, b, rsb, csb, c, ldc); return 1;
    case 3: gemm_tiled(m, n, k, a, rsa, csa, b, rsb, csb, c, ldc); return 1;
    case 4: gemm_packed(m, n, k, a, rsa, csa, b, rsb, csb, c, ldc); return 1;
    case 5:   // the packed loops with the ISA's microkernel, one thread, never the few-rows path
        gemm_one_thread(variant(isa), m, n, k, a, rsa, csa, b, rsb, csb, c, ldc, 0, NULL);
        return 1;
    case 6: brrr_sgemm(isa, threads, 1, m, n, k, a, 0, rsa, csa, b, 0, rsb, csb, c, 0, ldc); return 1;
    default: return 0;
    }
}

// ---- linear with a weight in a block format (Q8_0, Q4_0, Q4_1) ----
// out [rows x n] = x [rows x k] @ w^T, w's n rows kept in 32-value blocks (Quantization.swift
// in dfdx has the layouts). Each thread takes a range of w's rows, de-quantizes 64 of them at
// a time into a float tile that stays in L2, and multiplies with the same code as matmul
// (the dot products of the few-rows path for a token, the packed loops for a prompt).


struct linear_job {
    struct gemm_variant v;
    int format;
    int64_t rows, n, k, row_bytes;
    const float *x, *xsum;
    const uint8_t *w;
    float *out;
    int fused;
};

static void linear_task(void *context, int thread, int threads) {
    struct linear_job *j = context;
    enum { TILE = 64 };
    int64_t begin, end;
    brrr_split((j->n + 15) / 16, thread, threads, &begin, &end);
    begin *= 16; end = end * 16 < j->n ? end * 16 : j->n;
    if (begin >= end) return;
    if (j->fused) {   // a token (or a few): the fused kernel, the weight read once in its blocks
        j->v.linear_q(j->format, j->rows, j->k, j->x, j->xsum, j->w, j->row_bytes, begin, end, j->out, j->n);
        return;
    }
    float *tile = scratch(2, (size_t)(TILE * j->k));
    for (int64_t n0 = begin; n0 < end; n0 += TILE) {
        int64_t nb = end - n0 < TILE ? end - n0 : TILE;
        j->v.dequantize_rows(j->format, j->w + n0 * j->row_bytes, j->row_bytes, nb, j->k, tile);
        gemm_one_thread(j->v, j->rows, nb, j->k, j->x, j->k, 1, tile, 1, j->k, j->out + n0, j->n, 1, NULL);
    }
}

void brrr_linear_quantized(int isa, int threads, int format, int64_t rows, int64_t n, int64_t k,
                           const float *x, const uint8_t *w, int64_t row_bytes, float *out) {
    float xsum[4 * 512];   // block sums of up to 4 rows of up to 16384 values
    int fused = rows <= 4 && k / 32 <= 512;
    if (fused)
        for (int64_t r = 0; r < rows; r++)
            for (int64_t b = 0; b < k / 32; b++) {
                float s = 0;
                for (int l = 0; l < 32; l++) s += x[r * k + b * 32 + l];
                xsum[r * (k / 32) + b] = s;
            }
    struct linear_job job = {variant(isa), format, rows, n, k, row_bytes, x, xsum, w, out, fused};
    brrr_parallel(2.0 * (double)rows * (double)n * (double)k >= 1e6 ? threads : 1, linear_task, &job);
}

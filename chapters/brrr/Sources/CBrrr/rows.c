// The row kernels, compiled once per instruction set from one source (kernels_simd.h).
#include "kernels.h"
#include <math.h>
#include <string.h>

#define SUFFIX portable
#define VBYTES 16
#define TARGET
#include "kernels_simd.h"
#undef SUFFIX
#undef VBYTES
#undef TARGET

#if defined(__x86_64__)
#define SUFFIX avx2
#define VBYTES 32
#define TARGET __attribute__((target("avx2,fma")))
#include "kernels_simd.h"
#undef SUFFIX
#undef VBYTES
#undef TARGET

#define SUFFIX avx512
#define VBYTES 64
#define TARGET __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma")))
#include "kernels_simd.h"
#undef SUFFIX
#undef VBYTES
#undef TARGET
#endif

#if defined(__aarch64__)
#define SUFFIX neon
#define VBYTES 16
#define TARGET __attribute__((target("neon")))
#include "kernels_simd.h"
#undef SUFFIX
#undef VBYTES
#undef TARGET
#endif

const brrr_rows *brrr_rows_for(int isa) {
    switch (isa) {
#if defined(__x86_64__)
    case BRRR_ISA_AVX2: return &rows_avx2;
    case BRRR_ISA_AVX512: return &rows_avx512;
#endif
#if defined(__aarch64__)
    case BRRR_ISA_NEON: return &rows_neon;
#endif
    default: return &rows_portable;
    }
}

void brrr_iter_make(brrr_iter *it, int rank, const ptrdiff_t *layout, int nin, int out) {
    it->nops = nin + (out ? 1 : 0);
    it->count = 1;
    for (int d = 0; d < rank; d++) {
        it->shape[d] = layout[d];
        it->count *= layout[d];
        for (int k = 0; k < nin; k++) it->st[k][d] = layout[(k + 1) * rank + d];
    }
    if (out) {
        ptrdiff_t s = 1;
        for (int d = rank - 1; d >= 0; d--) { it->st[nin][d] = s; s *= layout[d]; }
    }
    it->rank = brrr_coalesce(rank, it->shape, it->nops, it->st);
}

int brrr_coalesce(int rank, ptrdiff_t *shape, int nops, ptrdiff_t (*st)[BRRR_MAX_RANK]) {
    // BEGIN SOLUTION brrr.6: keep the dims of size != 1 in order (shape[r], st[k][r] for r = 0, 1, ...), merging each into the previous kept one when st[k][prev] == st[k][d] * shape[d] for every operand k; return the kept count, at least 1 (an all-ones shape is one dim of size 1)
    int r = 0;
    for (int d = 0; d < rank; d++) {
        if (shape[d] == 1) continue;
        int merge = r > 0;
        for (int k = 0; k < nops && merge; k++) merge = st[k][r - 1] == st[k][d] * shape[d];
        if (merge) {
            shape[r - 1] *= shape[d];
            for (int k = 0; k < nops; k++) st[k][r - 1] = st[k][d];
        } else {
            shape[r] = shape[d];
            for (int k = 0; k < nops; k++) st[k][r] = st[k][d];
            r++;
        }
    }
    if (r == 0) {
        shape[0] = 1;
        for (int k = 0; k < nops; k++) st[k][0] = 0;
        r = 1;
    }
    return r;
    // END SOLUTION brrr.6
}

void brrr_walk(const brrr_iter *it, ptrdiff_t begin, ptrdiff_t end, brrr_row_fn fn, void *ctx) {
    int r = it->rank, nops = it->nops;
    if (begin >= end) return;
    ptrdiff_t idx[BRRR_MAX_RANK], off[4] = {0, 0, 0, 0}, rem = begin;
    for (int d = r - 1; d >= 0; d--) {
        idx[d] = rem % it->shape[d];
        rem /= it->shape[d];
        for (int k = 0; k < nops; k++) off[k] += idx[d] * it->st[k][d];
    }
    ptrdiff_t pos = begin, inner = it->shape[r - 1];
    while (pos < end) {
        ptrdiff_t n = inner - idx[r - 1];
        if (n > end - pos) n = end - pos;
        fn(ctx, n, pos, off);
        pos += n;
        if (pos >= end) break;
        idx[r - 1] += n;
        for (int k = 0; k < nops; k++) off[k] += n * it->st[k][r - 1];
        for (int d = r - 1; d > 0 && idx[d] == it->shape[d]; d--) {   // carry into the outer dims
            idx[d] = 0;
            idx[d - 1]++;
            for (int k = 0; k < nops; k++) off[k] += it->st[k][d - 1] - it->shape[d] * it->st[k][d];
        }
    }
}

typedef struct { const brrr_iter *it; brrr_row_fn fn; void *ctx; } walk_job;

static void walk_part(void *context, int thread, int threads) {
    walk_job *job = context;
    int64_t begin, end;
    brrr_split(job->it->count, thread, threads, &begin, &end);
    brrr_walk(job->it, (ptrdiff_t)begin, (ptrdiff_t)end, job->fn, job->ctx);
}

void brrr_walk_all(const brrr_iter *it, int threads, brrr_row_fn fn, void *ctx) {
    if (it->count == 0) return;
    if (threads <= 1 || it->count < BRRR_PARALLEL_MIN) { brrr_walk(it, 0, it->count, fn, ctx); return; }
    walk_job job = {it, fn, ctx};
    brrr_parallel(threads, walk_part, &job);
}

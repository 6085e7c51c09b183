// Reductions (sum, max) over any set of axes.
//
// The output gets stride 0 along the reduced axes (as in the reference), and x and out are
// coalesced together. Then the innermost dim decides the loop: reduced (out stride 0) -> each
// row of x folds into one output element (a vectorized row sum or max); kept (out stride 1) ->
// a row of x folds into a row of out (out[i] += x[i], an axis reduced further out).
// Threads split the outermost kept dim (disjoint outputs), or, when every axis is reduced,
// the elements themselves, each thread into its own partial, combined in thread order.
//
// Sums keep their accuracy: a contiguous row is summed in float vectors a block at a time and
// the blocks, like the rows folding into one output, add up in double (the reference adds
// every element in float, one after another).
#include "kernels.h"
#include <math.h>
#include <stdlib.h>

enum { SUM_BLOCK = 8192 };  // a row's sum: float vectors within a block, double across blocks (32 KB: the per-block cost stays under 3%)

typedef struct {
    const brrr_rows *k;
    const brrr_iter *it;
    int op;
    const float *x;
    float *out;     // max, and sums along an outer dim (acc_rowfn)
    double *sums;   // sums of rows (fold_rowfn): out's elements in double until the end
} red_ctx;

static double strided_sum(const float *x, ptrdiff_t n, ptrdiff_t xs) {
    if (xs == 0) return (double)*x * (double)n;   // a broadcast row
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    ptrdiff_t i = 0;
    for (; i + 4 <= n; i += 4) { s0 += x[i * xs]; s1 += x[(i + 1) * xs]; s2 += x[(i + 2) * xs]; s3 += x[(i + 3) * xs]; }
    for (; i < n; i++) s0 += x[i * xs];
    return (s0 + s1) + (s2 + s3);
}

static void fold_rowfn(void *context, ptrdiff_t n, ptrdiff_t pos, const ptrdiff_t *off) {
    (void)pos;
    red_ctx *r = context;
    const float *x = r->x + off[0];
    ptrdiff_t xs = r->it->st[0][r->it->rank - 1];
    if (r->op == BRRR_MAX) {
        float *o = r->out + off[1], m = r->k->max(x, n, xs);
        if (m > *o || m != m) *o = m;
    } else if (xs == 1) {
        double s = 0;
        for (ptrdiff_t i = 0; i < n; i += SUM_BLOCK) s += r->k->sum(x + i, n - i < SUM_BLOCK ? n - i : SUM_BLOCK);
        r->sums[off[1]] += s;
    } else {
        r->sums[off[1]] += strided_sum(x, n, xs);
    }
}

static void acc_rowfn(void *context, ptrdiff_t n, ptrdiff_t pos, const ptrdiff_t *off) {
    (void)pos;
    red_ctx *r = context;
    r->k->acc(r->op, n, r->x + off[0], r->it->st[0][r->it->rank - 1], r->out + off[1]);
}

typedef struct {
    red_ctx base;
    int dim;              // the kept dim to split, or -1: split the elements into partials
    float partial[256];   // one per thread, when dim < 0 (max)
    double partial_sum[256];
} red_job;

static void reduce_part(void *context, int thread, int threads) {
    red_job *job = context;
    const brrr_iter *it = job->base.it;
    brrr_row_fn fn = it->st[1][it->rank - 1] == 0 ? fold_rowfn : acc_rowfn;
    red_ctx r = job->base;
    if (job->dim < 0) {
        int64_t begin, end;
        brrr_split(it->count, thread, threads, &begin, &end);
        job->partial[thread] = -INFINITY;
        job->partial_sum[thread] = 0;
        r.out = &job->partial[thread];
        r.sums = &job->partial_sum[thread];
        brrr_walk(it, (ptrdiff_t)begin, (ptrdiff_t)end, fn, &r);
        return;
    }
    int64_t begin, end;
    brrr_split(it->shape[job->dim], thread, threads, &begin, &end);
    brrr_iter part = *it;
    part.shape[job->dim] = (ptrdiff_t)(end - begin);
    part.count = it->count / it->shape[job->dim] * part.shape[job->dim];
    r.it = &part;
    r.x += begin * it->st[0][job->dim];
    r.out += begin * it->st[1][job->dim];
    if (r.sums) r.sums += begin * it->st[1][job->dim];
    brrr_walk(&part, 0, part.count, fn, &r);
}

void brrr_reduce(int isa, int threads, int op, int rank, const ptrdiff_t *layout, uint64_t reduced,
                 const float *x, float *out) {
    // the layout of x and of out (x's shape with the reduced axes 1, contiguous; stride 0 on them)
    ptrdiff_t both[3 * BRRR_MAX_RANK], outCount = 1;
    for (int d = 0; d < rank; d++) { both[d] = layout[d]; both[rank + d] = layout[rank + d]; }
    for (int d = rank - 1; d >= 0; d--) {
        int r = (reduced >> d) & 1;
        both[2 * rank + d] = r ? 0 : outCount;
        if (!r) outCount *= layout[d];
    }
    float init = op == BRRR_SUM ? 0.0f : -INFINITY;
    for (ptrdiff_t i = 0; i < outCount; i++) out[i] = init;
    brrr_iter it;
    brrr_iter_make(&it, rank, both, 2, 0);
    if (it.count == 0) return;
    int fold = it.st[1][it.rank - 1] == 0;
    brrr_row_fn fn = fold ? fold_rowfn : acc_rowfn;
    // rows folding into sums: double accumulators, one per output
    double local[64], *sums = NULL;
    if (fold && op == BRRR_SUM) {
        sums = outCount <= 64 ? local : malloc((size_t)outCount * sizeof(double));
        for (ptrdiff_t i = 0; i < outCount; i++) sums[i] = 0;
    }
    red_job job = {.base = {.k = brrr_rows_for(isa), .it = &it, .op = op, .x = x, .out = out, .sums = sums}, .dim = -1};
    for (int d = 0; d < it.rank; d++)
        if (it.st[1][d] != 0) { job.dim = d; break; }
    if (threads > 256) threads = 256;
    if (threads <= 1 || it.count < BRRR_PARALLEL_MIN || (job.dim >= 0 && it.shape[job.dim] < 2)) {
        brrr_walk(&it, 0, it.count, fn, &job.base);
    } else if (job.dim >= 0) {
        brrr_parallel(threads, reduce_part, &job);
    } else {
        int used = brrr_pool_threads() < threads ? brrr_pool_threads() : threads;
        for (int t = 0; t < used; t++) { job.partial[t] = -INFINITY; job.partial_sum[t] = 0; }
        brrr_parallel(used, reduce_part, &job);
        // the pool may have run it all on this thread (busy): then only partial[0] was written
        for (int t = 0; t < used; t++) {
            float v = job.partial[t];
            if (op == BRRR_SUM) { if (sums) sums[0] += job.partial_sum[t]; }
            else if (v > *out || v != v) *out = v;
        }
    }
    if (sums) {
        for (ptrdiff_t i = 0; i < outCount; i++) out[i] = (float)sums[i];
        if (sums != local) free(sums);
    }
}

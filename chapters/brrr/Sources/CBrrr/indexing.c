// The indexing primitives: gather, scatterAdd, indexCopy, embedding. Each index is checked as
// it is read; the first bad one (in row-major order of the walk) goes to the caller's
// brrr_status and the kernel stops, and Swift stops with the op's message.
#include "kernels.h"
#include <stdatomic.h>
#include <string.h>

typedef struct {
    const brrr_rows *k;
    const brrr_iter *it;
    const char *x;        // the indexed operand (gather's x, embedding's table) or the source
    char *out;
    const int32_t *index;
    ptrdiff_t step, size; // along the indexed dim
    ptrdiff_t d, row_stride, col_stride;  // embedding
    int format;           // embedding: a block format, or -1
    brrr_status *status;
    atomic_flag lock;
    atomic_int failed;
} ix_ctx;

/// Records a bad index found at flat position `pos`, keeping the first one in walk order.
static void report(ix_ctx *c, int64_t value, ptrdiff_t pos) {
    while (atomic_flag_test_and_set_explicit(&c->lock, memory_order_acquire)) {}
    if (!c->status->failed || pos < c->status->position) {
        c->status->failed = 1;
        c->status->value = value;
        c->status->position = pos;
    }
    atomic_store_explicit(&c->failed, 1, memory_order_relaxed);
    atomic_flag_clear_explicit(&c->lock, memory_order_release);
}

#define STRIDE(j) (c->it->st[j][c->it->rank - 1])

// ---- gather ----

static void gather_rowfn(void *context, ptrdiff_t n, ptrdiff_t pos, const ptrdiff_t *off) {
    ix_ctx *c = context;
    if (atomic_load_explicit(&c->failed, memory_order_relaxed)) return;
    const uint32_t *x = (const uint32_t *)c->x + off[0];
    const int32_t *idx = c->index + off[1];
    uint32_t *o = (uint32_t *)c->out + pos;
    ptrdiff_t xs = STRIDE(0), is = STRIDE(1), step = c->step, size = c->size;
    for (ptrdiff_t i = 0; i < n; i++) {
        int32_t j = idx[i * is];
        if (j < 0 || j >= size) { report(c, j, pos + i); return; }
        o[i] = x[i * xs + j * step];
    }
}

void brrr_gather(int isa, int threads, int rank, const ptrdiff_t *layout, const void *x, ptrdiff_t step,
                 ptrdiff_t size, const int32_t *index, void *out, brrr_status *status) {
    brrr_iter it;
    brrr_iter_make(&it, rank, layout, 2, 1);
    ix_ctx c = {.k = brrr_rows_for(isa), .it = &it, .x = x, .out = out, .index = index, .step = step,
                .size = size, .status = status, .lock = ATOMIC_FLAG_INIT};
    atomic_init(&c.failed, 0);
    brrr_walk_all(&it, threads, gather_rowfn, &c);
}

// ---- scatterAdd, indexCopy: one thread (two sources may name one destination) ----

static void scatter_rowfn(void *context, ptrdiff_t n, ptrdiff_t pos, const ptrdiff_t *off) {
    ix_ctx *c = context;
    if (atomic_load_explicit(&c->failed, memory_order_relaxed)) return;
    const float *s = (const float *)c->x + off[0];
    float *o = (float *)c->out + off[1];
    const int32_t *idx = c->index + off[2];
    ptrdiff_t ss = STRIDE(0), os = STRIDE(1), is = STRIDE(2), step = c->step, size = c->size;
    for (ptrdiff_t i = 0; i < n; i++) {
        int32_t j = idx[i * is];
        if (j < 0 || j >= size) { report(c, j, pos + i); return; }
        o[i * os + j * step] += s[i * ss];
    }
}

void brrr_scatter_add(int isa, int rank, const ptrdiff_t *layout, const float *src, float *out,
                      ptrdiff_t step, ptrdiff_t size, const int32_t *index, brrr_status *status) {
    brrr_iter it;
    brrr_iter_make(&it, rank, layout, 3, 0);
    ix_ctx c = {.k = brrr_rows_for(isa), .it = &it, .x = (const char *)src, .out = (char *)out, .index = index,
                .step = step, .size = size, .status = status, .lock = ATOMIC_FLAG_INIT};
    atomic_init(&c.failed, 0);
    brrr_walk(&it, 0, it.count, scatter_rowfn, &c);
}

static void index_copy_rowfn(void *context, ptrdiff_t n, ptrdiff_t pos, const ptrdiff_t *off) {
    ix_ctx *c = context;
    if (atomic_load_explicit(&c->failed, memory_order_relaxed)) return;
    const uint32_t *s = (const uint32_t *)c->x + off[0];
    uint32_t *o = (uint32_t *)c->out + off[1];
    const int32_t *idx = c->index + off[2];
    ptrdiff_t ss = STRIDE(0), os = STRIDE(1), is = STRIDE(2), step = c->step, size = c->size;
    if (is == 0) {   // the usual case: the row runs along another dim, one index for all of it
        int32_t j = *idx;
        if (j < 0 || j >= size) { report(c, j, pos); return; }
        c->k->copy(n, (const float *)s, ss, (float *)(o + j * step), os);
        return;
    }
    for (ptrdiff_t i = 0; i < n; i++) {
        int32_t j = idx[i * is];
        if (j < 0 || j >= size) { report(c, j, pos + i); return; }
        o[i * os + j * step] = s[i * ss];
    }
}

void brrr_index_copy(int isa, int rank, const ptrdiff_t *layout, const void *src, void *dst,
                     ptrdiff_t step, ptrdiff_t size, const int32_t *index, brrr_status *status) {
    brrr_iter it;
    brrr_iter_make(&it, rank, layout, 3, 0);
    ix_ctx c = {.k = brrr_rows_for(isa), .it = &it, .x = src, .out = dst, .index = index,
                .step = step, .size = size, .status = status, .lock = ATOMIC_FLAG_INIT};
    atomic_init(&c.failed, 0);
    brrr_walk(&it, 0, it.count, index_copy_rowfn, &c);
}

// ---- embedding ----

static void embedding_rowfn(void *context, ptrdiff_t n, ptrdiff_t pos, const ptrdiff_t *off) {
    ix_ctx *c = context;
    if (atomic_load_explicit(&c->failed, memory_order_relaxed)) return;
    const int32_t *ids = c->index + off[0];
    ptrdiff_t is = STRIDE(0), d = c->d;
    float *o = (float *)c->out + pos * d;
    ptrdiff_t row_bytes = c->format < 0 ? 0 : d / 32 * (c->format == BRRR_Q8_0 ? 34 : c->format == BRRR_Q4_0 ? 18 : 20);
    for (ptrdiff_t i = 0; i < n; i++, o += d) {
        int32_t id = ids[i * is];
        if (id < 0 || id >= c->size) { report(c, id, pos + i); return; }
        if (c->format >= 0) c->k->dequant(c->format, (const uint8_t *)c->x + id * row_bytes, d, o);
        else c->k->copy(d, (const float *)c->x + id * c->row_stride, c->col_stride, o, 1);
    }
}

static void embedding_part(void *context, int thread, int threads) {
    ix_ctx *c = context;
    int64_t begin, end;
    brrr_split(c->it->count, thread, threads, &begin, &end);
    brrr_walk(c->it, (ptrdiff_t)begin, (ptrdiff_t)end, embedding_rowfn, c);
}

void brrr_embedding(int isa, int threads, int format, const void *table, ptrdiff_t n, ptrdiff_t d,
                    ptrdiff_t row_stride, ptrdiff_t col_stride, int rank, const ptrdiff_t *layout,
                    const int32_t *ids, float *out, brrr_status *status) {
    brrr_iter it;
    brrr_iter_make(&it, rank, layout, 1, 0);
    ix_ctx c = {.k = brrr_rows_for(isa), .it = &it, .x = table, .out = (char *)out, .index = ids, .size = n,
                .d = d, .row_stride = row_stride, .col_stride = col_stride, .format = format,
                .status = status, .lock = ATOMIC_FLAG_INIT};
    atomic_init(&c.failed, 0);
    if (it.count == 0) return;
    if (threads <= 1 || it.count * d < BRRR_PARALLEL_MIN || it.count < 2) embedding_part(&c, 0, 1);
    else brrr_parallel(threads, embedding_part, &c);
}

// The elementwise primitives: fill, copy, cast (and de-quantization), unary, binary, select.
// Each is a coalesced strided walk (kernels.h) whose rows go to the ISA's row kernels;
// outputs are contiguous, so a row's output is out + pos.
#include "kernels.h"
#include <stdatomic.h>
#include <string.h>

typedef struct {
    const brrr_rows *k;
    const brrr_iter *it;
    int op;
    const char *a, *b, *c;  // operands (4-byte elements)
    char *out;
    brrr_status *status;
    atomic_int failed;
} ew_ctx;

#define IN(p, j) ((const void *)((p) + 4 * off[j]))
#define STRIDE(j) (x->it->st[j][x->it->rank - 1])

// ---- fill ----

typedef struct { uint32_t *out; ptrdiff_t n; uint32_t bits; } fill_ctx;

static void fill_part(void *context, int thread, int threads) {
    fill_ctx *f = context;
    int64_t begin, end;
    brrr_split(f->n, thread, threads, &begin, &end);
    uint32_t *o = f->out;
    if (f->bits == 0) { memset(o + begin, 0, (size_t)(end - begin) * 4); return; }
    for (int64_t i = begin; i < end; i++) o[i] = f->bits;  // clang vectorizes this
}

void brrr_fill(int isa, int threads, uint32_t *out, ptrdiff_t n, uint32_t bits) {
    (void)isa;
    fill_ctx f = {out, n, bits};
    if (threads <= 1 || n < BRRR_PARALLEL_MIN) fill_part(&f, 0, 1);
    else brrr_parallel(threads, fill_part, &f);
}

// ---- copy ----

static void copy_rowfn(void *context, ptrdiff_t n, ptrdiff_t pos, const ptrdiff_t *off) {
    (void)pos;
    ew_ctx *x = context;
    x->k->copy(n, IN(x->a, 0), STRIDE(0), (float *)(x->out + 4 * off[1]), STRIDE(1));
}

void brrr_copy(int isa, int threads, int rank, const ptrdiff_t *layout, const void *src, void *dst) {
    brrr_iter it;
    brrr_iter_make(&it, rank, layout, 2, 0);
    ew_ctx x = {.k = brrr_rows_for(isa), .it = &it, .a = src, .out = dst};
    brrr_walk_all(&it, threads, copy_rowfn, &x);
}

// ---- unary, binary, select ----

static void unary_rowfn(void *context, ptrdiff_t n, ptrdiff_t pos, const ptrdiff_t *off) {
    ew_ctx *x = context;
    x->k->unary(x->op, n, IN(x->a, 0), STRIDE(0), (float *)x->out + pos);
}

void brrr_unary(int isa, int threads, int op, int rank, const ptrdiff_t *layout, const float *a, float *out) {
    brrr_iter it;
    brrr_iter_make(&it, rank, layout, 1, 1);
    ew_ctx x = {.k = brrr_rows_for(isa), .it = &it, .op = op, .a = (const char *)a, .out = (char *)out};
    brrr_walk_all(&it, threads, unary_rowfn, &x);
}

static void binary_rowfn(void *context, ptrdiff_t n, ptrdiff_t pos, const ptrdiff_t *off) {
    ew_ctx *x = context;
    x->k->binary(x->op, n, IN(x->a, 0), STRIDE(0), IN(x->b, 1), STRIDE(1), (float *)x->out + pos);
}

static void binary_i32_rowfn(void *context, ptrdiff_t n, ptrdiff_t pos, const ptrdiff_t *off) {
    ew_ctx *x = context;
    x->k->binary_i32(x->op, n, IN(x->a, 0), STRIDE(0), IN(x->b, 1), STRIDE(1), (float *)x->out + pos);
}

void brrr_binary(int isa, int threads, int op, int int32, int rank, const ptrdiff_t *layout,
                 const void *a, const void *b, void *out) {
    brrr_iter it;
    brrr_iter_make(&it, rank, layout, 2, 1);
    ew_ctx x = {.k = brrr_rows_for(isa), .it = &it, .op = op, .a = a, .b = b, .out = out};
    brrr_walk_all(&it, threads, int32 ? binary_i32_rowfn : binary_rowfn, &x);
}

static void select_rowfn(void *context, ptrdiff_t n, ptrdiff_t pos, const ptrdiff_t *off) {
    ew_ctx *x = context;
    x->k->select(n, IN(x->c, 0), STRIDE(0), IN(x->a, 1), STRIDE(1), IN(x->b, 2), STRIDE(2), (float *)x->out + pos);
}

void brrr_select(int isa, int threads, int rank, const ptrdiff_t *layout, const float *cond,
                 const void *a, const void *b, void *out) {
    brrr_iter it;
    brrr_iter_make(&it, rank, layout, 3, 1);
    ew_ctx x = {.k = brrr_rows_for(isa), .it = &it, .c = (const char *)cond, .a = a, .b = b, .out = out};
    brrr_walk_all(&it, threads, select_rowfn, &x);
}

// ---- cast ----

static void cast_rowfn(void *context, ptrdiff_t n, ptrdiff_t pos, const ptrdiff_t *off) {
    ew_ctx *x = context;
    if (x->op) {
        if (atomic_load_explicit(&x->failed, memory_order_relaxed)) return;
        ptrdiff_t bad = x->k->cast_f2i(n, IN(x->a, 0), STRIDE(0), (int32_t *)x->out + pos);
        if (bad >= 0 && !atomic_exchange(&x->failed, 1)) {
            x->status->failed = 1;
            x->status->position = pos + bad;
            const float *p = (const float *)IN(x->a, 0) + bad * STRIDE(0);
            int32_t bits;
            memcpy(&bits, p, 4);
            x->status->value = bits;   // the float's bits: Swift names the value
        }
    } else {
        x->k->cast_i2f(n, IN(x->a, 0), STRIDE(0), (float *)x->out + pos);
    }
}

void brrr_cast(int isa, int threads, int to_int32, int rank, const ptrdiff_t *layout, const void *a,
               void *out, brrr_status *status) {
    brrr_iter it;
    brrr_iter_make(&it, rank, layout, 1, 1);
    ew_ctx x = {.k = brrr_rows_for(isa), .it = &it, .op = to_int32, .a = a, .out = out, .status = status};
    atomic_init(&x.failed, 0);
    brrr_walk_all(&it, threads, cast_rowfn, &x);
}

typedef struct { const brrr_rows *k; int format; const uint8_t *x; ptrdiff_t rows, k_values; float *out; } dq_ctx;

static void dequant_part(void *context, int thread, int threads) {
    dq_ctx *q = context;
    int64_t begin, end;
    brrr_split(q->rows, thread, threads, &begin, &end);
    ptrdiff_t row_bytes = q->k_values / 32 * (q->format == BRRR_Q8_0 ? 34 : q->format == BRRR_Q4_0 ? 18 : 20);
    for (int64_t r = begin; r < end; r++) q->k->dequant(q->format, q->x + r * row_bytes, q->k_values, q->out + r * q->k_values);
}

void brrr_dequantize(int isa, int threads, int format, const void *x, ptrdiff_t rows, ptrdiff_t k, float *out) {
    dq_ctx q = {brrr_rows_for(isa), format, x, rows, k, out};
    if (threads <= 1 || rows * k < BRRR_PARALLEL_MIN) dequant_part(&q, 0, 1);
    else brrr_parallel(threads, dequant_part, &q);
}

// What elementwise.c, reduce.c and indexing.c share: the table of one instruction set's row
// kernels (kernels_simd.h, compiled per ISA in rows.c), and the strided walk that feeds them
// rows: coalesce the dims, then visit the innermost dim one row at a time, optionally split
// over the thread pool.
#ifndef BRRR_KERNELS_H
#define BRRR_KERNELS_H
#include "brrr.h"

/// One variant's row kernels (see kernels_simd.h for what each computes).
typedef struct {
    void (*unary)(int op, ptrdiff_t n, const float *x, ptrdiff_t xs, float *o);
    void (*binary)(int op, ptrdiff_t n, const float *x, ptrdiff_t xs, const float *y, ptrdiff_t ys, float *o);
    void (*binary_i32)(int op, ptrdiff_t n, const int32_t *x, ptrdiff_t xs, const int32_t *y, ptrdiff_t ys, void *o);
    void (*select)(ptrdiff_t n, const float *c, ptrdiff_t cs, const float *x, ptrdiff_t xs,
                   const float *y, ptrdiff_t ys, float *o);
    void (*copy)(ptrdiff_t n, const float *x, ptrdiff_t xs, float *o, ptrdiff_t os);
    ptrdiff_t (*cast_f2i)(ptrdiff_t n, const float *x, ptrdiff_t xs, int32_t *o);
    void (*cast_i2f)(ptrdiff_t n, const int32_t *x, ptrdiff_t xs, float *o);
    float (*sum)(const float *x, ptrdiff_t n);
    float (*max)(const float *x, ptrdiff_t n, ptrdiff_t xs);
    void (*acc)(int op, ptrdiff_t n, const float *x, ptrdiff_t xs, float *o);
    void (*dequant)(int format, const uint8_t *row, ptrdiff_t k, float *o);
    // the fused rows (fused.c)
    void (*softmax)(const float *x, ptrdiff_t n, float *y);
    void (*layer_norm)(const float *x, const float *w, const float *b, ptrdiff_t n, float eps, float *y);
    void (*gelu_tanh)(const float *x, ptrdiff_t n, float *y);
    float (*dot)(const float *a, const float *b, ptrdiff_t n);
    void (*axpy)(float w, const float *x, ptrdiff_t n, float *o);
} brrr_rows;

/// The row kernels of `isa` (the portable ones for a variant this binary lacks).
const brrr_rows *brrr_rows_for(int isa);

/// Ops below this many elements run on the calling thread: waking the pool costs about a
/// microsecond, which a small op does not win back.
enum { BRRR_PARALLEL_MIN = 1 << 15 };

/// A shape and up to four operands' strides over it, coalesced (brrr_iter_make).
typedef struct {
    int rank, nops;
    ptrdiff_t count;  // elements in all
    ptrdiff_t shape[BRRR_MAX_RANK];
    ptrdiff_t st[4][BRRR_MAX_RANK];
} brrr_iter;

/// The iterator of a layout (shape, then `nin` operands' strides), with a contiguous output
/// as one more operand when `out` is set, its dims coalesced.
void brrr_iter_make(brrr_iter *it, int rank, const ptrdiff_t *layout, int nin, int out);

/// Merges dims so the walk's inner rows are as long as they can be: drops size-1 dims, and
/// joins dim d into d-1 when every operand steps over d-1 exactly as over a whole run of d.
/// Returns the new rank (at least 1).
int brrr_coalesce(int rank, ptrdiff_t *shape, int nops, ptrdiff_t (*st)[BRRR_MAX_RANK]);

/// Called per row: n elements starting at flat position pos, operand k's first element at
/// element offset off[k] (its stride along the row is it->st[k][it->rank - 1]).
typedef void (*brrr_row_fn)(void *ctx, ptrdiff_t n, ptrdiff_t pos, const ptrdiff_t *off);

/// Visits the flat positions [begin, end) of the iterator's shape, one row call at a time.
void brrr_walk(const brrr_iter *it, ptrdiff_t begin, ptrdiff_t end, brrr_row_fn fn, void *ctx);

/// brrr_walk over everything, split over `threads` threads when the op is big.
void brrr_walk_all(const brrr_iter *it, int threads, brrr_row_fn fn, void *ctx);

#endif

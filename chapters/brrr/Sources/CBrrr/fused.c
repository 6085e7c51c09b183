// Fused kernels (dfdx's FusedKernel): one pass over each row instead of one primitive per
// step of the composition, each row read from memory once. Rows are shared among the pool's
// threads when there are enough of them. The row math is vectorized per instruction set
// (kernels_simd.h: softmax, layer norm, GELU, the attention's dot products); RMSNorm's row
// is exercise brrr.9, plain C here.
#include "kernels.h"
#include <math.h>
#include <stdlib.h>

struct rows_job {
    int kernel;           // 0 softmax, 1 rms norm, 2 layer norm, 3 gelu (tanh)
    const brrr_rows *k;   // the instruction set's row kernels
    int64_t rows, cols;
    const float *x, *w, *b;
    float eps;
    float *out;
};

static void rms_norm_row(const float *x, const float *w, int64_t n, float eps, float *y) {
    // BEGIN SOLUTION brrr.9: y = x / sqrt(mean(x^2) + eps) * w in two passes over the row: the sum of squares (four partial sums), then one multiply per value
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) { s0 += x[i] * x[i]; s1 += x[i + 1] * x[i + 1]; s2 += x[i + 2] * x[i + 2]; s3 += x[i + 3] * x[i + 3]; }
    for (; i < n; i++) s0 += x[i] * x[i];
    float r = 1.0f / sqrtf(((s0 + s1) + (s2 + s3)) / (float)n + eps);
    for (i = 0; i < n; i++) y[i] = x[i] * r * w[i];
    // END SOLUTION brrr.9
}

static void rows_task(void *context, int thread, int threads) {
    struct rows_job *j = context;
    int64_t begin, end;
    brrr_split(j->rows, thread, threads, &begin, &end);
    for (int64_t r = begin; r < end; r++) {
        const float *x = j->x + r * j->cols;
        float *y = j->out + r * j->cols;
        switch (j->kernel) {
        case 0: j->k->softmax(x, j->cols, y); break;
        case 1: rms_norm_row(x, j->w, j->cols, j->eps, y); break;
        case 2: j->k->layer_norm(x, j->w, j->b, j->cols, j->eps, y); break;
        default: j->k->gelu_tanh(x, j->cols, y); break;
        }
    }
}

void brrr_softmax_rows(int isa, int threads, int64_t rows, int64_t cols, const float *x, float *out) {
    struct rows_job job = {0, brrr_rows_for(isa), rows, cols, x, 0, 0, 0, out};
    brrr_parallel(rows * cols >= 32768 ? threads : 1, rows_task, &job);
}

void brrr_rms_norm_rows(int threads, int64_t rows, int64_t cols, const float *x, const float *w, float eps, float *out) {
    struct rows_job job = {1, NULL, rows, cols, x, w, 0, eps, out};
    brrr_parallel(rows * cols >= 32768 ? threads : 1, rows_task, &job);
}

void brrr_layer_norm_rows(int isa, int threads, int64_t rows, int64_t cols, const float *x, const float *w, const float *b,
                          float eps, float *out) {
    struct rows_job job = {2, brrr_rows_for(isa), rows, cols, x, w, b, eps, out};
    brrr_parallel(rows * cols >= 32768 ? threads : 1, rows_task, &job);
}

void brrr_gelu_tanh(int isa, int threads, int64_t n, const float *x, float *out) {
    if (n == 0) return;
    const brrr_rows *k = brrr_rows_for(isa);
    int64_t cols = n < 4096 ? n : 4096, full = n / cols;
    // rows of 4096 values; the last one may be shorter, so it is done apart
    struct rows_job job = {3, k, full, cols, x, 0, 0, 0, out};
    brrr_parallel(n >= 32768 ? threads : 1, rows_task, &job);
    if (full * cols != n) k->gelu_tanh(x + full * cols, n - full * cols, out + full * cols);
}

void brrr_rotary(int64_t b, int64_t h, int64_t t, int64_t d, const float *x, const int64_t strides[4],
                 const float *cos, const float *sin, float *out) {
    int64_t half = d / 2;
    for (int64_t i = 0; i < b; i++)
        for (int64_t j = 0; j < h; j++)
            for (int64_t p = 0; p < t; p++) {
                const float *xr = x + i * strides[0] + j * strides[1] + p * strides[2];
                const float *c = cos + p * d, *s = sin + p * d;
                float *y = out + ((i * h + j) * t + p) * d;
                int64_t sd = strides[3];
                for (int64_t k = 0; k < half; k++) {
                    float x1 = xr[k * sd], x2 = xr[(k + half) * sd];
                    y[k] = x1 * c[k] - x2 * s[k];
                    y[k + half] = x2 * c[k + half] + x1 * s[k + half];
                }
            }
}

// Attention, one query row at a time: its S scores in a scratch row (never an R x S tensor),
// max, exp and sum as the fused softmax does, then the weighted sum of v's rows. The (b, h)
// pairs are shared among threads.
struct attention_job {
    const brrr_rows *rk;  // the instruction set's row kernels
    int64_t b, h, r, s, d;
    const float *q, *k, *v, *mask;
    const int64_t *qs, *ks, *vs;   // element strides of q, k, v: [4] each
    int64_t mr, mc;                // the mask's row and column strides (a broadcast row: 0)
    float scale;
    float *out;
};

static void attention_task(void *context, int thread, int threads) {
    struct attention_job *j = context;
    int64_t begin, end;
    brrr_split(j->b * j->h, thread, threads, &begin, &end);
    float *scores = malloc((size_t)(j->s > 0 ? j->s : 1) * sizeof(float));
    float *acc = malloc((size_t)(j->d > 0 ? j->d : 1) * sizeof(float));
    for (int64_t bh = begin; bh < end; bh++) {
        int64_t bi = bh / j->h, hi = bh % j->h;
        const float *q = j->q + bi * j->qs[0] + hi * j->qs[1];
        const float *k = j->k + bi * j->ks[0] + hi * j->ks[1];
        const float *v = j->v + bi * j->vs[0] + hi * j->vs[1];
        int dense = j->qs[3] == 1 && j->ks[3] == 1;   // contiguous head dims: vector dot products
        for (int64_t r = 0; r < j->r; r++) {
            const float *qr = q + r * j->qs[2];
            for (int64_t t = 0; t < j->s; t++) {
                const float *kt = k + t * j->ks[2];
                float dot = 0;
                if (dense) dot = j->rk->dot(qr, kt, j->d);
                else for (int64_t e = 0; e < j->d; e++) dot += qr[e * j->qs[3]] * kt[e * j->ks[3]];
                scores[t] = dot * j->scale + j->mask[r * j->mr + t * j->mc];
            }
            j->rk->softmax(scores, j->s, scores);
            for (int64_t e = 0; e < j->d; e++) acc[e] = 0;
            for (int64_t t = 0; t < j->s; t++) {
                float w = scores[t];
                if (w == 0) continue;
                const float *vt = v + t * j->vs[2];
                if (j->vs[3] == 1) j->rk->axpy(w, vt, j->d, acc);
                else for (int64_t e = 0; e < j->d; e++) acc[e] += w * vt[e * j->vs[3]];
            }
            float *y = j->out + ((bi * j->h + hi) * j->r + r) * j->d;
            for (int64_t e = 0; e < j->d; e++) y[e] = acc[e];
        }
    }
    free(scores);
    free(acc);
}

void brrr_attention(int isa, int threads, int64_t b, int64_t h, int64_t r, int64_t s, int64_t d,
                    const float *q, const int64_t qs[4], const float *k, const int64_t ks[4],
                    const float *v, const int64_t vs[4], const float *mask, int64_t mask_row_stride,
                    int64_t mask_col_stride, float scale, float *out) {
    struct attention_job job = {brrr_rows_for(isa), b, h, r, s, d, q, k, v, mask, qs, ks, vs, mask_row_stride, mask_col_stride, scale, out};
    brrr_parallel(b * h * r * s * d >= 65536 ? threads : 1, attention_task, &job);
}

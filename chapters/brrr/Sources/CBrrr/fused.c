// Fused kernels (dfdx's FusedKernel): one pass over each row instead of one primitive per
// step of the composition, each row read from memory once. Rows are shared among the pool's
// threads when there are enough of them.
#include "brrr.h"
#include <math.h>

struct rows_job {
    int kernel;           // 0 softmax, 1 rms norm
    int64_t rows, cols;
    const float *x, *w;
    float eps;
    float *out;
};

static void softmax_row(const float *x, int64_t n, float *y) {
    float m = -INFINITY;
    for (int64_t i = 0; i < n; i++) m = x[i] > m ? x[i] : m;
    if (m == -INFINITY) m = 0;   // a row of -inf: exp gives 0s, then 0/0 = nan, as the composition does
    float s = 0;
    for (int64_t i = 0; i < n; i++) { y[i] = expf(x[i] - m); s += y[i]; }
    float inv = 1.0f / s;
    for (int64_t i = 0; i < n; i++) y[i] *= inv;
}

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
        if (j->kernel == 0) softmax_row(j->x + r * j->cols, j->cols, j->out + r * j->cols);
        else rms_norm_row(j->x + r * j->cols, j->w, j->cols, j->eps, j->out + r * j->cols);
    }
}

void brrr_softmax_rows(int threads, int64_t rows, int64_t cols, const float *x, float *out) {
    struct rows_job job = {0, rows, cols, x, 0, 0, out};
    brrr_parallel(rows * cols >= 32768 ? threads : 1, rows_task, &job);
}

void brrr_rms_norm_rows(int threads, int64_t rows, int64_t cols, const float *x, const float *w, float eps, float *out) {
    struct rows_job job = {1, rows, cols, x, w, eps, out};
    brrr_parallel(rows * cols >= 32768 ? threads : 1, rows_task, &job);
}

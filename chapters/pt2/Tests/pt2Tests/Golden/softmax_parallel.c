#include <math.h>
#include <stdint.h>

typedef struct {
    void (*sgemm)(int isa, int threads, int64_t batch, int64_t m, int64_t n, int64_t k,
                  const float *a, int64_t sba, int64_t rsa, int64_t csa,
                  const float *b, int64_t sbb, int64_t rsb, int64_t csb,
                  float *c, int64_t sbc, int64_t ldc);
    void (*parallel)(int threads, void (*task)(void *context, int thread, int threads), void *context);
    int isa, threads;
} pt2_runtime;

static inline int64_t pt2_clamp(int64_t i, int64_t n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }
// %1 = max[1](%0) : f32[256, 1]
static void k1_part(void *context, int thread, int threads) {
    float *const *b = (float *const *)context;
    const int64_t lo = 256 * (int64_t)thread / threads, hi = 256 * (int64_t)(thread + 1) / threads;
    const float *restrict v0 = b[0];
    float *restrict out = b[1];
    for (int64_t i0 = lo; i0 < hi; i0++) {
        float acc = (-INFINITY);
        for (int64_t i1 = 0; i1 < 1024; i1++) {
            float t0 = v0[i0 * 1024 + i1];
            acc = fmaxf(acc, t0);
        }
        out[i0] = acc;
    }
}

void k1(float *const *b, const pt2_runtime *rt) {
    rt->parallel(rt->threads, k1_part, (void *)b);
}

// %6 = sum[1](%5) : f32[256, 1]
static void k6_part(void *context, int thread, int threads) {
    float *const *b = (float *const *)context;
    const int64_t lo = 256 * (int64_t)thread / threads, hi = 256 * (int64_t)(thread + 1) / threads;
    const float *restrict v0 = b[0];
    const float *restrict v1 = b[1];
    float *restrict out = b[2];
    for (int64_t i0 = lo; i0 < hi; i0++) {
        float acc = 0.0f;
        for (int64_t i1 = 0; i1 < 1024; i1++) {
            float t0 = v0[i0 * 1024 + i1];
            float t1 = v1[i0];
            float t2 = (-t1);
            float t3 = (t0 + t2);
            float t4 = expf(t3);
            acc += t4;
        }
        out[i0] = acc;
    }
}

void k6(float *const *b, const pt2_runtime *rt) {
    rt->parallel(rt->threads, k6_part, (void *)b);
}

// %9 = mul(%5, %8) : f32[256, 1024]
static void k9_part(void *context, int thread, int threads) {
    float *const *b = (float *const *)context;
    const int64_t lo = 256 * (int64_t)thread / threads, hi = 256 * (int64_t)(thread + 1) / threads;
    const float *restrict v0 = b[0];
    const float *restrict v1 = b[1];
    const float *restrict v6 = b[2];
    float *restrict out = b[3];
    for (int64_t i0 = lo; i0 < hi; i0++) {
        for (int64_t i1 = 0; i1 < 1024; i1++) {
            float t0 = v0[i0 * 1024 + i1];
            float t1 = v1[i0];
            float t2 = (-t1);
            float t3 = (t0 + t2);
            float t4 = expf(t3);
            float t5 = v6[i0];
            float t6 = (1.0f / t5);
            float t7 = (t4 * t6);
            out[i0 * 1024 + i1] = t7;
        }
    }
}

void k9(float *const *b, const pt2_runtime *rt) {
    rt->parallel(rt->threads, k9_part, (void *)b);
}

#include <math.h>
#include <stdint.h>

typedef struct {
    void (*sgemm)(int isa, int threads, int64_t batch, int64_t m, int64_t n, int64_t k,
                  const float *a, int64_t sba, int64_t rsa, int64_t csa,
                  const float *b, int64_t sbb, int64_t rsb, int64_t csb,
                  float *c, int64_t sbc, int64_t ldc);
    void (*parallel)(int threads, void (*task)(void *context, int thread, int threads), void *context);
    int isa, threads;
    void (*sgemm_band)(int isa, int threads, int64_t batch, int64_t m, int64_t n, int64_t k,
                       const float *a, int64_t sba, int64_t rsa, int64_t csa,
                       const float *b, int64_t sbb, int64_t rsb, int64_t csb,
                       float *c, int64_t sbc, int64_t ldc,
                       int zero_a, int64_t zero_a_offset, int zero_b, int64_t zero_b_offset, int dead, int64_t dead_offset);
} pt2_runtime;

static inline int64_t pt2_clamp(int64_t i, int64_t n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }
static inline int64_t pt2_min(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t pt2_max(int64_t a, int64_t b) { return a > b ? a : b; }
// %9 = mul(%5, %8) : f32[256, 1024]
static void k9_part(void *context, int thread, int threads) {
    float *const *b = (float *const *)context;
    const int64_t lo = 256 * (int64_t)thread / threads, hi = 256 * (int64_t)(thread + 1) / threads;
    const float *restrict v0 = b[0];
    float *restrict out = b[1];
    for (int64_t i0 = lo; i0 < hi; i0++) {
        float acc1_lanes[16];
        for (int64_t c = 0; c < 16; c++) acc1_lanes[c] = (-INFINITY);
        for (int64_t i1o = 0; i1o < 1024; i1o += 16) {
            for (int64_t c = 0; c < 16; c++) {
                const int64_t i1 = i1o + c;
                float t0 = v0[i0 * 1024 + i1];
                acc1_lanes[c] = t0 > acc1_lanes[c] || acc1_lanes[c] != acc1_lanes[c] ? t0 : acc1_lanes[c];
            }
        }
        float acc1 = acc1_lanes[0];
        for (int64_t c = 1; c < 16; c++) acc1 = fmaxf(acc1, acc1_lanes[c]);
        float row6[1024];
        float acc6 = 0.0f;
        for (int64_t i1 = 0; i1 < 1024; i1++) {
            float t1 = v0[i0 * 1024 + i1];
            float t2 = (-acc1);
            float t3 = (t1 + t2);
            float t4 = expf(t3);
            row6[i1] = t4;
            acc6 += t4;
        }
        for (int64_t i1 = 0; i1 < 1024; i1++) {
            float t5 = (1.0f / acc6);
            float t6 = (row6[i1] * t5);
            out[i0 * 1024 + i1] = t6;
        }
    }
}

void k9(float *const *b, const pt2_runtime *rt) {
    rt->parallel(rt->threads, k9_part, (void *)b);
}

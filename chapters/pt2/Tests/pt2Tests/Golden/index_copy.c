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
// %4 = indexCopy(dim: 0)(%3, %1, %2) : f32[4, 6]
void k4(float *const *b, const pt2_runtime *rt) {
    const int32_t *v1 = (const int32_t *)b[0];
    const float *v0 = b[1];
    float *out = b[2];
    (void)rt;
    for (int64_t j = 0; j < 2; j++) {
        const int64_t p = v1[j];
        for (int64_t i1 = 0; i1 < 6; i1++) {
            float t0 = v0[j * 6 + i1];
            float t1 = expf(t0);
            out[p * 6 + i1] = t1;
        }
    }
}

// %5 = sum[1](%4) : f32[4, 1]
void k5(float *const *b, const pt2_runtime *rt) {
    const float *restrict v4 = b[0];
    float *restrict out = b[1];
    (void)rt;
    for (int64_t i0 = 0; i0 < 4; i0++) {
        float acc = 0.0f;
        for (int64_t i1 = 0; i1 < 6; i1++) {
            float t0 = v4[i0 * 6 + i1];
            acc += t0;
        }
        out[i0] = acc;
    }
}

// %6 = reshape[4](%5) : f32[4]
void k6(float *const *b, const pt2_runtime *rt) {
    const float *restrict v5 = b[0];
    float *restrict out = b[1];
    (void)rt;
    for (int64_t i0 = 0; i0 < 4; i0++) {
        float t0 = v5[i0];
        out[i0] = t0;
    }
}

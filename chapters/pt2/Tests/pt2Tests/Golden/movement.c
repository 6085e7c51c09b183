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
// %5 = mul(%3, %4) : f32[5, 5]
void k5(float *const *b, const pt2_runtime *rt) {
    const float *restrict v0 = b[0];
    float *restrict out = b[1];
    (void)rt;
    for (int64_t i0 = 0; i0 < 5; i0++) {
        for (int64_t j1 = 0; j1 < 4; j1++) {
            float t0 = v0[j1 * 6 + pt2_clamp(i0 - 1, 4) + 1];
            float t1 = (i0 - 1 >= 0 ? t0 : 0.0f);
            float t2 = (t1 * 2.0f);
            out[i0 * 5 + j1] = t2;
        }
        for (int64_t j1 = 0; j1 < 1; j1++) {
            float t3 = (0.0f * 2.0f);
            out[i0 * 5 + j1 + 4] = t3;
        }
    }
}

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
// %3 = matmul(%0, %2) : f32[2, 16]
void k3(float *const *b, const pt2_runtime *rt) {
    const float *restrict v0 = b[0];
    const float *restrict v1 = b[1];
    float *restrict out = b[2];
    rt->sgemm(rt->isa, rt->threads, 1, 2, 16, 8, v0 + 0, 0, 8, 1,
              v1 + 0, 0, 1, 8, out + 0, 0, 16);
}

// %9 = where(%8, %6, %7) : f32[2, 16]
void k9(float *const *b, const pt2_runtime *rt) {
    const float *restrict v3 = b[0];
    const float *restrict v4 = b[1];
    float *restrict out = b[2];
    (void)rt;
    for (int64_t i0 = 0; i0 < 2; i0++) {
        for (int64_t i1 = 0; i1 < 16; i1++) {
            float t0 = v3[i0 * 16 + i1];
            float t1 = v4[i1];
            float t2 = (t0 + t1);
            float t3 = (0.0f < t2 ? 1.0f : 0.0f);
            float t4 = (t3 != 0.0f ? t2 : 0.0f);
            out[i0 * 16 + i1] = t4;
        }
    }
}

// %12 = matmul(%9, %11) : f32[2, 4]
void k12(float *const *b, const pt2_runtime *rt) {
    const float *restrict v9 = b[0];
    const float *restrict v10 = b[1];
    float *restrict out = b[2];
    rt->sgemm(rt->isa, rt->threads, 1, 2, 4, 16, v9 + 0, 0, 16, 1,
              v10 + 0, 0, 1, 16, out + 0, 0, 4);
}

// %15 = add(%12, %14) : f32[2, 4]
void k15(float *const *b, const pt2_runtime *rt) {
    const float *restrict v12 = b[0];
    const float *restrict v13 = b[1];
    float *restrict out = b[2];
    (void)rt;
    for (int64_t i0 = 0; i0 < 2; i0++) {
        for (int64_t i1 = 0; i1 < 4; i1++) {
            float t0 = v12[i0 * 4 + i1];
            float t1 = v13[i1];
            float t2 = (t0 + t1);
            out[i0 * 4 + i1] = t2;
        }
    }
}

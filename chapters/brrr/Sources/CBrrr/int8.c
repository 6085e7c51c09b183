// Decode with 8-bit activations, llama.cpp's way (opt-in: --int8-activations).
//
// The float path (gemm_microkernel.h, linear_q_rows) turns every weight block into floats.
// Here the activation row is quantized instead, once per token: each block of 32 values
// becomes 32 int8 and a scale dx = max|x| / 127. A weight block times an activation block is
// then an integer dot product, 4 products summed per 32-bit lane per instruction (AVX-512
// VNNI's vpdpbusd: unsigned bytes times signed bytes), scaled once per block:
//
//   sum_i w_i x_i ~= dw dx sum_i u_i q_i + c_w xs        (u: the weight's unsigned bytes,
//                                                         q: x's int8, xs = dx sum_i q_i)
//   Q4_1: w = dw u + m       c_w = m
//   Q4_0: w = dw (u - 8)     c_w = -8 dw
//   Q8_0: w = dw s, u = s + 128 (s signed)   c_w = -128 dw
//
// It rounds the activations (a relative error of about 1/254 of each block's largest value),
// so it is not the graded default; its test states its own tolerance.
#include "brrr.h"
#include "half.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>


void brrr_quantize_activations(const float *x, int64_t k, int8_t *q, float *scale, float *sum) {
    // BEGIN SOLUTION brrr.7: quantize each block b of 32 values of x to int8: scale[b] = max|x| / 127 (0 for an all-zero block), q = x / scale rounded to the nearest, sum[b] = scale[b] * (the sum of the block's q)
    for (int64_t b = 0; b < k / 32; b++) {
        const float *xb = x + b * 32;
        float amax = 0;
        for (int i = 0; i < 32; i++) amax = fmaxf(amax, fabsf(xb[i]));
        float d = amax / 127.0f, inv = amax > 0 ? 127.0f / amax : 0;
        int total = 0;
        for (int i = 0; i < 32; i++) {
            int v = (int)lrintf(xb[i] * inv);
            q[b * 32 + i] = (int8_t)v;
            total += v;
        }
        scale[b] = d;
        sum[b] = d * (float)total;
    }
    // END SOLUTION brrr.7
}

/// The weight block b of one row as 32 unsigned bytes in value order, with its dw and c_w.
static inline void weight_block(int format, const uint8_t *row, int64_t b, uint8_t u[32], float *dw, float *cw) {
    if (format == BRRR_Q8_0) {
        const uint8_t *block = row + b * 34;
        *dw = half_to_float(load_u16(block));
        for (int i = 0; i < 32; i++) u[i] = (uint8_t)(block[2 + i] ^ 0x80);
        *cw = -128.0f * *dw;
    } else {
        const uint8_t *block = row + b * (format == BRRR_Q4_1 ? 20 : 18), *q = block + (format == BRRR_Q4_1 ? 4 : 2);
        *dw = half_to_float(load_u16(block));
        for (int i = 0; i < 16; i++) { u[i] = q[i] & 15; u[i + 16] = q[i] >> 4; }
        *cw = format == BRRR_Q4_1 ? half_to_float(load_u16(block + 2)) : -8.0f * *dw;
    }
}

/// Portable: the integer dot product in plain C (the compiler vectorizes it as it can).
static void rows_portable(int format, int64_t k, const int8_t *q, const float *scale, const float *sum,
                          const uint8_t *w, int64_t row_bytes, int64_t n0, int64_t n1, float *out) {
    for (int64_t j = n0; j < n1; j++) {
        const uint8_t *row = w + j * row_bytes;
        float s = 0;
        for (int64_t b = 0; b < k / 32; b++) {
            uint8_t u[32];
            float dw, cw;
            weight_block(format, row, b, u, &dw, &cw);
            int dot = 0;
            for (int i = 0; i < 32; i++) dot += (int)u[i] * (int)q[b * 32 + i];
            s += dw * scale[b] * (float)dot + cw * sum[b];
        }
        out[j] = s;
    }
}

#if defined(__x86_64__)
#include <immintrin.h>
#define VNNI_TARGET __attribute__((target("avx512f,avx512vl,avx512bw,avx512vnni,fma,f16c")))

/// AVX-512 VNNI: per block, the 16 bytes of nibbles become 32 unsigned bytes in one ymm,
/// one vpdpbusd multiplies them with x's 32 int8 and sums them 4 by 4 into 8 lanes, and the
/// lanes are scaled and accumulated as floats (one horizontal sum per row, at the end).
VNNI_TARGET static void rows_vnni(int format, int64_t k, const int8_t *q, const float *scale, const float *sum,
                                  const uint8_t *w, int64_t row_bytes, int64_t n0, int64_t n1, float *out) {
    const __m128i low4 = _mm_set1_epi8(0x0f);
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    for (int64_t j = n0; j < n1; j++) {
        const uint8_t *row = w + j * row_bytes;
        __m256 acc = _mm256_setzero_ps();
        float offset = 0;
        for (int64_t b = 0; b < k / 32; b++) {
            __m256i u;
            float dw, cw;
            if (format == BRRR_Q8_0) {
                const uint8_t *block = row + b * 34;
                dw = _cvtsh_ss(load_u16(block));
                u = _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(block + 2)), flip);
                cw = -128.0f * dw;
            } else {
                const uint8_t *block = row + b * (format == BRRR_Q4_1 ? 20 : 18);
                __m128i nibbles = _mm_loadu_si128((const __m128i *)(block + (format == BRRR_Q4_1 ? 4 : 2)));
                __m128i lo = _mm_and_si128(nibbles, low4), hi = _mm_and_si128(_mm_srli_epi16(nibbles, 4), low4);
                u = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
                dw = _cvtsh_ss(load_u16(block));
                cw = format == BRRR_Q4_1 ? _cvtsh_ss(load_u16(block + 2)) : -8.0f * dw;
            }
            __m256i qx = _mm256_loadu_si256((const __m256i *)(q + b * 32));
            __m256i dot = _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, qx);
            acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(dw * scale[b]), acc);
            offset += cw * sum[b];
        }
        __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
        h = _mm_add_ps(h, _mm_movehl_ps(h, h));
        h = _mm_add_ss(h, _mm_movehdup_ps(h));
        out[j] = _mm_cvtss_f32(h) + offset;
    }
}

int brrr_has_vnni(void) {
    unsigned a, b, c, d;
    if (!(brrr_supported_isas() & (1u << BRRR_ISA_AVX512))) return 0;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    return (c >> 11) & 1;
}
#else
int brrr_has_vnni(void) { return 0; }
#endif

struct int8_job {
    int format, vnni;
    int64_t rows, n, k, row_bytes;
    const int8_t *q;
    const float *scale, *sum;
    const uint8_t *w;
    float *out;
};

static void int8_task(void *context, int thread, int threads) {
    struct int8_job *j = context;
    int64_t begin, end;
    brrr_split((j->n + 15) / 16, thread, threads, &begin, &end);
    begin *= 16; end = end * 16 < j->n ? end * 16 : j->n;
    int64_t blocks = j->k / 32;
    for (int64_t r = 0; r < j->rows && begin < end; r++) {
#if defined(__x86_64__)
        if (j->vnni) {
            rows_vnni(j->format, j->k, j->q + r * j->k, j->scale + r * blocks, j->sum + r * blocks, j->w, j->row_bytes,
                      begin, end, j->out + r * j->n);
            continue;
        }
#endif
        rows_portable(j->format, j->k, j->q + r * j->k, j->scale + r * blocks, j->sum + r * blocks, j->w, j->row_bytes,
                      begin, end, j->out + r * j->n);
    }
}

void brrr_linear_int8(int isa, int threads, int format, int64_t rows, int64_t n, int64_t k,
                      const float *x, const uint8_t *w, int64_t row_bytes, float *out) {
    int64_t blocks = k / 32;
    int8_t *q = malloc((size_t)(rows * k));
    float *scale = malloc((size_t)(rows * blocks) * sizeof(float)), *sum = malloc((size_t)(rows * blocks) * sizeof(float));
    for (int64_t r = 0; r < rows; r++) brrr_quantize_activations(x + r * k, k, q + r * k, scale + r * blocks, sum + r * blocks);
    struct int8_job job = {format, isa == BRRR_ISA_AVX512 && brrr_has_vnni(), rows, n, k, row_bytes, q, scale, sum, w, out};
    brrr_parallel(2.0 * (double)rows * (double)n * (double)k >= 1e6 ? threads : 1, int8_task, &job);
    free(q);
    free(scale);
    free(sum);
}

// The SGEMM microkernel and the blocked loops around it, written once and compiled once per
// instruction set: gemm.c includes this file with
//   GEMM_ISA      the name suffix (portable, avx2, avx512, neon)
//   GEMM_TARGET   the function attribute that compiles it for that ISA (empty for portable)
//   VW            floats per vector register (4, 8, 16)
//   MR, NR        the register tile: MR rows of C times NR columns (NR a multiple of VW)
//   KC, MC, NC    the cache blocks (see the table in gemm.c)
//   GEMM_HALF     half -> float (the F16C instruction where the ISA has it)
// and undefines them all at its end, ready for the next variant.
// The vectors are clang's vector extensions, so the one source becomes AVX-512, AVX2 or NEON
// instructions depending on GEMM_TARGET; `acc += a * b` becomes a fused multiply-add.

#define GEMM_CAT_(a, b) a##_##b
#define GEMM_CAT(a, b) GEMM_CAT_(a, b)
#define GEMM_FN(name) GEMM_CAT(name, GEMM_ISA)

typedef float GEMM_FN(vf) __attribute__((vector_size(VW * 4), aligned(4)));
#define VF GEMM_FN(vf)

GEMM_TARGET static inline VF GEMM_FN(load)(const float *p) { VF v; __builtin_memcpy(&v, p, sizeof v); return v; }
GEMM_TARGET static inline void GEMM_FN(store)(float *p, VF v) { __builtin_memcpy(p, &v, sizeof v); }
/// x in every lane. (Not `(VF){0} + x`: 0 + x is not x when x is -0, so the compiler must do
/// that add, a scalar add and a register broadcast per use, where a splat is one broadcast load
/// or folds into the multiply-add.)
GEMM_TARGET static inline VF GEMM_FN(splat)(float x) { VF v; for (int l = 0; l < VW; l++) v[l] = x; return v; }

/// C[MR x NR] (row stride ldc) = (or +=, when `accumulate`) the product of a packed A
/// micro-panel (kc columns of MR values) and a packed B micro-panel (kc rows of NR values).
/// The MR x NR sums live in registers for the whole k loop: each step loads NR values of B,
/// broadcasts each of A's MR values, and does MR * NR / VW fused multiply-adds.
/// Only the top-left mr x nr of the tile is written (the edges of C).
GEMM_TARGET static void GEMM_FN(microkernel)(int64_t kc, const float *restrict a, const float *restrict b,
                                            float *restrict c, int64_t ldc, int mr, int nr, int accumulate) {
    VF acc[MR][NR / VW];
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR / VW; j++) acc[i][j] = (VF){0};
    for (int64_t p = 0; p < kc; p++) {
        // BEGIN SOLUTION brrr.3: one step of the k loop: load the NR values of b's row p as NR/VW vectors, then for each of the MR values of a's column p add (that value) * (each vector) into acc[i][j]
        VF bv[NR / VW];
        for (int j = 0; j < NR / VW; j++) bv[j] = GEMM_FN(load)(b + p * NR + j * VW);
        for (int i = 0; i < MR; i++) {
            VF ai = GEMM_FN(splat)(a[p * MR + i]);
            for (int j = 0; j < NR / VW; j++) acc[i][j] += ai * bv[j];
        }
        // END SOLUTION brrr.3
    }
    if (mr == MR && nr == NR) {
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR / VW; j++) {
                float *cij = c + i * ldc + j * VW;
                GEMM_FN(store)(cij, accumulate ? GEMM_FN(load)(cij) + acc[i][j] : acc[i][j]);
            }
        return;
    }
    float tile[MR * NR];   // an edge: spill the registers, write the valid part
    for (int i = 0; i < MR; i++)
        for (int j = 0; j < NR / VW; j++) GEMM_FN(store)(tile + i * NR + j * VW, acc[i][j]);
    for (int i = 0; i < mr; i++)
        for (int j = 0; j < nr; j++) c[i * ldc + j] = (accumulate ? c[i * ldc + j] : 0) + tile[i * NR + j];
}

/// C (m x n, row stride ldc) = A (m x k) B (k x n), any strides, on one thread: BLIS's five
/// loops around the microkernel. B is packed KC x NC at a time (it stays in L3), A MC x KC at
/// a time (L2); the microkernel streams one KC x NR micro-panel of B from L1 against each
/// MR x KC micro-panel of A.
GEMM_TARGET static void GEMM_FN(gemm_blocked)(int64_t m, int64_t n, int64_t k,
                                             const float *a, int64_t rsa, int64_t csa,
                                             const float *b, int64_t rsb, int64_t csb,
                                             float *c, int64_t ldc, float *apack, float *bpack,
                                             const struct brrr_gemm_band *band) {
    for (int64_t jc = 0; jc < n; jc += NC) {
        int64_t nc = n - jc < NC ? n - jc : NC;
        for (int64_t pc = 0; pc < k; pc += KC) {
            int64_t kc = k - pc < KC ? k - pc : KC;
            if (band) pack_b_band(kc, nc, NR, b + pc * rsb + jc * csb, rsb, csb, bpack, band, jc, pc);
            else brrr_pack_b(kc, nc, NR, b + pc * rsb + jc * csb, rsb, csb, bpack);
            for (int64_t ic = 0; ic < m; ic += MC) {
                int64_t mc = m - ic < MC ? m - ic : MC;
                if (band) pack_a_band(mc, kc, MR, a + ic * rsa + pc * csa, rsa, csa, apack, band, ic, pc);
                else brrr_pack_a(mc, kc, MR, a + ic * rsa + pc * csa, rsa, csa, apack);
                for (int64_t jr = 0; jr < nc; jr += NR)
                    for (int64_t ir = 0; ir < mc; ir += MR) {
                        int rows = (int)(mc - ir < MR ? mc - ir : MR), cols = (int)(nc - jr < NR ? nc - jr : NR);
                        int64_t p0 = 0, p1 = kc;   // the part of this k block that counts
                        if (band) brrr_band_range(band, ic + ir, rows, jc + jr, cols, pc, &p0, &p1);
                        if (p1 <= p0 && pc > 0) continue;   // nothing to add
                        // an empty range at pc = 0 writes the tile's zeros
                        GEMM_FN(microkernel)(p1 > p0 ? p1 - p0 : 0, apack + ir * kc + p0 * MR, bpack + jr * kc + p0 * NR,
                                             c + (ic + ir) * ldc + jc + jr, ldc, rows, cols, pc > 0);
                    }
            }
        }
    }
}

/// Few rows (m < MR, e.g. one token's activations): packing B would cost as much as the
/// product, so read B in place. Rows of B contiguous (csb == 1): each C row is a sum of B
/// rows scaled by A's values; columns of B contiguous (rsb == 1, B = W^T): each C value is
/// a dot product of contiguous rows.
GEMM_TARGET static int GEMM_FN(gemm_few_rows)(int64_t m, int64_t n, int64_t k,
                                             const float *a, int64_t rsa, int64_t csa,
                                             const float *b, int64_t rsb, int64_t csb,
                                             float *c, int64_t ldc) {
    if (csb == 1) {
        for (int64_t i = 0; i < m; i++) {
            float *ci = c + i * ldc;
            for (int64_t j = 0; j < n; j++) ci[j] = 0;
            for (int64_t p = 0; p < k; p++) {
                float s = a[i * rsa + p * csa];
                const float *bp = b + p * rsb;
                int64_t j = 0;
                VF sv = GEMM_FN(splat)(s);
                for (; j + VW <= n; j += VW) GEMM_FN(store)(ci + j, GEMM_FN(load)(ci + j) + sv * GEMM_FN(load)(bp + j));
                for (; j < n; j++) ci[j] += s * bp[j];
            }
        }
        return 1;
    }
    if (rsb == 1 && csa == 1) {
        for (int64_t i = 0; i < m; i++)
            for (int64_t j = 0; j < n; j++) {
                const float *ai = a + i * rsa, *bj = b + j * csb;
                VF s0 = (VF){0}, s1 = (VF){0};
                int64_t p = 0;
                for (; p + 2 * VW <= k; p += 2 * VW) {
                    s0 += GEMM_FN(load)(ai + p) * GEMM_FN(load)(bj + p);
                    s1 += GEMM_FN(load)(ai + p + VW) * GEMM_FN(load)(bj + p + VW);
                }
                for (; p + VW <= k; p += VW) s0 += GEMM_FN(load)(ai + p) * GEMM_FN(load)(bj + p);
                s0 += s1;
                float s = 0;
                for (int l = 0; l < VW; l++) s += s0[l];
                for (; p < k; p++) s += ai[p] * bj[p];
                c[i * ldc + j] = s;
            }
        return 1;
    }
    return 0;
}

/// Block b of a weight row in `format` as two vectors of 16 floats before scaling (values
/// 0-15 in lo, 16-31 in hi), its scale d and, for Q4_1, its offset m (0 otherwise).
GEMM_TARGET static inline void GEMM_FN(dequantize_block)(int format, const uint8_t *row, int64_t b,
                                                        f16v_t *plo, f16v_t *phi, float *pd, float *pm) {
    typedef uint8_t u8x16 __attribute__((vector_size(16), aligned(1)));
    typedef int8_t i8x16 __attribute__((vector_size(16), aligned(1)));
    typedef f16v_t f16v;
    f16v lo, hi;
    float d, m = 0;
    // BEGIN SOLUTION brrr.8: de-quantize block b of this row into lo (values 0-15) and hi (16-31) as float vectors with its scale d (and Q4_1's offset m): Q8_0 = d and 32 int8; Q4_0 = d and 16 bytes of nibbles (low nibble value j, high value j + 16), values q - 8; Q4_1 = d, m and nibbles (the m term is added through xsum)
    if (format == BRRR_Q8_0) {
        const uint8_t *block = row + b * 34;
        d = GEMM_HALF(load_u16(block));
        i8x16 q0, q1;
        __builtin_memcpy(&q0, block + 2, 16);
        __builtin_memcpy(&q1, block + 18, 16);
        lo = __builtin_convertvector(q0, f16v);
        hi = __builtin_convertvector(q1, f16v);
    } else {
        const uint8_t *block = row + b * (format == BRRR_Q4_1 ? 20 : 18);
        d = GEMM_HALF(load_u16(block));
        u8x16 q;
        __builtin_memcpy(&q, block + (format == BRRR_Q4_1 ? 4 : 2), 16);
        lo = __builtin_convertvector(q & 15, f16v);
        hi = __builtin_convertvector(q >> 4, f16v);
        if (format == BRRR_Q4_1) m = GEMM_HALF(load_u16(block + 2));
        else { lo -= 8; hi -= 8; }
    }
    // END SOLUTION brrr.8
    *plo = lo; *phi = hi; *pd = d; *pm = m;
}

/// out[r][j] (r < rows <= 4, j in [n0, n1), row stride ldo) = x[r] . w[j] for a weight in a
/// block format: each block is de-quantized in registers (16 bytes of nibbles or 32 of int8
/// become float vectors) and multiplied with x at once, so the weight is read once, in its
/// 4.5-8.5 bits a value, and never written out as floats. `xsum[r * blocks + b]` is the sum
/// of x[r]'s block b (Q4_1's offset m multiplies it).
GEMM_TARGET static void GEMM_FN(linear_q_rows)(int format, int64_t rows, int64_t k, const float *x, const float *xsum,
                                              const uint8_t *w, int64_t row_bytes, int64_t n0, int64_t n1,
                                              float *out, int64_t ldo) {
    typedef f16v_t f16v;
    int64_t blocks = k / 32;
    int64_t j = n0;
    if (rows == 1) {   // a token: four weight rows at a time, their sums in registers
        for (; j + 4 <= n1; j += 4) {
            f16v acc0 = {0}, acc1 = {0}, acc2 = {0}, acc3 = {0};
            float off0 = 0, off1 = 0, off2 = 0, off3 = 0;
            for (int64_t b = 0; b < blocks; b++) {
                f16v x0, x1;
                __builtin_memcpy(&x0, x + b * 32, 64);
                __builtin_memcpy(&x1, x + b * 32 + 16, 64);
                float xs = xsum[b];
                // the weight streams from memory: ask for the same block of the rows 8 ahead
                // (the hardware prefetcher alone left this loop waiting on loads)
                const uint8_t *ahead = w + (j + 8) * row_bytes + b * (row_bytes / blocks);
                __builtin_prefetch(ahead);
                __builtin_prefetch(ahead + row_bytes);
                __builtin_prefetch(ahead + 2 * row_bytes);
                __builtin_prefetch(ahead + 3 * row_bytes);
#define GEMM_ROW_BLOCK(r, acc, off) do { \
                    f16v lo_, hi_; float d_, m_; \
                    GEMM_FN(dequantize_block)(format, w + (j + r) * row_bytes, b, &lo_, &hi_, &d_, &m_); \
                    acc += d_ * (lo_ * x0 + hi_ * x1); off += m_ * xs; } while (0)
                GEMM_ROW_BLOCK(0, acc0, off0);
                GEMM_ROW_BLOCK(1, acc1, off1);
                GEMM_ROW_BLOCK(2, acc2, off2);
                GEMM_ROW_BLOCK(3, acc3, off3);
#undef GEMM_ROW_BLOCK
            }
            float s0 = off0, s1 = off1, s2 = off2, s3 = off3;
            for (int l = 0; l < 16; l++) { s0 += acc0[l]; s1 += acc1[l]; s2 += acc2[l]; s3 += acc3[l]; }
            out[j] = s0; out[j + 1] = s1; out[j + 2] = s2; out[j + 3] = s3;
        }
    }
    for (; j < n1; j++) {
        const uint8_t *row = w + j * row_bytes;
        f16v acc[4] = {{0}, {0}, {0}, {0}};
        float offset[4] = {0, 0, 0, 0};
        for (int64_t b = 0; b < blocks; b++) {
            f16v lo, hi;
            float d, m;
            GEMM_FN(dequantize_block)(format, row, b, &lo, &hi, &d, &m);
            for (int r = 0; r < rows; r++) {
                f16v x0, x1;
                __builtin_memcpy(&x0, x + r * k + b * 32, 64);
                __builtin_memcpy(&x1, x + r * k + b * 32 + 16, 64);
                acc[r] += d * (lo * x0 + hi * x1);
                offset[r] += m * xsum[r * blocks + b];
            }
        }
        for (int r = 0; r < rows; r++) {
            float s = offset[r];
            for (int l = 0; l < 16; l++) s += acc[r][l];
            out[r * ldo + j] = s;
        }
    }
}

/// Rows [0, nrows) of a weight in `format` de-quantized into `out` (row stride k): the tile a
/// prompt's rows are multiplied with by the packed SGEMM.
GEMM_TARGET static void GEMM_FN(dequantize_rows)(int format, const uint8_t *w, int64_t row_bytes, int64_t nrows,
                                                int64_t k, float *out) {
    typedef f16v_t f16v;
    for (int64_t r = 0; r < nrows; r++)
        for (int64_t b = 0; b < k / 32; b++) {
            f16v lo, hi;
            float d, m;
            GEMM_FN(dequantize_block)(format, w + r * row_bytes, b, &lo, &hi, &d, &m);
            lo = d * lo + m;
            hi = d * hi + m;
            __builtin_memcpy(out + r * k + b * 32, &lo, 64);
            __builtin_memcpy(out + r * k + b * 32 + 16, &hi, 64);
        }
}

static const struct brrr_gemm_shape GEMM_FN(shape) = {MR, NR, KC, MC, NC};

#undef VF
#undef GEMM_HALF
#undef GEMM_ISA
#undef GEMM_TARGET
#undef VW
#undef MR
#undef NR
#undef KC
#undef MC
#undef NC
#undef GEMM_FN
#undef GEMM_CAT
#undef GEMM_CAT_

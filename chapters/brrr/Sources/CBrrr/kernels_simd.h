// The row kernels of the elementwise ops, reductions and indexing, written once with clang's
// vector extensions and compiled once per instruction set (kernels.h includes this file with
// SUFFIX, VBYTES and TARGET set). A row is `n` elements of each operand, each with its own
// stride in elements: 1 (contiguous, vector loads), 0 (a broadcast: one splat) or anything
// else (lanes gathered one by one). The strided drivers in elementwise.c, reduce.c and
// indexing.c walk the outer dims and call these on the innermost one.
//
// Every function here carries TARGET, helpers included: a helper compiled for fewer features
// than its caller would not be inlined, and vectors wider than the baseline would change ABI.
#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define F(name) CAT(name, SUFFIX)
#define FN static TARGET
#define FI static TARGET inline __attribute__((always_inline))

enum { F(W) = VBYTES / 4 };  // lanes of a vector
#define W F(W)
typedef float F(vf) __attribute__((vector_size(VBYTES)));
typedef int32_t F(vi) __attribute__((vector_size(VBYTES)));
typedef uint32_t F(vu) __attribute__((vector_size(VBYTES)));
#define V F(vf)
#define VI F(vi)
#define VU F(vu)

// ---- loads, stores, lanes ----

FI V F(splat)(float x) { V v; for (int i = 0; i < W; i++) v[i] = x; return v; }   // (not 0 + x: -0.0 stays -0.0)
FI VI F(splati)(int32_t x) { VI v; for (int i = 0; i < W; i++) v[i] = x; return v; }
/// W elements at p, p+s, p+2s, ... (s = 1: one vector load; s = 0: a splat).
FI V F(ld)(const float *p, ptrdiff_t s) {
    V v;
    if (s == 1) { __builtin_memcpy(&v, p, sizeof v); return v; }
    if (s == 0) return F(splat)(*p);
    for (int i = 0; i < W; i++) v[i] = p[i * s];
    return v;
}
FI VI F(ldi)(const int32_t *p, ptrdiff_t s) {
    VI v;
    if (s == 1) { __builtin_memcpy(&v, p, sizeof v); return v; }
    if (s == 0) return F(splati)(*p);
    for (int i = 0; i < W; i++) v[i] = p[i * s];
    return v;
}
/// The first r (< W) lanes from p with stride s, the rest 0: a row's tail, computed by the
/// same vector code as its body so every element gets the same arithmetic.
FI V F(ldpart)(const float *p, ptrdiff_t s, ptrdiff_t r) {
    V v = {0};
    for (ptrdiff_t i = 0; i < r; i++) v[i] = p[i * s];
    return v;
}
FI VI F(ldparti)(const int32_t *p, ptrdiff_t s, ptrdiff_t r) {
    VI v = {0};
    for (ptrdiff_t i = 0; i < r; i++) v[i] = p[i * s];
    return v;
}
FI void F(st)(float *o, V v) { __builtin_memcpy(o, &v, sizeof v); }
FI void F(stpart)(float *o, V v, ptrdiff_t r) { for (ptrdiff_t i = 0; i < r; i++) o[i] = v[i]; }
/// Lanes where m is all ones take a, the others b.
FI V F(sel)(VI m, V a, V b) { return (V)(((VI)a & m) | ((VI)b & ~m)); }
FI V F(bits)(VI x) { return (V)x; }

// ---- vector math ----

/// e^x, Cephes' expf in vector form: x = n ln2 + r with |r| <= ln2/2, a degree-6 polynomial
/// for e^r, and 2^n built in the exponent bits (in two halves, so results down in the
/// denormals and up to FLT_MAX come out right). About 1 ulp from libm; inf, 0 and NaN at the ends.
FI V F(vexp)(V x) {
    const V magic = F(splat)(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
    V xc = F(sel)(x < -104.0f, F(splat)(-104.0f), x);
    xc = F(sel)(xc > 89.0f, F(splat)(89.0f), xc);
    V t = xc * 1.44269504088896341f + magic;
    VI n = (VI)t - (VI)magic;
    V fn = t - magic;
    V r = xc - fn * 0.693359375f;
    r = r - fn * -2.12194440e-4f;
    V p = F(splat)(1.9875691500e-4f);
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    V y = p * (r * r) + r + 1.0f;
    VI n1 = n >> 1, n2 = n - n1;
    y = y * F(bits)((n1 + 127) << 23) * F(bits)((n2 + 127) << 23);
    y = F(sel)(x > 88.72283935546875f, F(splat)(__builtin_inff()), y);
    y = F(sel)(x < -103.972076416f, F(splat)(0.0f), y);
    return F(sel)(x != x, x, y);
}

/// ln x, Cephes' logf in vector form: x = m 2^e with m in [sqrt(1/2), sqrt 2), a degree-8
/// polynomial in m - 1. Denormals are scaled up first; 0 -> -inf, negative -> NaN, inf -> inf.
FI V F(vlog)(V x) {
    VI small = x < 1.17549435e-38f;  // denormals (and 0, negatives: fixed at the end)
    V xs = F(sel)(small, x * 8388608.0f, x);
    VI e = (((VI)xs >> 23) & 0xff) - 126 - (small & 23);
    V m = F(bits)(((VI)xs & 0x807fffff) | 0x3f000000);  // in [0.5, 1)
    VI lo = m < 0.707106781186547524f;
    e = e + lo;  // lo is -1 where true
    m = F(sel)(lo, m + m, m) - 1.0f;
    V fe = __builtin_convertvector(e, V);
    V z = m * m;
    V y = F(splat)(7.0376836292e-2f);
    y = y * m - 1.1514610310e-1f;
    y = y * m + 1.1676998740e-1f;
    y = y * m - 1.2420140846e-1f;
    y = y * m + 1.4249322787e-1f;
    y = y * m - 1.6668057665e-1f;
    y = y * m + 2.0000714765e-1f;
    y = y * m - 2.4999993993e-1f;
    y = y * m + 3.3333331174e-1f;
    y = y * m * z;
    y = y + fe * -2.12194440e-4f;
    y = y - z * 0.5f;
    V r = m + y;
    r = r + fe * 0.693359375f;
    r = F(sel)(x == 0.0f, F(splat)(-__builtin_inff()), r);
    r = F(sel)(x < 0.0f, F(splat)(__builtin_nanf("")), r);
    r = F(sel)(x == __builtin_inff(), x, r);
    return F(sel)(x != x, x, r);
}

/// tanh x: for |x| < 0.625 the odd polynomial x + x^3 P(x^2) (Cephes' tanhf), else
/// 1 - 2 / (e^{2|x|} + 1) with the sign put back; beyond |x| = 9 exactly +-1 (as libm's tanhf).
FI V F(vtanh)(V x) {
    V ax = F(sel)(x < 0.0f, -x, x), s = x * x;
    V p = F(splat)(-5.70498872745e-3f);
    p = p * s + 2.06390887954e-2f;
    p = p * s - 5.37397155531e-2f;
    p = p * s + 1.33314422036e-1f;
    p = p * s - 3.33332819422e-1f;
    V small = p * s * x + x;
    V e = F(vexp)(F(sel)(ax > 9.0f, F(splat)(18.0f), ax + ax));
    V big = F(sel)(ax > 9.0f, F(splat)(1.0f), 1.0f - 2.0f / (e + 1.0f));
    big = F(sel)(x < 0.0f, -big, big);
    return F(sel)(x != x, x, F(sel)(ax < 0.625f, small, big));
}

/// The sum of a vector's lanes.
FI float F(hsum)(V v) {
    float s = 0.0f;
    for (int l = 0; l < W; l++) s += v[l];
    return s;
}

/// libm, lane by lane (sin, erf, pow: used outside hot loops; libm's accuracy exactly).
FI V F(lanes1)(float (*f)(float), V x) {
    for (int i = 0; i < W; i++) x[i] = f(x[i]);
    return x;
}
FI V F(lanes2)(float (*f)(float, float), V x, V y) {
    for (int i = 0; i < W; i++) x[i] = f(x[i], y[i]);
    return x;
}

// ---- elementwise rows ----

/// The body of a row: full vectors, then the tail through the same expression.
#define ROW1(EXPR)                                                                     \
    do {                                                                               \
        ptrdiff_t i = 0;                                                               \
        for (; i + W <= n; i += W) { V a = F(ld)(x + i * xs, xs); F(st)(o + i, (EXPR)); } \
        if (i < n) { V a = F(ldpart)(x + i * xs, xs, n - i); F(stpart)(o + i, (EXPR), n - i); } \
    } while (0)

FI void F(unary_k)(int op, ptrdiff_t n, const float *x, ptrdiff_t xs, float *o) {
    switch (op) {
    case BRRR_NEG: ROW1(-a); break;
    case BRRR_EXP: ROW1(F(vexp)(a)); break;
    case BRRR_LOG: ROW1(F(vlog)(a)); break;
    case BRRR_SQRT: ROW1(__builtin_elementwise_sqrt(a)); break;
    case BRRR_SIN: ROW1(F(lanes1)(sinf, a)); break;
    case BRRR_RECIPROCAL: ROW1(1.0f / a); break;
    case BRRR_ERF: ROW1(F(lanes1)(erff, a)); break;
    }
}
FN void F(unary_row)(int op, ptrdiff_t n, const float *x, ptrdiff_t xs, float *o) {
    if (xs == 1) F(unary_k)(op, n, x, 1, o);
    else F(unary_k)(op, n, x, xs, o);
}

#define ROW2(EXPR)                                                                     \
    do {                                                                               \
        ptrdiff_t i = 0;                                                               \
        for (; i + W <= n; i += W) {                                                   \
            V a = F(ld)(x + i * xs, xs), b = F(ld)(y + i * ys, ys);                    \
            F(st)(o + i, (EXPR));                                                      \
        }                                                                              \
        if (i < n) {                                                                   \
            V a = F(ldpart)(x + i * xs, xs, n - i), b = F(ldpart)(y + i * ys, ys, n - i); \
            F(stpart)(o + i, (EXPR), n - i);                                           \
        }                                                                              \
    } while (0)

FI void F(binary_k)(int op, ptrdiff_t n, const float *x, ptrdiff_t xs, const float *y, ptrdiff_t ys, float *o) {
    const V one = F(splat)(1.0f), zero = F(splat)(0.0f);
    switch (op) {
    case BRRR_ADD: ROW2(a + b); break;
    case BRRR_MUL: ROW2(a * b); break;
    case BRRR_MAXIMUM: ROW2(F(sel)(b >= a, b, a)); break;  // Swift.max(a, b): a when either is NaN... as the reference
    case BRRR_POW: ROW2(F(lanes2)(powf, a, b)); break;
    case BRRR_CMPLT: ROW2(F(sel)(a < b, one, zero)); break;
    case BRRR_CMPEQ: ROW2(F(sel)(a == b, one, zero)); break;
    }
}
/// One row of a binary op, specialised for the stride patterns that matter (contiguous,
/// one side broadcast).
FN void F(binary_row)(int op, ptrdiff_t n, const float *x, ptrdiff_t xs, const float *y, ptrdiff_t ys, float *o) {
    if (xs == 1 && ys == 1) F(binary_k)(op, n, x, 1, y, 1, o);
    else if (xs == 1 && ys == 0) F(binary_k)(op, n, x, 1, y, 0, o);
    else if (xs == 0 && ys == 1) F(binary_k)(op, n, x, 0, y, 1, o);
    else F(binary_k)(op, n, x, xs, y, ys, o);
}

/// int32 rows: add (wrapping) into int32, cmplt/cmpeq into float 1/0.
FN void F(binary_i32_row)(int op, ptrdiff_t n, const int32_t *x, ptrdiff_t xs, const int32_t *y, ptrdiff_t ys, void *out) {
    const V one = F(splat)(1.0f), zero = F(splat)(0.0f);
    ptrdiff_t i = 0;
    for (; i < n; i += W) {
        ptrdiff_t r = n - i < W ? n - i : W;
        VI a = r == W ? F(ldi)(x + i * xs, xs) : F(ldparti)(x + i * xs, xs, r);
        VI b = r == W ? F(ldi)(y + i * ys, ys) : F(ldparti)(y + i * ys, ys, r);
        V v;
        if (op == BRRR_ADD) v = (V)((VU)a + (VU)b);
        else if (op == BRRR_CMPLT) v = F(sel)(a < b, one, zero);
        else v = F(sel)(a == b, one, zero);
        if (r == W) F(st)((float *)out + i, v); else F(stpart)((float *)out + i, v, r);
    }
}

/// out = cond != 0 ? a : b, moving 32-bit words (any 4-byte dtype).
FN void F(select_row)(ptrdiff_t n, const float *c, ptrdiff_t cs, const float *x, ptrdiff_t xs,
                      const float *y, ptrdiff_t ys, float *o) {
    for (ptrdiff_t i = 0; i < n; i += W) {
        ptrdiff_t r = n - i < W ? n - i : W;
        V vc = r == W ? F(ld)(c + i * cs, cs) : F(ldpart)(c + i * cs, cs, r);
        V a = r == W ? F(ld)(x + i * xs, xs) : F(ldpart)(x + i * xs, xs, r);
        V b = r == W ? F(ld)(y + i * ys, ys) : F(ldpart)(y + i * ys, ys, r);
        V v = F(sel)(vc != 0.0f, a, b);
        if (r == W) F(st)(o + i, v); else F(stpart)(o + i, v, r);
    }
}

/// 32-bit words from a strided row to a strided row (copy, the default cast).
FN void F(copy_row)(ptrdiff_t n, const float *x, ptrdiff_t xs, float *o, ptrdiff_t os) {
    if (xs == 1 && os == 1) { __builtin_memcpy(o, x, (size_t)n * 4); return; }
    if (os == 1) {
        ptrdiff_t i = 0;
        for (; i + W <= n; i += W) F(st)(o + i, F(ld)(x + i * xs, xs));
        for (; i < n; i++) o[i] = x[i * xs];
        return;
    }
    for (ptrdiff_t i = 0; i < n; i++) o[i * os] = x[i * xs];
}

/// float32 -> int32 rounding toward zero (as Swift's Int32(Float)); returns the position of
/// the first value with no int32 (NaN, infinite, out of range), or -1.
FN ptrdiff_t F(cast_f2i_row)(ptrdiff_t n, const float *x, ptrdiff_t xs, int32_t *o) {
    for (ptrdiff_t i = 0; i < n; i += W) {
        ptrdiff_t r = n - i < W ? n - i : W;
        V a = r == W ? F(ld)(x + i * xs, xs) : F(ldpart)(x + i * xs, xs, r);
        VI ok = (a > -2147483904.0f) & (a < 2147483648.0f);
        for (ptrdiff_t l = 0; l < r; l++)
            if (!ok[l]) return i + l;
        VI v = __builtin_convertvector(a, VI);
        if (r == W) __builtin_memcpy(o + i, &v, sizeof v);
        else for (ptrdiff_t l = 0; l < r; l++) o[i + l] = v[l];
    }
    return -1;
}
FN void F(cast_i2f_row)(ptrdiff_t n, const int32_t *x, ptrdiff_t xs, float *o) {
    for (ptrdiff_t i = 0; i < n; i += W) {
        ptrdiff_t r = n - i < W ? n - i : W;
        VI a = r == W ? F(ldi)(x + i * xs, xs) : F(ldparti)(x + i * xs, xs, r);
        V v = __builtin_convertvector(a, V);
        if (r == W) F(st)(o + i, v); else F(stpart)(o + i, v, r);
    }
}

// ---- reductions ----

/// The sum of a contiguous row of n floats.
FN float F(sum_row)(const float *x, ptrdiff_t n) {
    // BEGIN SOLUTION brrr.4: return the sum of x[0..<n] with four vector accumulators s0..s3 of W lanes (F(ld)(x + i, 1) loads W floats) over blocks of 4W, then whole vectors, then add the lanes and the scalar tail
    V s0 = F(splat)(0.0f), s1 = s0, s2 = s0, s3 = s0;
    ptrdiff_t i = 0;
    for (; i + 4 * W <= n; i += 4 * W) {
        s0 += F(ld)(x + i, 1);
        s1 += F(ld)(x + i + W, 1);
        s2 += F(ld)(x + i + 2 * W, 1);
        s3 += F(ld)(x + i + 3 * W, 1);
    }
    for (; i + W <= n; i += W) s0 += F(ld)(x + i, 1);
    s0 = (s0 + s1) + (s2 + s3);
    float s = 0.0f;
    for (int l = 0; l < W; l++) s += s0[l];
    for (; i < n; i++) s += x[i];
    return s;
    // END SOLUTION brrr.4
}

/// The max of a strided row (n >= 1), NaN if any element is NaN (as the reference).
FN float F(max_row)(const float *x, ptrdiff_t n, ptrdiff_t xs) {
    V m = F(splat)(-__builtin_inff());
    ptrdiff_t i = 0;
    if (xs == 1) {
        for (; i + W <= n; i += W) { V v = F(ld)(x + i, 1); m = F(sel)((v > m) | (v != v), v, m); }
    } else {
        for (; i + W <= n; i += W) { V v = F(ld)(x + i * xs, xs); m = F(sel)((v > m) | (v != v), v, m); }
    }
    float r = -__builtin_inff();
    for (int l = 0; l < W; l++) if (m[l] > r || m[l] != m[l]) r = m[l];
    for (; i < n; i++) { float v = x[i * xs]; if (v > r || v != v) r = v; }
    return r;
}

/// o[i] = o[i] + x[i*xs] (sum) or max(o[i], x[i*xs]) (max): a reduction along an outer dim.
FN void F(acc_row)(int op, ptrdiff_t n, const float *x, ptrdiff_t xs, float *o) {
    ptrdiff_t i = 0;
    if (op == BRRR_SUM) {
        if (xs == 1) for (; i + W <= n; i += W) F(st)(o + i, F(ld)(o + i, 1) + F(ld)(x + i, 1));
        else for (; i + W <= n; i += W) F(st)(o + i, F(ld)(o + i, 1) + F(ld)(x + i * xs, xs));
        for (; i < n; i++) o[i] += x[i * xs];
    } else {
        for (; i + W <= n; i += W) {
            V v = F(ld)(x + i * xs, xs), m = F(ld)(o + i, 1);
            F(st)(o + i, F(sel)((v > m) | (v != v), v, m));
        }
        for (; i < n; i++) { float v = x[i * xs]; if (v > o[i] || v != v) o[i] = v; }
    }
}

// ---- fused rows (fused.c: dfdx's FusedKernel) ----

/// y = softmax(x) over a contiguous row: the max, e^(x - max) into y with its sum, then y / sum.
/// A row of -inf gives NaN (0 / 0), as the composition does; a NaN anywhere gives NaNs.
FN void F(softmax_row)(const float *x, ptrdiff_t n, float *y) {
    float m = F(max_row)(x, n, 1);
    if (m == -__builtin_inff()) m = 0;
    V vm = F(splat)(m), vs = F(splat)(0.0f);
    ptrdiff_t i = 0;
    for (; i + W <= n; i += W) { V e = F(vexp)(F(ld)(x + i, 1) - vm); F(st)(y + i, e); vs += e; }
    float s = F(hsum)(vs);
    if (i < n) {
        V e = F(vexp)(F(ldpart)(x + i, 1, n - i) - vm);
        for (ptrdiff_t l = 0; l < n - i; l++) s += e[l];
        F(stpart)(y + i, e, n - i);
    }
    V inv = F(splat)(1.0f / s);
    for (i = 0; i + W <= n; i += W) F(st)(y + i, F(ld)(y + i, 1) * inv);
    for (; i < n; i++) y[i] *= inv[0];
}

/// y = (x - mean) / sqrt(var + eps) * w + b over a contiguous row (the biased variance, two passes).
FN void F(layer_norm_row)(const float *x, const float *w, const float *b, ptrdiff_t n, float eps, float *y) {
    V acc = F(splat)(0.0f);
    ptrdiff_t i = 0;
    for (; i + W <= n; i += W) acc += F(ld)(x + i, 1);
    float s = F(hsum)(acc);
    for (; i < n; i++) s += x[i];
    float mean = s / (float)n;
    V vmean = F(splat)(mean);
    acc = F(splat)(0.0f);
    for (i = 0; i + W <= n; i += W) { V c = F(ld)(x + i, 1) - vmean; acc += c * c; }
    float v = F(hsum)(acc);
    for (; i < n; i++) { float c = x[i] - mean; v += c * c; }
    float r = 1.0f / __builtin_sqrtf(v / (float)n + eps);
    V vr = F(splat)(r);
    for (i = 0; i + W <= n; i += W)
        F(st)(y + i, (F(ld)(x + i, 1) - vmean) * vr * F(ld)(w + i, 1) + F(ld)(b + i, 1));
    for (; i < n; i++) y[i] = (x[i] - mean) * r * w[i] + b[i];
}

/// y = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), GELU's tanh form, over a contiguous row.
FN void F(gelu_tanh_row)(const float *x, ptrdiff_t n, float *y) {
    const float c = 0.7978845608028654f;   // sqrt(2 / pi)
    ptrdiff_t i = 0;
    for (; i + W <= n; i += W) {
        V v = F(ld)(x + i, 1);
        F(st)(y + i, 0.5f * v * (1.0f + F(vtanh)(c * (v + 0.044715f * v * v * v))));
    }
    if (i < n) {
        V v = F(ldpart)(x + i, 1, n - i);
        F(stpart)(y + i, 0.5f * v * (1.0f + F(vtanh)(c * (v + 0.044715f * v * v * v))), n - i);
    }
}

/// The dot product of two contiguous rows of n floats (four vector accumulators).
FN float F(dot_row)(const float *a, const float *b, ptrdiff_t n) {
    V s0 = F(splat)(0.0f), s1 = s0;
    ptrdiff_t i = 0;
    for (; i + 2 * W <= n; i += 2 * W) {
        s0 += F(ld)(a + i, 1) * F(ld)(b + i, 1);
        s1 += F(ld)(a + i + W, 1) * F(ld)(b + i + W, 1);
    }
    for (; i + W <= n; i += W) s0 += F(ld)(a + i, 1) * F(ld)(b + i, 1);
    float s = F(hsum)(s0 + s1);
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

/// o[i] += w * x[i] over contiguous rows of n floats.
FN void F(axpy_row)(float w, const float *x, ptrdiff_t n, float *o) {
    V vw = F(splat)(w);
    ptrdiff_t i = 0;
    for (; i + W <= n; i += W) F(st)(o + i, F(ld)(o + i, 1) + vw * F(ld)(x + i, 1));
    for (; i < n; i++) o[i] += w * x[i];
}

// ---- block formats ----

/// IEEE half bits -> float (the same bit moves as dfdx's halfBitsToFloat).
FI float F(half)(const uint8_t *p) {
    uint16_t h = (uint16_t)(p[0] | (p[1] << 8));
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff;
    float f;
    if (e == 0) { f = (float)m * (1.0f / 16777216.0f); return sign ? -f : f; }
    uint32_t b = e == 31 ? (sign | 0x7f800000u | (m << 13)) : (sign | ((e + 112) << 23) | (m << 13));
    __builtin_memcpy(&f, &b, 4);
    return f;
}

/// De-quantizes k values (k / 32 blocks) of `format` at `row` into o (as dfdx's dequantizeRow).
FN void F(dequant_row)(int format, const uint8_t *row, ptrdiff_t k, float *o) {
#pragma clang fp contract(off)  // d * q + m rounded twice, as Swift does: the same bits as the reference
    for (ptrdiff_t b = 0; b < k / 32; b++, o += 32) {
        const uint8_t *blk = row + b * (format == BRRR_Q8_0 ? 34 : format == BRRR_Q4_0 ? 18 : 20);
        float d = F(half)(blk);
        if (format == BRRR_Q8_0) {
            const int8_t *q = (const int8_t *)(blk + 2);
            for (int j = 0; j < 32; j++) o[j] = d * (float)q[j];
        } else if (format == BRRR_Q4_0) {
            const uint8_t *q = blk + 2;
            for (int j = 0; j < 16; j++) {
                o[j] = d * (float)((int)(q[j] & 0x0f) - 8);
                o[j + 16] = d * (float)((int)(q[j] >> 4) - 8);
            }
        } else {
            float m = F(half)(blk + 2);
            const uint8_t *q = blk + 4;
            for (int j = 0; j < 16; j++) {
                o[j] = d * (float)(q[j] & 0x0f) + m;
                o[j + 16] = d * (float)(q[j] >> 4) + m;
            }
        }
    }
}

/// The table of this variant's row kernels (kernels.h).
static const brrr_rows F(rows) = {
    F(unary_row), F(binary_row), F(binary_i32_row), F(select_row), F(copy_row),
    F(cast_f2i_row), F(cast_i2f_row), F(sum_row), F(max_row), F(acc_row), F(dequant_row),
    F(softmax_row), F(layer_norm_row), F(gelu_tanh_row), F(dot_row), F(axpy_row),
};

#undef W
#undef V
#undef VI
#undef VU
#undef ROW1
#undef ROW2
#undef F
#undef FN
#undef FI
#undef CAT
#undef CAT2

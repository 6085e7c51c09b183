// Elementwise kernels: fill, strided copy, cast, unary, binary, where.
//
// Two shapes of each: a contiguous one (every operand a plain run of memory: element i is at
// base + i), which moves 16 bytes per thread and step (float4) when it can, and runs at the
// memory's bandwidth; and a strided one that finds each operand's element with pg_offsets,
// for views (transposes, broadcasts, slices). The op is a run-time argument: the switch on it
// is the same for every thread, so it costs a few instructions beside a memory access.

extension CUDAKernels {
    static let elementwise = CUDASource("""
    // ---- elementwise ----
    // UnaryOp: 0 neg, 1 exp, 2 log, 3 sqrt, 4 sin, 5 reciprocal, 6 erf
    __device__ __forceinline__ float pg_unary_op(int op, float x) {
        switch (op) {
        case 0: return -x;
        case 1: return expf(x);
        case 2: return logf(x);
        case 3: return sqrtf(x);
        case 4: return sinf(x);
        case 5: return 1.0f / x;
        default: return erff(x);
        }
    }

    // BinaryOp on floats: 0 add, 1 mul, 2 maximum (Swift.max: NaN only from a), 3 pow, 4 cmplt, 5 cmpeq
    __device__ __forceinline__ float pg_binary_op(int op, float a, float b) {
        switch (op) {
        case 0: return a + b;
        case 1: return a * b;
        case 2: return b >= a ? b : a;
        case 3: return powf(a, b);
        case 4: return a < b ? 1.0f : 0.0f;
        default: return a == b ? 1.0f : 0.0f;
        }
    }

    // BinaryOp on int32: add wraps; the comparisons give floats (bits returned either way).
    __device__ __forceinline__ u32 pg_binary_int(int op, int a, int b) {
        if (op == 0) return (u32)a + (u32)b;   // wraps, as Swift's &+ does
        float r = op == 4 ? (a < b ? 1.0f : 0.0f) : (a == b ? 1.0f : 0.0f);
        return __float_as_uint(r);
    }

    extern "C" __global__ void pg_fill(u32 *o, u32 value, i64 n) {
        PG_FOR_EACH(i, n) o[i] = value;
    }

    // dst (operand 1) = src (operand 0), 32-bit words, any strides.
    extern "C" __global__ void pg_copy(__grid_constant__ const Layout L, const u32 *src, u32 *dst) {
        PG_FOR_EACH(i, L.count) {
            i64 off[4];
            pg_offsets(i, L, 2, off);
            dst[off[1]] = src[off[0]];
        }
    }

    // kind 0: float -> int32 (toward zero), 1: int32 -> float.
    extern "C" __global__ void pg_cast(int kind, __grid_constant__ const Layout L, const u32 *x, u32 *o) {
        PG_FOR_EACH(i, L.count) {
            i64 off[4];
            pg_offsets(i, L, 1, off);
            u32 v = x[off[0]];
            o[i] = kind == 0 ? (u32)(int)__uint_as_float(v) : __float_as_uint((float)(int)v);
        }
    }

    // A block-format matrix [rows, k] -> float32 [rows, k].
    extern "C" __global__ void pg_dequantize(int format, const unsigned char *w, float *o, i64 rows, i64 k) {
        i64 bytes = pg_block_bytes(format), rowBytes = k / 32 * bytes;
        PG_FOR_EACH(i, rows * k) {
            i64 r = i / k, c = i % k;
            o[i] = pg_block_value(format, w + r * rowBytes + (c >> 5) * bytes, (int)(c & 31));
        }
    }

    extern "C" __global__ void pg_unary_contiguous(int op, i64 n, const float *x, float *o) {
        if ((n & 3) == 0 && (((size_t)x | (size_t)o) & 15) == 0) {
            const float4 *x4 = (const float4 *)x;
            float4 *o4 = (float4 *)o;
            PG_FOR_EACH(i, n >> 2) {
                float4 v = x4[i];
                v.x = pg_unary_op(op, v.x); v.y = pg_unary_op(op, v.y);
                v.z = pg_unary_op(op, v.z); v.w = pg_unary_op(op, v.w);
                o4[i] = v;
            }
        } else {
            PG_FOR_EACH(i, n) o[i] = pg_unary_op(op, x[i]);
        }
    }

    extern "C" __global__ void pg_unary(int op, __grid_constant__ const Layout L, const float *x, float *o) {
        PG_FOR_EACH(i, L.count) {
            i64 off[4];
            pg_offsets(i, L, 1, off);
            o[i] = pg_unary_op(op, x[off[0]]);
        }
    }

    extern "C" __global__ void pg_binary_contiguous(int op, i64 n, const float *a, const float *b, float *o) {
        if ((n & 3) == 0 && (((size_t)a | (size_t)b | (size_t)o) & 15) == 0) {
            const float4 *a4 = (const float4 *)a, *b4 = (const float4 *)b;
            float4 *o4 = (float4 *)o;
            PG_FOR_EACH(i, n >> 2) {
                float4 x = a4[i], y = b4[i], r;
                r.x = pg_binary_op(op, x.x, y.x); r.y = pg_binary_op(op, x.y, y.y);
                r.z = pg_binary_op(op, x.z, y.z); r.w = pg_binary_op(op, x.w, y.w);
                o4[i] = r;
            }
        } else {
            PG_FOR_EACH(i, n) o[i] = pg_binary_op(op, a[i], b[i]);
        }
    }

    // ints: the operands are int32.
    extern "C" __global__ void pg_binary(int op, int ints, __grid_constant__ const Layout L, const u32 *a, const u32 *b, u32 *o) {
        PG_FOR_EACH(i, L.count) {
            i64 off[4];
            pg_offsets(i, L, 2, off);
            u32 x = a[off[0]], y = b[off[1]];
            o[i] = ints ? pg_binary_int(op, (int)x, (int)y)
                        : __float_as_uint(pg_binary_op(op, __uint_as_float(x), __uint_as_float(y)));
        }
    }

    // o = cond != 0 ? a : b; operands 0 a, 1 b, 2 cond.
    extern "C" __global__ void pg_select(__grid_constant__ const Layout L, const u32 *a, const u32 *b, const float *cond, u32 *o) {
        PG_FOR_EACH(i, L.count) {
            i64 off[4];
            pg_offsets(i, L, 3, off);
            o[i] = cond[off[2]] != 0.0f ? a[off[0]] : b[off[1]];
        }
    }
    """)
}

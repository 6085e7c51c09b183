// The CUDA C every kernel shares: the layout of a strided operand, the status words, and the
// index math that turns a thread's element number into offsets in its operands.
//
// SIMT in one paragraph: a kernel is the body of a loop over elements, written for ONE
// element; the GPU runs it on thousands of threads at once, 32 at a time in lock step (a
// warp). A thread finds its element from its coordinates, `blockIdx.x * blockDim.x +
// threadIdx.x`, and loops by the whole grid's size (`gridDim.x * blockDim.x`), so any grid
// covers any size. Neighbouring threads should touch neighbouring addresses: then a warp's 32
// loads merge into a few wide memory transactions (coalescing).
//
// The pieces are CUDA C in Swift string literals (no backslashes in them, so nothing is
// escaped), compiled by NVRTC when the first kernel runs (CUDAProgram.swift).

enum CUDAKernels {
    static let prelude = CUDASource("""
    // ---- shared by every kernel ----
    typedef long long i64;
    typedef unsigned int u32;
    typedef unsigned long long u64;

    // A shape and up to four operands (offsets and strides in elements), passed by value.
    // Must match KernelLayout in CUDAContext.swift word for word.
    struct Layout {
        i64 rank, count;
        i64 shape[PG_MAX_RANK];
        i64 offset[4];
        i64 stride[4][PG_MAX_RANK];
    };

    // Status words the host reads after the stream is idle: [0] the program line of a stub
    // that ran, [1] the launch number of a kernel that met a bad index, [2] the index, [3] where.
    extern "C" { __device__ u64 pg_status[4]; }

    // A student's stub ran: remember its line (the host turns it into TODO(id): instruction).
    __device__ void pg_todo(u64 line) { atomicCAS(&pg_status[0], 0ull, line); }

    __device__ void pg_bad_index(u64 launch, i64 value, i64 position) {
        if (atomicCAS(&pg_status[1], 0ull, launch) == 0ull) {
            pg_status[2] = (u64)value;
            pg_status[3] = (u64)position;
        }
    }

    // IEEE half bits -> float (one PTX instruction; no header needed).
    __device__ float pg_half(const unsigned char *p) {
        unsigned short h = (unsigned short)(p[0] | (p[1] << 8));
        float f;
        asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
        return f;
    }

    #define PG_NEG_INF __int_as_float(0xff800000)

    // A grid-stride loop: thread t takes elements t, t + (all threads), ...
    #define PG_FOR_EACH(i, n) for (i64 i = blockIdx.x * (i64)blockDim.x + threadIdx.x; i < (n); i += (i64)gridDim.x * blockDim.x)

    // The offsets of element i (row-major over L.shape) in L's first n operands: what the
    // reference backend's walk computes by counting, computed here from i alone, since every
    // thread starts at its own element.
    __device__ __forceinline__ void pg_offsets(i64 i, const Layout &L, int n, i64 *off) {
        #pragma unroll
        for (int k = 0; k < 4; k++) off[k] = L.offset[k];
        // BEGIN SOLUTION brrr.20 (cuda): peel i's coordinates off L.shape from the last dim (c = i % size, then i = i / size) and add c * L.stride[k][d] to off[k] for each operand k < n
        for (int d = (int)L.rank - 1; d >= 0; d--) {
            i64 size = L.shape[d], c = i % size;
            i /= size;
            #pragma unroll
            for (int k = 0; k < 4; k++) if (k < n) off[k] += c * L.stride[k][d];
        }
        // END SOLUTION brrr.20
    }

    // A value of a GGML block (Quantization.swift): value j (0..31) of the block at p.
    // format: 0 Q8_0, 1 Q4_0, 2 Q4_1.
    __device__ __forceinline__ float pg_block_value(int format, const unsigned char *p, int j) {
        if (format == 0) return pg_half(p) * (float)(signed char)p[2 + j];
        int q = format == 1 ? p[2 + (j & 15)] : p[4 + (j & 15)];
        int v = j < 16 ? (q & 15) : (q >> 4);
        if (format == 1) return pg_half(p) * (float)(v - 8);
        return pg_half(p) * (float)v + pg_half(p + 2);
    }

    __device__ __forceinline__ int pg_block_bytes(int format) { return format == 0 ? 34 : format == 1 ? 18 : 20; }
    """)
}

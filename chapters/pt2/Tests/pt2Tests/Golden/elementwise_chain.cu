// pt2's generated kernels (CUDA C, compiled by NVRTC)
#ifndef INFINITY
#define INFINITY __int_as_float(0x7f800000)
#endif
#ifndef NAN
#define NAN __int_as_float(0x7fffffff)
#endif

__device__ __forceinline__ long long pt2_clamp(long long i, long long n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

// op 0: sum, 1: max
__device__ __forceinline__ float pt2_combine(int op, float a, float b) { return op == 0 ? a + b : fmaxf(a, b); }

// The 32 lanes of a warp combine their values in 5 steps (butterfly shuffles): all hold the total.
__device__ __forceinline__ float pt2_warp_reduce(int op, float v) {
    for (int o = 16; o > 0; o >>= 1) v = pt2_combine(op, v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// The block's total of v, returned to every thread (blockDim.x a multiple of 32, at most 1024):
// each warp's total into scratch (32 floats of shared memory), then each warp combines those.
__device__ float pt2_block_reduce(int op, float v, float *scratch) {
    v = pt2_warp_reduce(op, v);
    __syncthreads();       // every thread has read scratch's previous use
    if ((threadIdx.x & 31) == 0) scratch[threadIdx.x >> 5] = v;
    __syncthreads();
    v = (threadIdx.x & 31) < (blockDim.x >> 5) ? scratch[threadIdx.x & 31] : (op == 0 ? 0.0f : (-INFINITY));
    return pt2_warp_reduce(op, v);
}
// %34 = pad[1, 0, 0, 1](%33) : f32[5, 7]
extern "C" __global__ void __launch_bounds__(256) k34(const float *__restrict__ v0, const float *__restrict__ v1, float *__restrict__ out) {
    for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < 35; e += gridDim.x * blockDim.x) {
        const int i0 = e / 7;
        const int i1 = e % 7;
        float t0 = v0[pt2_clamp(i0 - 1, 4) * 6 + pt2_clamp(i1, 6)];
        float t1 = (0.5f * t0);
        float t2 = (0.044715f * t0);
        float t3 = (t2 * t0);
        float t4 = (t3 * t0);
        float t5 = (t0 + t4);
        float t6 = (t5 * 0.7978846f);
        float t7 = (t6 < 0.0f ? 1.0f : 0.0f);
        float t8 = (-t7);
        float t9 = (1.0f + t8);
        float t10 = (2.0f * t9);
        float t11 = (t10 + (-1.0f));
        float t12 = (t6 * t11);
        float t13 = ((-2.0f) * t12);
        float t14 = expf(t13);
        float t15 = (-t14);
        float t16 = (1.0f + t15);
        float t17 = (1.0f + t14);
        float t18 = (1.0f / t17);
        float t19 = (t16 * t18);
        float t20 = (t19 * t11);
        float t21 = (1.0f + t20);
        float t22 = (t1 * t21);
        float t23 = v1[pt2_clamp(i1, 6)];
        float t24 = (t22 + t23);
        float t25 = (i0 - 1 >= 0 && i1 < 6 ? t24 : 0.0f);
        out[e] = t25;
    }
}

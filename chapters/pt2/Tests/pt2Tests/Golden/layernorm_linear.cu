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
// %21 = add(%18, %20) : f32[2, 8]
extern "C" __global__ void __launch_bounds__(256) k21(const float *__restrict__ v0, const float *__restrict__ v16, const float *__restrict__ v19, float *__restrict__ out) {
    __shared__ float scratch[32];
    for (int row = blockIdx.x; row < 2; row += gridDim.x) {
        const int i0 = row;
        float acc1 = 0.0f;
        for (int e = threadIdx.x; e < 8; e += blockDim.x) {
            const int i1 = e;
            float t0 = v0[i0 * 8 + i1];
            acc1 += t0;
        }
        acc1 = pt2_block_reduce(0, acc1, scratch);
        float acc8 = 0.0f;
        for (int e = threadIdx.x; e < 8; e += blockDim.x) {
            const int i1 = e;
            float t1 = v0[i0 * 8 + i1];
            float t2 = (acc1 * 0.125f);
            float t3 = (-t2);
            float t4 = (t1 + t3);
            float t5 = (t4 * t4);
            acc8 += t5;
        }
        acc8 = pt2_block_reduce(0, acc8, scratch);
        for (int e = threadIdx.x; e < 8; e += blockDim.x) {
            const int i1 = e;
            float t6 = v0[i0 * 8 + i1];
            float t7 = (acc1 * 0.125f);
            float t8 = (-t7);
            float t9 = (t6 + t8);
            float t10 = (acc8 * 0.125f);
            float t11 = (t10 + 1e-05f);
            float t12 = sqrtf(t11);
            float t13 = (1.0f / t12);
            float t14 = (t9 * t13);
            float t15 = v16[i1];
            float t16 = (t14 * t15);
            float t17 = v19[i1];
            float t18 = (t16 + t17);
            out[i0 * 8 + i1] = t18;
        }
    }
}

// %30 = where(%29, %27, %28) : f32[2, 4]
extern "C" __global__ void __launch_bounds__(256) k30(const float *__restrict__ v24, const float *__restrict__ v25, float *__restrict__ out) {
    for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < 8; e += gridDim.x * blockDim.x) {
        const int i0 = e / 4;
        const int i1 = e % 4;
        float t0 = v24[i0 * 4 + i1];
        float t1 = v25[i1];
        float t2 = (t0 + t1);
        float t3 = (0.0f < t2 ? 1.0f : 0.0f);
        float t4 = (t3 != 0.0f ? t2 : 0.0f);
        out[e] = t4;
    }
}

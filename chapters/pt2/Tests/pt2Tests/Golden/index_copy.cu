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
// %4 = indexCopy(dim: 0)(%3, %1, %2) : f32[4, 6]
extern "C" __global__ void __launch_bounds__(256) k4(const float *__restrict__ v3, const int *__restrict__ v1, const float *__restrict__ v0, float *__restrict__ out) {
    for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < 24; e += gridDim.x * blockDim.x) {
        const int i0 = e / 6;
        const int i1 = e % 6;
        float t0 = v3[i0 * 6 + i1];
        out[e] = t0;
    }
}
extern "C" __global__ void __launch_bounds__(256) k4_store(const float *__restrict__ v3, const int *__restrict__ v1, const float *__restrict__ v0, float *__restrict__ out) {
    for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < 12; e += gridDim.x * blockDim.x) {
        const int j = e / 6;
        const int i1 = e % 6;
        const int p = v1[j];
        float t1 = v0[j * 6 + i1];
        float t2 = expf(t1);
        out[p * 6 + i1] = t2;
    }
}

// %5 = sum[1](%4) : f32[4, 1]
extern "C" __global__ void __launch_bounds__(256) k5(const float *__restrict__ v4, float *__restrict__ out) {
    __shared__ float scratch[32];
    for (int row = blockIdx.x; row < 4; row += gridDim.x) {
        const int i0 = row;
        float acc = 0.0f;
        for (int e = threadIdx.x; e < 6; e += blockDim.x) {
            const int i1 = e;
            float t0 = v4[i0 * 6 + i1];
            acc += t0;
        }
        acc = pt2_block_reduce(0, acc, scratch);
        if (threadIdx.x == 0) out[i0] = acc;
    }
}

// %6 = reshape[4](%5) : f32[4]
extern "C" __global__ void __launch_bounds__(256) k6(const float *__restrict__ v5, float *__restrict__ out) {
    for (int e = blockIdx.x * blockDim.x + threadIdx.x; e < 4; e += gridDim.x * blockDim.x) {
        const int i0 = e;
        float t0 = v5[i0];
        out[e] = t0;
    }
}

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
// %9 = mul(%5, %8) : f32[4, 10]
extern "C" __global__ void __launch_bounds__(256) k9(const float *__restrict__ v0, float *__restrict__ out) {
    __shared__ float scratch[32];
    for (int row = blockIdx.x; row < 4; row += gridDim.x) {
        const int i0 = row;
        float acc1 = (-INFINITY);
        for (int e = threadIdx.x; e < 10; e += blockDim.x) {
            const int i1 = e;
            float t0 = v0[i0 * 10 + i1];
            acc1 = fmaxf(acc1, t0);
        }
        acc1 = pt2_block_reduce(1, acc1, scratch);
        float acc6 = 0.0f;
        for (int e = threadIdx.x; e < 10; e += blockDim.x) {
            const int i1 = e;
            float t1 = v0[i0 * 10 + i1];
            float t2 = (-acc1);
            float t3 = (t1 + t2);
            float t4 = expf(t3);
            acc6 += t4;
        }
        acc6 = pt2_block_reduce(0, acc6, scratch);
        for (int e = threadIdx.x; e < 10; e += blockDim.x) {
            const int i1 = e;
            float t5 = v0[i0 * 10 + i1];
            float t6 = (-acc1);
            float t7 = (t5 + t6);
            float t8 = expf(t7);
            float t9 = (1.0f / acc6);
            float t10 = (t8 * t9);
            out[i0 * 10 + i1] = t10;
        }
    }
}

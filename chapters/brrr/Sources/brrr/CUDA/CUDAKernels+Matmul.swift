// matmul and the quantized linear.
//
// The matmul is the first rung of the GPU's GEMM ladder (part 2 climbs it): a block of 32 x 8
// threads computes a 32 x 32 tile of the output, each thread 4 outputs of one column. The
// block walks K in steps of 32: it copies a 32 x 32 tile of A and one of B into shared
// memory, every thread waits at a barrier, then each output takes 32 multiply-adds from the
// tiles. Every element loaded from device memory is used 32 times from shared memory instead
// of once, which is what makes it faster than one thread per output reading its own row and
// column. (Rows are padded by one float so a column of a tile spreads over all 32 banks.)
//
// The linear reads a weight kept in a GGML block format: one warp per weight row, lane l
// taking value l of each block (so a warp reads a block at a time), de-quantizing it as it
// is read, for up to four rows of x at once; the 32 lanes' partial sums meet through warp
// shuffles (registers of one warp exchanged directly, no shared memory).

extension CUDAKernels {
    static let matmul = CUDASource("""
    // ---- matmul ----
    #define PG_TILE 32

    // o [batch, M, N] = a [batch, M, K] @ b [batch, K, N], any strides: a's (am, ak), b's (bk, bn);
    // the batch dims are a layout (operand 0 a, 1 b). Grid: (N / 32, M / 32, batch), block (32, 8).
    extern "C" __global__ void pg_matmul(i64 M, i64 N, i64 K, i64 am, i64 ak, i64 bk, i64 bn, i64 batch, __grid_constant__ const Layout B,
                                         const float *a, const float *b, float *o) {
        __shared__ float As[PG_TILE][PG_TILE + 1], Bs[PG_TILE][PG_TILE + 1];
        int tx = threadIdx.x, ty = threadIdx.y;
        i64 row0 = (i64)blockIdx.y * PG_TILE, col0 = (i64)blockIdx.x * PG_TILE;
        for (i64 z = blockIdx.z; z < batch; z += gridDim.z) {
            i64 off[4] = {B.offset[0], B.offset[1], 0, 0};
            if (B.rank > 0) pg_offsets(z, B, 2, off);
            const float *A = a + off[0], *Bm = b + off[1];
            float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            for (i64 t = 0; t < K; t += PG_TILE) {
                // BEGIN SOLUTION brrr.22 (cuda): for j < 4 load As[ty + 8j][tx] = A(row0 + ty + 8j, t + tx) and Bs[ty + 8j][tx] = B(t + ty + 8j, col0 + tx) (0 outside M, N, K), __syncthreads(), add As[ty + 8j][kk] * Bs[kk][tx] over kk < 32 into acc[j], __syncthreads()
                #pragma unroll
                for (int j = 0; j < 4; j++) {
                    i64 r = row0 + ty + 8 * j, k = t + tx;
                    As[ty + 8 * j][tx] = (r < M && k < K) ? A[r * am + k * ak] : 0.0f;
                    i64 kb = t + ty + 8 * j, c = col0 + tx;
                    Bs[ty + 8 * j][tx] = (kb < K && c < N) ? Bm[kb * bk + c * bn] : 0.0f;
                }
                __syncthreads();
                #pragma unroll 8
                for (int kk = 0; kk < PG_TILE; kk++) {
                    float bv = Bs[kk][tx];
                    #pragma unroll
                    for (int j = 0; j < 4; j++) acc[j] += As[ty + 8 * j][kk] * bv;
                }
                __syncthreads();
                // END SOLUTION brrr.22
            }
            #pragma unroll
            for (int j = 0; j < 4; j++) {
                i64 r = row0 + ty + 8 * j, c = col0 + tx;
                if (r < M && c < N) o[(z * M + r) * N + c] = acc[j];
            }
        }
    }

    // o [rows, N] = x [rows, K] (contiguous) @ w^T, w [N, K] in block format `format`.
    // Block: 256 threads = 8 warps = 8 weight rows.
    extern "C" __global__ void pg_linear_blocks(int format, i64 rows, i64 N, i64 K, const float *x,
                                                const unsigned char *w, float *o) {
        int lane = threadIdx.x & 31;
        i64 j = (i64)blockIdx.x * 8 + (threadIdx.x >> 5);
        if (j >= N) return;
        i64 bytes = pg_block_bytes(format);
        const unsigned char *wr = w + j * (K / 32) * bytes;
        for (i64 r0 = 0; r0 < rows; r0 += 4) {
            float acc[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            for (i64 e = lane; e < K; e += 32) {
                float wv = pg_block_value(format, wr + (e >> 5) * bytes, lane);
                #pragma unroll
                for (int q = 0; q < 4; q++) if (r0 + q < rows) acc[q] += x[(r0 + q) * K + e] * wv;
            }
            #pragma unroll
            for (int q = 0; q < 4; q++) {
                float v = acc[q];
                for (int s = 16; s > 0; s >>= 1) v += __shfl_down_sync(0xffffffffu, v, s);
                if (lane == 0 && r0 + q < rows) o[(r0 + q) * N + j] = v;
            }
        }
    }
    """)
}

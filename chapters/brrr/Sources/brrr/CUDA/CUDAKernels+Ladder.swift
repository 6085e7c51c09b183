// The GPU's GEMM ladder (lecture 03, GPU part 2): one kernel per rung, each a step from the
// naive loop towards what cuBLAS does, all computing C [M, N] = A [M, K] @ B [K, N] on rows of
// contiguous floats (CUDAGEMM.swift lays the operands out and picks the rung).
//
//   1 naive            one thread per output, threads along the rows (uncoalesced)
//   2 coalesced        threads along the columns: a warp reads 32 neighbours of B at once
//   3 shared memory    32 x 32 tiles of A and B staged in shared memory, each value used 32 times
//   4 1D block tiling  a thread computes 8 outputs of a column from one register of B
//   5 2D block tiling  a thread computes an 8 x 8 tile from 8 + 8 registers (brrr.23: its tile loop)
//   6 vectorized       16-byte loads, A's tile transposed in shared memory
//   7 warp tiling      each warp owns a piece of the block tile (brrr.24: its index math);
//                      five of its nine shapes double buffered
//   8 mma.sync         TF32 tensor cores, one warp per 16 x 8 x 8 product (brrr.25: the fragments)
//   9 wgmma            Hopper's warpgroup MMA fed by TMA copies through an mbarrier ring
//
// Rungs 1-7 are plain fp32 (SIMT: one multiply-add per thread and instruction), exactly the
// reference's sums in another order; rungs 8-9 round the inputs to TF32 and run only when
// `setMatmulPrecision(.tf32)` allows it (or a rung is asked for by number).

extension CUDAKernels {
    /// Rungs 1-7: fp32 on the CUDA cores.
    static let ladder = CUDASource("""
    // ---- the GEMM ladder ----
    // Every rung: C [M, N] = A [M, K] @ B [K, N], rows of A, B, C lda, ldb, ldc floats apart
    // (columns next to each other), batch z at A + z * sa, B + z * sb, C + z * sc.
    #define PG_GEMM_ARGS i64 M, i64 N, i64 K, const float *A, i64 lda, i64 sa, const float *B, i64 ldb, i64 sb, float *C, i64 ldc, i64 sc
    #define PG_GEMM_BATCH A += blockIdx.z * sa; B += blockIdx.z * sb; C += blockIdx.z * sc;

    // rung 1, naive: one thread per output, thread x along the ROWS of C, so a warp's 32
    // threads read 32 different rows of A (32 transactions) and write 32 rows of C.
    extern "C" __global__ void pg_gemm1_naive(PG_GEMM_ARGS) {
        PG_GEMM_BATCH
        i64 r = (i64)blockIdx.x * 32 + threadIdx.x, c = (i64)blockIdx.y * 32 + threadIdx.y;
        if (r >= M || c >= N) return;
        float acc = 0.0f;
        for (i64 k = 0; k < K; k++) acc += A[r * lda + k] * B[k * ldb + c];
        C[r * ldc + c] = acc;
    }

    // rung 2, coalesced: the same, thread x along the COLUMNS: a warp reads one element of A
    // (a broadcast) and 32 neighbouring elements of B (one transaction), writes 32 neighbours.
    extern "C" __global__ void pg_gemm2_coalesced(PG_GEMM_ARGS) {
        PG_GEMM_BATCH
        i64 c = (i64)blockIdx.x * 32 + threadIdx.x, r = (i64)blockIdx.y * 32 + threadIdx.y;
        if (r >= M || c >= N) return;
        float acc = 0.0f;
        for (i64 k = 0; k < K; k++) acc += A[r * lda + k] * B[k * ldb + c];
        C[r * ldc + c] = acc;
    }

    // rung 3, shared-memory tiles: a block of 32 x 32 threads copies a 32 x 32 tile of A and
    // of B into shared memory, then each thread takes 32 multiply-adds from the tiles.
    extern "C" __global__ void pg_gemm3_shared(PG_GEMM_ARGS) {
        PG_GEMM_BATCH
        __shared__ float As[32][33], Bs[32][33];
        int tx = threadIdx.x, ty = threadIdx.y;
        i64 r = (i64)blockIdx.y * 32 + ty, c = (i64)blockIdx.x * 32 + tx;
        float acc = 0.0f;
        for (i64 t = 0; t < K; t += 32) {
            As[ty][tx] = (r < M && t + tx < K) ? A[r * lda + t + tx] : 0.0f;
            Bs[ty][tx] = (t + ty < K && c < N) ? B[(t + ty) * ldb + c] : 0.0f;
            __syncthreads();
            #pragma unroll
            for (int k = 0; k < 32; k++) acc += As[ty][k] * Bs[k][tx];
            __syncthreads();
        }
        if (r < M && c < N) C[r * ldc + c] = acc;
    }

    // rung 4, 1D block tiling: a 64 x 64 tile per block of 512 threads, K in steps of 8; each
    // thread computes 8 outputs of one column (TM = 8), reusing one value of B 8 times from a
    // register. Block (512).
    extern "C" __global__ void __launch_bounds__(512) pg_gemm4_blocktile1d(PG_GEMM_ARGS) {
        PG_GEMM_BATCH
        const int BM = 64, BN = 64, BK = 8, TM = 8;
        __shared__ float As[BM * BK], Bs[BK * BN];
        int tid = threadIdx.x, col = tid % BN, row = tid / BN;   // row 0..7: outputs row * 8 .. + 7
        i64 r0 = (i64)blockIdx.y * BM, c0 = (i64)blockIdx.x * BN;
        int ar = tid / BK, ac = tid % BK, br = tid / BN, bc = tid % BN;
        float acc[TM] = {0.0f};
        for (i64 t = 0; t < K; t += BK) {
            As[ar * BK + ac] = (r0 + ar < M && t + ac < K) ? A[(r0 + ar) * lda + t + ac] : 0.0f;
            Bs[br * BN + bc] = (t + br < K && c0 + bc < N) ? B[(t + br) * ldb + c0 + bc] : 0.0f;
            __syncthreads();
            #pragma unroll
            for (int k = 0; k < BK; k++) {
                float b = Bs[k * BN + col];
                #pragma unroll
                for (int i = 0; i < TM; i++) acc[i] += As[(row * TM + i) * BK + k] * b;
            }
            __syncthreads();
        }
        #pragma unroll
        for (int i = 0; i < TM; i++) {
            i64 r = r0 + row * TM + i, c = c0 + col;
            if (r < M && c < N) C[r * ldc + c] = acc[i];
        }
    }

    // rung 5, 2D block tiling: a 128 x 128 tile per block of 256 threads, K in steps of 8;
    // each thread computes an 8 x 8 tile of outputs from 8 values of A and 8 of B in registers
    // per step of k (16 loads for 64 multiply-adds). Block (256).
    extern "C" __global__ void __launch_bounds__(256) pg_gemm5_blocktile2d(PG_GEMM_ARGS) {
        PG_GEMM_BATCH
        const int BM = 128, BN = 128, BK = 8, TM = 8, TN = 8;
        __shared__ float As[BM * BK], Bs[BK * BN];
        int tid = threadIdx.x, trow = tid / (BN / TN), tcol = tid % (BN / TN);
        i64 r0 = (i64)blockIdx.y * BM, c0 = (i64)blockIdx.x * BN;
        float acc[TM * TN] = {0.0f}, ra[TM], rb[TN];
        for (i64 t = 0; t < K; t += BK) {
            for (int e = tid; e < BM * BK; e += 256) {
                int i = e / BK, k = e % BK;
                As[i * BK + k] = (r0 + i < M && t + k < K) ? A[(r0 + i) * lda + t + k] : 0.0f;
            }
            for (int e = tid; e < BK * BN; e += 256) {
                int k = e / BN, j = e % BN;
                Bs[k * BN + j] = (t + k < K && c0 + j < N) ? B[(t + k) * ldb + c0 + j] : 0.0f;
            }
            __syncthreads();
            // BEGIN SOLUTION brrr.23 (cuda): for each k < BK load ra[i] = As[(trow * TM + i) * BK + k] (i < TM) and rb[j] = Bs[k * BN + tcol * TN + j] (j < TN), then add ra[i] * rb[j] into acc[i * TN + j]
            #pragma unroll
            for (int k = 0; k < BK; k++) {
                #pragma unroll
                for (int i = 0; i < TM; i++) ra[i] = As[(trow * TM + i) * BK + k];
                #pragma unroll
                for (int j = 0; j < TN; j++) rb[j] = Bs[k * BN + tcol * TN + j];
                #pragma unroll
                for (int i = 0; i < TM; i++)
                    #pragma unroll
                    for (int j = 0; j < TN; j++) acc[i * TN + j] += ra[i] * rb[j];
            }
            // END SOLUTION brrr.23
            __syncthreads();
        }
        #pragma unroll
        for (int i = 0; i < TM; i++)
            #pragma unroll
            for (int j = 0; j < TN; j++) {
                i64 r = r0 + trow * TM + i, c = c0 + tcol * TN + j;
                if (r < M && c < N) C[r * ldc + c] = acc[i * TN + j];
            }
    }

    __device__ __forceinline__ float4 pg_f4(float x, float y, float z, float w) { float4 v; v.x = x; v.y = y; v.z = z; v.w = w; return v; }
    __device__ __forceinline__ float2 pg_f2(float x, float y) { float2 v; v.x = x; v.y = y; return v; }

    // Four floats of row `r` from column `c` of a [rows, cols] matrix `ld` floats a row, zeros
    // outside it: one 16-byte load when `vec` (cols and ld multiples of 4, p 16-byte aligned).
    __device__ __forceinline__ float4 pg_load4(const float *p, i64 r, i64 c, i64 rows, i64 cols, i64 ld, bool vec) {
        if (vec && r < rows && c + 3 < cols) return *(const float4 *)(p + r * ld + c);
        float4 v = pg_f4(0.0f, 0.0f, 0.0f, 0.0f);
        if (r < rows) {
            const float *q = p + r * ld;
            if (c < cols) v.x = q[c];
            if (c + 1 < cols) v.y = q[c + 1];
            if (c + 2 < cols) v.z = q[c + 2];
            if (c + 3 < cols) v.w = q[c + 3];
        }
        return v;
    }

    // rung 6, vectorized: rung 5 with 16-byte loads from device memory and A's tile stored
    // transposed (As[k][m]), so a thread's 8 values of A are two 16-byte shared loads too.
    extern "C" __global__ void __launch_bounds__(256) pg_gemm6_vectorized(int vec, PG_GEMM_ARGS) {
        PG_GEMM_BATCH
        const int BM = 128, BN = 128, BK = 8, TM = 8, TN = 8;
        __shared__ __align__(16) float As[BK * BM], Bs[BK * BN];
        int tid = threadIdx.x, trow = tid / (BN / TN), tcol = tid % (BN / TN);
        i64 r0 = (i64)blockIdx.y * BM, c0 = (i64)blockIdx.x * BN;
        float acc[TM * TN] = {0.0f}, ra[TM], rb[TN];
        int ai = tid / (BK / 4), ak = tid % (BK / 4) * 4;      // A: 128 rows x 2 float4
        int bk = tid / (BN / 4), bj = tid % (BN / 4) * 4;      // B: 8 rows x 32 float4
        for (i64 t = 0; t < K; t += BK) {
            float4 a = pg_load4(A, r0 + ai, t + ak, M, K, lda, vec);
            As[(ak + 0) * BM + ai] = a.x; As[(ak + 1) * BM + ai] = a.y;
            As[(ak + 2) * BM + ai] = a.z; As[(ak + 3) * BM + ai] = a.w;
            *(float4 *)&Bs[bk * BN + bj] = pg_load4(B, t + bk, c0 + bj, K, N, ldb, vec);
            __syncthreads();
            #pragma unroll
            for (int k = 0; k < BK; k++) {
                *(float4 *)&ra[0] = *(const float4 *)&As[k * BM + trow * TM];
                *(float4 *)&ra[4] = *(const float4 *)&As[k * BM + trow * TM + 4];
                *(float4 *)&rb[0] = *(const float4 *)&Bs[k * BN + tcol * TN];
                *(float4 *)&rb[4] = *(const float4 *)&Bs[k * BN + tcol * TN + 4];
                #pragma unroll
                for (int i = 0; i < TM; i++)
                    #pragma unroll
                    for (int j = 0; j < TN; j++) acc[i * TN + j] += ra[i] * rb[j];
            }
            __syncthreads();
        }
        bool vout = vec && (ldc % 4 == 0);
        #pragma unroll
        for (int i = 0; i < TM; i++) {
            i64 r = r0 + trow * TM + i;
            if (r >= M) continue;
            #pragma unroll
            for (int j = 0; j < TN; j += 4) {
                i64 c = c0 + tcol * TN + j;
                if (vout && c + 3 < N) {
                    *(float4 *)&C[r * ldc + c] = pg_f4(acc[i * TN + j], acc[i * TN + j + 1], acc[i * TN + j + 2], acc[i * TN + j + 3]);
                } else {
                    for (int q = 0; q < 4; q++) if (c + q < N) C[r * ldc + c + q] = acc[i * TN + j + q];
                }
            }
        }
    }

    // rung 7, warp tiling: a block tile BM x BN of NT threads; each warp owns a WM x WN piece
    // of it, walked as WMI x WNI sub-tiles of (WM / WMI) x (WN / WNI), in which each lane
    // computes TM x TN outputs. A warp's reads of shared memory then stay within its own
    // rows and columns, and the tile shapes map onto registers, warps and blocks in turn.
    // STAGES 2: double buffered, two tiles of shared memory; while the block multiplies one,
    // its loads of the next k step are in flight into registers, stored into the other
    // buffer afterwards, so the copies' latency hides behind the math (one barrier a step).
    template <int BM, int BN, int BK, int WM, int WN, int WNI, int TM, int TN, int NT, int STAGES>
    __device__ __forceinline__ void pg_gemm7(int flags, PG_GEMM_ARGS) {
        PG_GEMM_BATCH
        const int WMI = (WM * WN) / (32 * TM * TN * WNI), WSM = WM / WMI, WSN = WN / WNI;
        __shared__ __align__(16) float As[STAGES][BK * BM], Bs[STAGES][BK * BN];
        int tid = threadIdx.x, warp = tid / 32, lane = tid % 32;
        i64 r0 = (i64)blockIdx.y * BM, c0 = (i64)blockIdx.x * BN;
        int wr = 0, wc = 0, tr = 0, tc = 0;
        // BEGIN SOLUTION brrr.24 (cuda): the warp's place in the block tile (wr = warp / (BN / WN), wc = warp % (BN / WN)) and the lane's in a warp sub-tile (tr = lane / (WSN / TN), tc = lane % (WSN / TN))
        wr = warp / (BN / WN);
        wc = warp % (BN / WN);
        tr = lane / (WSN / TN);
        tc = lane % (WSN / TN);
        // END SOLUTION brrr.24
        float acc[WMI * TM * WNI * TN] = {0.0f}, ra[WMI * TM], rb[WNI * TN];
        // a k step's tiles in 16-byte pieces, AL of A (BM x BK) and BL of B (BK x BN) a thread
        const int AL = BM * BK / (4 * NT), BL = BK * BN / (4 * NT);
        float4 pa[AL], pb[BL];
        // flags: bit 0 vec; bit 1, A stored transposed ([K, M] rows, a weight gradient's
        // x^T); bit 2, B stored transposed ([N, K] rows, a linear layer's W^T). A transposed
        // operand is read in place, 16 bytes along its rows, instead of copied first.
        const bool ta = flags & 2, tb = flags & 4, vec = flags & 1;
        auto fetch = [&](i64 t) {   // device memory -> registers
            #pragma unroll
            for (int l = 0; l < AL; l++) {
                int e = (tid + l * NT) * 4;
                if (ta) pa[l] = pg_load4(A, t + e / BM, r0 + e % BM, K, M, lda, vec);   // 4 rows of A at one k
                else pa[l] = pg_load4(A, r0 + e / BK, t + e % BK, M, K, lda, vec);      // 4 k of one row
            }
            #pragma unroll
            for (int l = 0; l < BL; l++) {
                int e = (tid + l * NT) * 4;
                if (tb) pb[l] = pg_load4(B, c0 + e / BK, t + e % BK, N, K, ldb, vec);   // 4 k of one column of B
                else pb[l] = pg_load4(B, t + e / BN, c0 + e % BN, K, N, ldb, vec);      // 4 columns at one k
            }
        };
        auto put = [&](int s) {     // registers -> shared buffer s: As[k][m] and Bs[k][n]
            #pragma unroll
            for (int l = 0; l < AL; l++) {
                int e = (tid + l * NT) * 4;
                if (ta) { *(float4 *)&As[s][(e / BM) * BM + e % BM] = pa[l]; continue; }
                int i = e / BK, k = e % BK;
                As[s][(k + 0) * BM + i] = pa[l].x; As[s][(k + 1) * BM + i] = pa[l].y;
                As[s][(k + 2) * BM + i] = pa[l].z; As[s][(k + 3) * BM + i] = pa[l].w;
            }
            #pragma unroll
            for (int l = 0; l < BL; l++) {
                int e = (tid + l * NT) * 4;
                if (!tb) { *(float4 *)&Bs[s][(e / BN) * BN + e % BN] = pb[l]; continue; }
                int j = e / BK, k = e % BK;
                Bs[s][(k + 0) * BN + j] = pb[l].x; Bs[s][(k + 1) * BN + j] = pb[l].y;
                Bs[s][(k + 2) * BN + j] = pb[l].z; Bs[s][(k + 3) * BN + j] = pb[l].w;
            }
        };
        auto multiply = [&](int s) {   // the BK outer products of buffer s
            #pragma unroll
            for (int k = 0; k < BK; k++) {
                #pragma unroll
                for (int m = 0; m < WMI; m++)
                    #pragma unroll
                    for (int i = 0; i < TM; i += 4)
                        *(float4 *)&ra[m * TM + i] = *(const float4 *)&As[s][k * BM + wr * WM + m * WSM + tr * TM + i];
                #pragma unroll
                for (int n = 0; n < WNI; n++)
                    #pragma unroll
                    for (int j = 0; j < TN; j += 4)
                        *(float4 *)&rb[n * TN + j] = *(const float4 *)&Bs[s][k * BN + wc * WN + n * WSN + tc * TN + j];
                #pragma unroll
                for (int m = 0; m < WMI; m++)
                    #pragma unroll
                    for (int n = 0; n < WNI; n++)
                        #pragma unroll
                        for (int i = 0; i < TM; i++)
                            #pragma unroll
                            for (int j = 0; j < TN; j++)
                                acc[(m * TM + i) * (WNI * TN) + n * TN + j] += ra[m * TM + i] * rb[n * TN + j];
            }
        };
        if constexpr (STAGES == 1) {
            for (i64 t = 0; t < K; t += BK) {
                fetch(t); put(0);
                __syncthreads();
                multiply(0);
                __syncthreads();   // everyone done reading before the next tile overwrites it
            }
        } else {
            fetch(0); put(0);
            __syncthreads();
            int s = 0;
            for (i64 t = 0; t < K; t += BK) {
                bool more = t + BK < K;
                if (more) fetch(t + BK);   // in flight during the multiply
                multiply(s);
                if (more) put(s ^ 1);      // the other buffer: its readers passed the last barrier
                __syncthreads();
                s ^= 1;
            }
        }
        bool vout = vec && (ldc % 4 == 0);
        #pragma unroll
        for (int m = 0; m < WMI; m++)
            #pragma unroll
            for (int n = 0; n < WNI; n++)
                #pragma unroll
                for (int i = 0; i < TM; i++) {
                    i64 r = r0 + wr * WM + m * WSM + tr * TM + i;
                    if (r >= M) continue;
                    #pragma unroll
                    for (int j = 0; j < TN; j += 4) {
                        i64 c = c0 + wc * WN + n * WSN + tc * TN + j;
                        const float *v = &acc[(m * TM + i) * (WNI * TN) + n * TN + j];
                        if (vout && c + 3 < N) *(float4 *)&C[r * ldc + c] = pg_f4(v[0], v[1], v[2], v[3]);
                        else for (int q = 0; q < 4; q++) if (c + q < N) C[r * ldc + c + q] = v[q];
                    }
                }
    }
    // The autotuner's shapes (CUDAGEMMTuner): block tile and k step, then the lane's outputs;
    // _db: double buffered. Template arguments: BM, BN, BK, WM, WN, WNI, TM, TN, threads, stages.
    extern "C" __global__ void __launch_bounds__(256) pg_gemm7_128x128k8_8x4(int flags, PG_GEMM_ARGS) { pg_gemm7<128, 128, 8, 64, 32, 2, 8, 4, 256, 1>(flags, M, N, K, A, lda, sa, B, ldb, sb, C, ldc, sc); }
    extern "C" __global__ void __launch_bounds__(256) pg_gemm7_128x128k8_8x8(int flags, PG_GEMM_ARGS) { pg_gemm7<128, 128, 8, 64, 32, 1, 8, 8, 256, 1>(flags, M, N, K, A, lda, sa, B, ldb, sb, C, ldc, sc); }
    extern "C" __global__ void __launch_bounds__(256) pg_gemm7_128x128k16_8x8(int flags, PG_GEMM_ARGS) { pg_gemm7<128, 128, 16, 64, 32, 1, 8, 8, 256, 1>(flags, M, N, K, A, lda, sa, B, ldb, sb, C, ldc, sc); }
    extern "C" __global__ void __launch_bounds__(128) pg_gemm7_64x128k16_8x4(int flags, PG_GEMM_ARGS) { pg_gemm7<64, 128, 16, 32, 64, 2, 8, 4, 128, 1>(flags, M, N, K, A, lda, sa, B, ldb, sb, C, ldc, sc); }
    extern "C" __global__ void __launch_bounds__(256) pg_gemm7_128x128k8_8x4_db(int flags, PG_GEMM_ARGS) { pg_gemm7<128, 128, 8, 64, 32, 2, 8, 4, 256, 2>(flags, M, N, K, A, lda, sa, B, ldb, sb, C, ldc, sc); }
    extern "C" __global__ void __launch_bounds__(256) pg_gemm7_128x128k16_8x8_db(int flags, PG_GEMM_ARGS) { pg_gemm7<128, 128, 16, 64, 32, 1, 8, 8, 256, 2>(flags, M, N, K, A, lda, sa, B, ldb, sb, C, ldc, sc); }
    extern "C" __global__ void __launch_bounds__(128) pg_gemm7_64x128k16_8x4_db(int flags, PG_GEMM_ARGS) { pg_gemm7<64, 128, 16, 32, 64, 2, 8, 4, 128, 2>(flags, M, N, K, A, lda, sa, B, ldb, sb, C, ldc, sc); }
    extern "C" __global__ void __launch_bounds__(128) pg_gemm7_64x64k16_4x8_db(int flags, PG_GEMM_ARGS) { pg_gemm7<64, 64, 16, 32, 32, 1, 4, 8, 128, 2>(flags, M, N, K, A, lda, sa, B, ldb, sb, C, ldc, sc); }
    extern "C" __global__ void __launch_bounds__(256) pg_gemm7_256x128k8_16x8_db(int flags, PG_GEMM_ARGS) { pg_gemm7<256, 128, 8, 128, 32, 1, 16, 8, 256, 2>(flags, M, N, K, A, lda, sa, B, ldb, sb, C, ldc, sc); }
    """)

    /// Rung 8: TF32 on the tensor cores through mma.sync (any GPU from compute capability 8.0).
    static let ladderTensorCores = CUDASource("""
    // ---- TF32 on the tensor cores ----
    // rung 8, mma.sync: each warp issues mma.sync.m16n8k8 (a 16 x 8 tile of C += a 16 x 8 tile
    // of A times an 8 x 8 tile of B, inputs rounded to TF32: 10-bit mantissas, fp32 sums).
    // Block tile 128 x 128 of 8 warps (2 x 4), each warp 64 x 32 = 4 x 4 mma tiles; K in steps of
    // 16 through two shared-memory buffers filled by cp.async (copies that bypass registers).
    __device__ __forceinline__ u32 pg_smem(const void *p) { return (u32)__cvta_generic_to_shared(p); }
    __device__ __forceinline__ void pg_cp16(void *dst, const float *src, bool full) {
        asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" :: "r"(pg_smem(dst)), "l"(src), "r"(full ? 16 : 0));
    }

    extern "C" __global__ void __launch_bounds__(256) pg_gemm8_mma_tf32(int vec, PG_GEMM_ARGS) {
        PG_GEMM_BATCH
        const int BM = 128, BN = 128, BK = 16, AP = BK + 4, BP = BN + 8;
        __shared__ __align__(16) float As[2][BM * AP], Bs[2][BK * BP];
        int tid = threadIdx.x, warp = tid / 32, lane = tid % 32, g = lane / 4, t4 = lane % 4;
        int wm = warp / 4, wn = warp % 4;   // the warp's 64 x 32 piece
        i64 r0 = (i64)blockIdx.y * BM, c0 = (i64)blockIdx.x * BN;
        float acc[4][4][4];
        #pragma unroll
        for (int i = 0; i < 4; i++)
            #pragma unroll
            for (int j = 0; j < 4; j++)
                #pragma unroll
                for (int q = 0; q < 4; q++) acc[i][j][q] = 0.0f;
        // a tile of A (128 x 16: 2 float4 a thread) and of B (16 x 128: 2 float4 a thread)
        auto load = [&](int s, i64 t) {
            #pragma unroll
            for (int h = 0; h < 2; h++) {
                int e = tid + h * 256;
                int ai = e / 4, ak = e % 4 * 4;
                int bk = e / 32, bj = e % 32 * 4;
                i64 ar = r0 + ai, ac = t + ak, br = t + bk, bc = c0 + bj;
                if (vec) {
                    bool fa = ar < M && ac < K, fb = br < K && bc < N;
                    pg_cp16(&As[s][ai * AP + ak], fa ? A + ar * lda + ac : A, fa);
                    pg_cp16(&Bs[s][bk * BP + bj], fb ? B + br * ldb + bc : B, fb);
                } else {
                    *(float4 *)&As[s][ai * AP + ak] = pg_load4(A, ar, ac, M, K, lda, false);
                    *(float4 *)&Bs[s][bk * BP + bj] = pg_load4(B, br, bc, K, N, ldb, false);
                }
            }
            asm volatile("cp.async.commit_group;");
        };
        load(0, 0);
        int s = 0;
        for (i64 t = 0; t < K; t += BK, s ^= 1) {
            if (t + BK < K) { load(s ^ 1, t + BK); asm volatile("cp.async.wait_group 1;"); }
            else asm volatile("cp.async.wait_group 0;");
            __syncthreads();
            const float *as = As[s], *bs = Bs[s];
            #pragma unroll
            for (int kk = 0; kk < BK; kk += 8) {
                u32 fa[4][4] = {}, fb[4][2] = {};
                // BEGIN SOLUTION brrr.25 (cuda): lane (g = lane / 4, t4 = lane % 4) holds A(g, t4), A(g + 8, t4), A(g, t4 + 4), A(g + 8, t4 + 4) of each 16 x 8 tile and B(t4, g), B(t4 + 4, g) of each 8 x 8 tile
                #pragma unroll
                for (int i = 0; i < 4; i++) {
                    const float *p = as + (wm * 64 + i * 16 + g) * AP + kk + t4;
                    fa[i][0] = __float_as_uint(p[0]);
                    fa[i][1] = __float_as_uint(p[8 * AP]);
                    fa[i][2] = __float_as_uint(p[4]);
                    fa[i][3] = __float_as_uint(p[8 * AP + 4]);
                }
                #pragma unroll
                for (int j = 0; j < 4; j++) {
                    const float *p = bs + (kk + t4) * BP + wn * 32 + j * 8 + g;
                    fb[j][0] = __float_as_uint(p[0]);
                    fb[j][1] = __float_as_uint(p[4 * BP]);
                }
                // END SOLUTION brrr.25
                #pragma unroll
                for (int i = 0; i < 4; i++)
                    #pragma unroll
                    for (int j = 0; j < 4; j++)
                        asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};"
                                     : "+f"(acc[i][j][0]), "+f"(acc[i][j][1]), "+f"(acc[i][j][2]), "+f"(acc[i][j][3])
                                     : "r"(fa[i][0]), "r"(fa[i][1]), "r"(fa[i][2]), "r"(fa[i][3]), "r"(fb[j][0]), "r"(fb[j][1]));
            }
            __syncthreads();
        }
        // lane holds C(g, 2 t4), C(g, 2 t4 + 1), C(g + 8, 2 t4), C(g + 8, 2 t4 + 1) of each tile
        #pragma unroll
        for (int i = 0; i < 4; i++)
            #pragma unroll
            for (int j = 0; j < 4; j++)
                #pragma unroll
                for (int h = 0; h < 2; h++) {
                    i64 r = r0 + wm * 64 + i * 16 + g + h * 8, c = c0 + wn * 32 + j * 8 + 2 * t4;
                    if (r >= M) continue;
                    if (c < N) C[r * ldc + c] = acc[i][j][2 * h];
                    if (c + 1 < N) C[r * ldc + c + 1] = acc[i][j][2 * h + 1];
                }
    }
    """)

    /// Rung 9: wgmma, TMA and mbarriers (compute_90a), and the transpose that makes its B operand.
    static let wgmma = CUDASource("""
    // rung 9, wgmma (Hopper, compute_90a): a warpgroup (4 warps) multiplies a 64 x BN tile by
    // issuing wgmma.mma_async, reading both operands from shared memory through 64-bit
    // descriptors. The tiles arrive by TMA (cp.async.bulk.tensor: the copy engine moves a box
    // of a tensor described by a CUtensorMap, swizzled 128 bytes wide, no threads involved)
    // into a ring of STAGES buffers; mbarriers say when a buffer is full (the copy engine
    // counts the bytes in) and when it is empty again (the consumers are done reading it).
    // Warpgroup 0 is the producer (one thread issues the copies), warpgroups 1-2 consume,
    // 64 rows each: a block tile of 128 x BN, K in steps of 32 (128 bytes: one swizzle row).
    // TF32 wgmma reads both operands K-major: A [M, K] and B as Bt [N, K], both rows of K.
    struct __align__(64) PGTensorMap { u64 words[16]; };

    #if defined(__CUDA_ARCH_FEAT_SM90_ALL)
    __device__ __forceinline__ void pg_wgmma_m64n128k8(float *d, u64 da, u64 db) {
        asm volatile("{ .reg .pred p; setp.ne.b32 p, %66, 0; wgmma.mma_async.sync.aligned.m64n128k8.f32.tf32.tf32 "
            "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63}, "
            "%64, %65, p, 1, 1; }"
            : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
            : "l"(da), "l"(db), "r"(1));
    }

    __device__ __forceinline__ void pg_wgmma_m64n256k8(float *d, u64 da, u64 db) {
        asm volatile("{ .reg .pred p; setp.ne.b32 p, %130, 0; wgmma.mma_async.sync.aligned.m64n256k8.f32.tf32.tf32 "
            "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63, %64, %65, %66, %67, %68, %69, %70, %71, %72, %73, %74, %75, %76, %77, %78, %79, %80, %81, %82, %83, %84, %85, %86, %87, %88, %89, %90, %91, %92, %93, %94, %95, %96, %97, %98, %99, %100, %101, %102, %103, %104, %105, %106, %107, %108, %109, %110, %111, %112, %113, %114, %115, %116, %117, %118, %119, %120, %121, %122, %123, %124, %125, %126, %127}, "
            "%128, %129, p, 1, 1; }"
            : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63]), "+f"(d[64]), "+f"(d[65]), "+f"(d[66]), "+f"(d[67]), "+f"(d[68]), "+f"(d[69]), "+f"(d[70]), "+f"(d[71]), "+f"(d[72]), "+f"(d[73]), "+f"(d[74]), "+f"(d[75]), "+f"(d[76]), "+f"(d[77]), "+f"(d[78]), "+f"(d[79]), "+f"(d[80]), "+f"(d[81]), "+f"(d[82]), "+f"(d[83]), "+f"(d[84]), "+f"(d[85]), "+f"(d[86]), "+f"(d[87]), "+f"(d[88]), "+f"(d[89]), "+f"(d[90]), "+f"(d[91]), "+f"(d[92]), "+f"(d[93]), "+f"(d[94]), "+f"(d[95]), "+f"(d[96]), "+f"(d[97]), "+f"(d[98]), "+f"(d[99]), "+f"(d[100]), "+f"(d[101]), "+f"(d[102]), "+f"(d[103]), "+f"(d[104]), "+f"(d[105]), "+f"(d[106]), "+f"(d[107]), "+f"(d[108]), "+f"(d[109]), "+f"(d[110]), "+f"(d[111]), "+f"(d[112]), "+f"(d[113]), "+f"(d[114]), "+f"(d[115]), "+f"(d[116]), "+f"(d[117]), "+f"(d[118]), "+f"(d[119]), "+f"(d[120]), "+f"(d[121]), "+f"(d[122]), "+f"(d[123]), "+f"(d[124]), "+f"(d[125]), "+f"(d[126]), "+f"(d[127])
            : "l"(da), "l"(db), "r"(1));
    }

    // shared-memory matrix descriptor: address, leading/stride byte offsets, 128-byte swizzle
    __device__ __forceinline__ u64 pg_desc(const float *p) {
        u64 a = pg_smem(p);
        return ((a & 0x3FFFF) >> 4) | ((u64)1 << 16) | ((u64)(1024 >> 4) << 32) | ((u64)1 << 62);
    }
    __device__ __forceinline__ void pg_mbar_init(u64 *bar, int count) {
        asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" :: "r"(pg_smem(bar)), "r"(count));
    }
    __device__ __forceinline__ void pg_mbar_wait(u64 *bar, int parity) {
        u32 done = 0;
        while (!done) {
            asm volatile("{ .reg .pred p; mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2; selp.u32 %0, 1, 0, p; }"
                         : "=r"(done) : "r"(pg_smem(bar)), "r"(parity) : "memory");
        }
    }
    __device__ __forceinline__ void pg_mbar_expect(u64 *bar, int bytes) {
        asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" :: "r"(pg_smem(bar)), "r"(bytes) : "memory");
    }
    __device__ __forceinline__ void pg_mbar_arrive(u64 *bar) {
        asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" :: "r"(pg_smem(bar)) : "memory");
    }
    __device__ __forceinline__ void pg_tma_load(float *dst, const PGTensorMap *map, int x, int y, u64 *bar) {
        asm volatile("cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], [%4];"
                     :: "r"(pg_smem(dst)), "l"((u64)map), "r"(x), "r"(y), "r"(pg_smem(bar)) : "memory");
    }

    template <int BN, int STAGES>
    __device__ __forceinline__ void pg_gemm9(const PGTensorMap &ta, const PGTensorMap &tb, i64 M, i64 N, i64 K, float *C, i64 ldc) {
        const int BM = 128, BK = 32;
        extern __shared__ __align__(1024) unsigned char pg_dyn[];
        float *base = (float *)(((u64)pg_dyn + 1023) & ~(u64)1023);
        float *sa = base, *sb = base + STAGES * BM * BK;
        __shared__ __align__(8) u64 full[STAGES], empty[STAGES];
        int wg = threadIdx.x / 128, tid = threadIdx.x % 128;
        int rt = blockIdx.y, ct = blockIdx.x;
        int kt = (int)((K + BK - 1) / BK);
        if (threadIdx.x == 0) {
            for (int s = 0; s < STAGES; s++) { pg_mbar_init(&full[s], 1); pg_mbar_init(&empty[s], 2); }
            asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
        }
        __syncthreads();
        if (wg == 0) {
            asm volatile("setmaxnreg.dec.sync.aligned.u32 40;");
            if (tid == 0) {
                for (int k = 0; k < kt; k++) {
                    int s = k % STAGES;
                    if (k >= STAGES) pg_mbar_wait(&empty[s], ((k / STAGES) - 1) & 1);
                    pg_mbar_expect(&full[s], (BM + BN) * BK * 4);
                    pg_tma_load(sa + s * BM * BK, &ta, k * BK, rt * BM, &full[s]);
                    pg_tma_load(sb + s * BN * BK, &tb, k * BK, ct * BN, &full[s]);
                }
            }
        } else {
            asm volatile("setmaxnreg.inc.sync.aligned.u32 232;");
            float d[BN / 2];
            #pragma unroll
            for (int i = 0; i < BN / 2; i++) d[i] = 0.0f;
            for (int k = 0; k < kt; k++) {
                int s = k % STAGES;
                pg_mbar_wait(&full[s], (k / STAGES) & 1);
                const float *a = sa + s * BM * BK + (wg - 1) * 64 * BK, *b = sb + s * BN * BK;
                asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
                #pragma unroll
                for (int kk = 0; kk < BK; kk += 8) {
                    if constexpr (BN == 256) pg_wgmma_m64n256k8(d, pg_desc(a + kk), pg_desc(b + kk));
                    else pg_wgmma_m64n128k8(d, pg_desc(a + kk), pg_desc(b + kk));
                }
                asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
                asm volatile("wgmma.wait_group.sync.aligned 0;" ::: "memory");
                if (tid == 0) pg_mbar_arrive(&empty[s]);
            }
            // lane of warp w holds, for each 8 columns j: C(16 w + g, 8 j + 2 t), (.., + 1), C(16 w + g + 8, ..)
            int w = tid / 32, lane = tid % 32, g = lane / 4, t = lane % 4;
            i64 r = (i64)rt * BM + (wg - 1) * 64 + w * 16 + g;
            bool pair = (ldc % 2 == 0);
            #pragma unroll
            for (int j = 0; j < BN / 8; j++) {
                i64 c = (i64)ct * BN + j * 8 + 2 * t;
                #pragma unroll
                for (int h = 0; h < 2; h++) {
                    i64 rr = r + h * 8;
                    if (rr >= M) continue;
                    float x = d[4 * j + 2 * h], y = d[4 * j + 2 * h + 1];
                    if (pair && c + 1 < N) *(float2 *)&C[rr * ldc + c] = pg_f2(x, y);
                    else { if (c < N) C[rr * ldc + c] = x; if (c + 1 < N) C[rr * ldc + c + 1] = y; }
                }
            }
        }
    }
    #endif

    // The autotuner's two shapes: 128 x 128 tiles in 6 stages, 128 x 256 in 4 (192 KB of shared
    // memory either way, plus 1 KB to align the stages to 1024 bytes). Empty on other GPUs.
    extern "C" __global__ void __launch_bounds__(384, 1) pg_gemm9_wgmma_128(__grid_constant__ const PGTensorMap ta, __grid_constant__ const PGTensorMap tb,
                                                                          i64 M, i64 N, i64 K, float *C, i64 ldc) {
    #if defined(__CUDA_ARCH_FEAT_SM90_ALL)
        pg_gemm9<128, 6>(ta, tb, M, N, K, C, ldc);
    #endif
    }
    extern "C" __global__ void __launch_bounds__(384, 1) pg_gemm9_wgmma_256(__grid_constant__ const PGTensorMap ta, __grid_constant__ const PGTensorMap tb,
                                                                          i64 M, i64 N, i64 K, float *C, i64 ldc) {
    #if defined(__CUDA_ARCH_FEAT_SM90_ALL)
        pg_gemm9<256, 4>(ta, tb, M, N, K, C, ldc);
    #endif
    }

    // Bt [N, K] = B [K, N] (the wgmma rung's B operand is K-major): 32 x 32 tiles through shared memory.
    extern "C" __global__ void pg_transpose(i64 rows, i64 cols, const float *src, i64 lds, float *dst, i64 ldd) {
        __shared__ float tile[32][33];
        i64 r0 = (i64)blockIdx.y * 32, c0 = (i64)blockIdx.x * 32;
        for (int i = threadIdx.y; i < 32; i += 8) {
            i64 r = r0 + i, c = c0 + threadIdx.x;
            tile[i][threadIdx.x] = (r < rows && c < cols) ? src[r * lds + c] : 0.0f;
        }
        __syncthreads();
        for (int i = threadIdx.y; i < 32; i += 8) {
            i64 c = c0 + i, r = r0 + threadIdx.x;
            if (c < cols && r < rows) dst[c * ldd + r] = tile[threadIdx.x][i];
        }
    }
    """)
}

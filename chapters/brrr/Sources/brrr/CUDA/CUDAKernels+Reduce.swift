// Reductions (sum, max over axes): the output's elements are "rows", each the reduction of
// `R` elements of x.
//
// Long rows get a block each: its 256 threads stride along the row, each keeping a partial
// result in a register, then combine the 256 partials through shared memory (on-chip memory a
// block shares, about 100 times faster than device memory) in a tree: 128 threads add the
// upper half onto the lower, then 64, ... , log2(256) = 8 steps, a barrier between steps.
// Short rows (R < 64) get a thread each: no tree, and neighbouring threads read
// neighbouring rows.
//
// `kept` lays out the rows (x's strides at the kept dims, x's offset) and `reduced` the
// elements of a row (x's strides at the reduced dims); when x is contiguous and the reduced
// dims are its last ones, both are plain counting (`simple`) and pg_offsets is skipped.

extension CUDAKernels {
    static let reduce = CUDASource("""
    // ---- reductions ----
    // Reduction: 0 sum, 1 max (a NaN wins, as in the reference backend).
    __device__ __forceinline__ float pg_combine(int op, float acc, float v) {
        if (op == 0) return acc + v;
        return (v > acc || isnan(v)) ? v : acc;
    }

    __device__ __forceinline__ i64 pg_row_base(int simple, i64 row, i64 R, const Layout &kept) {
        if (simple) return kept.offset[0] + row * R;
        i64 off[4];
        pg_offsets(row, kept, 1, off);
        return off[0];
    }

    __device__ __forceinline__ i64 pg_row_element(int simple, i64 r, const Layout &reduced) {
        if (simple) return r;
        i64 off[4];
        pg_offsets(r, reduced, 1, off);
        return off[0];
    }

    // One block of 256 threads per row.
    extern "C" __global__ void pg_reduce_rows(int op, int simple, i64 rows, i64 R, __grid_constant__ const Layout kept, __grid_constant__ const Layout reduced,
                                              const float *x, float *o) {
        __shared__ float partial[256];
        int t = threadIdx.x;
        for (i64 row = blockIdx.x; row < rows; row += gridDim.x) {
            i64 base = pg_row_base(simple, row, R, kept);
            float acc = op == 0 ? 0.0f : PG_NEG_INF;
            for (i64 r = t; r < R; r += blockDim.x) acc = pg_combine(op, acc, x[base + pg_row_element(simple, r, reduced)]);
            partial[t] = acc;
            __syncthreads();
            // BEGIN SOLUTION brrr.21 (cuda): combine the blockDim.x partials in shared memory as a tree: for s = blockDim.x / 2 down to 1 (halving), threads t < s set partial[t] = pg_combine(op, partial[t], partial[t + s]), with __syncthreads() after each step
            for (int s = blockDim.x / 2; s > 0; s >>= 1) {
                if (t < s) partial[t] = pg_combine(op, partial[t], partial[t + s]);
                __syncthreads();
            }
            // END SOLUTION brrr.21
            if (t == 0) o[row] = partial[0];
            __syncthreads();   // partial[0] is read before the next row overwrites it
        }
    }

    // One thread per row.
    extern "C" __global__ void pg_reduce_short(int op, int simple, i64 rows, i64 R, __grid_constant__ const Layout kept, __grid_constant__ const Layout reduced,
                                               const float *x, float *o) {
        PG_FOR_EACH(row, rows) {
            i64 base = pg_row_base(simple, row, R, kept);
            float acc = op == 0 ? 0.0f : PG_NEG_INF;
            for (i64 r = 0; r < R; r++) acc = pg_combine(op, acc, x[base + pg_row_element(simple, r, reduced)]);
            o[row] = acc;
        }
    }
    """)
}

// Kernels that follow int32 indices kept on the device: gather, scatterAdd, indexCopy and
// embedding (plain or block-format rows).
//
// An index out of range cannot stop the process from inside a kernel: the thread that finds
// one records it (pg_bad_index, with the launch's number) and skips the element; the host
// reads the status at the next synchronize or download and stops with the op's message.
// scatterAdd's threads may hit the same output element: atomicAdd makes each addition whole
// (the order of the additions, and so the last bits of a sum, may differ from run to run).

extension CUDAKernels {
    static let index = CUDASource("""
    // ---- indexing ----
    // o[i] = x[.., index[i], ..]: L has index's shape; operand 0 is x with stride 0 at dim, 1 the index.
    extern "C" __global__ void pg_gather(u64 launch, i64 step, i64 size, __grid_constant__ const Layout L, const u32 *x, const int *index, u32 *o) {
        PG_FOR_EACH(i, L.count) {
            i64 off[4];
            pg_offsets(i, L, 2, off);
            i64 j = index[off[1]];
            if (j < 0 || j >= size) { pg_bad_index(launch, j, i); continue; }
            o[i] = x[off[0] + j * step];
        }
    }

    // out[.., index[i], ..] += src[i]: L has src's shape; operands 0 src, 1 out (stride 0 at dim), 2 index.
    extern "C" __global__ void pg_scatter_add(u64 launch, i64 step, i64 size, __grid_constant__ const Layout L, const float *src, const int *index, float *out) {
        PG_FOR_EACH(i, L.count) {
            i64 off[4];
            pg_offsets(i, L, 3, off);
            i64 j = index[off[2]];
            if (j < 0 || j >= size) { pg_bad_index(launch, j, i); continue; }
            atomicAdd(&out[off[1] + j * step], src[off[0]]);
        }
    }

    // dst[.., index[i], ..] = src[.., i, ..]: L has src's shape; operands 0 src, 1 dst (stride 0 at dim), 2 index.
    extern "C" __global__ void pg_index_copy(u64 launch, i64 step, i64 size, __grid_constant__ const Layout L, const u32 *src, const int *index, u32 *dst) {
        PG_FOR_EACH(i, L.count) {
            i64 off[4];
            pg_offsets(i, L, 3, off);
            i64 j = index[off[2]];
            if (j < 0 || j >= size) { pg_bad_index(launch, j, i); continue; }
            dst[off[1] + j * step] = src[off[0]];
        }
    }

    // o [ids, D] = rows of table [N, D]; L has ids' shape (operand 0 the ids). format < 0: a
    // float table with strides (rs, cs) from offset t0; else a block format, rows of K / 32 blocks.
    extern "C" __global__ void pg_embedding(u64 launch, int format, i64 N, i64 D, i64 t0, i64 rs, i64 cs, __grid_constant__ const Layout L,
                                            const unsigned char *table, const int *ids, float *o) {
        PG_FOR_EACH(i, L.count * D) {
            i64 p = i / D, c = i % D;
            i64 off[4];
            pg_offsets(p, L, 1, off);
            i64 id = ids[off[0]];
            if (id < 0 || id >= N) { pg_bad_index(launch, id, p); continue; }
            if (format < 0) {
                o[i] = ((const float *)table)[t0 + id * rs + c * cs];
            } else {
                i64 bytes = pg_block_bytes(format);
                o[i] = pg_block_value(format, table + id * (D / 32) * bytes + (c >> 5) * bytes, (int)(c & 31));
            }
        }
    }
    """)
}

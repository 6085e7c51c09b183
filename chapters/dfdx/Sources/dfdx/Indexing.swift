// Indexing with integer ids: gather (torch.gather), its transpose scatterAdd, and embedding,
// the row-select primitive. Indices are int32 tensors on the same device, inputs of the
// primitive (never static parameters), so a GPU reads them where they are and a compiler
// sees them as graph inputs. The bounds are checked by the kernel as it reads each index.

extension Tensor {
    /// torch.gather: out has index's shape; along `dim` it reads x at the given indices,
    /// elsewhere at the same position. index: int32, as many dims as x, no larger than x
    /// outside `dim`. Backward scatters (adds) the gradient back.
    public func gather(dim: Int, index: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = normalizeDim(dim, rank: rank, op: "gather", shape: shape, file: file, line: line)
        check(!dtype.isQuantized, "gather: a \(dtype) tensor (shape \(shape)) is a block format; use embedding for rows", file: file, line: line)
        check(index.dtype == .int32, "gather: index must be int32, got \(index.dtype) (shape \(index.shape)); convert with to(.int32)", file: file, line: line)
        check(index.rank == rank, "gather: index of shape \(index.shape) must have as many dims as input of shape \(shape)", file: file, line: line)
        for i in 0..<rank where i != d {
            check(index.shape[i] <= shape[i], "gather: index shape \(index.shape) is larger than input shape \(shape) in dim \(i)", file: file, line: line)
        }
        let x = self
        let out = Dispatch.run(.gather(dim: d), [x, index], shape: index.shape, dtype: dtype) { backend, buffer in
            backend.gather(x.stridedView, dim: d, index: index.stridedView, out: buffer)
        }
        return record(out, .gather(dim: d), [x, index], saves: .only([1]), vjp: { g in
            // BEGIN SOLUTION dfdx.22: VJP of gather: g.scatterAdd(dim: d, index: index, outShape: x.shape) adds the gradient back where it was read; the index gets no gradient (nil)
            return [g.scatterAdd(dim: d, index: index, outShape: x.shape), nil]
            // END SOLUTION dfdx.22
        }, jvp: { t in t[0]?.gather(dim: d, index: index) })
    }

    /// The transpose of gather (torch.scatter_add into zeros): a zero tensor of `outShape` with
    /// self's values added at the positions `index` (int32, self's shape) names along `dim`.
    public func scatterAdd(dim: Int, index: Tensor, outShape: [Int]) -> Tensor {
        let d = normalizeDim(dim, rank: outShape.count, op: "scatterAdd", shape: outShape)
        check(index.dtype == .int32, "scatterAdd: index must be int32, got \(index.dtype) (shape \(index.shape))")
        check(index.shape == shape && outShape.count == rank,
              "scatterAdd: source of shape \(shape), index of shape \(index.shape) and output shape \(outShape) do not fit")
        requireFloat32("scatterAdd")
        let src = self
        let out = Dispatch.run(.scatterAdd(dim: d, outShape: outShape), [src, index], shape: outShape) { backend, buffer in
            backend.fill(buffer, dtype: .float32, value: 0)
            backend.scatterAdd(src.stridedView, dim: d, index: index.stridedView, into: buffer, outShape: outShape)
        }
        return record(out, .scatterAdd(dim: d, outShape: outShape), [src, index], saves: .only([1]), vjp: { g in [g.gather(dim: d, index: index), nil] },
                      jvp: { t in t[0]?.scatterAdd(dim: d, index: index, outShape: outShape) })
    }

    /// Rows of a 2-D table [N, D] picked by int32 ids of any shape -> [ids..., D] (like
    /// nn.Embedding). One row copy per id; backward adds each gradient row back into its row.
    public func embedding(_ ids: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(rank == 2, "embedding: table must be 2-D [count, dim], got shape \(shape)", file: file, line: line)
        check(ids.dtype == .int32, "embedding: ids must be int32, got \(ids.dtype) (shape \(ids.shape)); convert with to(.int32)", file: file, line: line)
        let table = self
        let (count, dim) = (shape[0], shape[1])
        let outShape = ids.shape + [dim]
        // a table in a block format gives float32 rows
        let out = Dispatch.run(.embedding, [table, ids], shape: outShape, dtype: dtype.isQuantized ? .float32 : dtype) { backend, buffer in
            backend.embedding(table.stridedView, ids: ids.stridedView, out: buffer)
        }
        return record(out, .embedding, [table, ids], saves: .only([1]), vjp: { g in
            // each id's row of g goes back to row `id`: a scatter-add over dim 0 with the id repeated along the row
            let n = ids.count
            let rows = ids.reshape([n, 1]).expand([n, dim])
            return [g.reshape([n, dim]).scatterAdd(dim: 0, index: rows, outShape: [count, dim]), nil]
        }, jvp: { t in t[0]?.embedding(ids) })
    }

    /// In place, like torch's index_copy_: slice `index[i]` of self along `dim` becomes slice
    /// `i` of `source` (int32 index of source's size along dim; source has self's shape
    /// elsewhere). How a KV cache writes new keys at their positions. Not recorded by autograd
    /// (like `assign`); never call it while another thread reads self.
    public func indexCopy(dim: Int, index: Tensor, source: Tensor) {
        let d = normalizeDim(dim, rank: rank, op: "indexCopy", shape: shape)
        check(index.dtype == .int32 && index.rank == 1, "indexCopy: index must be 1-D int32, got \(index.dtype) of shape \(index.shape)")
        check(source.rank == rank && source.dtype == dtype && source.shape[d] == index.count
              && (0..<rank).allSatisfy { $0 == d || source.shape[$0] == shape[$0] },
              "indexCopy: source of shape \(source.shape) does not fit destination \(shape) along dim \(dim) with \(index.count) indices")
        check(source.device == device && index.device == device, "indexCopy: tensors are on different devices, \(device), \(index.device) and \(source.device)")
        Dispatch.write(.indexCopy(dim: d), [self, index, source]) { backend in
            backend.indexCopy(source.stridedView, dim: d, index: index.stridedView, into: stridedView)
        }
    }

    /// Advanced indexing on the first dim (torch's `x[ids]`): the rows named by an int32 tensor
    /// of any shape -> [ids..., rest of self's dims]. An embedding of the rows flattened.
    public subscript(_ index: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(rank > 0, "subscript: cannot index a 0-d tensor with an index tensor of shape \(index.shape)", file: file, line: line)
        check(index.dtype == .int32, "subscript: index must be int32, got \(index.dtype) (shape \(index.shape)); convert with to(.int32)", file: file, line: line)
        let rest = Array(shape.dropFirst())
        return reshape([shape[0], rest.reduce(1, *)]).embedding(index).reshape(index.shape + rest)
    }

    // MARK: conveniences with host ids

    /// gather with host indices: `index` fills `indexShape` in row-major order.
    public func gather(dim: Int, index: [Int], indexShape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(index.count == indexShape.reduce(1, *), "gather: \(index.count) indices do not fill index shape \(indexShape)", file: file, line: line)
        return gather(dim: dim, index: Tensor(int32: index, shape: indexShape, device: device))
    }

    /// embedding with host ids: `ids` fills `idsShape` in row-major order -> [idsShape..., D].
    public func embedding(_ ids: [Int], idsShape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(ids.count == idsShape.reduce(1, *), "embedding: \(ids.count) ids do not fill shape \(idsShape)", file: file, line: line)
        return embedding(Tensor(int32: ids, shape: idsShape, device: device))
    }
}

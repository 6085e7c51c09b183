// Matrix multiplication and integer-indexed gathers: the last primitives.

extension Tensor {
    /// The matmul primitive: [..., M, K] @ [..., K, N] with equal batch dims.
    func matmulPrimitive(_ other: Tensor) -> Tensor {
        let a = self, b = other
        let outShape = Array(a.shape.dropLast()) + [b.shape[b.rank - 1]]
        let out = Dispatch.run(.matmul, [a, b], shape: outShape, op: "matmul") { backend, buffer in
            backend.matmul(a.view, b.view, out: buffer)
        }
        return record(out, "matmul", [a, b], vjp: { g in
            // BEGIN SOLUTION dfdx.21: VJP of matmul: dA = G B^T, dB = A^T G, with matmulPrimitive and transpose(-1, -2)
            return [g.matmulPrimitive(b.transpose(-1, -2)), a.transpose(-1, -2).matmulPrimitive(g)]
            // END SOLUTION dfdx.21
        }, jvp: { t in sumTangents(t[0].map { $0.matmulPrimitive(b) }, t[1].map { a.matmulPrimitive($0) }) })
    }

    /// Matrix product with torch.matmul semantics: 1-D operands are promoted (and the added
    /// dim removed), batch dims broadcast. [B, M, K] @ [K, N] -> [B, M, N]. Cost: 2*B*M*K*N flops.
    public func matmul(_ other: Tensor) -> Tensor {
        check(rank >= 1 && other.rank >= 1, "matmul: both arguments need at least 1 dim, got shapes \(shape) and \(other.shape)")
        let a = rank == 1 ? unsqueeze(dim: 0) : self
        let b = other.rank == 1 ? other.unsqueeze(dim: 1) : other
        let k = a.shape[a.rank - 1]
        check(k == b.shape[b.rank - 2],
              "matmul: shapes \(shape) and \(other.shape) are not aligned (\(k) != \(b.shape[b.rank - 2]))")
        guard let batch = broadcastShapes(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2))) else {
            fail("matmul: batch dims of shapes \(shape) and \(other.shape) cannot be broadcast together")
        }
        let aFull = batch + Array(a.shape.suffix(2)), bFull = batch + Array(b.shape.suffix(2))
        var out = (a.shape == aFull ? a : a.expand(aFull)).matmulPrimitive(b.shape == bFull ? b : b.expand(bFull))
        if rank == 1 { out = out.squeeze(dim: -2) }
        if other.rank == 1 { out = out.squeeze(dim: -1) }
        return out
    }

    /// torch.gather: out has `indexShape`; along `dim` it reads x at the given indices,
    /// elsewhere at the same position. Backward scatters (adds) the gradient back.
    public func gather(dim: Int, index: [Int], indexShape: [Int]) -> Tensor {
        let d = normalizeDim(dim, rank: rank, op: "gather", shape: shape)
        check(indexShape.count == rank, "gather: index of shape \(indexShape) must have as many dims as input of shape \(shape)")
        check(index.count == indexShape.reduce(1, *), "gather: \(index.count) indices do not fill index shape \(indexShape)")
        for i in 0..<rank where i != d {
            check(indexShape[i] <= shape[i], "gather: index shape \(indexShape) is larger than input shape \(shape) in dim \(i)")
        }
        if let bad = index.first(where: { $0 < 0 || $0 >= shape[d] }) {
            fail("gather: index \(bad) is out of bounds for dim \(dim) with size \(shape[d]) (input shape \(shape))")
        }
        let x = self
        let out = Dispatch.run(.gather(dim: d, index: index, indexShape: indexShape), [x], shape: indexShape, op: "gather") { backend, buffer in
            backend.gather(x.view, dim: d, index: index, indexShape: indexShape, out: buffer)
        }
        return record(out, "gather", [x], vjp: { g in
            // BEGIN SOLUTION dfdx.22: VJP of gather: g.scatterAdd(dim: d, index: index, outShape: x.shape) adds the gradient back where it was read
            return [g.scatterAdd(dim: d, index: index, outShape: x.shape)]
            // END SOLUTION dfdx.22
        }, jvp: { t in t[0]!.gather(dim: d, index: index, indexShape: indexShape) })
    }

    /// The transpose of gather: a zero tensor of `outShape` with self's values added at the indexed positions.
    public func scatterAdd(dim: Int, index: [Int], outShape: [Int]) -> Tensor {
        let src = self
        let out = Dispatch.run(.scatterAdd(dim: dim, index: index, outShape: outShape), [src], shape: outShape, op: "scatterAdd") { backend, buffer in
            backend.fill(buffer, value: 0)
            backend.scatterAdd(src.view, dim: dim, index: index, into: buffer, outShape: outShape)
        }
        let srcShape = shape
        return record(out, "scatterAdd", [src], vjp: { g in [g.gather(dim: dim, index: index, indexShape: srcShape)] },
                      jvp: { t in t[0]!.scatterAdd(dim: dim, index: index, outShape: outShape) })
    }

    /// Rows of a 2-D table: ids of shape `idsShape` -> [idsShape..., D] (like nn.Embedding).
    public func embedding(_ ids: [Int], idsShape: [Int]) -> Tensor {
        check(rank == 2, "embedding: table must be 2-D [count, dim], got shape \(shape)")
        check(ids.count == idsShape.reduce(1, *), "embedding: \(ids.count) ids do not fill shape \(idsShape)")
        let dim = shape[1]
        var index = [Int]()
        index.reserveCapacity(ids.count * dim)
        for id in ids {
            check(id >= 0 && id < shape[0], "embedding: id \(id) is out of range for a table of shape \(shape)")
            index.append(contentsOf: repeatElement(id, count: dim))
        }
        return gather(dim: 0, index: index, indexShape: [ids.count, dim]).reshape(idsShape + [dim])
    }
}

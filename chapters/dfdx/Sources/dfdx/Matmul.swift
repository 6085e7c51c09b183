// Matrix multiplication: the primitive (equal batch dims) and torch.matmul around it.

extension Tensor {
    /// The matmul primitive: [..., M, K] @ [..., K, N] with equal batch dims.
    func matmulPrimitive(_ other: Tensor) -> Tensor {
        let a = self, b = other
        a.requireFloat32("matmul", b)
        let outShape = Array(a.shape.dropLast()) + [b.shape[b.rank - 1]]
        let out = Dispatch.run(.matmul, [a, b], shape: outShape) { backend, buffer in
            backend.matmul(a.stridedView, b.stridedView, out: buffer)
        }
        return record(out, .matmul, [a, b], vjp: { g in
            // BEGIN SOLUTION dfdx.21: VJP of matmul: dA = G B^T, dB = A^T G, with matmulPrimitive and transpose(-1, -2)
            return [g.matmulPrimitive(b.transpose(-1, -2)), a.transpose(-1, -2).matmulPrimitive(g)]
            // END SOLUTION dfdx.21
        }, jvp: { t in sumTangents(t[0].map { $0.matmulPrimitive(b) }, t[1].map { a.matmulPrimitive($0) }) })
    }

    /// Matrix product with torch.matmul semantics: 1-D operands are promoted (and the added
    /// dim removed), batch dims broadcast. [B, M, K] @ [K, N] -> [B, M, N]. Cost: 2*B*M*K*N flops.
    public func matmul(_ other: Tensor, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(rank >= 1 && other.rank >= 1, "matmul: both arguments need at least 1 dim, got shapes \(shape) and \(other.shape)", file: file, line: line)
        let a = rank == 1 ? unsqueeze(dim: 0) : self
        let b = other.rank == 1 ? other.unsqueeze(dim: 1) : other
        let k = a.shape[a.rank - 1]
        check(k == b.shape[b.rank - 2],
              "matmul: shapes \(shape) and \(other.shape) are not aligned (\(k) != \(b.shape[b.rank - 2]))", file: file, line: line)
        guard let batch = broadcastShapes(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2))) else {
            fail("matmul: batch dims of shapes \(shape) and \(other.shape) cannot be broadcast together", file: file, line: line)
        }
        // A matrix b shared by every batch of a (a linear layer's weight): one product of all of
        // a's rows, [B*M, K] @ [K, N], as torch does. Its backward is then one GEMM with B*M
        // as the inner dim for dB, instead of B small products and a sum over the batch.
        if b.rank == 2 && a.rank > 2 {
            var out = a.reshape([a.shape.dropLast().reduce(1, *), k]).matmulPrimitive(b).reshape(Array(a.shape.dropLast()) + [b.shape[1]])
            if other.rank == 1 { out = out.squeeze(dim: -1) }
            return out
        }
        let aFull = batch + Array(a.shape.suffix(2)), bFull = batch + Array(b.shape.suffix(2))
        var out = (a.shape == aFull ? a : a.expand(aFull)).matmulPrimitive(b.shape == bFull ? b : b.expand(bFull))
        if rank == 1 { out = out.squeeze(dim: -2) }
        if other.rank == 1 { out = out.squeeze(dim: -1) }
        return out
    }
}

/// torch.nn.functional.linear without the bias: x [..., K] @ weight^T for weight [N, K] ->
/// [..., N]. A float32 weight is a matmul with a transposed view; a weight in a block format
/// (a quantized GGUF weight) is read as it is by the `linear` primitive, which de-quantizes
/// inside the kernel. Quantized weights are frozen: the gradient flows to x only.
public func linear(_ x: Tensor, _ weight: Tensor) -> Tensor {
    if !weight.dtype.isQuantized { return x.matmul(weight.transpose(0, 1)) }
    check(weight.rank == 2 && x.rank >= 1 && x.shape[x.rank - 1] == weight.shape[1],
          "linear: input of shape \(x.shape) does not fit a weight of shape \(weight.shape) (its last dim must be \(weight.shape.last ?? 0))")
    x.requireFloat32("linear")
    let outShape = Array(x.shape.dropLast()) + [weight.shape[0]]
    let out = Dispatch.run(.linear, [x, weight], shape: outShape) { backend, buffer in
        backend.linear(x.stridedView, weight.stridedView, out: buffer)
    }
    return record(out, .linear, [x, weight], saves: .only([1]), vjp: { g in [g.matmul(weight.to(.float32)), nil] },
                  jvp: { t in t[0].map { linear($0, weight) } })
}

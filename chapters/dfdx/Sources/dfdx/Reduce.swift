// Reduction primitives (sum, max over axes) and the reductions composed from them.

extension Tensor {
    /// The reduction primitive: `op` over `axes`, keeping them as size-1 dims.
    public func reduce(_ op: Reduction, axes: [Int]) -> Tensor {
        let axes = Array(Set(axes.map { normalizeDim($0, rank: rank, op: op.rawValue, shape: shape) })).sorted()
        requireFloat32(op.rawValue)
        if rank == 0 || axes.isEmpty { return self }
        var outShape = shape
        for a in axes { outShape[a] = 1 }
        let x = self
        let out = Dispatch.run(.reduce(op, axes: axes), [x], shape: outShape) { backend, buffer in
            backend.reduce(op, x.stridedView, axes: axes, out: buffer)
        }
        let inputShape = shape
        switch op {
        case .sum:
            return record(out, .reduce(.sum, axes: axes), [x], saves: .nothing, vjp: { g in
                // BEGIN SOLUTION dfdx.19: VJP of sum: g.expand(inputShape) gives every summed element the output's gradient
                return [g.expand(inputShape)]
                // END SOLUTION dfdx.19
            }, jvp: { t in t[0]!.reduce(.sum, axes: axes) })
        case .max:
            // The gradient goes to the maximal elements, split evenly between ties (like torch.amax).
            // The shares are made only when a gradient or tangent needs them.
            let y = out.bookkeepingAlias()
            let shares = {
                withNoGrad {
                    let winners = x.binary(.cmpeq, y.expand(inputShape))
                    return winners / winners.reduce(.sum, axes: axes).expand(inputShape)
                }
            }
            return record(out, .reduce(.max, axes: axes), [x], saves: .inputsAndOutput, vjp: { g in
                // BEGIN SOLUTION dfdx.20: VJP of max: g.expand(inputShape) * shares() (shares() splits the gradient among the maxima)
                return [g.expand(inputShape) * shares()]
                // END SOLUTION dfdx.20
            }, jvp: { t in (t[0]! * shares()).reduce(.sum, axes: axes) })
        }
    }

    private func dropping(_ axes: [Int], from t: Tensor) -> Tensor {
        let kept = (0..<rank).filter { !axes.contains($0) }
        return t.reshape(kept.map { shape[$0] })
    }

    /// Sum of all elements (0-d).
    public func sum() -> Tensor { reduce(.sum, axes: Array(0..<rank)).reshape([]) }
    /// Sum over `dim`.
    public func sum(dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor { sum(dims: [dim], keepdim: keepdim, file: file, line: line) }
    /// Sum over several dims.
    public func sum(dims: [Int], keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let axes = dims.map { normalizeDim($0, rank: rank, op: "sum", shape: shape, file: file, line: line) }
        let r = reduce(.sum, axes: axes)
        return keepdim || rank == 0 ? r : dropping(axes, from: r)
    }

    /// Mean of all elements (0-d).
    public func mean() -> Tensor { sum() / Float(Swift.max(count, 1)) }
    /// Mean over `dim`.
    public func mean(dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor { mean(dims: [dim], keepdim: keepdim, file: file, line: line) }
    /// Mean over several dims.
    public func mean(dims: [Int], keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let axes = Set(dims.map { normalizeDim($0, rank: rank, op: "mean", shape: shape, file: file, line: line) })
        let n = axes.reduce(1) { $0 * shape[$1] }
        return sum(dims: Array(axes), keepdim: keepdim) / Float(Swift.max(n, 1))
    }

    /// Largest element (0-d).
    public func max() -> Tensor {
        check(count > 0, "max: empty tensor of shape \(shape)")
        return reduce(.max, axes: Array(0..<rank)).reshape([])
    }
    /// Largest values along `dim` (values only).
    public func max(dim: Int, keepdim: Bool = false, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = normalizeDim(dim, rank: rank, op: "max", shape: shape, file: file, line: line)
        check(rank == 0 || shape[d] > 0, "max: dim \(dim) of shape \(shape) is empty", file: file, line: line)
        let r = reduce(.max, axes: [d])
        return keepdim || rank == 0 ? r : dropping([d], from: r)
    }

    /// Indices of the largest values along `dim` (first one on ties), in row-major order of the rest.
    public func argmax(dim: Int, file: StaticString = #fileID, line: UInt = #line) -> [Int] {
        let d = normalizeDim(dim, rank: rank, op: "argmax", shape: shape, file: file, line: line)
        if rank == 0 { return [0] }
        let moved = transpose(d, rank - 1).contiguous().toArray()
        let n = shape[d]
        check(n > 0, "argmax: dim \(dim) of shape \(shape) is empty", file: file, line: line)
        return stride(from: 0, to: moved.count, by: n).map { start in
            var best = start
            for i in start..<(start + n) where moved[i] > moved[best] { best = i }
            return best - start
        }
    }

    /// Population variance over `dim` (torch.var with correction = 0).
    public func variance(dim: Int, keepdim: Bool = false) -> Tensor {
        let mu = mean(dim: dim, keepdim: true)
        let centered = self - mu
        return (centered * centered).mean(dim: dim, keepdim: keepdim)
    }
}

// Movement primitives: reshape, permute, expand and shrink make views (new shape and
// strides over the same buffer, no copy); pad and contiguous copy. Each VJP moves the
// gradient back the opposite way.

extension Tensor {
    /// The same elements in a new shape; one entry may be -1 (inferred). A view whenever the
    /// strides allow it (always for a contiguous tensor; e.g. unsqueeze or [i] of a transposed
    /// one too), a contiguous copy otherwise (flattening a transposed matrix).
    public func reshape(_ newShape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let target = resolvedShape(newShape, op: "reshape", file: file, line: line)
        if target == shape { return self }
        // a view whenever the strides allow it (torch's rule); otherwise a contiguous copy first
        let x = viewStrides(shape, strides, target) == nil ? contiguous() : self
        let out = Dispatch.view(.reshape(target), x, shape: target, strides: viewStrides(x.shape, x.strides, target)!, offset: x.offset)
        let original = shape
        return record(out, .reshape(target), [x], saves: .nothing, vjp: { g in [g.reshape(original)] }, jvp: { t in t[0]!.reshape(target) })
    }

    /// `newShape` with its -1 (if any) filled in; stops unless it holds exactly `count` elements.
    func resolvedShape(_ newShape: [Int], op: String, file: StaticString = #fileID, line: UInt = #line) -> [Int] {
        var target = newShape
        let known = newShape.filter { $0 != -1 }.reduce(1, *)
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        check(inferred.count <= 1 && newShape.allSatisfy { $0 >= -1 },
              "\(op): invalid shape \(newShape) for a tensor of shape \(shape)", file: file, line: line)
        if let i = inferred.first {
            check(known > 0 && count % known == 0, "\(op): shape \(newShape) is invalid for input of size \(count) (shape \(shape))", file: file, line: line)
            target[i] = count / known
        }
        check(target.reduce(1, *) == count, "\(op): shape \(newShape) is invalid for input of size \(count) (shape \(shape))", file: file, line: line)
        return target
    }

    /// torch's view: reshape that never copies; stops when the strides do not allow the shape.
    public func view(_ newShape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let target = resolvedShape(newShape, op: "view", file: file, line: line)
        if viewStrides(shape, strides, target) == nil {
            fail("view: shape \(newShape) is not compatible with the strides \(strides) of a tensor of shape \(shape) (use reshape, which copies)", file: file, line: line)
        }
        return reshape(newShape)
    }

    /// Reorders the dims: result dim i is input dim `dims[i]` (a view).
    public func permute(_ dims: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(dims.count == rank, "permute: \(dims) does not list the \(rank) dims of shape \(shape)", file: file, line: line)
        let order = dims.map { normalizeDim($0, rank: rank, op: "permute", shape: shape, file: file, line: line) }
        check(Set(order).count == rank, "permute: \(dims) repeats a dim (shape \(shape))", file: file, line: line)
        // BEGIN SOLUTION dfdx.16: Dispatch.view(.permute(order), self, ...) with shape and strides taken in the new order; record it with a VJP that permutes g by the inverse order
        let out = Dispatch.view(.permute(order), self, shape: order.map { shape[$0] },
                                strides: order.map { strides[$0] }, offset: offset)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, d) in order.enumerated() { inverse[d] = i }
        return record(out, .permute(order), [self], saves: .nothing, vjp: { g in [g.permute(inverse)] }, jvp: { t in t[0]!.permute(order) })
        // END SOLUTION dfdx.16
    }

    /// Broadcasts size-1 dims (and new leading dims) to `newShape` with stride 0 (a view).
    /// -1 keeps a dim's size.
    public func expand(_ newShape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(newShape.count >= rank, "expand: cannot expand shape \(shape) to fewer dims \(newShape)", file: file, line: line)
        let lead = newShape.count - rank
        var target = newShape, newStrides = [Int](repeating: 0, count: newShape.count)
        for i in 0..<rank {
            let j = i + lead
            if newShape[j] == -1 { target[j] = shape[i] }
            check(target[j] == shape[i] || shape[i] == 1,
                  "expand: the size of dim \(i) (\(shape[i])) must match \(newShape[j]) or be 1 (shape \(shape) to \(newShape))", file: file, line: line)
            newStrides[j] = target[j] == shape[i] ? strides[i] : 0
        }
        check(target.allSatisfy { $0 >= 0 }, "expand: invalid shape \(newShape) for shape \(shape)", file: file, line: line)
        if target == shape { return self }
        let out = Dispatch.view(.expand(target), self, shape: target, strides: newStrides, offset: offset)
        return record(out, .expand(target), [self], saves: .nothing, vjp: { g in
            // BEGIN SOLUTION dfdx.17: VJP of expand: g.sum(dims:keepdim: true) over every dim that was broadcast (the first `lead` dims and those of size 1 in self.shape), then reshape to self.shape
            let original = self.shape
            let broadcastDims = (0..<target.count).filter { $0 < lead || original[$0 - lead] != target[$0] }
            return [g.sum(dims: broadcastDims, keepdim: true).reshape(original)]
            // END SOLUTION dfdx.17
        }, jvp: { t in t[0]!.expand(target) })
    }

    /// The sub-box [start, end) in every dim (a view). `ranges` has one pair per dim.
    public func shrink(_ ranges: [(Int, Int)]) -> Tensor {
        check(ranges.count == rank, "shrink: \(ranges.count) ranges for shape \(shape)")
        for (d, (s, e)) in ranges.enumerated() {
            check(0 <= s && s <= e && e <= shape[d], "shrink: range \(s)..<\(e) is out of bounds for dim \(d) of shape \(shape)")
        }
        if ranges.enumerated().allSatisfy({ $1.0 == 0 && $1.1 == shape[$0] }) { return self }
        let start = zip(ranges, strides).reduce(offset) { $0 + $1.0.0 * $1.1 }
        let out = Dispatch.view(.shrink(ranges.flatMap { [$0.0, $0.1] }), self,
                                shape: ranges.map { $0.1 - $0.0 }, strides: strides, offset: start)
        return record(out, .shrink(ranges.flatMap { [$0.0, $0.1] }), [self], saves: .nothing, vjp: { g in
            // BEGIN SOLUTION dfdx.18: VJP of shrink: g.pad with (start, size - end) per dim of self.shape puts the gradient back in place, zeros around it
            let pads = zip(ranges, self.shape).map { ($0.0, $1 - $0.1) }
            return [g.pad(pads)]
            // END SOLUTION dfdx.18
        }, jvp: { t in t[0]!.shrink(ranges) })
    }

    /// Zeros added before and after each dim; `pads` has one (before, after) pair per dim.
    public func pad(_ pads: [(Int, Int)]) -> Tensor {
        check(pads.count == rank && pads.allSatisfy { $0.0 >= 0 && $0.1 >= 0 },
              "pad: need one non-negative (before, after) pair per dim of shape \(shape), got \(pads)")
        if pads.allSatisfy({ $0 == (0, 0) }) { return self }
        let newShape = zip(shape, pads).map { $0 + $1.0 + $1.1 }
        let x = self
        let out = Dispatch.run(.pad(pads.flatMap { [$0.0, $0.1] }), [x], shape: newShape, dtype: dtype) { backend, buffer in
            backend.fill(buffer, dtype: x.dtype, value: 0)
            let s = contiguousStrides(newShape)
            let inner = zip(pads, s).reduce(0) { $0 + $1.0.0 * $1.1 }
            backend.copy(x.stridedView, to: StridedView(buffer: buffer, dtype: x.dtype, shape: x.shape, strides: s, offset: inner))
        }
        let ranges = zip(pads, shape).map { ($0.0, $0.0 + $1) }
        return record(out, .pad(pads.flatMap { [$0.0, $0.1] }), [x], saves: .nothing, vjp: { g in [g.shrink(ranges)] }, jvp: { t in t[0]!.pad(pads) })
    }

    /// The same values in a fresh row-major buffer (self when already contiguous).
    public func contiguous() -> Tensor {
        if isContiguous { return self }
        let x = self
        let out = Dispatch.run(.contiguous, [x], shape: shape, dtype: dtype) { backend, buffer in
            backend.copy(x.stridedView, to: StridedView(contiguous: buffer, dtype: x.dtype, shape: x.shape))
        }
        return record(out, .contiguous, [x], saves: .nothing, vjp: { g in [g] }, jvp: { t in t[0] })
    }

    // MARK: composed movement

    /// Swaps two dims (a view).
    public func transpose(_ a: Int, _ b: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let i = normalizeDim(a, rank: rank, op: "transpose", shape: shape, file: file, line: line)
        let j = normalizeDim(b, rank: rank, op: "transpose", shape: shape, file: file, line: line)
        var order = Array(0..<rank)
        order.swapAt(i, j)
        return permute(order)
    }

    /// Removes dim `dim`, which must have size 1.
    public func squeeze(dim: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = normalizeDim(dim, rank: rank, op: "squeeze", shape: shape, file: file, line: line)
        if rank == 0 || shape[d] != 1 { return self }   // like torch: no-op on dims of other sizes
        var s = shape
        s.remove(at: d)
        return reshape(s)
    }

    /// Inserts a size-1 dim at `dim` (which may be `rank`).
    public func unsqueeze(dim: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = normalizeDim(dim, rank: rank + 1, op: "unsqueeze", shape: shape, file: file, line: line)
        var s = shape
        s.insert(1, at: d)
        return reshape(s)
    }

    /// Elements start..<end of dim `dim` (a view); negative start/end count from the end.
    public func slice(dim: Int, start: Int, end: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = normalizeDim(dim, rank: rank, op: "slice", shape: shape, file: file, line: line)
        let n = shape[d]
        let s = start < 0 ? start + n : start, e = end < 0 ? end + n : end
        check(0 <= s && s <= e && e <= n, "slice: \(start)..<\(end) is out of range for dim \(dim) of shape \(shape)", file: file, line: line)
        var ranges = shape.map { (0, $0) }
        ranges[d] = (s, e)
        return shrink(ranges)
    }

    /// Row `i` along the first dim (negative counts from the end), one dim fewer.
    public subscript(_ i: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(rank > 0, "subscript: cannot index a 0-d tensor", file: file, line: line)
        let n = shape[0]
        check(i >= -n && i < n, "subscript: index \(i) is out of range for dim 0 of shape \(shape)", file: file, line: line)
        let k = i < 0 ? i + n : i
        return slice(dim: 0, start: k, end: k + 1).squeeze(dim: 0)
    }

    /// The size of dim `dim`, which may be negative (torch's `size(-1)`).
    public func size(_ dim: Int, file: StaticString = #fileID, line: UInt = #line) -> Int {
        shape[normalizeDim(dim, rank: rank, op: "size", shape: shape, file: file, line: line)]
    }

    /// All dims reversed (torch's `.T`; for a matrix, its transpose). A view.
    public var T: Tensor { rank < 2 ? self : permute(Array((0..<rank).reversed())) }

    /// The last two dims swapped (torch's `.mT`, a batch of transposed matrices). A view.
    public var mT: Tensor {
        check(rank >= 2, "mT: tensor of shape \(shape) has fewer than 2 dims")
        return transpose(-2, -1)
    }

    /// Pieces of `size` elements along `dim` (the last one may be shorter), like torch.split. Views.
    public func split(_ size: Int, dim: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> [Tensor] {
        let d = normalizeDim(dim, rank: rank, op: "split", shape: shape, file: file, line: line)
        check(size > 0, "split: split size must be positive, got \(size) (shape \(shape))", file: file, line: line)
        return split(stride(from: 0, to: shape[d], by: size).map { Swift.min(size, shape[d] - $0) }, dim: d, file: file, line: line)
    }

    /// Pieces of the given sizes along `dim`, which must add up to its size (torch.split with a list). Views.
    public func split(_ sizes: [Int], dim: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> [Tensor] {
        let d = normalizeDim(dim, rank: rank, op: "split", shape: shape, file: file, line: line)
        check(sizes.allSatisfy { $0 >= 0 } && sizes.reduce(0, +) == shape[d],
              "split: sizes \(sizes) do not add up to \(shape[d]), the size of dim \(dim) of shape \(shape)", file: file, line: line)
        var start = 0
        return sizes.map { n in
            defer { start += n }
            return slice(dim: d, start: start, end: start + n)
        }
    }

    /// Element `index` of dim `dim` (negative counts from the end), that dim removed (torch.select,
    /// `x[:, -1, :]` is `x.select(dim: 1, index: -1)`). A view.
    public func select(dim: Int, index: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        let d = normalizeDim(dim, rank: rank, op: "select", shape: shape, file: file, line: line)
        let n = shape[d]
        check(index >= -n && index < n, "select: index \(index) is out of range for dim \(dim) of shape \(shape)", file: file, line: line)
        let i = index < 0 ? index + n : index
        return slice(dim: d, start: i, end: i + 1).squeeze(dim: d)
    }

    /// Flattens dims start...end into one.
    public func flatten(startDim: Int = 0, endDim: Int = -1, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if rank == 0 { return reshape([1]) }
        let s = normalizeDim(startDim, rank: rank, op: "flatten", shape: shape, file: file, line: line)
        let e = normalizeDim(endDim, rank: rank, op: "flatten", shape: shape, file: file, line: line)
        return reshape(Array(shape[..<s]) + [shape[s...e].reduce(1, *)] + Array(shape[(e + 1)...]))
    }
}

/// Joins tensors along `dim` (torch.cat): each is padded to the full length and the pads are summed.
public func cat(_ ts: [Tensor], dim: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard let first = ts.first else { fail("cat: expected at least one tensor", file: file, line: line) }
    let d = normalizeDim(dim, rank: first.rank, op: "cat", shape: first.shape, file: file, line: line)
    for t in ts {
        check(t.rank == first.rank && (0..<t.rank).allSatisfy { $0 == d || t.shape[$0] == first.shape[$0] },
              "cat: shapes \(ts.map(\.shape)) differ outside dim \(dim)", file: file, line: line)
    }
    let total = ts.reduce(0) { $0 + $1.shape[d] }
    var start = 0, result: Tensor? = nil
    for t in ts {
        var pads = t.shape.map { _ in (0, 0) }
        pads[d] = (start, total - start - t.shape[d])
        start += t.shape[d]
        let placed = t.pad(pads)
        result = result.map { $0 + placed } ?? placed
    }
    return result!
}

/// Stacks same-shape tensors along a new dim `dim` (torch.stack).
public func stack(_ ts: [Tensor], dim: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
    guard let first = ts.first else { fail("stack: expected at least one tensor", file: file, line: line) }
    for t in ts { check(t.shape == first.shape, "stack: shapes \(ts.map(\.shape)) are not all equal", file: file, line: line) }
    let d = normalizeDim(dim, rank: first.rank + 1, op: "stack", shape: first.shape, file: file, line: line)
    return cat(ts.map { $0.unsqueeze(dim: d) }, dim: d)
}

/// The strides that give `newShape` over the same memory as (`shape`, `strides`), or nil when
/// there are none. Old dims are taken in runs that are contiguous with each other (a dim's
/// stride is the next one's size times its stride); the new dims must split or merge each run
/// exactly, taking their strides from inside it. Size-1 dims fit anywhere. (pt2 folds a
/// reshape into a GEMM's operand strides with it.)
public func viewStrides(_ shape: [Int], _ strides: [Int], _ newShape: [Int]) -> [Int]? {
    if shape.isEmpty || shape.contains(0) { return contiguousStrides(newShape) }
    var result = [Int](repeating: 0, count: newShape.count)
    var n = newShape.count - 1                   // next new dim to place, from the right
    var base = strides[shape.count - 1]          // stride of the innermost dim of the run
    var runCount = 1, placed = 1
    for d in stride(from: shape.count - 1, through: 0, by: -1) {
        runCount *= shape[d]
        let runEnds = d == 0 || (shape[d - 1] != 1 && strides[d - 1] != runCount * base)
        guard runEnds else { continue }
        while n >= 0 && (placed < runCount || newShape[n] == 1) {
            result[n] = placed * base
            placed *= newShape[n]
            n -= 1
        }
        if placed != runCount { return nil }
        if d > 0 { base = strides[d - 1]; runCount = 1; placed = 1 }
    }
    return n == -1 ? result : nil
}

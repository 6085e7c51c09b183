// Masks composed from comparisons and `where`: torch's tril, triu and masked_fill.
//
// tril/triu compare each element's column with its row (an outer difference of two aranges)
// and keep or zero it; masked_fill puts a value where a mask is nonzero. The gradient flows
// through `where` to the kept elements only.

extension Tensor {
    /// 1 where column - row <= diagonal for the last two dims [R, C] (float32, no gradient).
    static func lowerMask(rows: Int, cols: Int, diagonal: Int, device: Device) -> Tensor {
        withNoGrad {
            let row = Tensor.arange(rows, device: device).reshape([rows, 1])
            let col = Tensor.arange(cols, device: device).reshape([1, cols])
            return (col - row).lt(Float(diagonal) + 0.5)
        }
    }

    /// The lower triangle of the last two dims (torch.tril): elements with column - row <=
    /// diagonal are kept, the rest are 0. x: [..., R, C] -> the same shape.
    public func tril(diagonal: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(rank >= 2, "tril: input must have at least 2 dims, got shape \(shape)", file: file, line: line)
        let keep = Tensor.lowerMask(rows: shape[rank - 2], cols: shape[rank - 1], diagonal: diagonal, device: device)
        return Tensor.where(keep, self, Tensor.zeros([], dtype: dtype, device: device))
    }

    /// The upper triangle of the last two dims (torch.triu): elements with column - row >=
    /// diagonal are kept, the rest are 0. x: [..., R, C] -> the same shape.
    public func triu(diagonal: Int = 0, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(rank >= 2, "triu: input must have at least 2 dims, got shape \(shape)", file: file, line: line)
        let below = Tensor.lowerMask(rows: shape[rank - 2], cols: shape[rank - 1], diagonal: diagonal - 1, device: device)
        return Tensor.where(below, Tensor.zeros([], dtype: dtype, device: device), self)
    }

    /// `value` where `mask` is nonzero, self elsewhere (torch.masked_fill); mask broadcasts to
    /// self's shape. E.g. `scores.maskedFill(causal.eq(0), -.infinity)`.
    public func maskedFill(_ mask: Tensor, _ value: Float, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(broadcastShapes(mask.shape, shape) == shape,
              "maskedFill: mask of shape \(mask.shape) does not broadcast to the input's shape \(shape)", file: file, line: line)
        return Tensor.where(mask, Tensor.full([], value, device: device), self)
    }
}

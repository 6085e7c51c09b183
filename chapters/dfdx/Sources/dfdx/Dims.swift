// Negative dims, as PyTorch reads them: -1 is the last dim.

/// Resolves a possibly negative `dim` against `rank`, stopping with the op's name if out of range.
public func normalizeDim(_ dim: Int, rank: Int, op: String, shape: [Int], file: StaticString = #fileID, line: UInt = #line) -> Int {
    let r = max(rank, 1)
    check(dim >= -r && dim < r, "\(op): dim \(dim) is out of range for a tensor of shape \(shape) (expected -\(r) ..< \(r))", file: file, line: line)
    return dim < 0 ? dim + r : dim
}

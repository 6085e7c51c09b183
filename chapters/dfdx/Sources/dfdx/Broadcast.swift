// NumPy/PyTorch broadcasting and the arithmetic operators built on it.
//
// Two shapes broadcast when, aligned from the right, each pair of dims is equal or one of
// them is 1 (a missing dim counts as 1). Each operand is then `expand`ed to the common shape
// (a stride-0 view, no copy), and expand's VJP sums gradients back to the operand's shape.

/// The broadcast shape of `a` and `b`, or nil when they do not broadcast.
public func broadcastShapes(_ a: [Int], _ b: [Int]) -> [Int]? {
    // BEGIN SOLUTION dfdx.3: align a and b from the right (a missing dim counts as 1); each pair must be equal or contain a 1, else return nil; take the larger of each pair
    let rank = max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
        let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        guard da == db || da == 1 || db == 1 else { return nil }
        out[i] = da == 1 ? db : da
    }
    return out
    // END SOLUTION dfdx.3
}

extension Tensor {
    /// Expands `a` and `b` to their common shape; stops naming `op` and the shapes if there is none.
    @inline(__always)
    static func broadcast(_ a: Tensor, _ b: Tensor, op: String) -> (Tensor, Tensor) {
        if a.shape == b.shape { return (a, b) }   // (inlined: the common case costs no retains)
        return expanded(a, b, op: op)
    }

    static func expanded(_ a: Tensor, _ b: Tensor, op: String) -> (Tensor, Tensor) {
        guard let shape = broadcastShapes(a.shape, b.shape) else {
            fail("\(op): shapes \(a.shape) and \(b.shape) cannot be broadcast together")
        }
        return (a.shape == shape ? a : a.expand(shape), b.shape == shape ? b : b.expand(shape))
    }

    /// A 0-d tensor of this tensor's dtype on its device (for Tensor-Float arithmetic: `ids + 1`
    /// stays int32; the value must then be an integer).
    func scalar(_ value: Float) -> Tensor { Tensor.full([], value, dtype: dtype, device: device) }

    public static func + (a: Tensor, b: Tensor) -> Tensor { let (x, y) = broadcast(a, b, op: "add"); return x.binary(.add, y) }
    public static func * (a: Tensor, b: Tensor) -> Tensor { let (x, y) = broadcast(a, b, op: "mul"); return x.binary(.mul, y) }
    public static func - (a: Tensor, b: Tensor) -> Tensor { let (x, y) = broadcast(a, b, op: "sub"); return x + (-y) }
    public static func / (a: Tensor, b: Tensor) -> Tensor { let (x, y) = broadcast(a, b, op: "div"); return x * y.reciprocal() }
    public static prefix func - (a: Tensor) -> Tensor { a.unary(.neg) }

    public static func + (a: Tensor, b: Float) -> Tensor { a + a.scalar(b) }
    public static func - (a: Tensor, b: Float) -> Tensor { a + a.scalar(-b) }
    public static func * (a: Tensor, b: Float) -> Tensor { a * a.scalar(b) }
    public static func / (a: Tensor, b: Float) -> Tensor { a * a.scalar(1 / b) }
    public static func + (a: Float, b: Tensor) -> Tensor { b.scalar(a) + b }
    public static func - (a: Float, b: Tensor) -> Tensor { b.scalar(a) - b }
    public static func * (a: Float, b: Tensor) -> Tensor { b.scalar(a) * b }
    public static func / (a: Float, b: Tensor) -> Tensor { b.scalar(a) * b.reciprocal() }

    /// Elementwise max with broadcasting (torch.maximum); ties split the gradient evenly.
    public func maximum(_ other: Tensor) -> Tensor { let (x, y) = Tensor.broadcast(self, other, op: "maximum"); return x.binary(.maximum, y) }
    /// 1 where self < other, else 0 (no gradient).
    public func lt(_ other: Tensor) -> Tensor { let (x, y) = Tensor.broadcast(self, other, op: "lt"); return x.binary(.cmplt, y) }
    /// 1 where self == other, else 0 (no gradient).
    public func eq(_ other: Tensor) -> Tensor { let (x, y) = Tensor.broadcast(self, other, op: "eq"); return x.binary(.cmpeq, y) }
    /// 1 where self > other, else 0 (no gradient).
    public func gt(_ other: Tensor) -> Tensor { other.lt(self) }
    /// 1 where self == value, else 0 (no gradient).
    public func eq(_ value: Float) -> Tensor { eq(scalar(value)) }
    public func lt(_ value: Float) -> Tensor { lt(scalar(value)) }
    public func gt(_ value: Float) -> Tensor { gt(scalar(value)) }

    /// `cond != 0 ? a : b` with broadcasting over all three (torch.where).
    public static func `where`(_ cond: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        guard let ab = broadcastShapes(a.shape, b.shape), let shape = broadcastShapes(cond.shape, ab) else {
            fail("where: shapes \(cond.shape), \(a.shape) and \(b.shape) cannot be broadcast together")
        }
        func to(_ t: Tensor) -> Tensor { t.shape == shape ? t : t.expand(shape) }
        return select(to(cond.to(.float32)), to(a), to(b))
    }
}

// Index expressions: how a kernel finds element (i0, i1, ...) of a value without the value
// ever being materialised. A movement op is not a loop and not a copy: it is a rewrite of
// the index its consumer asks for. permute reorders it, expand reads index 0 of a broadcast
// dim, shrink adds the start, pad reads 0 outside the input, reshape goes through the flat
// position. Folded all the way down, every load is `buffer[affine expression]`.

/// An integer expression of the loop variables, simplified as it is built (x*1 = x, x+0 = x,
/// constants folded) so the generated C reads like hand-written C.
public indirect enum IndexExpr: Hashable, Sendable, CustomStringConvertible {
    case constant(Int)
    case variable(String)
    case sum(IndexExpr, IndexExpr)
    case product(IndexExpr, Int)
    case quotient(IndexExpr, Int)
    case remainder(IndexExpr, Int)
    /// The expression clamped into 0..<n (a padded read stays inside its buffer).
    case clamped(IndexExpr, Int)

    public static func + (a: IndexExpr, b: IndexExpr) -> IndexExpr {
        switch (a, b) {
        case (.constant(0), _): return b
        case (_, .constant(0)): return a
        case (.constant(let x), .constant(let y)): return .constant(x + y)
        default: return .sum(a, b)
        }
    }

    public static func * (a: IndexExpr, k: Int) -> IndexExpr {
        switch a {
        case _ where k == 0: return .constant(0)
        case _ where k == 1: return a
        case .constant(let x): return .constant(x * k)
        default: return .product(a, k)
        }
    }

    public static func / (a: IndexExpr, k: Int) -> IndexExpr {
        if k == 1 { return a }
        if case .constant(let x) = a { return .constant(x / k) }
        return .quotient(a, k)
    }

    public static func % (a: IndexExpr, k: Int) -> IndexExpr {
        if k == 1 { return .constant(0) }
        if case .constant(let x) = a { return .constant(x % k) }
        return .remainder(a, k)
    }

    /// The value for the loop variables `values` (a variable missing there stops).
    public func evaluate(_ values: [String: Int]) -> Int {
        switch self {
        case .constant(let x): return x
        case .variable(let name):
            guard let v = values[name] else { fail("IndexExpr.evaluate: no value for \(name)") }
            return v
        case .sum(let a, let b): return a.evaluate(values) + b.evaluate(values)
        case .product(let a, let k): return a.evaluate(values) * k
        case .quotient(let a, let k): return a.evaluate(values) / k
        case .remainder(let a, let k): return a.evaluate(values) % k
        case .clamped(let a, let n): return Swift.min(Swift.max(a.evaluate(values), 0), n - 1)
        }
    }

    /// As C: `i0 * 8 + i1`.
    public var description: String {
        switch self {
        case .constant(let x): return String(x)
        case .variable(let name): return name
        case .sum(let a, .constant(let k)) where k < 0: return "\(a) - \(-k)"
        case .sum(let a, let b): return "\(a) + \(b)"
        case .product(let a, let k): return "\(a.factor) * \(k)"
        case .quotient(let a, let k): return "\(a.factor) / \(k)"
        case .remainder(let a, let k): return "\(a.factor) % \(k)"
        case .clamped(let a, let n): return "pt2_clamp(\(a), \(n))"
        }
    }

    /// Parenthesised where a sum would bind wrongly as an operand of *, / or %.
    var factor: String {
        if case .sum = self { return "(\(self))" }
        return description
    }
}

/// A padded dim: its input index is read only when inside 0..<size (`below`: it can fall
/// under 0, `above`: reach size).
public struct PadBound: Sendable {
    public let dim: Int
    public let index: IndexExpr
    public let size: Int
    public let below: Bool, above: Bool

    /// The C condition, `i0 - 1 >= 0 && i0 - 1 < 4`.
    public var condition: String {
        ((below ? ["\(index) >= 0"] : []) + (above ? ["\(index) < \(size)"] : [])).joined(separator: " && ")
    }
}

/// The flat position of `index` in a contiguous row-major buffer of `shape`.
public func flatIndex(_ index: [IndexExpr], shape: [Int]) -> IndexExpr {
    let strides = contiguousStrides(shape)
    var flat = IndexExpr.constant(0)
    for d in index.indices where shape[d] != 1 { flat = flat + index[d] * strides[d] }
    return flat
}

/// A movement op folded into the index its consumer reads with: given the index into the
/// op's output (shape `outShape`), the index into its input (shape `inShape`), and for pad
/// the bounds checks that must hold for the input to be read (else the value is 0).
public func inputIndex(of movement: Primitive, index: [IndexExpr], inShape: [Int], outShape: [Int])
    -> (index: [IndexExpr], bounds: [PadBound]) {
    switch movement {
    case .permute, .expand:
        return (permutedOrExpandedIndex(movement, index: index, inShape: inShape, outShape: outShape), [])
    case .shrink(let flat):
        return (index.indices.map { index[$0] + .constant(flat[2 * $0]) }, [])
    case .pad(let flat):
        // input index = output index - before; valid when 0 <= it < inShape[d]
        var out: [IndexExpr] = [], bounds: [PadBound] = []
        for d in index.indices {
            let i = index[d] + .constant(-flat[2 * d])
            out.append(i)
            if flat[2 * d] != 0 || flat[2 * d + 1] != 0 {
                bounds.append(PadBound(dim: d, index: i, size: inShape[d], below: flat[2 * d] > 0, above: flat[2 * d + 1] > 0))
            }
        }
        return (out, bounds)
    case .reshape:
        // dims of size 1 added or removed: the other dims map one to one
        let outDims = outShape.indices.filter { outShape[$0] != 1 }, inDims = inShape.indices.filter { inShape[$0] != 1 }
        if outDims.map({ outShape[$0] }) == inDims.map({ inShape[$0] }) {
            var out = [IndexExpr](repeating: .constant(0), count: inShape.count)
            for (o, i) in zip(outDims, inDims) { out[i] = index[o] }
            return (out, [])
        }
        // in general through the flat position: input index[d] = (flat / stride[d]) % size[d]
        let flat = flatIndex(index, shape: outShape), strides = contiguousStrides(inShape)
        return (inShape.indices.map { d in
            inShape[d] == 1 ? .constant(0) : (d == 0 ? flat / strides[d] : (flat / strides[d]) % inShape[d])
        }, [])
    case .contiguous, .detach:
        return (index, [])
    default:
        fail("inputIndex: \(movement) is not a movement op (shapes \(inShape) -> \(outShape))")
    }
}

/// The input index of a permute or an expand, given the index into its output.
func permutedOrExpandedIndex(_ movement: Primitive, index: [IndexExpr], inShape: [Int], outShape: [Int]) -> [IndexExpr] {
    // BEGIN SOLUTION pt2.2: permute(order): output dim i is input dim order[i], so the input index at order[i] is index[i]; expand (it may add leading dims, which the input does not have): input dim d is output dim d + lead; one of size 1 that the output widens is read at index 0, every other at its own index
    if case .permute(let order) = movement {
        var out = [IndexExpr](repeating: .constant(0), count: order.count)
        for (i, d) in order.enumerated() { out[d] = index[i] }
        return out
    }
    let lead = outShape.count - inShape.count           // new leading dims are not read at all
    return inShape.indices.map { inShape[$0] == 1 && outShape[$0 + lead] != 1 ? .constant(0) : index[$0 + lead] }
    // END SOLUTION pt2.2
}

/// True for the ops an index expression folds away.
func isMovement(_ p: Primitive) -> Bool {
    switch p {
    case .reshape, .permute, .expand, .shrink, .pad, .contiguous, .detach: return true
    default: return false
    }
}

// Simplifying an index with the loop bounds. Folded through reshapes, a load's index is full
// of `(x) / 1536 * 1536 + (x) % 1536` where x is `i0 * 393216 + i1 * 1536 + i2`: it is x, but
// only because 0 <= i2 < 1536, which the expression alone does not say. A division or a
// remainder in an inner loop's index keeps the C compiler from vectorizing the loop, so each
// load's index is rewritten knowing every loop variable's range: as a sum of terms
// (coefficient times an atom: a variable, or a quotient, remainder or clamp it could not
// remove), where for k > 0 and x = k * A + R with 0 <= R and x >= 0,
//   x / k = A + R / k    and    x % k = R % k,
// and R / k is 0, R % k is R, a clamp into 0..<n is its operand, when the bounds allow.

/// An index as a sum of atoms with coefficients, plus a constant (`IndexExpr.simplified`).
struct LinearIndex {
    var terms: [(atom: IndexExpr, coefficient: Int)] = []
    var constant = 0

    static func + (a: LinearIndex, b: LinearIndex) -> LinearIndex {
        var out = a
        out.constant += b.constant
        for t in b.terms {
            if let at = out.terms.firstIndex(where: { $0.atom == t.atom }) { out.terms[at].coefficient += t.coefficient }
            else { out.terms.append(t) }
        }
        out.terms.removeAll { $0.coefficient == 0 }
        return out
    }

    static func * (a: LinearIndex, k: Int) -> LinearIndex {
        if k == 0 { return LinearIndex() }
        return LinearIndex(terms: a.terms.map { ($0.atom, $0.coefficient * k) }, constant: a.constant * k)
    }

    static func atom(_ e: IndexExpr) -> LinearIndex { LinearIndex(terms: [(e, 1)]) }

    /// The least and greatest value, when every atom's range is known.
    func bounds(_ ranges: [String: Int]) -> (lo: Int, hi: Int)? {
        var lo = constant, hi = constant
        for t in terms {
            guard let (a, b) = LinearIndex.bounds(of: t.atom, ranges) else { return nil }
            if t.coefficient > 0 { lo += t.coefficient * a; hi += t.coefficient * b } else { lo += t.coefficient * b; hi += t.coefficient * a }
        }
        return (lo, hi)
    }

    static func bounds(of atom: IndexExpr, _ ranges: [String: Int]) -> (lo: Int, hi: Int)? {
        switch atom {
        case .variable(let name): return ranges[name].map { (0, $0 - 1) }
        case .clamped(_, let n): return (0, n - 1)
        case .quotient(let a, let k):
            guard let (lo, hi) = LinearIndex(a, ranges).bounds(ranges), lo >= 0 else { return nil }
            return (lo / k, hi / k)
        case .remainder(let a, let k):
            guard let (lo, hi) = LinearIndex(a, ranges).bounds(ranges), lo >= 0 else { return nil }
            return (0, Swift.min(k - 1, hi))
        default: return nil
        }
    }

    /// The sum as an expression, terms in the order they were met, the constant last.
    var expression: IndexExpr {
        var e = IndexExpr.constant(0)
        for t in terms { e = e + t.atom * t.coefficient }
        return e + .constant(constant)
    }

    /// `x` split by `k` (> 0): the terms whose coefficients k divides, divided by k (A), and
    /// the rest (R), with the constant's remainder in 0..<k going to R.
    func split(_ k: Int) -> (quotient: LinearIndex, rest: LinearIndex) {
        var q = LinearIndex(), r = LinearIndex()
        for t in terms {
            if t.coefficient % k == 0 { q.terms.append((t.atom, t.coefficient / k)) } else { r.terms.append(t) }
        }
        let c = constant >= 0 ? constant / k : -((-constant + k - 1) / k)       // floor
        q.constant = c
        r.constant = constant - c * k
        return (q, r)
    }

    init(terms: [(atom: IndexExpr, coefficient: Int)] = [], constant: Int = 0) {
        self.terms = terms
        self.constant = constant
    }

    /// `e` as a sum, simplified with the variables' ranges (`ranges[name]`: the loop's size).
    init(_ e: IndexExpr, _ ranges: [String: Int]) {
        switch e {
        case .constant(let x): self.init(constant: x)
        case .variable: self = .atom(e)
        case .sum(let a, let b): self = LinearIndex(a, ranges) + LinearIndex(b, ranges)
        case .product(let a, let k): self = LinearIndex(a, ranges) * k
        case .quotient(let a, let k):
            let x = LinearIndex(a, ranges)
            if k > 0, let (lo, _) = x.bounds(ranges), lo >= 0 {
                let (q, r) = x.split(k)
                if let (rlo, rhi) = r.bounds(ranges), rlo >= 0 {
                    self = rhi < k ? q : q + .atom(.quotient(r.expression, k))
                    return
                }
            }
            self = .atom(.quotient(x.expression, k))
        case .remainder(let a, let k):
            let x = LinearIndex(a, ranges)
            if k > 0, let (lo, _) = x.bounds(ranges), lo >= 0 {
                let (_, r) = x.split(k)
                if let (rlo, rhi) = r.bounds(ranges), rlo >= 0 {
                    self = rhi < k ? r : .atom(.remainder(r.expression, k))
                    return
                }
            }
            self = .atom(.remainder(x.expression, k))
        case .clamped(let a, let n):
            let x = LinearIndex(a, ranges)
            if let (lo, hi) = x.bounds(ranges), lo >= 0, hi < n { self = x; return }
            self = .atom(.clamped(x.expression, n))
        }
    }
}

extension IndexExpr {
    /// The same index for loop variables in 0..<ranges[name] (a variable not there: any
    /// value), with the divisions, remainders and clamps those ranges make useless removed.
    public func simplified(ranges: [String: Int]) -> IndexExpr {
        LinearIndex(self, ranges).expression
    }
}

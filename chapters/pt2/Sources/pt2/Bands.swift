// What a constant mask tells the compiler: causal attention adds a mask of -inf above the
// diagonal, so half of every score, probability and their gradients is known before the
// program runs. Two analyses over the graph find it, on the last two dims of each value:
//   - `known`, forward: where a value is exactly 0 or -inf whatever the inputs are (the mask
//     itself, read off the constant; a sum with -inf; exp(-inf) = 0; a product with 0);
//   - `dead`, backward: where a value reaches nothing (every reader adds -inf to it there,
//     multiplies it by a known 0, or is elementwise and dead there in turn).
// A matmul then skips what does not count (`MatmulSkip`, brrr's banded SGEMM): the k of each
// tile of C where its rows of A or columns of B are known 0 (P @ v, dq = dS @ k, dv = P^T @ dO,
// dk^T = q^T @ dS) and the tiles that are dead (the scores q k^T, dP = dO v^T), which it fills
// with zeros so that every float the kernels read stays finite. A row kernel whose output is
// known there (the softmax's probabilities, their gradient dS) computes each row only up to
// the band and stores the known value past it (`KernelWriter.bandedColumns`). PyTorch's
// scaled_dot_product_attention needs `is_causal=True` to do this; here the constant says it.
// On finite values the results are the same: a skipped term adds 0 to a sum, and a dead score
// is replaced by another finite one before -inf is added. (An inf or NaN among the skipped
// terms, which would make eager's row NaN, does not reach the compiled result.)

/// The region of a [..., R, C] value where c - r > offset (`upper`) or r - c > offset.
struct Band: Hashable, Sendable {
    var upper: Bool
    var offset: Int
    /// The same region of the value's transpose (its last two dims swapped).
    var transposed: Band { Band(upper: !upper, offset: offset) }
    /// Whether (r, c) lies in the region.
    func contains(_ r: Int, _ c: Int) -> Bool { upper ? c - r > offset : r - c > offset }
    /// The region both bands lie in (nil when they face opposite ways).
    func meet(_ other: Band) -> Band? {
        upper == other.upper ? Band(upper: upper, offset: max(offset, other.offset)) : nil
    }
}

/// A band of a value where every element is `value` (0 or -inf).
struct KnownBand: Hashable, Sendable {
    var band: Band
    var value: Float
}

/// What a matmul [..., M, K] @ [..., K, N] may skip: A's known-zero band (in A's [M, K]), B's
/// (in [K, N]) and the output's dead band (in [M, N]).
struct MatmulSkip: Hashable, Sendable {
    var zeroA: Band?
    var zeroB: Band?
    var deadOut: Band?
}

/// The two analyses over one graph. `inputs`: what is known of input nodes (by argument
/// number): the backward's saved values, known from the joint graph.
struct Bands {
    /// PICOGRAD_BANDS=0 turns the skips off (to compare with the full products).
    static let enabled = environment("PICOGRAD_BANDS") != "0"

    var known: [Int: KnownBand] = [:]
    var dead: [Int: Band] = [:]

    init(_ g: Graph, inputs: [Int: KnownBand] = [:]) {
        for (i, n) in g.nodes.enumerated() { if let k = Bands.known(n, in: g, known, inputs) { known[i] = k } }
        var read = Set<Int>(g.outputs)
        for w in g.writes { read.insert(w.value); read.insert(w.target) }
        var readers = [[Int]](repeating: [], count: g.nodes.count)
        for (i, n) in g.nodes.enumerated() { for j in n.inputs { readers[j].append(i) } }
        for i in g.nodes.indices.reversed() where !read.contains(i) && !readers[i].isEmpty && g.nodes[i].dtype == .float32 {
            var band: Band?
            for (k, r) in readers[i].enumerated() {
                guard let b = deadFor(i, reader: r, g), let m = k == 0 ? b : band?.meet(b) else { band = nil; break }
                band = m
            }
            if let band { dead[i] = band }
        }
    }

    /// The band of node x that reader r ignores, if any.
    func deadFor(_ x: Int, reader r: Int, _ g: Graph) -> Band? {
        let n = g.nodes[r]
        guard n.shape.count >= 2, let p = n.primitive else { return nil }
        switch p {
        case .binary(let op) where n.inputs.count == 2 && n.inputs[0] != n.inputs[1]:
            let other = n.inputs[0] == x ? n.inputs[1] : n.inputs[0]
            if let k = known[other], (op == .add && k.value == -.infinity) || (op == .mul && k.value == 0) { return k.band }
            return dead[r]
        case .unary: return dead[r]
        case .reshape, .expand, .contiguous, .detach, .permute:
            return Bands.carried(p, from: n.shape, to: g.nodes[x].shape, dead[r])
        default: return nil
        }
    }

    /// What a node's value is known to be in a band.
    static func known(_ n: GraphNode, in g: Graph, _ known: [Int: KnownBand], _ inputs: [Int: KnownBand]) -> KnownBand? {
        guard n.dtype == .float32, n.shape.count >= 2 else { return nil }
        switch n.op {
        case .input(let k): return inputs[k]
        case .primitive(let p):
            switch p {
            case .data(let d, _): return mask(d, shape: n.shape)
            case .reshape, .expand, .contiguous, .detach, .permute:
                guard let k = known[n.inputs[0]],
                      let b = carried(p, from: g.nodes[n.inputs[0]].shape, to: n.shape, k.band) else { return nil }
                return KnownBand(band: b, value: k.value)
            case .binary(.add):
                if let k = n.inputs.lazy.compactMap({ known[$0] }).first(where: { $0.value == -.infinity }) { return k }
                if let a = known[n.inputs[0]], let b = known[n.inputs[1]], a.value == 0, b.value == 0, let m = a.band.meet(b.band) {
                    return KnownBand(band: m, value: 0)
                }
                return nil
            case .binary(.mul): return n.inputs.lazy.compactMap({ known[$0] }).first { $0.value == 0 }
            case .unary(.exp): return known[n.inputs[0]].flatMap { $0.value == -.infinity ? KnownBand(band: $0.band, value: 0) : nil }
            case .unary(.neg): return known[n.inputs[0]].flatMap { $0.value == 0 ? $0 : nil }
            default: return nil
            }
        default: return nil
        }
    }

    /// A band carried through a movement op that keeps the last two dims (a reshape or expand
    /// of the leading dims) or swaps them (a transpose); nil for any other movement. The same
    /// either way: from an op's input to its output (`known`) or back (`dead`).
    static func carried(_ p: Primitive, from: [Int], to: [Int], _ band: Band?) -> Band? {
        guard let band, from.count >= 2, to.count >= 2 else { return nil }
        switch p {
        case .permute(let perm):
            let r = perm.count
            if perm.suffix(2) == [r - 2, r - 1] { return band }
            if perm.suffix(2) == [r - 1, r - 2] { return band.transposed }
            return nil
        default:
            return from.suffix(2) == to.suffix(2) ? band : nil
        }
    }

    /// A constant whose last two dims hold one value (0 or -inf) in a band: the smallest
    /// offset past which every element of the upper (or lower) band is that value. A band of
    /// -inf (an additive mask) wins over one of 0 (which is then the mask's other side).
    static func mask(_ d: HostData, shape: [Int]) -> KnownBand? {
        guard case .float32(let v) = d.values, v.count <= 1 << 22 else { return nil }
        let (rows, cols) = (shape[shape.count - 2], shape[shape.count - 1])
        guard rows > 0, cols > 0, v.count > 0, v.count % (rows * cols) == 0 else { return nil }
        let planes = v.count / (rows * cols)
        var found: [KnownBand] = []
        for upper in [true, false] {
            let corner = upper ? v[cols - 1] : v[(rows - 1) * cols]
            guard corner == 0 || corner == -.infinity else { continue }
            // the offset: the farthest element from the diagonal that is not the corner's value
            var offset = -(rows + cols)
            for p in 0..<planes {
                for r in 0..<rows {
                    for c in 0..<cols where v[(p * rows + r) * cols + c] != corner { offset = max(offset, upper ? c - r : r - c) }
                }
            }
            // a band that holds fewer than a row's worth of elements is not worth a skip
            if upper ? offset < cols - 2 : offset < rows - 2 { found.append(KnownBand(band: Band(upper: upper, offset: offset), value: corner)) }
        }
        return found.first { $0.value == -.infinity } ?? found.first
    }

    /// What each matmul of the graph may skip.
    func matmulSkips(_ g: Graph) -> [Int: MatmulSkip] {
        var out: [Int: MatmulSkip] = [:]
        for (i, n) in g.nodes.enumerated() where n.primitive == .matmul {
            let skip = MatmulSkip(zeroA: known[n.inputs[0]].flatMap { $0.value == 0 ? $0.band : nil },
                                  zeroB: known[n.inputs[1]].flatMap { $0.value == 0 ? $0.band : nil }, deadOut: dead[i])
            if skip != MatmulSkip() { out[i] = skip }
        }
        return out
    }
}

// Rotary position embeddings (RoPE), in HuggingFace's "rotate_half" layout.
//
// Each head vector's two halves are paired: dim i with dim i + D/2. Position p rotates the
// pair (x_i, x_{i+D/2}) by the angle p * theta^(-2i/D). A query at p and a key at p' then
// meet with a relative rotation of (p - p'), so attention sees relative positions.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// cos and sin tables for positions 0..<maxLen: each [maxLen, headDim] (the halves repeat).
public struct RotaryTables: @unchecked Sendable {
    public let cos: Tensor
    public let sin: Tensor

    /// Tables for head vectors of size headDim (even), positions 0..<maxLen, base theta.
    public init(headDim: Int, maxLen: Int, theta: Float, device: Device = .default) {
        check(headDim % 2 == 0, "RoPE: head dim \(headDim) must be even")
        let half = headDim / 2
        var c = [Float](repeating: 0, count: maxLen * headDim), s = c
        for p in 0..<maxLen {
            for i in 0..<half {
                // like HF: inverse frequency and angle rounded to float32 before cos/sin
                let invFreq = Float(1 / pow(Double(theta), Double(2 * i) / Double(headDim)))
                let angle = Float(p) * invFreq
                for j in [i, i + half] {
                    c[p * headDim + j] = cosf(angle)
                    s[p * headDim + j] = sinf(angle)
                }
            }
        }
        cos = Tensor(c, shape: [maxLen, headDim], device: device)
        sin = Tensor(s, shape: [maxLen, headDim], device: device)
    }
}

/// x * cos + rotate_half(x) * sin, rotate_half(x) = cat(-x[..., D/2:], x[..., :D/2]).
/// x: [B, H, T, D] at positions start..<start+T -> [B, H, T, D].
public func applyRotary(_ x: Tensor, _ tables: RotaryTables, start: Int) -> Tensor {
    let (t, d) = (x.shape[2], x.shape[3])
    check(start + t <= tables.cos.shape[0], "RoPE: positions up to \(start + t) exceed the table length \(tables.cos.shape[0])")
    check(d == tables.cos.shape[1], "RoPE: head dim \(d) does not match the tables' \(tables.cos.shape[1])")
    // BEGIN SOLUTION lego.8: take the cos/sin rows of positions start..<start+T; rotate_half = cat(-second half, first half); return x*cos + rotate_half(x)*sin
    let cos = tables.cos.slice(dim: 0, start: start, end: start + t)
    let sin = tables.sin.slice(dim: 0, start: start, end: start + t)
    let x1 = x.slice(dim: 3, start: 0, end: d / 2), x2 = x.slice(dim: 3, start: d / 2, end: d)
    let rotated = cat([-x2, x1], dim: 3)
    return x * cos + rotated * sin
    // END SOLUTION lego.8
}

/// applyRotary with the cos/sin rows given ([T, D] each): a KV-cache step selects them by its
/// int32 positions (`tables.cos.embedding(positions)`), once for every layer, so the position
/// is an input, not a constant of the computation.
public func applyRotary(_ x: Tensor, cos: Tensor, sin: Tensor) -> Tensor {
    let d = x.shape[3]
    check(cos.shape == [x.shape[2], d] && sin.shape == cos.shape, "RoPE: rows of shape \(cos.shape) for x of shape \(x.shape)")
    // one kernel where the backend has it (brrr's CPU backend); the line below defines it
    if let y = fusedRotary(x, cos: cos, sin: sin) { return y }
    let x1 = x.slice(dim: 3, start: 0, end: d / 2), x2 = x.slice(dim: 3, start: d / 2, end: d)
    return x * cos + cat([-x2, x1], dim: 3) * sin
}

// The KV cache: the keys and values of every position seen so far, so that generating one
// more token costs one position's work instead of the whole sequence's.
//
// Its memory is fixed when it is made: `capacity` positions per layer (SmolLM2 at 2048: 30
// layers x 2 x [3 heads, 2048, 64] floats = 94 MB), zeroed, and written in place at each new
// position (`indexCopy`, with the positions an int32 tensor). Attention reads the first
// `span` rows, the filled length rounded up to a power of two and masked past the last
// position, so a decode step has one of a few shapes whatever the position: the shapes a
// compiler would specialize for (chapter 4) stay few.

/// Keys and values of every layer, [B, nKVHeads, capacity, headDim] each, filled up to `count`.
public final class KVCache: @unchecked Sendable {
    /// Positions it can hold; positions filled so far (the next token sits at `count`).
    public let capacity: Int
    public internal(set) var count = 0
    public let batch: Int
    public let device: Device
    /// Per layer, written in place.
    public let keys: [Tensor]
    public let values: [Tensor]

    /// An empty cache for `batch` sequences of at most `capacity` positions, made (zeroed) on `device`.
    public init(config c: LlamaConfig, batch: Int = 1, capacity: Int, device: Device = .default) {
        check(capacity >= 1 && batch >= 1, "KVCache: capacity \(capacity) and batch \(batch) must be at least 1")
        (self.capacity, self.batch, self.device) = (capacity, batch, device)
        let shape = [batch, c.nKVHeads, capacity, c.headDim]
        keys = (0..<c.nLayers).map { _ in Tensor.zeros(shape, device: device) }
        values = (0..<c.nLayers).map { _ in Tensor.zeros(shape, device: device) }
    }

    /// Counts `n` more positions as filled (after a step that wrote them:
    /// `Llama.forward(_:positions:span:cache:)`).
    public func advance(by n: Int) {
        check(n >= 0 && count + n <= capacity, "KVCache: advancing \(count) filled positions by \(n) exceeds the capacity \(capacity)")
        count += n
    }

    /// Bytes the cache holds.
    public var byteCount: Int { (keys + values).reduce(0) { $0 + $1.count * 4 } }

    /// Writes the new keys and values [B, KV, T, D] of `layer` into the rows `positions` (int32 [T]).
    func write(layer: Int, keys k: Tensor, values v: Tensor, at positions: Tensor) {
        // BEGIN SOLUTION lego.58: write k and v into rows `positions` of this layer's caches along the sequence dim (dim 2), in place with indexCopy
        keys[layer].indexCopy(dim: 2, index: positions, source: k)
        values[layer].indexCopy(dim: 2, index: positions, source: v)
        // END SOLUTION lego.58
    }

    /// The rows attention reads once `filled` positions are written: filled rounded up to a
    /// power of two (at least 16), at most the capacity.
    public static func span(filled: Int, capacity: Int) -> Int {
        var s = 16
        while s < filled { s *= 2 }
        return Swift.min(s, capacity)
    }
}

/// What every layer of one cached step shares, made once per step: the positions (int32 [T]),
/// the span of cache rows attention reads, the RoPE rows of the positions ([T, headDim] each)
/// and the additive mask, repeated for the query heads that share a key head ([rep * T, span]).
struct CachedStep {
    let positions: Tensor
    let span: Int
    let cos: Tensor, sin: Tensor
    let mask: Tensor

    init(positions: Tensor, span: Int, rope: RotaryTables, queryRowsPerKeyHead rep: Int) {
        let t = positions.count
        (self.positions, self.span) = (positions, span)
        cos = rope.cos.embedding(positions)
        sin = rope.sin.embedding(positions)
        mask = cachedAttentionMask(positions: positions, span: span).unsqueeze(dim: 0).expand([rep, t, span]).reshape([rep * t, span])
    }
}

/// The additive mask of cached attention: 0 where key j may be seen by the query at
/// positions[i] (j <= positions[i]), -inf elsewhere (the future, and rows not yet written).
/// positions: int32 [T] -> [T, span].
public func cachedAttentionMask(positions: Tensor, span: Int) -> Tensor {
    let t = positions.count
    let keyPositions = Tensor(int32: Array(0..<span), shape: [1, span], device: positions.device)
    let visible = keyPositions.lt(positions.reshape([t, 1]) + 1)
    return Tensor.where(visible, Tensor.zeros([], device: positions.device), Tensor.full([], -.infinity, device: positions.device))
}

// Turning logits into the next token: temperature, top-k, top-p (nucleus), then a draw.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The distribution to sample from: softmax(logits / temperature), keeping only the topK
/// most likely tokens and then (renormalized) the smallest set whose probability reaches topP (the token
/// that crosses topP is kept, like HF), renormalized. Works on the host in Double.
public func samplingProbabilities(_ logits: [Float], temperature: Float, topK: Int? = nil, topP: Float? = nil) -> [Double] {
    check(temperature > 0, "samplingProbabilities: temperature must be > 0, got \(temperature)")
    check(!logits.isEmpty, "samplingProbabilities: no logits")
    // BEGIN SOLUTION lego.11: softmax(logits / T); zero all but the topK largest; sort by probability and keep the prefix until the sum reaches topP; renormalize
    let scaled = logits.map { Double($0) / Double(temperature) }
    let m = scaled.max()!
    var p = scaled.map { exp($0 - m) }
    var total = p.reduce(0, +)
    p = p.map { $0 / total }
    let order = p.indices.sorted { p[$0] > p[$1] || (p[$0] == p[$1] && $0 < $1) }
    var keep = order.count
    if let k = topK { keep = min(keep, max(k, 1)) }
    if let topP {
        let kept = order.prefix(keep).reduce(0.0) { $0 + p[$1] }   // renormalized after top-k, like HF
        var cumulative = 0.0
        for (rank, i) in order.prefix(keep).enumerated() {
            cumulative += p[i] / kept
            if cumulative >= Double(topP) { keep = rank + 1; break }
        }
    }
    for i in order.dropFirst(keep) { p[i] = 0 }
    total = p.reduce(0, +)
    return p.map { $0 / total }
    // END SOLUTION lego.11
}

/// The next token: argmax at temperature 0, otherwise a draw from `samplingProbabilities`.
public func sampleToken(_ logits: [Float], temperature: Float, topK: Int? = nil, topP: Float? = nil,
                        generator: inout Generator) -> Int {
    if temperature == 0 {
        var best = 0
        for i in logits.indices where logits[i] > logits[best] { best = i }
        return best
    }
    let p = samplingProbabilities(logits, temperature: temperature, topK: topK, topP: topP)
    let u = Double(generator.uniform())
    var cumulative = 0.0
    for (i, pi) in p.enumerated() where pi > 0 {
        cumulative += pi
        if u < cumulative { return i }
    }
    return p.lastIndex { $0 > 0 } ?? 0
}

/// One cached step of a generation: ids (int32 [1, T]) at positions (int32 [T]), reading the
/// first `span` rows of the cache -> logits [1, T, vocab]; what `Llama.forward(_:positions:span:cache:)` computes.
public typealias DecodeStep = (_ ids: Tensor, _ positions: Tensor, _ span: Int, _ cache: KVCache) -> Tensor

extension Llama {
    /// Generates up to `maxNewTokens` tokens after `ids` with a KV cache: one forward over the
    /// prompt, then one position per step. Temperature 0 is greedy. Returns the new ids only.
    public func generate(_ ids: [Int], maxNewTokens: Int, temperature: Float = 0, topK: Int? = nil,
                         topP: Float? = nil, seed: UInt64 = 0) -> [Int] {
        generate(ids, maxNewTokens: maxNewTokens, temperature: temperature, topK: topK, topP: topP, seed: seed) { _ in }
    }

    /// The generation loop (the CLI's too): calls `onToken` with each new id as soon as it is
    /// chosen (streaming). Stops at a token in `stopTokens` (not returned nor passed to
    /// onToken), after maxNewTokens, or when the cache is full (`contextLength` positions).
    /// `step`, when given, runs every step after the prompt's in place of
    /// `forward(_:positions:span:cache:)` (pt2's `compiledDecodeStep` compiles it).
    public func generate(_ ids: [Int], maxNewTokens: Int, temperature: Float = 0, topK: Int? = nil,
                         topP: Float? = nil, seed: UInt64 = 0, stopTokens: Set<Int> = [],
                         step: DecodeStep? = nil, onToken: (Int) -> Void) -> [Int] {
        check(!ids.isEmpty, "generate: the prompt must have at least one token")
        check(ids.count <= contextLength, "generate: prompt of \(ids.count) tokens exceeds the context length \(contextLength)")
        var generator = Generator(seed: seed)
        var cache: KVCache? = nil
        var out: [Int] = []
        return withNoGrad {
            var input = ids
            while out.count < maxNewTokens && (cache?.count ?? 0) + input.count <= contextLength {
                let logits: Tensor
                if let step, let c = cache {
                    logits = cachedStep(input, shape: [1, input.count], cache: c, through: step).squeeze(dim: 0)
                } else {
                    logits = forward(input, cache: &cache)
                }
                let last = logits[logits.shape[0] - 1].toArray()
                let next = sampleToken(last, temperature: temperature, topK: topK, topP: topP, generator: &generator)
                if stopTokens.contains(next) { break }
                out.append(next)
                onToken(next)
                input = [next]
            }
            return out
        }
    }
}

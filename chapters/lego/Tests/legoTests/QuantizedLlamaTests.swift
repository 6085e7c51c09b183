// A llama whose weights stay in their GGUF block formats: built on its device from the file
// with no random init, its frozen weights in the state dict as buffers, its KV cache written
// in place. The float32 twin of the same weights is the expected value.
import Testing
@testable import lego
import dfdx

/// Q4_1 blocks of a row-major float matrix [rows, k]: per block d = (max - min) / 15, m = min.
func quantizeQ4_1(_ v: [Float]) -> [UInt8] {
    var out: [UInt8] = []
    for b in stride(from: 0, to: v.count, by: 32) {
        let block = Array(v[b..<(b + 32)])
        let lo = block.min()!, hi = block.max()!
        let d = (hi - lo) / 15
        let dh = floatToHalf(d), mh = floatToHalf(lo)
        let (dq, mq) = (halfBitsToFloat(dh), halfBitsToFloat(mh))
        out += [UInt8(dh & 0xFF), UInt8(dh >> 8), UInt8(mh & 0xFF), UInt8(mh >> 8)]
        let q = block.map { x -> UInt8 in dq == 0 ? 0 : UInt8(Swift.max(0, Swift.min(15, ((x - mq) / dq).rounded()))) }
        for j in 0..<16 { out.append(q[j] | q[j + 16] << 4) }
    }
    return out
}

/// Q8_0 blocks: d = max|x| / 127.
func quantizeQ8_0(_ v: [Float]) -> [UInt8] {
    var out: [UInt8] = []
    for b in stride(from: 0, to: v.count, by: 32) {
        let block = Array(v[b..<(b + 32)])
        let dh = floatToHalf(block.map { Swift.abs($0) }.max()! / 127), d = halfBitsToFloat(dh)
        out += [UInt8(dh & 0xFF), UInt8(dh >> 8)]
        out += block.map { UInt8(bitPattern: Int8(d == 0 ? 0 : Swift.max(-127, Swift.min(127, ($0 / d).rounded())))) }
    }
    return out
}

/// A one-layer llama as a GGUF file: token_embd in Q8_0, the projections in Q4_1, norms in F32.
func tinyQuantizedGGUF() -> [UInt8] {
    var g = Generator(seed: 9)
    var w = GGUFWriter()
    for (k, v) in [("general.architecture", GGUFValue.string("llama")), ("llama.embedding_length", .uint32(32)),
                   ("llama.block_count", .uint32(1)), ("llama.attention.head_count", .uint32(2)),
                   ("llama.attention.head_count_kv", .uint32(1)), ("llama.feed_forward_length", .uint32(64)),
                   ("llama.context_length", .uint32(64)), ("llama.rope.freq_base", .float32(10000)),
                   ("llama.attention.layer_norm_rms_epsilon", .float32(1e-5))] { w.add(k, v) }
    func random(_ n: Int) -> [Float] { (0..<n).map { _ in g.normal() * 0.3 } }
    w.addTensor("token_embd.weight", dims: [32, 40], type: .q8_0, data: quantizeQ8_0(random(40 * 32)))
    for (name, rows, cols) in [("attn_q", 32, 32), ("attn_k", 16, 32), ("attn_v", 16, 32), ("attn_output", 32, 32),
                               ("ffn_gate", 64, 32), ("ffn_up", 64, 32), ("ffn_down", 32, 64)] {
        w.addTensor("blk.0.\(name).weight", dims: [cols, rows], type: .q4_1, data: quantizeQ4_1(random(rows * cols)))
    }
    for name in ["blk.0.attn_norm.weight", "blk.0.ffn_norm.weight", "output_norm.weight"] {
        w.addTensor(name, shape: [32], f32: random(32).map { $0 + 1 })
    }
    return w.bytes()
}

@Suite struct QuantizedLlama {
    @Test func builtOnItsDeviceFromTheFileWithNoRandomInit() throws {
        let file = try GGUFFile(bytes: tinyQuantizedGGUF())
        let profile = Profiler()
        let model = try Dispatch.withHandler(profile) { try Llama(gguf: file, device: .reference, context: 32) }
        // the file's tensors are uploaded once each, straight to the device: no random draws, no copies in
        #expect(profile.counts["assign"] == nil && profile.counts["mul"] == nil && profile.counts["add"] == nil)
        let state = model.stateDict()
        #expect(Set(state.keys) == Set(Llama.expectedShapes(model.config).keys))
        #expect(state.values.allSatisfy { $0.device == .reference })
        #expect(state["model.embed_tokens.weight"]!.dtype == .q8_0)
        #expect(state["model.layers.0.mlp.down_proj.weight"]!.dtype == .q4_1)
        #expect(state["model.norm.weight"]!.dtype == .float32)
        #expect(model.parameters().isEmpty && model.namedBuffers().count == state.count)   // frozen: buffers
        #expect(model.contextLength == 32)
    }

    @Test func quantizedKernelsMatchTheFloatTwin() throws {
        let file = try GGUFFile(bytes: tinyQuantizedGGUF())
        let q = try Llama(gguf: file)
        // the same weights de-quantized (and q/k un-permuted) into a float32 llama
        let twin = Llama(config: q.config)
        var floats: [String: Tensor] = [:]
        for (k, t) in q.stateDict() { floats[k] = t.to(.float32) }
        try twin.loadStateDict(floats)
        let ids = [3, 17, 39, 0, 8, 8]
        let (a, b) = withNoGrad { (q(ids).toArray(), twin(ids).toArray()) }
        #expect(a.count == 6 * 40)
        #expect(zip(a, b).allSatisfy { Swift.abs($0 - $1) <= 1e-4 + 1e-4 * Swift.abs($1) })
        // through the KV cache too, one token at a time
        var cache: KVCache? = nil
        var stepped: [Float] = []
        for id in ids { stepped += withNoGrad { q.forward([id], cache: &cache) }.toArray() }
        #expect(zip(stepped, b).allSatisfy { Swift.abs($0 - $1) <= 1e-4 + 1e-4 * Swift.abs($1) })
    }

    @Test func theCacheIsWrittenInPlace() throws {
        let model = try Llama(gguf: GGUFFile(bytes: tinyQuantizedGGUF()), context: 40)
        var cache: KVCache? = nil
        _ = withNoGrad { model.forward([1, 2, 3], cache: &cache) }
        let c = try #require(cache)
        let buffer = c.keys[0].buffer
        #expect(c.capacity == 40 && c.count == 3 && c.byteCount == 2 * 1 * 40 * 16 * 4)
        _ = withNoGrad { model.forward([4], cache: &cache) }
        #expect(cache === c && c.keys[0].buffer === buffer && c.count == 4)   // same memory, one more row
        let rows = c.keys[0].reshape([40, 16]).toArray()
        #expect(rows[(3 * 16)..<(4 * 16)].contains { $0 != 0 })          // row 3 was written
        #expect(rows[(4 * 16)...].allSatisfy { $0 == 0 })                  // rows past it are untouched
        // a decode step attends over one of a few spans, whatever the position
        #expect((1...40).map { KVCache.span(filled: $0, capacity: 40) }.reduce(into: Set<Int>()) { $0.insert($1) } == [16, 32, 40])
    }

    @Test func frozenWeightsAreBuffersInTheStateDict() throws {
        let frozen = Linear(weight: Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3]), bias: parameter(Tensor.zeros([2])))
        #expect(frozen.namedParameters().map(\.0) == ["bias"] && frozen.namedBuffers().map(\.0) == ["weight"])
        #expect(Set(frozen.stateDict().keys) == ["weight", "bias"])
        try frozen.loadStateDict(["weight": Tensor.ones([2, 3]), "bias": Tensor.ones([2])])
        #expect(frozen.weight.toArray() == [1, 1, 1, 1, 1, 1])
        // a block-format weight refuses float values under its name: a dtype mismatch, named
        let q = Linear(weight: quantizeQ8_0((0..<64).map { Float($0) }).withUnsafeBytes { Tensor(bytes: $0, dtype: .q8_0, shape: [2, 32]) })
        #expect(throws: StateDictError.self) { try q.loadStateDict(["weight": Tensor.zeros([2, 32])]) }
    }
}

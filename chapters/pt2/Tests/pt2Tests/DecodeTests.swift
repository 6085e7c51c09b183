import Testing
@testable import pt2

/// The compiled decode step (`CompiledDecode`, `picograd generate --compile`): lego's cached
/// step with tensor positions, traced once per span, its KV cache written in place.
@Suite("pt2 decode")
struct DecodeTests {
    static let config = LlamaConfig(dim: 16, nLayers: 2, nHeads: 4, nKVHeads: 2, hiddenDim: 24, vocabSize: 20,
                                    maxSeqLen: 64, normEps: 1e-5, ropeTheta: 10000, tieEmbeddings: true)

    @Test func compiledStepsMatchEager() {
        // a prompt of 5, then 20 single-token steps: positions 5..24 cross the span from 16 to 32
        let llama = withDefaultGenerator(Generator(seed: 4)) { Llama(config: Self.config) }
        let prompt = [3, 1, 4, 1, 5], next = (0..<20).map { ($0 * 7 + 2) % 20 }
        func run(_ step: DecodeStep?) -> (logits: [[Float]], keys: [Float]) {
            withNoGrad {
                var cache: KVCache? = nil
                _ = llama.forward(prompt, cache: &cache)
                let c = cache!
                var logits: [[Float]] = []
                for id in next {
                    let positions = Tensor(int32: [c.count], shape: [1])
                    let span = KVCache.span(filled: c.count + 1, capacity: c.capacity)
                    let ids = Tensor(int32: [id], shape: [1, 1])
                    let y = step?(ids, positions, span, c) ?? llama.forward(ids, positions: positions, span: span, cache: c)
                    c.advance(by: 1)
                    logits.append(y.toArray())
                }
                return (logits, c.keys[1].toArray())
            }
        }
        let eager = run(nil)
        let compiled = CompiledDecode(llama)
        let got = run(compiled.step)
        for (i, (a, b)) in zip(got.logits, eager.logits).enumerated() { CompileTests.close(a, b, "logits of step \(i)") }
        CompileTests.close(got.keys, eager.keys, "the last layer's cached keys")
        #expect(compiled.traceCount == 2, "one program per span (16, 32): \(compiled.traceCount)")
    }

    @Test func cacheWriteRunsInPlace() {
        // the indexCopy into the captured cache writes its rows into the cache's own buffer:
        // its kernel stores the source's rows only (no copy of the destination)
        let cache = Tensor.zeros([2, 8, 4])
        let f = CompiledFunction { t in
            cache.indexCopy(dim: 1, index: t[1], source: t[0].exp())
            return [cache.slice(dim: 1, start: 0, end: 4).sum(dim: -1)]
        }
        let rows = Tensor.randn([2, 1, 4]), at = Tensor(int32: [2], shape: [1])
        let program = f.program(for: [rows, at])
        let copy = program.optimized.nodes.indices.first { program.optimized.nodes[$0].primitive?.name == "indexCopy" }!
        #expect(program.inPlace[copy] != nil, "the cache's write is in place: \(program.inPlace)")
        let kernel = program.kernels.first { $0.name == "k\(copy)" }!
        #expect(!kernel.reads.contains(program.optimized.nodes[copy].inputs[0]), "the kernel does not read the destination:\n\(kernel.source)")
        let buffer = ObjectIdentifier(cache.buffer)
        let y = withNoGrad { f([rows, at]) }[0]
        let expected = withNoGrad { rows.exp().sum(dim: -1) }.toArray()
        #expect(ObjectIdentifier(cache.buffer) == buffer, "the cache keeps its buffer")
        CompileTests.close(y.toArray(), [0, 0, expected[0], 0, 0, 0, expected[1], 0], "row 2 written, the rest zero")
        CompileTests.close(cache.toArray().enumerated().filter { ($0.offset / 4) % 8 == 2 }.map(\.element),
                           withNoGrad { rows.exp() }.toArray(), "the cache's row 2")
    }

    @Test func sharedCacheIsCopiedFirst() {
        // the same tensor passed twice: the write is planned in place, but at run time the
        // buffer is held by two arguments, so the kernel writes a fresh buffer, which must
        // start as the cache's copy (the kernel stores only the new row)
        let f: ([Tensor]) -> [Tensor] = { t in
            t[0].indexCopy(dim: 0, index: Tensor(int32: [1], shape: [1]), source: t[1])
            return [t[0].sum(dim: 1), t[2] * 2]
        }
        var g = Generator(seed: 9)
        let base = Tensor.randn([3, 5], generator: &g), src = Tensor.randn([1, 5], generator: &g)
        let (a, b) = (base.contiguous() + 0, base.contiguous() + 0)
        let eager = withNoGrad { f([a, src, a]) }.map { $0.toArray() }
        let compiled = CompiledFunction(f)
        let program = compiled.program(for: [b, src, b])
        #expect(program.inPlace.count == 1, "the write is planned in place: \(program.optimized)")
        let got = withNoGrad { compiled([b, src, b]) }.map { $0.toArray() }
        CompileTests.close(got[0], eager[0], "the written cache")
        CompileTests.close(got[1], eager[1], "the other read of the same buffer")
        CompileTests.close(b.toArray(), a.toArray(), "the write-back")
    }
}

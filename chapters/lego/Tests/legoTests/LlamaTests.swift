// llama inference: the KV cache gives the same logits as a full forward, and generation with it
// matches a greedy loop without it.
import Testing
import lego

@Suite struct LlamaTests {
    static func tiny(tied: Bool = false) -> Llama {
        manualSeed(11)
        return Llama(config: LlamaConfig(dim: 16, nLayers: 2, nHeads: 4, nKVHeads: 2, hiddenDim: 24, vocabSize: 20,
                                         maxSeqLen: 32, normEps: 1e-5, ropeTheta: 10000, tieEmbeddings: tied))
    }

    @Test func cacheMatchesFullForward() {
        let model = Self.tiny()
        let ids = [3, 1, 4, 1, 5, 9, 2, 6]
        let full = withNoGrad { model(ids) }.toArray()
        var cache: KVCache? = nil
        let first = withNoGrad { model.forward(Array(ids[..<5]), cache: &cache) }
        #expect(cache?.count == 5 && first.shape == [5, 20])
        var pieces = first.toArray()
        for id in ids[5...] { pieces += withNoGrad { model.forward([id], cache: &cache) }.toArray() }
        #expect(cache?.count == 8)
        #expect(zip(full, pieces).allSatisfy { Swift.abs($0 - $1) < 1e-4 })
    }

    @Test func greedyGenerationMatchesArgmaxLoop() {
        let model = Self.tiny(tied: true)
        var ids = [1, 2, 3]
        var streamed: [Int] = []
        let generated = model.generate(ids, maxNewTokens: 6, onToken: { streamed.append($0) })
        for _ in 0..<6 {
            let logits = withNoGrad { model(ids) }
            ids.append(logits[ids.count - 1].argmax(dim: 0)[0])
        }
        #expect(generated == Array(ids[3...]) && streamed == generated)
    }

    @Test func samplingIsSeededAndStopsAtMaxSeqLen() {
        let model = Self.tiny()
        let a = model.generate([1], maxNewTokens: 5, temperature: 1, topK: 5, topP: 0.9, seed: 4)
        let b = model.generate([1], maxNewTokens: 5, temperature: 1, topK: 5, topP: 0.9, seed: 4)
        #expect(a == b && a.count == 5)
        #expect(model.generate(Array(repeating: 1, count: 30), maxNewTokens: 10).count == 3)
    }

    @Test func topKOneIsGreedy() {
        var g = Generator(seed: 1)
        let logits: [Float] = [0.1, 2, -1, 1.9]
        #expect((0..<20).allSatisfy { _ in sampleToken(logits, temperature: 1, topK: 1, generator: &g) == 1 })
        let p = samplingProbabilities(logits, temperature: 1, topP: 0.01)
        #expect(p[1] == 1)
    }
}

// Modules as a PyTorch port uses them (issue 26): tied weights, module containers, apply and
// modules(), zeroGrad, and models called with id tensors.
import Testing
import lego

@Suite struct IdiomModuleTests {
    /// A token embedding and a head that share one weight (nanoGPT's tying).
    final class Tied: Module {
        let wte = Embedding(5, 3)
        let head = Linear(3, 5, bias: false)
        override init() {
            super.init()
            head.weight = wte.weight
        }
        override func forward(_ ids: Tensor) -> Tensor { head(wte(ids)) }
    }

    @Test func aTiedWeightIsListedOnceAndMovesByOneLearningRate() {
        let m = Tied()
        #expect(m.namedParameters().map(\.0) == ["wte.weight"])   // torch: the first name only
        #expect(m.parameterCount == 15)                             // 5 x 3, not twice
        let before = m.wte.weight.toArray()
        let lr: Float = 0.1
        let opt = SGD(m.parameters(), lr: lr)
        // a loss whose gradient is all ones: d(sum of weight)/d(weight) = 1 per element
        m.wte.weight.sum().backward()
        opt.step()
        let after = m.head.weight.toArray()
        // by hand: w - lr * 1, once (a doubled list would give w - 2 lr)
        for (a, b) in zip(after, before) { #expect(Swift.abs(a - (b - lr)) < 1e-6) }
        #expect(m.head.weight === m.wte.weight)
    }

    @Test func idTensorsThroughEmbeddingAndModels() {
        manualSeed(1)
        let m = Tied()
        let ids = Tensor(int32: [4, 0, 2], shape: [3])
        #expect(m(ids).shape == [3, 5])
        let gpt = GPT(config: GPTConfig(dim: 8, nLayers: 1, nHeads: 2, vocabSize: 11, blockSize: 4))
        let batch = [3, 1, 4, 1, 5, 9, 2, 6]
        let fromTensor = gpt(Tensor(int32: batch, shape: [2, 4]))
        let fromArray = gpt(batch, shape: [2, 4])
        #expect(fromTensor.shape == [2, 4, 11] && fromTensor.toArray() == fromArray.toArray())
        let llama = Llama(config: LlamaConfig(dim: 8, nLayers: 1, nHeads: 2, nKVHeads: 1, hiddenDim: 16, vocabSize: 11, maxSeqLen: 8))
        #expect(llama(Tensor(int32: batch, shape: [2, 4])).toArray() == llama(batch, shape: [2, 4]).toArray())
        #expect(llama(Tensor(int32: [3, 1], shape: [2])).shape == [2, 11])
        let mlp = MLPLanguageModel(vocabSize: 7, context: 3, embedDim: 2, hiddenDim: 5)
        #expect(mlp(Tensor(int32: [1, 2, 3, 0, 0, 6], shape: [2, 3])).toArray() == mlp([1, 2, 3, 0, 0, 6], shape: [2, 3]).toArray())
        // languageModelLoss with an id tensor equals the [Int] form
        let targets = [1, 2, 3, 4, 5, 6, 7, 8]
        #expect(languageModelLoss(fromArray, targets: Tensor(int32: targets, shape: [2, 4])).item()
                == languageModelLoss(fromArray, targets: targets).item())
    }

    @Test func containersNameLikeTorch() {
        let dict = ModuleDict(["wte": Embedding(4, 2), "h": ModuleList([Linear(2, 2), Linear(2, 2, bias: false)]), "flat": Flatten()])
        #expect(dict.keys == ["wte", "h", "flat"])
        #expect(dict.namedParameters().map(\.0) == ["wte.weight", "h.0.weight", "h.0.bias", "h.1.weight"])
        let emb: Embedding = dict["wte", as: Embedding.self]
        #expect(emb.weight.shape == [4, 2])
        #expect(Flatten()(Tensor.zeros([2, 3, 4])).shape == [2, 12])
        // modules(): self first, then each module once, parents before children
        #expect(dict.namedModules().map(\.0) == ["", "wte", "h", "h.0", "h.1", "flat"])
        var visited: [String] = []
        dict.apply { visited.append("\(type(of: $0))") }   // children first, self last (torch's apply)
        #expect(visited == ["Embedding", "Linear", "Linear", "ModuleList", "Flatten", "ModuleDict"])
    }

    @Test func applyInitializesAndZeroGradDropsGradients() {
        let model = Sequential([Linear(4, 3), Activation { $0.tanh() }, Linear(3, 2)])
        model.apply { m in
            if let l = m as? Linear {
                Init.normal_(l.weight, mean: 0, std: 0.02)
                if let b = l.bias { Init.zeros_(b) }
            }
        }
        for (name, p) in model.namedParameters() where name.hasSuffix("bias") { #expect(p.toArray().allSatisfy { $0 == 0 }) }
        model(Tensor.ones([1, 4])).sum().backward()
        #expect(model.parameters().allSatisfy { $0.grad != nil })
        model.zeroGrad()
        #expect(model.parameters().allSatisfy { $0.grad == nil })
    }
}

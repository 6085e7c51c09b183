// Modules: parameter discovery, PyTorch key names, state dicts, initialization, train/eval.
import Testing
import lego

@Suite struct ModuleTests {
    @Test func snakeCaseMatchesTorchNames() {
        #expect(snakeCase("selfAttn") == "self_attn")
        #expect(snakeCase("ln1") == "ln_1")
        #expect(snakeCase("lnF") == "ln_f")
        #expect(snakeCase("postAttentionLayernorm") == "post_attention_layernorm")
        #expect(snakeCase("wte") == "wte")
    }

    @Test func llamaKeysAreHuggingFaces() {
        let c = LlamaConfig(dim: 8, nLayers: 2, nHeads: 2, nKVHeads: 1, hiddenDim: 12, vocabSize: 10, maxSeqLen: 16)
        let keys = Set(Llama(config: c).stateDict().keys)
        var expected: Set<String> = ["model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"]
        for i in 0..<2 {
            for p in ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                      "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj", "input_layernorm", "post_attention_layernorm"] {
                expected.insert("model.layers.\(i).\(p).weight")
            }
        }
        #expect(keys == expected)
        var tied = c
        tied.tieEmbeddings = true
        #expect(Set(Llama(config: tied).stateDict().keys) == expected.subtracting(["lm_head.weight"]))
    }

    @Test func gptKeysAreNanoGPTs() {
        let keys = Set(GPT(config: GPTConfig(dim: 8, nLayers: 1, nHeads: 2, vocabSize: 5, blockSize: 4)).stateDict().keys)
        #expect(keys.contains("transformer.h.0.ln_1.weight") && keys.contains("transformer.h.0.attn.c_attn.bias"))
        #expect(keys.contains("transformer.ln_f.bias") && keys.contains("lm_head.weight") && keys.contains("transformer.wpe.weight"))
        #expect(keys.count == 2 + 12 + 2 + 1)
    }

    @Test func sequentialNamesLikeTorch() {
        let s = Sequential([Linear(3, 4), Activation { $0.tanh() }, Linear(4, 2, bias: false)])
        #expect(s.namedParameters().map(\.0) == ["0.weight", "0.bias", "2.weight"])
        #expect(s(Tensor.ones([5, 3])).shape == [5, 2])
    }

    @Test func linearInitIsKaimingUniform() {
        manualSeed(0)
        let l = Linear(100, 50)
        let w = l.weight.toArray(), bound: Float = 0.1
        #expect(w.allSatisfy { Swift.abs($0) <= bound } && l.bias!.toArray().allSatisfy { Swift.abs($0) <= bound })
        let mean = w.reduce(0, +) / Float(w.count), meanSquare = w.map { $0 * $0 }.reduce(0, +) / Float(w.count)
        #expect(Swift.abs(mean) < 0.005 && Swift.abs(meanSquare - bound * bound / 3) < 0.0005)
    }

    @Test func loadStateDictNamesBadKeys() {
        let m = Linear(3, 2)
        do {
            try m.loadStateDict(["weight": Tensor.zeros([2, 4]), "extra": Tensor.zeros([1])])
            Issue.record("expected an error")
        } catch {
            let text = "\(error)"
            #expect(text.contains("missing keys: bias"))
            #expect(text.contains("unexpected keys: extra"))
            #expect(text.contains("weight: checkpoint [2, 4], model [2, 3]"))
        }
        try? m.loadStateDict(["weight": Tensor.ones([2, 3]), "bias": Tensor.zeros([2])])
        #expect(m(Tensor.ones([1, 3])).toArray() == [3, 3])
    }

    @Test func trainEvalReachesChildren() {
        let d = Dropout(0.5)
        let s = Sequential([Linear(2, 2), d])
        s.eval()
        #expect(!d.training)
        s.train()
        #expect(d.training)
    }

    @Test func parametersAreLeavesThatGetGradients() {
        let m = MLP(dim: 4, hidden: 8)
        m(Tensor.ones([2, 4])).sum().backward()
        #expect(m.parameters().count == 4 && m.parameters().allSatisfy { $0.grad != nil })
    }
}
